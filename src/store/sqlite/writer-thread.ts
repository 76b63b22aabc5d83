/**
 * Writing to a SQLite file from a writer thread.
 *
 * A durable COMMIT waits for the disk (fsync of the WAL), and better-sqlite3 waits synchronously: in the
 * API thread every commit would stop all request handling for its duration. So write sets go to a
 * worker thread with a connection of its own (./writer-worker.ts), which runs them under group commit;
 * the API thread answers only when the writer reports the COMMIT done: nothing is acknowledged before
 * it is durable. Each set is sent the moment it is ready (gathering the sets of one event-loop turn
 * into one message made the sets answered together come back together, so the two threads took turns
 * instead of working at once: benchmarks/history/).
 *
 * If the thread dies, the sets it held fail with CommitUnknown: each was either not committed, or was
 * committed just before the thread died, and posting it again settles it (a replay if it was). The
 * next set starts a new thread.
 */
import { Worker } from 'node:worker_threads';
import { CommitUnknown } from '../commit-unknown.js';
import type { WriteSet } from '../write-set.js';
import type { Answer } from './writer.js';

/** Bumped whenever the messages change, so a stale dist/ worker is refused rather than misread. */
export const WRITER_PROTOCOL = 5;

export type ToWriter = { type: 'write'; id: number; set: WriteSet } | { type: 'close' };
export type FromWriter = { id: number; answer: Answer }[];

interface Pending {
  resolve: (a: Answer) => void;
  reject: (e: Error) => void;
}

export class SqliteWriterThread {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly workerUrl: URL,
  ) {}

  write(set: WriteSet): Promise<Answer> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<Answer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // A thread with work keeps the process alive; an idle one does not.
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ type: 'write', id, set } satisfies ToWriter);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage({ type: 'close' } satisfies ToWriter);
    await exited;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerUrl, { workerData: { file: this.file } });
    this.worker = worker;
    worker.unref();
    worker.on('message', (m: FromWriter | { ready: number }) => {
      if (!Array.isArray(m)) {
        if (m.ready !== WRITER_PROTOCOL) this.fail(worker, new Error(`the SQLite writer worker (${this.workerUrl.pathname}) is out of date (protocol ${m.ready}, expected ${WRITER_PROTOCOL}): run npm run build`));
        return;
      }
      for (const { id, answer } of m) {
        const p = this.pending.get(id);
        if (!p) continue;
        this.pending.delete(id);
        p.resolve(answer);
      }
      if (this.pending.size === 0) worker.unref();
    });
    worker.on('error', (e) => this.fail(worker, new CommitUnknown(`the SQLite writer thread stopped: ${e.message}`)));
    worker.on('exit', (code) => this.fail(worker, new CommitUnknown(`the SQLite writer thread stopped (exit code ${code})`)));
    return worker;
  }

  private fail(worker: Worker, e: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    void worker.terminate();
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
