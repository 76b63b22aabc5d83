/**
 * Migration 2026-11-23-003 on a SQLite database that already holds settlements. It rebuilds
 * settlement_funds and ledgers WITHOUT ROWID, and audit_log with `seq` as the rowid. Every row must come
 * through as it was, the foreign keys and the audit chain must still hold, and settling must go on.
 * The older database is made the way an older release left it: the three tables are put back with the
 * very DDL the migrations before 003 produce.
 */
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../../src/checks/audit-log.js';
import { runDoctor } from '../../../src/audit/doctor.js';
import { migrateTo } from '../../../src/store/migrations.js';
import { inpatientBill } from '../../http/fixture.js';
import { BACKENDS, openService } from '../backends.js';

const MIGRATION = '2026-11-23-003-sqlite-rows-by-key';
const BEFORE = '2026-11-22-002-model-job-heartbeat';
const TABLES = ['settlement_funds', 'ledgers', 'audit_log'] as const;
const ORDER: Record<(typeof TABLES)[number], string> = { settlement_funds: 'settlement_id, fund', ledgers: 'person_id, year', audit_log: 'seq' };
const HOSPITAL = 'H152200-L01';

/** `create table` text of each of the three tables, as the migrations up to `BEFORE` write it. */
async function olderDdl(): Promise<Map<string, string>> {
  const database = new SQLite(':memory:');
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
  await migrateTo(db, BEFORE);
  const rows = database.prepare(`select name, sql from sqlite_master where type = 'table' and name in (${TABLES.map(() => '?').join(', ')})`).all(...TABLES) as { name: string; sql: string }[];
  // Nothing else (an index, a trigger) may belong to these tables, or putting them back would lose it.
  const others = database.prepare(`select name from sqlite_master where type != 'table' and sql is not null and tbl_name in (${TABLES.map(() => '?').join(', ')})`).all(...TABLES);
  expect(others).toEqual([]);
  await db.destroy();
  return new Map(rows.map((r) => [r.name, r.sql]));
}

const shapeOf = (database: SQLite.Database, table: string) => (database.prepare("select sql from sqlite_master where type = 'table' and name = ?").get(table) as { sql: string }).sql;
/** The columns each table had before 003 (the later migration 004 adds settlement_funds.owed_fen). */
const COLUMNS: Record<(typeof TABLES)[number], string> = {
  settlement_funds: 'settlement_id, fund, amount_fen',
  ledgers: 'person_id, year, accumulators_json, version',
  audit_log: 'seq, at, actor, action, subject, payload, prev_hash, hash',
};
/** What 005 (the register) adds, taken away so that it runs again after 003 as it would have (006's is undone below). */
const REGISTER_UNDO = [
  // 014's index on the log (gone already where the log was rebuilt)
  'drop index if exists audit_log_subject',
  // 015's audit jobs
  'drop table audit_jobs',
  'drop table register_batches', 'drop table register_state', 'drop table person_versions', 'drop table memberships', 'drop table hospital_tiers', 'drop table hospital_versions',
  'alter table people drop column insured_region', 'alter table settlements drop column eligibility_json',
  // and 007's current view
  'alter table people drop column memberships_json', 'alter table hospitals drop column tiers_json',
  // and 008's catalogue
  'drop table catalogue_entries', 'drop table catalogue_refusals', 'alter table settlements drop column catalogue_json',
  // and 013's index over settlements' claims (it names payee, which 009 added)
  'drop index settlements_claims',
  // and 009's office
  'alter table api_keys drop column region_code', 'alter table hospitals drop column external',
  'alter table settlements drop column channel', 'alter table settlements drop column payee', 'alter table settlements drop column application_json',
];
const rowsOf = (database: SQLite.Database, table: (typeof TABLES)[number]) => database.prepare(`select ${COLUMNS[table]} from ${table} order by ${ORDER[table]}`).all();

