/**
 * Where the long reads of the store run for the API and the CLI (`POST /v1/audits`, audit and doctor
 * jobs, `onestop audit`, `onestop doctor`): in a worker thread of their own (audit-worker.ts), one at a
 * time per thread.
 *
 * An audit re-runs the engine on every settlement of its period (a few hundred µs each on the benchmark
 * machine, so minutes for a region's year), a page of people at a time. On the API thread that was time in
 * which no hospital window got an answer, because one auditor asked for a year. In its own thread, at a
 * lower scheduling priority (built-worker.ts asBackgroundThread), the counter goes on; reads queue behind
 * each other, so two auditors cannot take both cores from it. (In the CLI the thread is what lets Ctrl-C
 * and the progress bar be served while the read runs.)
 *
 * The thread posts its progress back (at most ten times a second) and stops when the read's signal is
 * aborted: the cancel reaches it as a message, and as a flag in shared memory that it looks at after
 * every settlement or batch of people, because a read that never waits for I/O (SQLite) does not turn its
 * event loop until it is done.
 *
 * The thread opens the database again ({@link Store.reopen}); a store that cannot be reopened (an
 * in-memory database), or a checkout without a build (no dist/ for the worker), reads in-thread.
 */
import { Worker } from 'node:worker_threads';
import { builtWorker } from '../built-worker.js';
import { ApiError, type FieldIssue } from '../errors/api-error.js';
import type { Store } from '../store/port.js';
import { runAudit, type AuditReport, type AuditScope } from './audit.js';
import { runDoctor, type DoctorOptions, type DoctorReport } from './doctor.js';
import { ReadCancelled, type LongReadOptions } from './run-options.js';
import { verifyAuditLog, type AuditLogVerification } from '../checks/audit-log.js';

/** What `doctor` is given in the thread. */
export type DoctorRead = Pick<DoctorOptions, 'year' | 'audit' | 'batchSize'>;
type Read = { type: 'audit'; scope: AuditScope } | { type: 'doctor'; options: DoctorRead } | { type: 'verify-log' };
/** What the thread is asked to read; `cancel` is one Int32 the caller sets to 1 to stop it. */
export type LongRead = Read & { id: number; cancel: SharedArrayBuffer };
export type ToThread = LongRead | { type: 'cancel'; id: number } | { type: 'close' };

export type FromThread =
  | { type: 'progress'; id: number; done: number; total: number }
  | { type: 'done'; id: number; ok: true; report: AuditReport | DoctorReport | AuditLogVerification }
  /** The read refused its scope (an unknown hospital): the same 4xx as in-thread. */
  | { type: 'done'; id: number; ok: false; refused: { status: number; code: string; message: string; issues: FieldIssue[] } }
  | { type: 'done'; id: number; ok: false; cancelled: true }
  | { type: 'done'; id: number; ok: false; error: string };

export interface AuditThreadOptions {
  /**
   * Tests only: the thread pauses this long after each settlement (audit) or batch of people (doctor), so
   * that a test can watch a job's progress and cancel it while it runs.
   */
  pauseMs?: number;
}

interface Pending {
  resolve: (r: AuditReport | DoctorReport | AuditLogVerification) => void;
  reject: (e: Error) => void;
  onProgress?: (done: number, total: number) => void;
}

export class AuditThread {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** The reads, one after another. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly workerUrl: URL | null;

  constructor(
    private readonly store: Store,
    workerUrl: URL | null = builtWorker('audit-worker.js', import.meta.url),
    private readonly options: AuditThreadOptions = {},
  ) {
    this.workerUrl = store.reopen === null ? null : workerUrl;
  }

  /** Whether reads run in a thread of their own (false: in the calling thread, see the module note). */
  get threaded(): boolean {
    return this.workerUrl !== null;
  }

  /** The recompute audit of a scope (audit.ts). */
  run(scope: AuditScope, opts: LongReadOptions = {}): Promise<AuditReport> {
    return this.queued(() => (this.workerUrl ? this.inWorker({ type: 'audit', scope }, opts) : runAudit(this.store, scope, opts))) as Promise<AuditReport>;
  }

  /** `doctor` (doctor.ts). */
  doctor(options: DoctorRead = {}, opts: LongReadOptions = {}): Promise<DoctorReport> {
    return this.queued(() => (this.workerUrl ? this.inWorker({ type: 'doctor', options }, opts) : runDoctor(this.store, { ...options, ...opts }))) as Promise<DoctorReport>;
  }

  /** The audit log's chain and its cross-check with the store (checks/audit-log.ts), on a snapshot of the thread's. */
  verifyLog(): Promise<AuditLogVerification> {
    return this.queued(() => (this.workerUrl ? this.inWorker({ type: 'verify-log' }, {}) : verifyAuditLog(this.store.db))) as Promise<AuditLogVerification>;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'close' } satisfies ToThread);
    await exited;
  }

  /**
   * Stop the thread at once, whatever it is reading (the CLI after Ctrl-C, or when its command is done):
   * a read writes nothing, so nothing is left half done. What it was asked is refused.
   */
  async terminate(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    await worker.terminate();
  }

  private queued<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private inWorker(read: Read, opts: LongReadOptions): Promise<AuditReport | DoctorReport | AuditLogVerification> {
    if (opts.signal?.aborted) return Promise.reject(new ReadCancelled());
    const worker = this.start();
    const id = this.nextId++;
    const cancel = new SharedArrayBuffer(4);
    return new Promise<AuditReport | DoctorReport | AuditLogVerification>((resolve, reject) => {
      const onAbort = () => {
        const flag = new Int32Array(cancel);
        Atomics.store(flag, 0, 1);
        Atomics.notify(flag, 0);
        worker.postMessage({ type: 'cancel', id } satisfies ToThread);
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => opts.signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
        onProgress: opts.onProgress,
      });
      worker.ref();
      worker.postMessage({ ...read, id, cancel } as ToThread);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerUrl!, { workerData: { reopen: this.store.reopen, pauseMs: this.options.pauseMs ?? 0 } });
    this.worker = worker;
    worker.unref();
    worker.on('message', (m: FromThread) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === 'progress') {
        p.onProgress?.(m.done, m.total);
        return;
      }
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.ok) p.resolve(m.report);
      else if ('refused' in m) p.reject(new ApiError(m.refused.status, m.refused.code, m.refused.message, m.refused.issues));
      else if ('cancelled' in m) p.reject(new ReadCancelled());
      else p.reject(new Error(`the read failed in its thread: ${m.error}`));
    });
    const fail = (e: Error) => {
      if (this.worker !== worker) return;
      this.worker = null;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', (e) => fail(new Error(`the audit thread stopped: ${e.message}`)));
    worker.on('exit', (code) => fail(new Error(`the audit thread stopped (exit code ${code})`)));
    return worker;
  }
}
