/**
 * POST /v1/audits runs in a thread of its own (src/audit/audit-thread.ts): an auditor asking for a year
 * must not stop the counter. The thread's report is the in-thread report, its refusals are the same
 * 4xx, and while it works the API thread's event loop keeps turning (in-thread it cannot: the audit
 * reads and recomputes without ever yielding to it).
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditThread } from '../../src/audit/audit-thread.js';
import { runAudit, type AuditReport } from '../../src/audit/audit.js';
import { runDoctor } from '../../src/audit/doctor.js';
import { ApiError } from '../../src/errors/api-error.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { refusal, startTestService, type TestService } from '../http/fixture.js';

let svc: TestService;
const threads: AuditThread[] = [];
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  for (const t of threads) await t.close();
  await svc.close();
});

function thread(workerUrl?: URL | null): AuditThread {
  const t = workerUrl === undefined ? new AuditThread(svc.store) : new AuditThread(svc.store, workerUrl);
  threads.push(t);
  return t;
}

/** How many times a 1 ms timer fired on this thread while `work` ran. */
async function timerTurnsDuring<T>(work: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  const timer = setInterval(() => turns++, 1);
  try {
    const value = await work();
    return { value, turns };
  } finally {
    clearInterval(timer);
  }
}

/** The nice value of each thread of this process (Linux), by thread id. */
function threadNices(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

describe('audits in their own thread', () => {
  it.runIf(process.platform === 'linux')('the audit thread runs at a lower priority than the thread that answers the windows', async () => {
    const before = threadNices();
    const t = thread();
    await t.run({ from: '2018-01-01', to: '2018-12-31' });
    const started = [...threadNices()].filter(([tid]) => !before.has(tid));
    // The audit's thread (and only a thread started for it) is niced; this thread is not.
    expect(started.some(([, nice]) => nice >= 10)).toBe(true);
    const self = Number(readlinkSync('/proc/thread-self').split('/').pop());
    expect(threadNices().get(self)).toBe(before.get(self));
  });

  it('runs in a thread when the database can be opened again, in-thread when it cannot', async () => {
    expect(thread().threaded).toBe(true);
    const memory = await openSqliteStore(':memory:');
    try {
      expect(memory.reopen).toBeNull();
      expect(new AuditThread(memory).threaded).toBe(false);
    } finally {
      await memory.close();
    }
  });

  it('answers what the in-thread audit answers, a tampered settlement included', async () => {
    const row = await svc.store.db.selectFrom('settlements').select(['id', 'patient_pays_fen']).orderBy('id').executeTakeFirstOrThrow();
    await svc.store.db.updateTable('settlements').set({ patient_pays_fen: row.patient_pays_fen + 1 }).where('id', '=', row.id).execute();
    try {
      const scope = { from: '2018-01-01', to: '2018-12-31' };
      const threaded = await thread().run(scope);
      const inThread: AuditReport = await runAudit(svc.store, scope);
      expect(threaded.count).toBeGreaterThan(0);
      expect(threaded.clean).toBe(false);
      expect(threaded.mismatches.map((m) => m.id)).toContain(row.id);
      expect(threaded).toEqual(inThread);
    } finally {
      await svc.store.db.updateTable('settlements').set({ patient_pays_fen: row.patient_pays_fen }).where('id', '=', row.id).execute();
    }
  });

  it('verifies the audit log for doctor in the thread: the same report as in-thread, a tampered entry named', async () => {
    const t = thread();
    expect(t.threaded).toBe(true);
    const inThread = await runDoctor(svc.store, { year: 2018 });
    expect(inThread.ok).toBe(true);
    expect(await runDoctor(svc.store, { year: 2018, chain: t.verifyLog() })).toEqual(inThread);
    const first = await svc.store.db.selectFrom('audit_log').select(['seq', 'actor']).orderBy('seq').limit(1).executeTakeFirstOrThrow();
    await svc.store.db.updateTable('audit_log').set({ actor: 'someone-else' }).where('seq', '=', first.seq).execute();
    try {
      const tampered = await runDoctor(svc.store, { year: 2018, chain: t.verifyLog() });
      expect(tampered.ok).toBe(false);
      expect(tampered.violations.filter((v) => v.kind === 'AUDIT_CHAIN').map((v) => v.message)).toEqual((await runDoctor(svc.store, { year: 2018 })).violations.filter((v) => v.kind === 'AUDIT_CHAIN').map((v) => v.message));
      expect(tampered.violations[0]!.message).toContain(`第 ${first.seq} 条`);
    } finally {
      await svc.store.db.updateTable('audit_log').set({ actor: first.actor }).where('seq', '=', first.seq).execute();
    }
  });

  it('refuses an unknown hospital with the same 422 as in-thread', async () => {
    const e = await refusal(thread().run({ hospital: 'H-NOT-THERE' }));
    expect(e.status).toBe(422);
    expect(e.code).toBe('UNKNOWN_HOSPITAL');
    expect(e.issues).toEqual([{ path: 'hospital', message: '医院未登记' }]);
  });

  it('leaves the API thread free while it works, which the in-thread audit does not', async () => {
    const scope = { from: '2018-01-01', to: '2018-12-31' };
    const threaded = await timerTurnsDuring(() => thread().run(scope));
    const inThread = await timerTurnsDuring(() => thread(null).run(scope));
    expect(threaded.value).toEqual(inThread.value);
    expect(threaded.turns).toBeGreaterThan(0);
    expect(inThread.turns).toBe(0);
  });

  it('runs audits one after another, and each gets its own answer', async () => {
    const t = thread();
    const [a, b, c] = await Promise.all([t.run({ from: '2018-01-01', to: '2018-06-30' }), t.run({ hospital: 'H-NOT-THERE' }).catch((e: unknown) => e), t.run({ from: '2018-07-01', to: '2018-12-31' })]);
    expect((a as AuditReport).period).toEqual({ from: '2018-01-01', to: '2018-06-30' });
    expect(b).toBeInstanceOf(ApiError);
    expect((c as AuditReport).period).toEqual({ from: '2018-07-01', to: '2018-12-31' });
    expect((a as AuditReport).count + (c as AuditReport).count).toBe((await runAudit(svc.store, { from: '2018-01-01', to: '2018-12-31' })).count);
  });
});
