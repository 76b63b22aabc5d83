/**
 * Audits and doctor runs as jobs (issue 26, src/audit/jobs.ts) on a real seeded service: a request starts
 * one and answers at once; later requests read its progress and, once done, the report, which is the
 * report POST /v1/audits answers. One of a kind runs at a time (the same kind and scope asked again is
 * answered with the job already queued or running), a job can be cancelled while queued or running, the
 * windows go on settling while one runs, and the report is kept in the store, for another process too.
 *
 * The service's long-read thread pauses after each page of the audit (and batch of doctor), so that a job
 * can be seen running and cancelled; that pause is the only thing set for tests.
 */
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_JOB_INTERRUPTED, AuditJobs } from '../../src/audit/jobs.js';
import { auditJobListSchema, auditJobSchema, auditJobStartedSchema } from '../../src/audit/schemas.js';
import { compiled } from '../../src/store/write-set.js';
import { inpatientBill, startTestService, type TestService } from '../http/fixture.js';

const HOSPITAL = 'H152200-L01';
const POOR = 'P-000001';
const PAUSE_MS = 600;

let svc: TestService;
let auditor: string;
let windowKey: string;

beforeAll(async () => {
  svc = await startTestService({ service: { auditThread: { pauseMs: PAUSE_MS } } });
  auditor = await svc.key('auditor');
  windowKey = await svc.key('window', HOSPITAL);
}, 120_000);
afterAll(() => svc?.close());

