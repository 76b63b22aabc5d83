/**
 * A long read on one snapshot of the store: every query of `fn` sees the data as it stood when the first
 * ran, and nothing that commits meanwhile (settlements go on being written) appears half. PostgreSQL: a
 * REPEATABLE READ, READ ONLY transaction on one pooled connection. SQLite (WAL): a read transaction on the
 * reading connection, which never blocks the writer (the writer thread has a connection of its own);
 * the WAL cannot be checkpointed past the snapshot while it is held, so it grows until the read ends.
 */
import { PostgresAdapter, type Kysely } from 'kysely';
import type { Store } from './port.js';
import type { Database } from './schema.js';

export function readSnapshot<T>(store: Store, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  return onSnapshot(store.db, fn);
}

/** The same on a connection (or a transaction, which already is one snapshot: `fn` then runs in it). */
export function onSnapshot<T>(db: Kysely<Database>, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db);
  const tx = db.transaction();
  return (db.getExecutor().adapter instanceof PostgresAdapter ? tx.setIsolationLevel('repeatable read').setAccessMode('read only') : tx).execute(fn);
}