describe('migration 2026-11-23-003 (SQLite)', () => {
  it('keeps every fund row, ledger and audit entry of a database with settlements, keyed by their own keys, and settling goes on', async () => {
    const ddl = await olderDdl();
    const file = await BACKENDS.find((b) => b.name === 'sqlite')!.fresh();

    // Settlements for two people, one of them reversed: fund rows, ledgers and audit entries of each kind.
    const first = await openService(file, { registry: true });
    const posted = [];
    for (const [i, person] of ['P-000001', 'P-000002', 'P-000001'].entries()) {
      posted.push(await first.settlements.post(inpatientBill({ billNo: `M-${i}`, hospital: HOSPITAL, person, scale: 1 + i }), null, 'test'));
    }
    await first.settlements.reverse(posted[1]!.view.id, null, '录入错误', 'test');
    await first.close();

    // Put the three tables back as they were before 003, rows and all, and forget that 003 ran. What
    // 004 (re-adjudication) added is taken away too, so that both run again in order: 004 then numbers
    // the settlements by their times, as the code of this release numbered them by ledger version.
    const database = new SQLite(file);
    const versions = database.prepare('select id, ledger_version, reversed_version from settlements order by id').all();
    expect(database.prepare('select count(*) as n from adjustments').get()).toEqual({ n: 0 });
    database.transaction(() => {
      for (const table of TABLES) {
        database.exec(ddl.get(table)!.replace(`"${table}"`, `"${table}_older"`));
        database.exec(`insert into ${table}_older select ${COLUMNS[table]} from ${table}; drop table ${table}; alter table ${table}_older rename to ${table}`);
      }
      for (const statement of REGISTER_UNDO) database.exec(statement);
      database.exec('drop table adjustment_funds; drop table adjustments; drop index settlements_reversed');
      database.exec('alter table settlements drop column ledger_version; alter table settlements drop column reversed_version');
      database.prepare('delete from kysely_migration where name >= ?').run(MIGRATION);
    })();
    for (const table of TABLES) expect(shapeOf(database, table)).toBe(ddl.get(table)!);
    expect(shapeOf(database, 'audit_log')).toMatch(/"seq" bigint primary key/);
    const before = Object.fromEntries(TABLES.map((t) => [t, rowsOf(database, t)])) as Record<(typeof TABLES)[number], unknown[]>;
    expect(before.settlement_funds.length).toBeGreaterThan(3);
    expect(before.ledgers).toHaveLength(2);
    expect(before.audit_log.length).toBeGreaterThanOrEqual(4);
    database.close();

    // Opening the store runs 003 (and the later ones; the register is already there).
    const svc = await openService(file);
    try {
      const after = new SQLite(file, { readonly: true });
      try {
        expect(shapeOf(after, 'settlement_funds')).toMatch(/without rowid$/);
        expect(shapeOf(after, 'ledgers')).toMatch(/without rowid$/);
        // seq is now the rowid itself: the table has no second b-tree for its key.
        expect(after.prepare('select count(*) as n from audit_log where rowid != seq').get()).toEqual({ n: 0 });
        // (Its one index is the audit's lookup by subject, migration 014, not a second key.)
        expect(after.prepare("select name from sqlite_master where type = 'index' and tbl_name = 'audit_log'").all()).toEqual([{ name: 'audit_log_subject' }]);
        for (const table of TABLES) expect(rowsOf(after, table), table).toEqual(before[table]);
        // and 004, run after it, says each fund owes its whole payout (nothing was paid elsewhere)
        expect(after.prepare('select count(*) as n from settlement_funds where owed_fen is not amount_fen').get()).toEqual({ n: 0 });
        expect(after.prepare('select id, ledger_version, reversed_version from settlements order by id').all()).toEqual(versions);
        expect(after.pragma('foreign_key_check')).toEqual([]);
        expect(after.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      } finally {
        after.close();
      }
      expect((await verifyAuditLog(svc.store.db)).problems).toEqual([]);

      // The writer thread settles and reverses on the rebuilt tables, and the books still balance.
      const next = await svc.settlements.post(inpatientBill({ billNo: 'M-3', hospital: HOSPITAL, person: 'P-000002', scale: 2 }), null, 'test');
      expect(next.replay).toBe(false);
      await svc.settlements.reverse(posted[2]!.view.id, null, '录入错误', 'test');
      expect((await svc.settlements.post(inpatientBill({ billNo: 'M-0', hospital: HOSPITAL, person: 'P-000001', scale: 1 }), null, 'test')).replay).toBe(true);
      const chain = await verifyAuditLog(svc.store.db);
      expect(chain.problems).toEqual([]);
      expect(chain.entries).toBe(before.audit_log.length + 2);
      const report = await runDoctor(svc.store, { year: 2018 });
      expect(report.violations).toEqual([]);
      expect(report).toMatchObject({ settlements: 4, reversed: 2 });
    } finally {
      await svc.close();
    }
  });
});
