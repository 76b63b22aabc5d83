/**
 * Tamper evidence: `verifyAuditLog` and `onestop audit verify-log` on a store with a few real writes
 * (keys created, bills settled, one reversal). Each test tampers with the audit_log table the way someone
 * with database access could, and checks that the row is named, and nothing else is.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseAnchor, verifyAuditLog } from '../../src/checks/audit-log.js';
import { canonicalJson } from '../../src/formats/canonical-json.js';
import { GENESIS_HASH, entryHash } from '../../src/store/audit-chain.js';
import type { AuditLogTable } from '../../src/store/schema.js';
import { cliOn, inpatientBill, startTestService, type TestService } from '../http/fixture.js';

let svc: TestService | undefined;
afterEach(async () => {
  await svc?.close();
  svc = undefined;
});

/** A fresh store: the register (hospitals, people: 2 imports), 1 key, 6 settlements, 1 reversal = 10 log rows. */
async function fresh(): Promise<TestService> {
  svc = await startTestService({ seed: false });
  await svc.key('auditor');
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const { view } = await svc.settlements.post(inpatientBill({ billNo: `VL-${i}`, hospital: 'H152200-L01', person: `P-00000${i + 1}` }), null, 'test');
    ids.push(view.id);
  }
  await svc.settlements.reverse(ids[2]!, null, '测试', 'test');
  return svc;
}

/** A sealed entry (SQLite writes every entry sealed): its links are there. */
type SealedRow = AuditLogTable & { prev_hash: string; hash: string };

async function log(s: TestService): Promise<SealedRow[]> {
  return (await s.store.db.selectFrom('audit_log').selectAll().orderBy('seq').execute()).map((r) => ({ ...r, seq: Number(r.seq) }) as SealedRow);
}

/** Move rows with seq >= from by `by` (two steps, so the primary key never collides). */
async function shift(s: TestService, from: number, by: number) {
  const rows = (await log(s)).filter((r) => r.seq >= from);
  for (const r of rows) await s.store.db.updateTable('audit_log').set({ seq: -(r.seq + by) }).where('seq', '=', r.seq).execute();
  for (const r of rows) await s.store.db.updateTable('audit_log').set({ seq: r.seq + by }).where('seq', '=', -(r.seq + by)).execute();
}

const summary = (problems: { seq: number; problem: string }[]) => problems.map((p) => [p.seq, p.problem]);

