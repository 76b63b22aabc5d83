/**
 * The embedded default: one SQLite file (better-sqlite3), in WAL mode with synchronous=FULL.
 *
 * Reads run on the API thread's own connection (kysely, and the hot reads prepared from their compiled
 * statements). Every write goes through one queue, the group commit (./group-commit.ts): for a file, in
 * a writer thread with a connection of its own (./writer-thread.ts), so the API thread never waits for
 * the disk; for `:memory:`, which exists only on its one connection, in the API thread.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { builtWorker } from '../../built-worker.js';
import { migrateToLatest } from '../migrations.js';
import { StoreWriteError, type Store } from '../port.js';
import type { Database } from '../schema.js';
import { bind, compileStatements } from '../statements.js';
import type { WriteOutcome, WriteSet } from '../write-set.js';
import { openSqliteConnection } from './connection.js';
import { GroupCommit } from './group-commit.js';
import { SqliteWriterThread } from './writer-thread.js';
import { SqliteWriter, type Answer } from './writer.js';

export interface SqliteStoreOptions {
  /** Replaces the writer thread's code: the fault tests run that same code in a thread made to die. */
  writerWorker?: URL;
}

export async function openSqliteStore(file: string, opts: SqliteStoreOptions = {}): Promise<Store> {
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

  const statements = compileStatements('sqlite');
  const workerUrl = opts.writerWorker ?? builtWorker('writer-worker.js', import.meta.url);
  const thread = file !== ':memory:' && workerUrl && process.env.ONESTOP_SQLITE_WRITER !== 'inline' ? new SqliteWriterThread(file, workerUrl) : null;
  // Without a thread the API thread commits, on a connection of its own for a file (kysely's may hold a
  // read transaction open across awaits), on the only one there is for :memory:.
  const inlineConnection = thread ? null : file === ':memory:' ? database : openSqliteConnection(file);
  const inline = inlineConnection
    ? new GroupCommit<(a: Answer) => void>(new SqliteWriter(inlineConnection), (done, answers) => done.forEach((d, i) => d(answers[i]!)))
    : null;

  return {
    db,
    dialect: 'sqlite',
    location: file,
    reopen: file === ':memory:' ? null : file,
    async get(s) {
      const c = statements[s.statement];
      return database.prepare(c.sql).get(...bind(c, s.values)) as never;
    },
    async all(s) {
      const c = statements[s.statement];
      return database.prepare(c.sql).all(...bind(c, s.values)) as never;
    },
    async write(set: WriteSet): Promise<WriteOutcome> {
      const answer = thread ? await thread.write(set) : await new Promise<Answer>((done) => inline!.submit(set, done));
      if (!answer.ok) throw new StoreWriteError(answer.error, answer.code);
      return answer.outcome;
    },
    async close() {
      await thread?.close();
      await db.destroy();
      if (inlineConnection && inlineConnection !== database) inlineConnection.close();
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
