/**
 * Settling on SQLite from a writer thread.
 *
 * A durable COMMIT waits for the disk (fsync of the WAL), and better-sqlite3 waits synchronously: in the
 * API thread every commit would stop all request handling for its duration. So settlements are written
 * by a worker thread with a connection of its own (sqlite-writer-worker.ts), which runs the same
 * transaction body as every other store (service/settle-tx.ts) under the same group commit. The API
 * thread sends it a validated, resolved bill and answers the window only when the writer reports the
 * COMMIT done: nothing is acknowledged before it is durable.
 *
 * Everything else (reversals, keys, seeding, reads) stays on the API thread's kysely connection; the two
 * connections take SQLite's write lock in turn, exactly as two API processes on one file do.
 *
 * If the thread dies, the jobs it held fail with CommitUnknown: each was either not committed, or was
 * committed just before the thread died, and posting it again is answered as a replay. The next job
 * starts a new thread.
 */
import { Worker } from 'node:worker_threads';
import type { LoadedRuleset } from '../rules/load.js';
import type { SettleJob, SettleOutcome } from '../service/settle-tx.js';
import { CommitUnknown } from './settlement-tx.js';

/** Bumped whenever the messages change, so a stale dist/ worker is refused rather than misread. */
export const WRITER_PROTOCOL = 2;

export type ToWriter =
  | { type: 'settle'; id: number; job: SettleJob; ruleset?: { hash: string; file: string; document: unknown } }
  | { type: 'close' };

export type FromWriter = ({ id: number; ok: true; outcome: SettleOutcome } | { id: number; ok: false; error: string; code?: string })[];

/** An error the writer thread reported, with the SQLite code when there was one (e.g. a unique violation). */
export class WriterError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'WriterError';
  }
}

interface Pending {
  resolve: (o: SettleOutcome) => void;
  reject: (e: Error) => void;
}

export class SqliteWriterThread {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Rulesets the current thread has been sent (a new thread gets them again). */
  private sent = new Set<string>();
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly workerUrl: URL,
  ) {}

  settle(job: SettleJob, loaded: LoadedRuleset): Promise<SettleOutcome> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    const worker = this.start();
    const id = this.nextId++;
    const message: ToWriter = { type: 'settle', id, job };
    if (!this.sent.has(loaded.hash)) {
      message.ruleset = { hash: loaded.hash, file: loaded.file, document: loaded.document };
      this.sent.add(loaded.hash);
    }
    return new Promise<SettleOutcome>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // A thread with work keeps the process alive; an idle one does not.
      if (this.pending.size === 1) worker.ref();
      worker.postMessage(message);
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
    this.sent = new Set();
    worker.unref();
    worker.on('message', (m: FromWriter | { ready: number }) => {
      if (!Array.isArray(m)) {
        if (m.ready !== WRITER_PROTOCOL) this.fail(worker, new Error(`dist/store/sqlite-writer-worker.js is out of date (protocol ${m.ready}, expected ${WRITER_PROTOCOL}): run npm run build`));
        return;
      }
      for (const a of m) {
        const p = this.pending.get(a.id);
        if (!p) continue;
        this.pending.delete(a.id);
        if (a.ok) p.resolve(a.outcome);
        else p.reject(new WriterError(a.error, a.code));
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
