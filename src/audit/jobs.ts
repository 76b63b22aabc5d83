/**
 * Audits and doctor runs as jobs (issue 26): `POST /v1/audit-jobs` checks the request in full, records
 * the job (audit_jobs) and answers at once; the job runs in the long reads' thread (audit-thread.ts) and
 * its report is kept, to be read later, after a restart too.
 *
 * - One job of a kind runs at a time in a process (one lane per kind, jobs/jobs.ts); later ones wait
 *   `queued`. `POST /v1/audits`, which answers the report itself, goes through the same lane, so a
 *   synchronous audit and an audit job never run at once either.
 * - The same kind and scope asked for again while such a job is queued or running is answered with that
 *   job rather than a second one.
 * - A cancelled job is recorded as cancelled at once; its read stops before its next settlement or batch of
 *   people. Nothing is written by a read, so a cancelled one leaves nothing behind.
 * - A job whose process stopped (queued or running, no heartbeat for two minutes) is recorded as
 *   interrupted (status error) when next read, as model jobs are.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Principal } from '../access/keys.js';
import { ApiError, conflict, notFound, unprocessable } from '../errors/api-error.js';
import { parseOr422 } from '../errors/from-zod.js';
import { canonicalJson } from '../formats/canonical-json.js';
import { JobBook } from '../jobs/jobs.js';
import type { Store } from '../store/port.js';
import type { AuditJobTable } from '../store/schema.js';
import type { AuditReport, AuditScope } from './audit.js';
import { AuditThread, type AuditThreadOptions, type DoctorRead } from './audit-thread.js';
import type { DoctorReport } from './doctor.js';
import { ReadCancelled } from './run-options.js';
import { auditJobListQuerySchema, auditJobRequestSchema } from './schemas.js';

export type AuditJobKind = AuditJobTable['kind'];
export type AuditJobStatus = AuditJobTable['status'];

export interface AuditJobView {
  id: string;
  kind: AuditJobKind;
  scope: Record<string, unknown>;
  status: AuditJobStatus;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  progress: { done: number; total: number | null };
  report?: AuditReport | DoctorReport;
  error?: string;
}

export const AUDIT_JOB_INTERRUPTED = '稽核任务中断：运行期间服务重启或停止，此任务不会完成；请重新提交';
const CANCELLED = '已取消';
const FAILED = '稽核任务失败：服务器内部错误，请稍后重试或联系管理员';
const STATUS_LABELS: Record<AuditJobStatus, string> = { queued: '排队中', running: '运行中', done: '已完成', error: '失败', cancelled: '已取消' };
const LIVE: readonly AuditJobStatus[] = ['queued', 'running'];
/** How many jobs the list shows. */
const LIST_LIMIT = 50;

export interface AuditJobsDeps {
  store: Store;
  logger: Logger;
  now?: () => Date;
  heartbeatMs?: number;
  /** Options of the long reads' threads (tests: a pause after each settlement). */
  thread?: AuditThreadOptions;
}