describe('verifyAuditLog', () => {
  it('an untouched log has no problems and reports its head', async () => {
    const s = await fresh();
    const rows = await log(s);
    expect(rows).toHaveLength(10);
    const v = await verifyAuditLog(s.store.db);
    expect(v.problems).toEqual([]);
    expect(v.entries).toBe(10);
    expect(v.head).toEqual({ seq: 10, hash: rows[9]!.hash });
    expect(rows[0]!.prev_hash).toBe(GENESIS_HASH);
  });

  it('an edited row is named', async () => {
    const s = await fresh();
    const row = (await log(s))[3]!;
    const payload = JSON.parse(row.payload) as { patientPays: string };
    payload.patientPays = '0.01';
    await s.store.db.updateTable('audit_log').set({ payload: canonicalJson(payload) }).where('seq', '=', 4).execute();
    const v = await verifyAuditLog(s.store.db);
    expect(summary(v.problems)).toEqual([[4, 'edited']]);
    expect(v.problems[0]!.message).toContain(row.subject);
  });

  it('an edited row whose hash was recomputed is named (the next row still links to the old hash)', async () => {
    const s = await fresh();
    const row = (await log(s))[3]!;
    const edited = { ...row, actor: 'someone-else' };
    await s.store.db.updateTable('audit_log').set({ actor: edited.actor, hash: entryHash(row.prev_hash, edited) }).where('seq', '=', 4).execute();
    const v = await verifyAuditLog(s.store.db);
    expect(summary(v.problems)).toEqual([[4, 'edited']]);
    expect(v.problems[0]!.message).toContain('重算了哈希');
  });

  it('a removed row is named, with the write it recorded', async () => {
    const s = await fresh();
    const row = (await log(s))[3]!;
    await s.store.db.deleteFrom('audit_log').where('seq', '=', 4).execute();
    const v = await verifyAuditLog(s.store.db);
    expect(summary(v.problems)).toEqual([
      [4, 'removed'],
      [4, 'missing-entry'],
    ]);
    expect(v.problems[0]!.message).toContain('第 4 条记录被删除');
    expect(v.problems[1]!.message).toContain(row.subject);
  });

  it('a removed last row, which the chain alone cannot show, is found against the store', async () => {
    const s = await fresh();
    const last = (await log(s))[9]!;
    expect(last.action).toBe('settlement.reverse');
    await s.store.db.deleteFrom('audit_log').where('seq', '=', 10).execute();
    const v = await verifyAuditLog(s.store.db);
    expect(summary(v.problems)).toEqual([[10, 'missing-entry']]);
    expect(v.problems[0]!.message).toContain(`结算 ${last.subject} 的撤销`);
  });

  it('a removed row hidden by renumbering the rows after it is named', async () => {
    const s = await fresh();
    await s.store.db.deleteFrom('audit_log').where('seq', '=', 4).execute();
    await shift(s, 5, -1);
    const v = await verifyAuditLog(s.store.db);
    expect(summary(v.problems)).toEqual([
      [4, 'removed'],
      [4, 'renumbered'],
      [4, 'missing-entry'],
    ]);
    expect(v.problems.find((p) => p.problem === 'renumbered')!.message).toContain('第 4～9 条记录的序号被前移 1 位');
  });

  it('an inserted row is named, even with a correct hash, when the rows after it were renumbered', async () => {
    const s = await fresh();
    const rows = await log(s);
    await shift(s, 3, 1);
    // A forged reversal of the first settlement (row 4), chained properly onto row 2.
    const forged = { seq: 3, at: rows[1]!.at, actor: 'test', action: 'settlement.reverse', subject: rows[3]!.subject, payload: canonicalJson({ reason: null }) };
    await s.store.db.insertInto('audit_log').values({ ...forged, prev_hash: rows[1]!.hash, hash: entryHash(rows[1]!.hash, forged) }).execute();
    const v = await verifyAuditLog(s.store.db);
    expect(summary(v.problems)).toEqual([
      [3, 'inserted'],
      [4, 'renumbered'],
    ]);
    expect(v.problems[0]!.message).toContain(`settlement.reverse ${rows[3]!.subject}`);
  });

  it('a row appended by hand (its hash does not fit) is named', async () => {
    const s = await fresh();
    const last = (await log(s))[9]!;
    await s.store.db
      .insertInto('audit_log')
      .values({ seq: 11, at: new Date().toISOString(), actor: 'x', action: 'key.create', subject: 'k_forged', payload: '{}', prev_hash: last.hash, hash: 'f'.repeat(64) })
      .execute();
    const v = await verifyAuditLog(s.store.db);
    expect(summary(v.problems)).toEqual([
      [11, 'edited'],
      [11, 'orphan-entry'],
    ]);
  });

  it('a row appended with a correct hash for a write that never happened is named', async () => {
    const s = await fresh();
    const last = (await log(s))[9]!;
    const forged = { seq: 11, at: new Date().toISOString(), actor: 'x', action: 'settlement.create', subject: 'JS-NEVER', payload: '{}' };
    await s.store.db.insertInto('audit_log').values({ ...forged, prev_hash: last.hash, hash: entryHash(last.hash, forged) }).execute();
    const v = await verifyAuditLog(s.store.db);
    expect(summary(v.problems)).toEqual([[11, 'orphan-entry']]);
    expect(v.problems[0]!.message).toContain('JS-NEVER');
  });

  it('a chain rewritten from some row on, every hash recomputed, is caught only against a head written down before', async () => {
    const s = await fresh();
    const before = await log(s);
    const written = { seq: 10, hash: before[9]!.hash };
    // Rewrite row 4 and recompute its hash and every later row's link and hash: the chain alone holds.
    let prev = before[2]!.hash;
    for (const row of before.slice(3)) {
      const changed = row.seq === 4 ? { ...row, actor: 'someone-else' } : row;
      const hash = entryHash(prev, changed);
      await s.store.db.updateTable('audit_log').set({ actor: changed.actor, prev_hash: prev, hash }).where('seq', '=', row.seq).execute();
      prev = hash;
    }
    expect((await verifyAuditLog(s.store.db)).problems).toEqual([]);

    const v = await verifyAuditLog(s.store.db, [written, { seq: 3, hash: before[2]!.hash }, { seq: 99, hash: written.hash }]);
    expect(summary(v.problems)).toEqual([
      [10, 'anchor-mismatch'],
      [99, 'anchor-missing'],
    ]);
    expect(v.problems[0]!.message).toContain(written.hash);
  });

  it('anchors are read as verify-log prints them, seq:hash', () => {
    const hash = 'AB'.repeat(32);
    expect(parseAnchor(` 8 : ${hash} `)).toEqual({ seq: 8, hash: hash.toLowerCase() });
    for (const bad of ['8', `${hash}`, `x:${hash}`, `8:${hash.slice(1)}`, `8:${hash}0`, `-1:${hash}`]) expect(parseAnchor(bad), bad).toBeUndefined();
  });
});

