/**
 * Opening the store. SQLite (better-sqlite3) is the embedded default; the dialect-specific parts of
 * writing (how a transaction takes its locks) live here and nowhere else.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type Transaction } from 'kysely';
import { builtWorker } from '../built-worker.js';
import type { LoadedRuleset } from '../rules/load.js';
import { settleInTx, type SettleJob, type SettleOutcome } from '../service/settle-tx.js';
import { GroupCommit } from './group-commit.js';
import { migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';
import type { LedgerRow, Lookups, SettlementTx } from './settlement-tx.js';
import { openSqliteConnection } from './sqlite-connection.js';
import { sqliteLookups, sqliteSettlementTx } from './sqlite-settlement-tx.js';
import { SqliteWriterThread } from './sqlite-writer.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Where the data lives, for logs (never a password). */
  readonly location: string;
  /**
   * What opens this database again ({@link openStore}): the file, or the URL with its password. For this
   * process's own worker threads only, never for logs. Null when it cannot be opened again (`:memory:`).
   */
  readonly reopen: string | null;
  /**
   * Run `fn` in a write transaction. On SQLite it begins IMMEDIATE, taking the database's write lock
   * before anything is read, so two settlements (even from two processes) never read the same
   * snapshot. On PostgreSQL, rows are locked by the caller through {@link Store.lockLedger}.
   */
  write<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * The same write transaction as {@link Store.write}, for the counter's hot path: `fn` gets the narrow
   * {@link SettlementTx} (prepared statements on SQLite) instead of kysely.
   */
  settlementWrite<T>(fn: (tx: SettlementTx) => Promise<T>): Promise<T>;
  /**
   * Settle one resolved bill in a write transaction ({@link settleInTx}), wherever this store's writer
   * is: on SQLite files, a writer thread, so the API thread never waits for the disk.
   */
  settle(job: SettleJob, ruleset: LoadedRuleset): Promise<SettleOutcome>;
  /** Reference reads before a settlement (hospital, person, a preview's ledger): committed data only. */
  readonly lookups: Lookups;
  /** Lock (creating if needed) a person's ledger row for a year, inside a write transaction. */
  lockLedger(trx: Kysely<Database>, personId: string, year: number): Promise<LedgerRow>;
  close(): Promise<void>;
}

export function defaultDatabaseUrl(): string {
  return process.env.ONESTOP_DB ?? resolve('data', 'onestop.db');
}

export async function openStore(url = defaultDatabaseUrl()): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { openPostgresStore } = await import('./postgres.js');
    return openPostgresStore(url);
  }
  return openSqliteStore(url);
}

/**
 * `writerWorker` replaces the writer thread's code (dist/store/sqlite-writer-worker.js): the fault tests
 * use it to run that same code in a thread that dies at a chosen moment.
 */
export async function openSqliteStore(file: string, opts: { writerWorker?: URL } = {}): Promise<Store> {
  if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
  const database = openSqliteConnection(file);
  cachePreparedStatements(database);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  // Under the write lock, and atomic: two processes opening a new file at once (several API processes
  // started together) would otherwise both see no migrations and both create the tables. kysely takes no
  // lock of its own on SQLite.
  await db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      await migrateToLatest(conn);
      await sql`commit`.execute(conn);
    } catch (e) {
      await sql`rollback`.execute(conn);
      throw e;
    }
  });

  const groupCommit = new GroupCommit(db, (text) => database.exec(text));
  const settlementTx = sqliteSettlementTx(database);
  // Lookups read committed data through a connection of their own (WAL readers never wait for the writer);
  // an in-memory database exists only on its one connection, so there they share it.
  const reader = file === ':memory:' ? database : openSqliteConnection(file, { readonly: true });
  const settlementWrite = <T>(fn: (tx: SettlementTx) => Promise<T>) => groupCommit.write(() => fn(settlementTx));
  const workerUrl = opts.writerWorker ?? builtWorker('store', 'sqlite-writer-worker.js', import.meta.url);
  const writer = file !== ':memory:' && workerUrl && process.env.ONESTOP_SQLITE_WRITER !== 'inline' ? new SqliteWriterThread(file, workerUrl) : null;
  return {
    db,
    dialect: 'sqlite',
    location: file,
    reopen: file === ':memory:' ? null : file,
    lookups: sqliteLookups(reader),
    write(fn) {
      return groupCommit.write(fn);
    },
    settlementWrite,
    settle(job, ruleset) {
      return writer ? writer.settle(job, ruleset) : settlementWrite((tx) => settleInTx(tx, job, ruleset.ruleset));
    },
    async lockLedger(trx, personId, year) {
      const row = await trx.selectFrom('ledgers').select(['accumulators_json', 'version']).where('person_id', '=', personId).where('year', '=', year).executeTakeFirst();
      if (row) return row;
      await trx.insertInto('ledgers').values({ person_id: personId, year, accumulators_json: '{}', version: 0 }).execute();
      return { accumulators_json: '{}', version: 0 };
    },
    async close() {
      await writer?.close();
      await db.destroy();
      if (reader !== database) reader.close();
    },
  };
}

/**
 * kysely's SQLite driver prepares every query afresh; better-sqlite3 statements are reusable, so keep
 * the ones we have seen (the application issues a small, fixed set of SQL texts). Bounded, oldest out.
 */
function cachePreparedStatements(database: SQLite.Database, max = 500): void {
  const prepare = database.prepare.bind(database);
  const cache = new Map<string, SQLite.Statement>();
  (database as { prepare: (source: string) => SQLite.Statement }).prepare = (source: string) => {
    let stmt = cache.get(source);
    if (!stmt) {
      stmt = prepare(source);
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(source, stmt);
    }
    return stmt;
  };
}

export type { Transaction };