export class AuditJobs {
  private readonly book: JobBook<AuditJobTable>;
  /** A thread per kind, so that an audit and a doctor run may run side by side, but not two of a kind. */
  private readonly threads: Record<AuditJobKind, AuditThread>;
  /** start() one at a time: "is the same job already queued?" and recording it are one step. */
  private starting: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: AuditJobsDeps) {
    this.book = new JobBook<AuditJobTable>(deps, {
      table: 'audit_jobs',
      live: LIVE,
      interrupted: { status: 'error', error: AUDIT_JOB_INTERRUPTED },
      progressColumns: true,
      what: 'audit job',
    });
    this.threads = { audit: new AuditThread(deps.store, undefined, deps.thread), doctor: new AuditThread(deps.store, undefined, deps.thread) };
  }

  /** The recompute audit answered in the request (POST /v1/audits), in the audit jobs' lane. */
  audit(scope: AuditScope): Promise<AuditReport> {
    return this.book.lane('audit', () => this.threads.audit.run(scope));
  }

  /**
   * Validate a request completely and queue its job; `existing` when the same kind and scope was already
   * queued or running (that job is the answer).
   */
  async start(body: unknown, principal: Principal | null): Promise<{ id: string; status: AuditJobStatus; existing: boolean }> {
    const req = parseOr422(auditJobRequestSchema, body, { what: '请求', unknownKeysApart: true });
    const scope: Record<string, unknown> = { ...(req.scope ?? {}) };
    for (const k of Object.keys(scope)) if (scope[k] === undefined) delete scope[k];
    if (req.kind === 'audit' && typeof scope.hospital === 'string') {
      const h = await this.deps.store.db.selectFrom('hospitals').select('code').where('code', '=', scope.hospital).executeTakeFirst();
      if (!h) throw unprocessable('UNKNOWN_HOSPITAL', `医院编码 ${scope.hospital} 未登记`, [{ path: 'scope.hospital', message: '医院未登记' }]);
    }
    const scopeJson = canonicalJson(scope);
    const next = this.starting.then(() => this.record(req.kind, scope, scopeJson, principal));
    this.starting = next.catch(() => undefined);
    return next;
  }

  private async record(kind: AuditJobKind, scope: Record<string, unknown>, scopeJson: string, principal: Principal | null): Promise<{ id: string; status: AuditJobStatus; existing: boolean }> {
    const same = await this.deps.store.db.selectFrom('audit_jobs').selectAll().where('kind', '=', kind).where('scope_json', '=', scopeJson).where('status', 'in', LIVE).orderBy('created_at').execute();
    for (const row of same) {
      const now = await this.book.interruptedIfStale(row);
      if (LIVE.includes(now.status)) return { id: now.id, status: now.status, existing: true };
    }
    const at = this.book.now().toISOString();
    const id = `AJ${at.slice(0, 10).replace(/-/g, '')}${randomBytes(5).toString('hex').toUpperCase()}`;
    await this.book.record({
      id,
      kind,
      scope_json: scopeJson,
      status: 'queued',
      created_at: at,
      started_at: null,
      finished_at: null,
      progress_done: 0,
      progress_total: null,
      report_json: null,
      error: null,
      created_by: principal?.keyId ?? 'system',
      heartbeat_at: at,
    });
    void this.book.lane(kind, () => this.run(id, kind, scope));
    return { id, status: 'queued', existing: false };
  }

  private async run(id: string, kind: AuditJobKind, scope: Record<string, unknown>): Promise<void> {
    const db = this.deps.store.db;
    const signal = this.book.signal(id);
    try {
      if (!signal || signal.aborted) return; // cancelled while it waited
      await this.book.write(db.updateTable('audit_jobs').set({ status: 'running', started_at: this.book.now().toISOString() }).where('id', '=', id).where('status', '=', 'queued').compile());
      const row = await db.selectFrom('audit_jobs').select('status').where('id', '=', id).executeTakeFirst();
      if (row?.status !== 'running') return;

      let end: Partial<AuditJobTable>;
      const started = Date.now();
      try {
        const opts = { signal, onProgress: (done: number, total: number) => this.book.setProgress(id, { done, total }) };
        const report = kind === 'audit' ? await this.threads.audit.run(scope as AuditScope, opts) : await this.threads.doctor.doctor(scope as DoctorRead, opts);
        const total = this.book.progress(id)?.total ?? null;
        end = { status: 'done', report_json: JSON.stringify(report), progress_done: total ?? 0, progress_total: total };
        this.deps.logger.info({ job: id, kind, seconds: (Date.now() - started) / 1000 }, 'audit job finished');
      } catch (e) {
        const p = this.book.progress(id);
        const progress = { progress_done: p?.done ?? 0, progress_total: p?.total ?? null };
        if (e instanceof ReadCancelled) end = { status: 'cancelled', error: CANCELLED, ...progress };
        else if (e instanceof ApiError) end = { status: 'error', error: e.message, ...progress };
        else {
          this.deps.logger.error({ err: e, job: id, kind }, 'audit job failed');
          end = { status: 'error', error: FAILED, ...progress };
        }
      }
      // Only a job still running: a cancel recorded meanwhile stays as it was recorded.
      await this.book.write(db.updateTable('audit_jobs').set({ ...end, finished_at: this.book.now().toISOString() }).where('id', '=', id).where('status', '=', 'running').compile());
    } catch (e) {
      this.deps.logger.error({ err: e, job: id }, 'could not record the run of an audit job');
    } finally {
      this.book.release(id);
    }
  }

  /** Cancel a queued or running job: recorded at once, and its read stops. 409 once it has finished. */
  async cancel(id: string): Promise<AuditJobView> {
    const row = await this.found(id);
    if (LIVE.includes(row.status)) {
      const db = this.deps.store.db;
      await this.book.write(db.updateTable('audit_jobs').set({ status: 'cancelled', error: CANCELLED, finished_at: this.book.now().toISOString() }).where('id', '=', id).where('status', '=', row.status).compile());
      this.book.abort(id);
    }
    const now = await this.found(id);
    if (now.status !== 'cancelled' || !LIVE.includes(row.status)) {
      throw conflict('JOB_FINISHED', `稽核任务 ${id} 已结束（${STATUS_LABELS[now.status]}），不能取消`);
    }
    return this.view(now, true);
  }

  async get(id: string): Promise<AuditJobView> {
    return this.view(await this.found(id), true);
  }

  /** The newest jobs (of a kind, in a status), without their reports. */
  async list(query: unknown): Promise<{ items: AuditJobView[] }> {
    const q = parseOr422(auditJobListQuerySchema, query, { what: '请求', prefix: ['query'], unknownKeysApart: true });
    const rows = await this.deps.store.db
      .selectFrom('audit_jobs')
      .selectAll()
      .$if(q.kind !== undefined, (s) => s.where('kind', '=', q.kind!))
      .$if(q.status !== undefined, (s) => s.where('status', '=', q.status!))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(LIST_LIMIT)
      .execute();
    const items: AuditJobView[] = [];
    for (const r of rows) {
      const now = await this.book.interruptedIfStale(r);
      if (q.status === undefined || now.status === q.status) items.push(this.view(now, false));
    }
    return { items };
  }

  /** Resolves when every queued job has finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.book.idle();
  }

  async close(): Promise<void> {
    await this.threads.audit.close();
    await this.threads.doctor.close();
  }

  private async found(id: string): Promise<AuditJobTable> {
    const row = await this.book.find(id);
    if (!row) throw notFound(`稽核任务 ${id} `);
    return row;
  }

  private view(row: AuditJobTable, withReport: boolean): AuditJobView {
    const held = LIVE.includes(row.status) ? this.book.progress(row.id) : undefined;
    const view: AuditJobView = {
      id: row.id,
      kind: row.kind,
      scope: JSON.parse(row.scope_json) as Record<string, unknown>,
      status: row.status,
      createdAt: row.created_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      progress: held ? { done: held.done, total: held.total ?? null } : { done: Number(row.progress_done), total: row.progress_total === null ? null : Number(row.progress_total) },
    };
    if (withReport && row.status === 'done' && row.report_json) view.report = JSON.parse(row.report_json) as AuditReport | DoctorReport;
    if (row.error && row.status !== 'done') view.error = row.error;
    return view;
  }
}
