/**
 * Where `POST /v1/audits` runs: in a worker thread of its own (audit-worker.ts), one audit at a time.
 *
 * An audit re-runs the engine on every settlement of its period (a few hundred µs each on the benchmark
 * machine, so minutes for a region's year), a page of people at a time. On the API thread that was time in
 * which no hospital window got an answer, because one auditor asked for a year. In its own thread, at a
 * lower scheduling priority (built-worker.ts asBackgroundThread), the counter goes on; audits queue behind
 * each other, so two auditors cannot take both cores from it.
 *
 * The thread opens the database again ({@link Store.reopen}); a store that cannot be reopened (an
 * in-memory database), or a checkout without a build (no dist/ for the worker), audits in-thread.
 */
import { Worker } from 'node:worker_threads';
import { builtWorker } from '../built-worker.js';
import { ApiError, type FieldIssue } from '../errors/api-error.js';
import type { Store } from '../store/port.js';
import { runAudit, type AuditReport, type AuditScope } from './audit.js';

export type AuditJob = { type: 'audit'; id: number; scope: AuditScope };
export type AuditDone =
  | { id: number; ok: true; report: AuditReport }
  /** The audit refused its scope (an unknown hospital): the same 4xx as in-thread. */
  | { id: number; ok: false; refused: { status: number; code: string; message: string; issues: FieldIssue[] } }
  | { id: number; ok: false; error: string };

export class AuditThread {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: AuditReport) => void; reject: (e: Error) => void }>();
  /** The audits, one after another. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly workerUrl: URL | null;

  constructor(
    private readonly store: Store,
    workerUrl: URL | null = builtWorker('audit-worker.js', import.meta.url),
  ) {
    this.workerUrl = store.reopen === null ? null : workerUrl;
  }

  /** Whether audits run in a thread of their own (false: in the calling thread, see the module note). */
  get threaded(): boolean {
    return this.workerUrl !== null;
  }

  run(scope: AuditScope): Promise<AuditReport> {
    const next = this.queue.then(() => (this.workerUrl ? this.inWorker(scope) : runAudit(this.store, scope)));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'close' });
    await exited;
  }

  private inWorker(scope: AuditScope): Promise<AuditReport> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<AuditReport>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ type: 'audit', id, scope } satisfies AuditJob);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerUrl!, { workerData: { reopen: this.store.reopen } });
    this.worker = worker;
    worker.unref();
    worker.on('message', (m: AuditDone) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.ok) p.resolve(m.report);
      else if ('refused' in m) p.reject(new ApiError(m.refused.status, m.refused.code, m.refused.message, m.refused.issues));
      else p.reject(new Error(`the audit failed in its thread: ${m.error}`));
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