describe('onestop audit verify-log', () => {
  const cli = (s: TestService, args: string[]) => cliOn(s.dbFile, args);

  it('exits 0 on an intact log and prints the head to write down', async () => {
    const s = await fresh();
    const r = await cli(s, ['audit', 'verify-log']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('审计日志共 10 条');
    expect(r.out).toContain((await log(s))[9]!.hash);
    expect(r.out).toContain('未发现改动');
  });

  it('checks a head written down before (--anchor seq:hash): exits 0 while it holds, 1 once the chain is rewritten', async () => {
    const s = await fresh();
    const head = (await log(s))[9]!;
    const ok = await cli(s, ['audit', 'verify-log', '--anchor', `10:${head.hash}`]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`10:${head.hash}`);
    expect(ok.out).toContain('与另行记录的 1 个哈希核对一致');

    const edited = { ...head, actor: 'someone-else' };
    await s.store.db.updateTable('audit_log').set({ actor: edited.actor, hash: entryHash(head.prev_hash, edited) }).where('seq', '=', 10).execute();
    const plain = await cli(s, ['audit', 'verify-log']);
    expect(plain.code).toBe(0); // the last row, rehashed: nothing after it to disagree
    const anchored = await cli(s, ['audit', 'verify-log', '--anchor', `10:${head.hash}`]);
    expect(anchored.code).toBe(1);
    expect(anchored.out).toContain('第 10 条［与另行记录的哈希不符］');

    const malformed = await cli(s, ['audit', 'verify-log', '--anchor', 'yesterday']);
    expect(malformed.code).not.toBe(0);
    expect(malformed.err).toContain('--anchor 应为 序号:哈希');
  });

  it('names each problem row and exits 1', async () => {
    const s = await fresh();
    await s.store.db.updateTable('audit_log').set({ actor: 'x' }).where('seq', '=', 2).execute();
    await s.store.db.deleteFrom('audit_log').where('seq', '=', 5).execute();
    const r = await cli(s, ['audit', 'verify-log']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('第 2 条［被修改］');
    expect(r.out).toContain('第 5 条［被删除］');
    expect(r.err).toContain('审计日志校验未通过');
    const json = await cli(s, ['audit', 'verify-log', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out).problems.map((p: { seq: number }) => p.seq)).toEqual([2, 5, 5]);
  });
});
