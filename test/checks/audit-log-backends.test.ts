/**
 * The audit log on both stores (issue 26): on PostgreSQL entries are written unsealed and sealed by one
 * sealer after their commit (src/store/postgres/sealer.ts); SQLite writes them sealed. The same
 * verification code must name an edited, a removed and an inserted entry on either, sealed or still
 * unsealed; an entry committed but not sealed when its process dies is sealed by the next sealer; and an
 * entry with a lower seq whose transaction is still running holds the sealer back (seq order is kept).
 */
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/checks/audit-log.js';
import { canonicalJson } from '../../src/formats/canonical-json.js';
import { GENESIS_HASH, contentDigest, entryHash, legacyEntryHash } from '../../src/store/audit-chain.js';
import { migrateTo } from '../../src/store/migrations.js';
import { inpatientBill } from '../http/fixture.js';
import { BACKENDS, openService, type Backend, type Opened } from '../store/backends.js';

const HOSPITAL = 'H152200-L01';
const opened: Opened[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});
afterAll(async () => {
  for (const b of BACKENDS) await b.cleanup();
});

/** Open with the sealer on or off (PostgreSQL; SQLite has none). */
async function open(url: string, sealer = true, registry = false): Promise<Opened> {
  const saved = { s: process.env.ONESTOP_PG_SEALER, e: process.env.ONESTOP_PG_SEAL_ELECTION_MS };
  process.env.ONESTOP_PG_SEALER = sealer ? '1' : '0';
  process.env.ONESTOP_PG_SEAL_ELECTION_MS = '50';
  try {
    const o = await openService(url, { registry });
    opened.push(o);
    return o;
  } finally {
    for (const [k, v] of [['ONESTOP_PG_SEALER', saved.s], ['ONESTOP_PG_SEAL_ELECTION_MS', saved.e]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** A store with the register (2 entries) and `n` settlements (n entries). */
async function filled(backend: Backend, n: number, sealer = true): Promise<{ url: string; svc: Opened }> {
  const url = await backend.fresh();
  const first = await open(url, true, true);
  await sealed(first);
  await first.close();
  opened.splice(opened.indexOf(first), 1);
  const svc = await open(url, sealer);
  for (let i = 0; i < n; i++) await svc.settlements.post(inpatientBill({ billNo: `SL-${i}`, hospital: HOSPITAL, person: `P-00000${i + 1}` }), null, 'test');
  return { url, svc };
}

const rowsOf = async (svc: Opened) => (await svc.store.db.selectFrom('audit_log').selectAll().orderBy('seq').execute()).map((r) => ({ ...r, seq: Number(r.seq) }));
const unsealedCount = async (svc: Opened) => (await rowsOf(svc)).filter((r) => r.hash === null).length;
const summary = (problems: { seq: number; problem: string }[]) => problems.map((p) => [p.seq, p.problem]);

/** Until every committed entry is sealed (PostgreSQL: by whichever process is the sealer). */
async function sealed(svc: Opened): Promise<void> {
  for (let i = 0; i < 200 && (await unsealedCount(svc)) > 0; i++) {
    await svc.store.sealAudit?.();
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(await unsealedCount(svc)).toBe(0);
}

/**
 * The last `k` entries unsealed: on PostgreSQL as the store writes them with no sealer running; on SQLite
 * (which always seals) by taking their links away, which is what an unsealed entry looks like to the checks.
 */
async function unsealedTail(backend: Backend, k: number): Promise<Opened> {
  if (backend.name === 'postgres') {
    const { svc } = await filled(backend, k, false);
    expect(await unsealedCount(svc)).toBe(k);
    return svc;
  }
  const { svc } = await filled(backend, k);
  const rows = await rowsOf(svc);
  for (const r of rows.slice(-k)) await svc.store.db.updateTable('audit_log').set({ prev_hash: null, hash: null }).where('seq', '=', r.seq).execute();
  return svc;
}

/** An entry written as the store writes one (src/store/postgres/store.ts INSERT_UNSEALED) in `client`'s transaction; its seq. */
async function insertUnsealed(client: pg.Client, subject: string): Promise<number> {
  const e = { at: new Date().toISOString(), actor: 'test', action: 'seed.load', subject, payload: '{}' };
  const r = await client.query<{ seq: string }>(
    `insert into audit_log (seq, at, actor, action, subject, payload, digest)
       select nextval('audit_log_seq'), $1, $2, $3, $4, $5, $6 from (select pg_current_xact_id() as x offset 0) as t where t.x is not null returning seq`,
    [e.at, e.actor, e.action, e.subject, e.payload, contentDigest(e)],
  );
  return Number(r.rows[0]!.seq);
}

/** A store with one settlement, sealed, and a raw connection beside it with a transaction begun. */
async function inTransactionBeside(backend: Backend, fn: (svc: Opened, client: pg.Client) => Promise<void>): Promise<void> {
  const { url, svc } = await filled(backend, 1);
  await sealed(svc);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    await fn(svc, client);
  } finally {
    await client.end();
  }
}

describe.each(BACKENDS)('audit log on $name', (backend) => {
  it.skipIf(backend.skip !== null)('a chain written before migration 010 keeps verifying, and goes on from its head', async () => {
    const url = await backend.fresh();
    const db = new Kysely<any>({ dialect: backend.name === 'postgres' ? new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) : new SqliteDialect({ database: new SQLite(url) }) });
    let prev = GENESIS_HASH;
    try {
      await migrateTo(db, '2026-12-03-009-office');
      for (let seq = 1; seq <= 3; seq++) {
        const e = { seq, at: new Date().toISOString(), actor: 'old', action: 'seed.load', subject: `old-${seq}`, payload: '{}' };
        const hash = legacyEntryHash(prev, e);
        await db.insertInto('audit_log').values({ ...e, prev_hash: prev, hash }).execute();
        prev = hash;
      }
    } finally {
      await db.destroy();
    }
    const svc = await open(url, true, true);
    await svc.settlements.post(inpatientBill({ billNo: 'SL-new', hospital: HOSPITAL, person: 'P-000001' }), null, 'test');
    await sealed(svc);
    const rows = await rowsOf(svc);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rows.slice(0, 3).map((r) => r.digest)).toEqual([null, null, null]);
    expect(rows[3]!.prev_hash).toBe(prev);
    const v = await verifyAuditLog(svc.store.db, [{ seq: 3, hash: prev }]);
    expect(v.problems).toEqual([]);
    expect(v.entries).toBe(6);
    // and an old entry edited is still named
    await svc.store.db.updateTable('audit_log').set({ actor: 'new' }).where('seq', '=', 2).execute();
    expect(summary((await verifyAuditLog(svc.store.db)).problems)).toEqual([[2, 'edited']]);
  });

  it.skipIf(backend.skip !== null)('sealed: clean, then an edited, a removed and an inserted entry are each named', async () => {
    const { svc } = await filled(backend, 5);
    await sealed(svc);
    const v = await verifyAuditLog(svc.store.db);
    expect(v.problems).toEqual([]);
    expect(v.entries).toBe(7);
    expect(v.unsealed).toEqual({ count: 0, oldest: null });
    const rows = await rowsOf(svc);
    expect(rows.every((r) => r.digest === contentDigest(r))).toBe(true);

    const edit = rows[3]!;
    await svc.store.db.updateTable('audit_log').set({ payload: canonicalJson({ ...JSON.parse(edit.payload), patientPays: '0.01' }) }).where('seq', '=', edit.seq).execute();
    expect(summary((await verifyAuditLog(svc.store.db)).problems)).toEqual([[edit.seq, 'edited']]);
    await svc.store.db.updateTable('audit_log').set({ payload: edit.payload }).where('seq', '=', edit.seq).execute();

    await svc.store.db.deleteFrom('audit_log').where('seq', '=', edit.seq).execute();
    expect(summary((await verifyAuditLog(svc.store.db)).problems)).toEqual([
      [edit.seq, 'removed'],
      [edit.seq, 'missing-entry'],
    ]);
    await svc.store.db.insertInto('audit_log').values(edit).execute();
    expect((await verifyAuditLog(svc.store.db)).problems).toEqual([]);

    // A second entry for a settlement, chained on properly at the end: the chain holds, the log does not.
    const last = rows[rows.length - 1]!;
    const forged = { seq: last.seq + 1, at: last.at, actor: 'x', action: 'settlement.create', subject: rows[2]!.subject, payload: '{}' };
    await svc.store.db.insertInto('audit_log').values({ ...forged, digest: contentDigest(forged), prev_hash: last.hash, hash: entryHash(last.hash!, forged) }).execute();
    expect(summary((await verifyAuditLog(svc.store.db)).problems)).toEqual([[forged.seq, 'inserted']]);
  });

  it.skipIf(backend.skip !== null)('unsealed: checked by digest; an edited, a removed and an inserted entry are each named', async () => {
    const svc = await unsealedTail(backend, 4);
    const rows = await rowsOf(svc);
    const tail = rows.filter((r) => r.hash === null);
    expect(tail).toHaveLength(4);
    const v = await verifyAuditLog(svc.store.db);
    expect(v.problems).toEqual([]);
    expect(v.unsealed.count).toBe(4);
    expect(v.unsealed.oldest!.seq).toBe(tail[0]!.seq);
    expect(v.head!.seq).toBeLessThan(tail[0]!.seq);
    // An old tail means nobody is sealing.
    expect(summary((await verifyAuditLog(svc.store.db, [], { now: new Date(Date.now() + 3_600_000) })).problems)).toEqual([[tail[0]!.seq, 'unsealed-stale']]);

    const edit = tail[1]!;
    await svc.store.db.updateTable('audit_log').set({ actor: 'someone-else' }).where('seq', '=', edit.seq).execute();
    expect(summary((await verifyAuditLog(svc.store.db)).problems)).toEqual([[edit.seq, 'edited']]);
    await svc.store.db.updateTable('audit_log').set({ actor: edit.actor }).where('seq', '=', edit.seq).execute();

    await svc.store.db.deleteFrom('audit_log').where('seq', '=', tail[2]!.seq).execute();
    expect(summary((await verifyAuditLog(svc.store.db)).problems).map((p) => p[1])).toEqual(['missing-entry']);
    await svc.store.db.insertInto('audit_log').values(tail[2]!).execute();

    // Inserted: an entry for a write that never happened; a second entry for a settlement; one below the head.
    const top = rows[rows.length - 1]!.seq;
    const never = { seq: top + 1, at: edit.at, actor: 'x', action: 'settlement.create', subject: 'JS-NEVER', payload: '{}' };
    const twice = { seq: top + 2, at: edit.at, actor: 'x', action: 'settlement.create', subject: edit.subject, payload: '{}' };
    const below = { seq: -5, at: edit.at, actor: 'x', action: 'seed.load', subject: 'x', payload: '{}' };
    for (const f of [never, twice, below]) await svc.store.db.insertInto('audit_log').values({ ...f, digest: contentDigest(f), prev_hash: null, hash: null }).execute();
    expect(summary((await verifyAuditLog(svc.store.db)).problems)).toEqual([
      [-5, 'inserted'],
      [never.seq, 'orphan-entry'],
      [twice.seq, 'inserted'],
    ]);
  });

  it.runIf(backend.name === 'postgres' && backend.skip === null)('an entry edited while unsealed is still named once the sealer has sealed it', async () => {
    const { url, svc } = await filled(backend, 3, false);
    const tail = (await rowsOf(svc)).filter((r) => r.hash === null);
    await svc.store.db.updateTable('audit_log').set({ actor: 'someone-else' }).where('seq', '=', tail[1]!.seq).execute();
    const sealer = await open(url, true);
    await sealed(sealer);
    const v = await verifyAuditLog(svc.store.db);
    expect(v.unsealed.count).toBe(0);
    // The sealer linked the digest taken at insert, which the edited content no longer has.
    expect(summary(v.problems)).toEqual([[tail[1]!.seq, 'edited']]);
  });

  it.runIf(backend.name === 'postgres' && backend.skip === null)('a process that dies between commit and seal loses nothing: the next sealer seals it', async () => {
    const { url, svc } = await filled(backend, 3, false);
    expect(await unsealedCount(svc)).toBe(3);
    await svc.close();
    opened.splice(opened.indexOf(svc), 1);
    const next = await open(url, true);
    await sealed(next);
    const v = await verifyAuditLog(next.store.db);
    expect(v.problems).toEqual([]);
    expect(v.entries).toBe(5);
    expect(v.head!.seq).toBe(Math.max(...(await rowsOf(next)).map((r) => r.seq)));

    // Two processes, one sealer: when it stops, the other takes over and seals what it writes.
    const other = await open(url, true);
    await next.close();
    opened.splice(opened.indexOf(next), 1);
    await other.settlements.post(inpatientBill({ billNo: 'SL-after', hospital: HOSPITAL, person: 'P-000005' }), null, 'test');
    await sealed(other);
    expect((await verifyAuditLog(other.store.db)).problems).toEqual([]);
  });

  it.runIf(backend.name === 'postgres' && backend.skip === null)('an entry whose transaction got its xid after the last one finished is waited for too', async () => {
    // PostgreSQL lists as running only the xids below the snapshot's xmax (the latest finished + 1): a
    // transaction that took its xid and its seq after the last commit is running but not listed. A sealer
    // that trusted the list alone sealed past its seq, and the entry stayed unsealed below the head.
    await inTransactionBeside(backend, async (svc, client) => {
      await insertUnsealed(client, 'latest');
      // Nothing of this database finishes after it: the sealer must wait, not seal past it.
      expect(await svc.store.sealAudit?.()).toBe(false);
      await client.query('commit');
      await sealed(svc);
      const rows = await rowsOf(svc);
      expect(rows.at(-1)!.subject).toBe('latest');
      expect((await verifyAuditLog(svc.store.db)).problems).toEqual([]);
    });
  });

  it.runIf(backend.name === 'postgres' && backend.skip === null)('an entry whose transaction is still running holds back the sealing of every later seq', async () => {
    await inTransactionBeside(backend, async (svc, client) => {
      // Left uncommitted.
      const slowSeq = await insertUnsealed(client, 'slow');
      await svc.settlements.post(inpatientBill({ billNo: 'SL-fast', hospital: HOSPITAL, person: 'P-000002' }), null, 'test');
      for (let i = 0; i < 5; i++) await svc.store.sealAudit?.();
      await new Promise((r) => setTimeout(r, 100));
      const fast = (await rowsOf(svc)).at(-1)!;
      expect(fast.seq).toBeGreaterThan(slowSeq);
      expect(fast.hash).toBeNull();
      await client.query('commit');
      await sealed(svc);
      const rows = await rowsOf(svc);
      expect(rows.slice(-2).map((r) => r.subject)).toEqual(['slow', fast.subject]);
      expect(rows.at(-1)!.prev_hash).toBe(rows.at(-2)!.hash);
      expect((await verifyAuditLog(svc.store.db)).problems).toEqual([]);
    });
  });
});
