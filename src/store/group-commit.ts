/**
 * Group commit for SQLite: writes that arrive while one transaction is committing are run together in
 * the next transaction, each inside its own savepoint, and committed with one fsync.
 *
 * Durability is unchanged: a write's promise resolves only after COMMIT has returned (with
 * synchronous=FULL, after the WAL is on disk), so nothing is acknowledged before it is durable. A write
 * that throws rolls back to its savepoint and rejects, without touching the others; if COMMIT itself
 * fails, every write of the batch rejects and nothing of it is kept.
 */
import type { Kysely } from 'kysely';

interface Pending<DB> {
  fn: (trx: Kysely<DB>) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit<DB> {
  private queue: Pending<DB>[] = [];
  private draining = false;

  constructor(
    private readonly db: Kysely<DB>,
    /**
     * Runs transaction control (BEGIN, SAVEPOINT, COMMIT…) synchronously on the connection kysely holds
     * for the batch: better-sqlite3's `exec`, without building a kysely query for each.
     */
    private readonly exec: (sql: string) => void,
    /** Most writes in one transaction: bounds the latency one batch adds to its last write. */
    private readonly maxBatch = 64,
  ) {}

  write<T>(fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.runBatch(batch);
      }
    } finally {
      this.draining = false;
    }
  }

  private async runBatch(batch: Pending<DB>[]): Promise<void> {
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      // Holding kysely's connection keeps every kysely query of this process out of the batch.
      await this.db.connection().execute(async (conn) => {
        this.exec('begin immediate');
        try {
          for (const item of batch) {
            this.exec('savepoint w');
            try {
              const value = await item.fn(conn);
              this.exec('release w');
              outcomes.push({ ok: true, value });
            } catch (e) {
              this.exec('rollback to w');
              this.exec('release w');
              outcomes.push({ ok: false, value: e });
            }
          }
          this.exec('commit');
        } catch (e) {
          try {
            this.exec('rollback');
          } catch {
            // No transaction left to roll back (SQLite ends it itself on some errors).
          }
          throw e;
        }
      });
    } catch (e) {
      for (const item of batch) item.reject(e);
      return;
    }
    batch.forEach((item, i) => {
      const o = outcomes[i]!;
      if (o.ok) item.resolve(o.value);
      else item.reject(o.value);
    });
  }
}