const post = (path: string, body?: unknown, key = auditor) => {
  const r = request(svc.app).post(path).set('Authorization', `Bearer ${key}`);
  return body === undefined ? r : r.send(body as object);
};
const get = (path: string, key = auditor) => request(svc.app).get(path).set('Authorization', `Bearer ${key}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll a job until it has finished (bounded; not a timing assertion). */
async function finished(id: string) {
  for (let i = 0; i < 600; i++) {
    const r = await get(`/v1/audit-jobs/${id}`);
    expect(r.status).toBe(200);
    if (r.body.status !== 'queued' && r.body.status !== 'running') return r.body;
    await sleep(50);
  }
  throw new Error(`audit job ${id} has not finished`);
}

/** Poll a job until it is running. */
async function running(id: string) {
  for (let i = 0; i < 600; i++) {
    const r = await get(`/v1/audit-jobs/${id}`);
    if (r.body.status === 'running') return r.body;
    expect(r.body.status).toBe('queued');
    await sleep(10);
  }
  throw new Error(`audit job ${id} never ran`);
}

describe('audit jobs over HTTP', () => {
  it('an audit job answers at once, shows its progress, and once done holds the report POST /v1/audits answers', async () => {
    const scope = { from: '2018-01-01', to: '2018-12-31' };
    const start = await post('/v1/audit-jobs', { kind: 'audit', scope });
    expect(start.status).toBe(202);
    expect(start.body).toEqual({ id: expect.stringMatching(/^AJ\d{8}[0-9A-F]{10}$/), status: 'queued' });

    const seen = await running(start.body.id);
    expect(seen).toMatchObject({ kind: 'audit', scope, status: 'running', startedAt: expect.any(String), finishedAt: null });
    expect(seen.report).toBeUndefined();

    const job = await finished(start.body.id);
    const sync = await post('/v1/audits', scope);
    expect(sync.status).toBe(200);
    expect(job.status).toBe('done');
    expect(job.report).toEqual(sync.body);
    expect(job.report.count).toBeGreaterThan(0);
    // Progress counts the settlements read, of all in scope: all of them at the end.
    expect(job.progress).toEqual({ done: sync.body.count, total: sync.body.count });
    expect(job.error).toBeUndefined();
    // The answers are what /openapi.json documents.
    auditJobStartedSchema.parse(start.body);
    auditJobSchema.parse(seen);
    auditJobSchema.parse(job);
  });

  it('a doctor job holds the doctor report; the list shows jobs of a kind, newest first, without reports', async () => {
    const start = await post('/v1/audit-jobs', { kind: 'doctor', scope: { year: 2018 } });
    expect(start.status).toBe(202);
    const job = await finished(start.body.id);
    expect(job.status).toBe('done');
    expect(job.report).toMatchObject({ years: [2018], ok: true, violations: [] });
    expect(job.report.settlements).toBeGreaterThan(0);

    const list = await get('/v1/audit-jobs?kind=doctor');
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThan(0);
    expect(list.body.items.every((j: { kind: string }) => j.kind === 'doctor')).toBe(true);
    expect(list.body.items[0]).toMatchObject({ id: start.body.id, status: 'done' });
    expect(list.body.items[0].report).toBeUndefined();
    auditJobListSchema.parse(list.body);
    const done = await get('/v1/audit-jobs?status=done&kind=');
    expect(done.body.items.map((j: { id: string }) => j.id)).toContain(start.body.id);
  });

  it('one job of a kind at a time: the same request while it runs is that job; another scope waits queued; a doctor runs beside it', async () => {
    const a = await post('/v1/audit-jobs', { kind: 'audit', scope: { from: '2018-01-01' } });
    expect(a.status).toBe(202);
    // The same kind and scope (keys in another order, a blank left out) is answered with the same job.
    const again = await post('/v1/audit-jobs', { scope: { from: '2018-01-01' }, kind: 'audit' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(a.body.id);

    const b = await post('/v1/audit-jobs', { kind: 'audit', scope: { hospital: HOSPITAL } });
    expect(b.status).toBe(202);
    expect(b.body.id).not.toBe(a.body.id);
    const d = await post('/v1/audit-jobs', { kind: 'doctor' });
    expect(d.status).toBe(202);

    await running(a.body.id);
    // While a runs, b waits its turn; the doctor job has a thread of its own and runs meanwhile.
    expect((await get(`/v1/audit-jobs/${b.body.id}`)).body.status).toBe('queued');
    await running(d.body.id);
    expect((await get(`/v1/audit-jobs/${a.body.id}`)).body.status).toBe('running');

    for (const id of [a.body.id, b.body.id, d.body.id]) expect((await finished(id)).status).toBe('done');
    const [ja, jb] = [await get(`/v1/audit-jobs/${a.body.id}`), await get(`/v1/audit-jobs/${b.body.id}`)];
    expect(Date.parse(jb.body.startedAt)).toBeGreaterThanOrEqual(Date.parse(ja.body.finishedAt));
    expect(jb.body.report.hospital).toMatchObject({ code: HOSPITAL });
  });

  it('a running job is cancelled at once and stops; a queued one never runs; a finished one cannot be cancelled', async () => {
    const a = await post('/v1/audit-jobs', { kind: 'audit', scope: { to: '2018-06-30' } });
    const b = await post('/v1/audit-jobs', { kind: 'audit', scope: { to: '2018-07-31' } });
    await running(a.body.id);

    const queued = await post(`/v1/audit-jobs/${b.body.id}/cancel`);
    expect(queued.status).toBe(200);
    expect(queued.body).toMatchObject({ id: b.body.id, status: 'cancelled', error: '已取消', startedAt: null });
    const cancelled = await post(`/v1/audit-jobs/${a.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: a.body.id, status: 'cancelled', error: '已取消', finishedAt: expect.any(String) });

    await svc.audits.idle();
    const after = (await get(`/v1/audit-jobs/${a.body.id}`)).body;
    expect(after.status).toBe('cancelled');
    expect(after.report).toBeUndefined();
    // It stopped before it had read everything: the thread pauses at its start, where the cancel reached it.
    expect(after.progress.done).toBe(0);
    expect((await get(`/v1/audit-jobs/${b.body.id}`)).body).toMatchObject({ status: 'cancelled', startedAt: null });

    const again = await post(`/v1/audit-jobs/${a.body.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'JOB_FINISHED' });
    expect(again.body.error.message).toContain('已取消');
  });

  it('the windows settle while an audit job runs, and the audit never takes the write lock', async () => {
    const job = await post('/v1/audit-jobs', { kind: 'audit' });
    await running(job.body.id);
    const settled = await post('/v1/settlements', inpatientBill({ billNo: 'T-AJ-DURING-1', hospital: HOSPITAL, person: POOR, discharged: '2018-11-20' }), windowKey);
    expect(settled.status).toBe(201);
    // Still running when the settlement was answered: the settlement did not wait for the audit.
    expect((await get(`/v1/audit-jobs/${job.body.id}`)).body.status).toBe('running');
    expect((await finished(job.body.id)).status).toBe('done');
  });

  it('refuses a bad request with the field path, records nothing, and is for auditors only', async () => {
    const before = await svc.store.db.selectFrom('audit_jobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const cases: [unknown, string, string?][] = [
      [{ kind: 'recount' }, 'kind'],
      [{ kind: 'audit', scope: { from: '2018-13-01' } }, 'scope.from'],
      [{ kind: 'audit', scope: { from: '2018-06-01', to: '2018-01-01' } }, 'scope.to'],
      [{ kind: 'audit', scope: { hospital: 'H-NOWHERE' } }, 'scope.hospital', 'UNKNOWN_HOSPITAL'],
      [{ kind: 'doctor', scope: { year: 1900 } }, 'scope.year'],
      [{ kind: 'doctor', scope: { from: '2018-01-01' } }, 'scope.from'],
    ];
    for (const [body, path, code] of cases) {
      const r = await post('/v1/audit-jobs', body);
      expect(r.status, JSON.stringify(body)).toBe(422);
      if (code) expect(r.body.error.code).toBe(code);
      expect(r.body.error.issues.map((i: { path: string }) => i.path), JSON.stringify(r.body)).toContain(path);
    }
    const bad = await get('/v1/audit-jobs?status=finished');
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues[0].path).toBe('query.status');
    const after = await svc.store.db.selectFrom('audit_jobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));

    expect((await post('/v1/audit-jobs', { kind: 'audit' }, windowKey)).status).toBe(403);
    expect((await get('/v1/audit-jobs', windowKey)).status).toBe(403);
    expect((await get('/v1/audit-jobs/AJ-NONE')).status).toBe(404);
  });
});

describe('audit jobs across processes', () => {
  it('a finished job’s report is read by another process; one whose process stopped is recorded as interrupted', async () => {
    const done = await post('/v1/audit-jobs', { kind: 'doctor', scope: { year: 2018 } });
    const report = (await finished(done.body.id)).report;

    let clock = new Date();
    const other = new AuditJobs({ store: svc.store, logger: pino({ level: 'silent' }), now: () => clock });
    try {
      const read = await other.get(done.body.id);
      expect(read).toMatchObject({ status: 'done', report });

      // A job left running by a process that stopped: no heartbeat since.
      const at = new Date(clock.getTime() - 10 * 60_000).toISOString();
      const insert = svc.store.db
        .insertInto('audit_jobs')
        .values({ id: 'AJ-GONE', kind: 'audit', scope_json: '{}', status: 'running', created_at: at, started_at: at, finished_at: null, progress_done: 7, progress_total: 20, report_json: null, error: null, created_by: 'k', heartbeat_at: at })
        .compile();
      await svc.store.write({ steps: [{ kind: 'run', run: compiled(insert) }] });
      const gone = await other.get('AJ-GONE');
      expect(gone).toMatchObject({ status: 'error', error: AUDIT_JOB_INTERRUPTED, progress: { done: 7, total: 20 }, finishedAt: clock.toISOString() });
      // The same scope asked again starts a new job rather than answering the dead one.
      clock = new Date(clock.getTime() + 1000);
      const fresh = await other.start({ kind: 'audit' }, null);
      expect(fresh.id).not.toBe('AJ-GONE');
      expect(fresh.existing).toBe(false);
      await other.idle();
      expect((await other.get(fresh.id)).status).toBe('done');
    } finally {
      await other.close();
    }
  });
});
