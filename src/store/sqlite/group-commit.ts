/**
 * Group commit: write sets that arrive while one transaction is committing run together in the next
 * (./writer.ts runs a batch), and each is answered only after that COMMIT has returned: with
 * synchronous=FULL, after the WAL is on disk, so nothing is acknowledged before it is durable.
 *
 * The one queue of SQLite writes, used by the writer thread (./writer-worker.ts) and, for an in-memory
 * database, by the API thread itself.
 */
import type { WriteSet } from '../write-set.js';
import type { Answer, SqliteWriter } from './writer.js';

/** Most write sets in one transaction: bounds the latency one batch adds to its last set. */
const MAX_BATCH = 64;

export class GroupCommit<Ticket> {
  private queue: { set: WriteSet; ticket: Ticket }[] = [];
  private scheduled = false;

  constructor(
    private readonly writer: SqliteWriter,
    /** Called with each batch's tickets and their answers, in order, once its COMMIT has returned. */
    private readonly deliver: (tickets: Ticket[], answers: Answer[]) => void,
  ) {}

  submit(set: WriteSet, ticket: Ticket): void {
    this.queue.push({ set, ticket });
    // The sets already on their way are taken into the same batch: it runs after them.
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    this.scheduled = false;
    while (this.queue.length) {
      const batch = this.queue.splice(0, MAX_BATCH);
      const answers = this.writer.runBatch(batch.map((b) => b.set));
      this.deliver(
        batch.map((b) => b.ticket),
        answers,
      );
    }
  }
}
