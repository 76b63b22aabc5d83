/**
 * PostgreSQL, for a region that outgrows one SQLite file: the same kysely code, with per-person
 * serialisation through a row lock (SELECT … FOR UPDATE on the person's ledger row), so several API
 * processes on several machines stay correct.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import { migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';
import type { Store } from './db.js';

export async function openPostgresStore(url: string): Promise<Store> {
  let pg: typeof import('pg');
  try {
    pg = (await import('pg')).default as unknown as typeof import('pg');
  } catch {
    throw new Error('ONESTOP_DB is a PostgreSQL URL but the "pg" package is not installed (npm install pg)');
  }
  // bigint (int8) columns hold integer fen; they fit a JS number exactly below 2^53 fen.
  pg.types.setTypeParser(20, (v: string) => Number(v));
  const pool = new pg.Pool({ connectionString: url, max: Number(process.env.ONESTOP_PG_POOL ?? 10) });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await sql`select pg_advisory_lock(7447001)`.execute(db);
  try {
    await migrateToLatest(db);
  } finally {
    await sql`select pg_advisory_unlock(7447001)`.execute(db);
  }
  const location = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  return {
    db,
    dialect: 'postgres',
    location,
    async write(fn) {
      return db.transaction().execute(fn);
    },
    async lockLedger(trx, personId, year) {
      await trx
        .insertInto('ledgers')
        .values({ person_id: personId, year, accumulators_json: '{}', version: 0 })
        .onConflict((oc) => oc.columns(['person_id', 'year']).doNothing())
        .execute();
      return trx
        .selectFrom('ledgers')
        .select(['accumulators_json', 'version'])
        .where('person_id', '=', personId)
        .where('year', '=', year)
        .forUpdate()
        .executeTakeFirstOrThrow();
    },
    async close() {
      await db.destroy();
    },
  };
}
