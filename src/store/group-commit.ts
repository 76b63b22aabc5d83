/**
 * Group commit for SQLite: writes that arrive while one transaction is committing are run together in
 * the next transaction, each inside its own savepoint, and committed with one fsync.
 *
 * Durability is unchanged: a write's promise resolves only after COMMIT has returned (with
 * synchronous=FULL, after the WAL is on disk), so nothing is acknowledged before it is durable. A write
 * that throws rolls back to its savepoint and rejects, without touching the others; if COMMIT itself
 * fails, every write of the batch rejects and nothing of it is kept.
 */
import { sql, type Kysely } from 'kysely';

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
      await this.db.connection().execute(async (conn) => {
        await sql`begin immediate`.execute(conn);
        try {
          for (const item of batch) {
            await sql`savepoint w`.execute(conn);
            try {
              const value = await item.fn(conn);
              await sql`release w`.execute(conn);
              outcomes.push({ ok: true, value });
            } catch (e) {
              await sql`rollback to w`.execute(conn);
              await sql`release w`.execute(conn);
              outcomes.push({ ok: false, value: e });
            }
          }
          await sql`commit`.execute(conn);
        } catch (e) {
          await sql`rollback`.execute(conn).catch(() => undefined);
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
