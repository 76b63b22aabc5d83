/**
 * Opening the store. SQLite (better-sqlite3) is the embedded default; the dialect-specific parts of
 * writing (how a transaction takes its locks) live here and nowhere else.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type Transaction } from 'kysely';
import { GroupCommit } from './group-commit.js';
import { migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Where the data lives, for logs (never a password). */
  readonly location: string;
  /**
   * Run `fn` in a write transaction. On SQLite it begins IMMEDIATE, taking the database's write lock
   * before anything is read, so two settlements (even from two processes) never read the same
   * snapshot. On PostgreSQL, rows are locked by the caller through {@link Store.lockLedger}.
   */
  write<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
  /** Lock (creating if needed) a person's ledger row for a year, inside a write transaction. */
  lockLedger(trx: Kysely<Database>, personId: string, year: number): Promise<{ accumulators_json: string; version: number }>;
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

export async function openSqliteStore(file: string): Promise<Store> {
  if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  // FULL: the WAL is synced at every commit, so an acknowledged settlement survives a crash or power loss.
  database.pragma('synchronous = FULL');
  database.pragma('busy_timeout = 10000');
  database.pragma('foreign_keys = ON');
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

  const groupCommit = new GroupCommit(db);
  return {
    db,
    dialect: 'sqlite',
    location: file,
    write(fn) {
      return groupCommit.write(fn);
    },
    async lockLedger(trx, personId, year) {
      const row = await trx.selectFrom('ledgers').select(['accumulators_json', 'version']).where('person_id', '=', personId).where('year', '=', year).executeTakeFirst();
      if (row) return row;
      await trx.insertInto('ledgers').values({ person_id: personId, year, accumulators_json: '{}', version: 0 }).execute();
      return { accumulators_json: '{}', version: 0 };
    },
    async close() {
      await db.destroy();
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
