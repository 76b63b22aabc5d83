/**
 * A model job whose process stopped (a restart, a crash) must not read "computing" for ever: the
 * process marks the jobs it holds as alive, and a job nobody has marked for two minutes is recorded as
 * interrupted when it is next read. A job the reading process holds itself is never called interrupted.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/errors/api-error.js';
import { DEFAULT_SYNTH } from '../../../src/model/input/synth.js';
import { INTERRUPTED, ModelJobs } from '../../../src/model/run/jobs.js';
import { loadRulesDir } from '../../../src/rules/load.js';
import { RuleBook } from '../../../src/rules/select.js';
import { openStore } from '../../../src/store/open.js';
import type { Store } from '../../../src/store/port.js';
import { compiled } from '../../../src/store/write-set.js';
import { ROOT, synthText } from '../helpers.js';

let store: Store;
let clock = new Date('2026-11-22T08:00:00.000Z');
const minutes = (n: number) => new Date(clock.getTime() + n * 60_000).toISOString();
let jobs: ModelJobs;

beforeAll(async () => {
  store = await openStore(join(mkdtempSync(join(tmpdir(), 'onestop-jobs-')), 'jobs.db'));
  jobs = new ModelJobs({ store, rules: new RuleBook(loadRulesDir(join(ROOT, 'rules'))), logger: pino({ level: 'silent' }), now: () => clock, heartbeatMs: 60_000 });
});
afterAll(() => store?.close());

/** A job row as another process would have left it. */
async function leftBehind(id: string, opts: { created: string; heartbeat: string | null }) {
  const insert = store.db
    .insertInto('model_jobs')
    .values({ id, status: 'computing', created_at: opts.created, finished_at: null, request_json: '{}', report_json: null, error: null, created_by: 'k', heartbeat_at: opts.heartbeat })
    .compile();
  await store.write({ steps: [{ kind: 'run', run: compiled(insert) }] });
}

describe('model jobs whose process stopped', () => {
  it('are recorded as interrupted once nobody has marked them alive for two minutes; a live one is left computing', async () => {
    await leftBehind('MJ-GONE', { created: minutes(-30), heartbeat: minutes(-5) });
    await leftBehind('MJ-OLD', { created: minutes(-60), heartbeat: null }); // from before heartbeats
    await leftBehind('MJ-ALIVE', { created: minutes(-30), heartbeat: minutes(-1) });

    const gone = await jobs.get('MJ-GONE');
    expect(gone).toMatchObject({ status: 'error', error: INTERRUPTED, finishedAt: clock.toISOString() });
    expect((await jobs.get('MJ-OLD')).status).toBe('error');
    expect((await jobs.get('MJ-ALIVE')).status).toBe('computing');

    // Recorded, not just shown: the row says so, and the report is refused with the reason.
    const row = await store.db.selectFrom('model_jobs').selectAll().where('id', '=', 'MJ-GONE').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'error', error: INTERRUPTED });
    const refused = await jobs.report('MJ-GONE').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 409, code: 'MODEL_FAILED' });
    expect((refused as ApiError).message).toContain('请重新提交');

    // Read stale, but marked alive by its process before the update: the update does not take it.
    await leftBehind('MJ-RACE', { created: minutes(-30), heartbeat: minutes(-5) });
    const staleRead = await store.db.selectFrom('model_jobs').selectAll().where('id', '=', 'MJ-RACE').executeTakeFirstOrThrow();
    await store.write({ steps: [{ kind: 'run', run: compiled(store.db.updateTable('model_jobs').set({ heartbeat_at: minutes(0) }).where('id', '=', 'MJ-RACE').compile()) }] });
    const decided = await (jobs as unknown as { interruptedIfStale(r: typeof staleRead): Promise<typeof staleRead> }).interruptedIfStale(staleRead);
    expect(decided).toMatchObject({ status: 'computing', heartbeat_at: minutes(0) });
  });

  it('a job this process holds is marked alive and never called interrupted, however late it is', async () => {
    const csv = await synthText({ ...DEFAULT_SYNTH, admissions: 300, seed: 5 }, 'csv');
    const { id } = await jobs.start({ rules: 'xingan-2018', source: { csv } }, null);
    const started = await store.db.selectFrom('model_jobs').select(['heartbeat_at']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(started.heartbeat_at).toBe(clock.toISOString());
    // Ten minutes on, with no heartbeat written: held here, so still computing (its worker threads are
    // still starting), and the next beat marks it alive at the new time.
    clock = new Date(clock.getTime() + 10 * 60_000);
    expect((await jobs.get(id)).status).toBe('computing');
    await jobs.beat();
    const beaten = await store.db.selectFrom('model_jobs').select(['heartbeat_at', 'status']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(beaten).toEqual({ heartbeat_at: clock.toISOString(), status: 'computing' });
    await jobs.idle();
    expect((await jobs.get(id)).status).toBe('ok');
  });
});
