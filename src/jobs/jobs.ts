/**
 * Jobs: work an API request starts and a later request reads the outcome of (model runs, audits, doctor).
 * What every kind of job needs, whatever it computes, is here once:
 *
 * - its row in a table of its own (model_jobs, audit_jobs), written through the store's one writer;
 * - lanes: the jobs of one lane run one after another in this process (a kind of job per lane);
 * - its progress, in memory, while this process holds it (queued or running), and a way to cancel it;
 * - a heartbeat: while this process holds jobs it marks them alive every `heartbeatMs`;
 * - staleness: a job still unfinished that no process has marked alive for `staleMs` was held by a process
 *   that stopped (a restart, a crash). It will never finish, and is recorded as interrupted when it is
 *   next read, so whoever polls it learns to start it again.
 *
 * What a job is (its request, how it runs, what its answer looks like) is the caller's: model/run/jobs.ts
 * and audit/jobs.ts.
 */
import type { CompiledQuery, Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Store } from '../store/port.js';
import { compiled, type WriteSet } from '../store/write-set.js';

/** How often a process marks the jobs it holds (queued or running) as alive. */
export const HEARTBEAT_MS = 10_000;
/** A job not marked alive for this long was held by a process that stopped: it will never finish. */
export const STALE_MS = 120_000;

export interface JobProgress {
  done: number;
  total?: number;
}

/** The columns every job table has. */
export interface JobRow {
  id: string;
  status: string;
  created_at: string;
  heartbeat_at: string | null;
}

export interface JobTable {
  /** The table (model_jobs, audit_jobs). */
  table: 'model_jobs' | 'audit_jobs';
  /** The statuses of a job that may still finish (queued, running …). */
  live: readonly string[];
  /** What a stale job is recorded as. */
  interrupted: { status: string; error: string };
  /** The table keeps the last progress too (progress_done, progress_total), written with each heartbeat. */
  progressColumns?: boolean;
  /** For the logs: "model job", "audit job". */
  what: string;
}

export interface JobDeps {
  store: Store;
  logger: Logger;
  now?: () => Date;
  heartbeatMs?: number;
}

interface Held {
  progress: JobProgress;
  controller: AbortController;
}

export class JobBook<Row extends JobRow = JobRow> {
  /** The jobs this process holds, queued or running: only these can still finish. */
  private readonly held = new Map<string, Held>();
  private readonly lanes = new Map<string, Promise<unknown>>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: JobDeps,
    readonly spec: JobTable,
  ) {}

  /** The tables' builder, untyped: the book serves more than one table with the same columns. */
  private get db(): Kysely<any> {
    return this.deps.store.db as unknown as Kysely<any>;
  }

  now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** One write to the job table, through the store's one transaction runner (store.db only builds it). */
  async write(query: CompiledQuery): Promise<void> {
    const set: WriteSet = { steps: [{ kind: 'run', run: compiled(query) }] };
    await this.deps.store.write(set);
  }

  /** Record a new job (its row as given) and hold it: from now on this process marks it alive. */
  async record(values: Row & Record<string, unknown>, progress: JobProgress = { done: 0 }): Promise<void> {
    await this.write(this.db.insertInto(this.spec.table).values(values).compile());
    this.hold(values.id, progress);
  }

  /** Hold a job: its progress is kept here and it is marked alive until released. */
  hold(id: string, progress: JobProgress = { done: 0 }): void {
    this.held.set(id, { progress, controller: new AbortController() });
    this.keepAlive();
  }

  release(id: string): void {
    this.held.delete(id);
  }

  holds(id: string): boolean {
    return this.held.has(id);
  }

  progress(id: string): JobProgress | undefined {
    return this.held.get(id)?.progress;
  }

  setProgress(id: string, p: JobProgress): void {
    const h = this.held.get(id);
    if (h) h.progress = p;
  }

  /** The signal a held job's work watches; aborted by {@link abort}. */
  signal(id: string): AbortSignal | undefined {
    return this.held.get(id)?.controller.signal;
  }

  /** Ask a held job's work to stop (it is the caller's to record the job as cancelled). */
  abort(id: string): void {
    this.held.get(id)?.controller.abort();
  }

  /** Run `work` after everything queued before it on the same lane has finished; answers its outcome. */
  lane<T>(name: string, work: () => Promise<T>): Promise<T> {
    const next = (this.lanes.get(name) ?? Promise.resolve()).then(work);
    this.lanes.set(name, next.catch(() => undefined));
    return next;
  }

  /** Resolves when everything queued on every lane has finished (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.lanes.values()];
      await Promise.all(pending);
      if ([...this.lanes.values()].every((p, i) => p === pending[i]) && this.lanes.size === pending.length) return;
    }
  }

  /** While this process holds jobs, mark them alive every heartbeatMs; stop when it holds none. */
  private keepAlive(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => void this.beat(), this.deps.heartbeatMs ?? HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Mark the jobs this process holds as alive (with their progress, where the table keeps it). */
  async beat(): Promise<void> {
    const held = [...this.held.keys()];
    if (held.length === 0) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
      return;
    }
    const at = this.now().toISOString();
    try {
      if (!this.spec.progressColumns) {
        await this.write(this.db.updateTable(this.spec.table).set({ heartbeat_at: at }).where('id', 'in', held).where('status', 'in', this.spec.live).compile());
        return;
      }
      for (const [id, h] of [...this.held]) {
        await this.write(
          this.db
            .updateTable(this.spec.table)
            .set({ heartbeat_at: at, progress_done: h.progress.done, progress_total: h.progress.total ?? null })
            .where('id', '=', id)
            .where('status', 'in', this.spec.live)
            .compile(),
        );
      }
    } catch (e) {
      this.deps.logger.warn({ err: e }, `could not mark ${this.spec.what}s alive`);
    }
  }

  /**
   * A job still unfinished that no process has marked alive for STALE_MS (its process stopped: a
   * restart, a crash) is recorded as interrupted. The update only takes a job still in the state that was
   * read; a job that turns out to be alive after all (its process was only slow to mark it) records its
   * own end when it finishes.
   */
  async interruptedIfStale(row: Row): Promise<Row> {
    if (!this.spec.live.includes(row.status) || this.held.has(row.id)) return row;
    const last = row.heartbeat_at ?? row.created_at;
    const at = this.now();
    if (at.getTime() - Date.parse(last) <= STALE_MS) return row;
    const { status, error } = this.spec.interrupted;
    let update = this.db.updateTable(this.spec.table).set({ status, error, finished_at: at.toISOString() }).where('id', '=', row.id).where('status', '=', row.status);
    update = row.heartbeat_at === null ? update.where('heartbeat_at', 'is', null) : update.where('heartbeat_at', '=', row.heartbeat_at);
    await this.write(update.compile());
    const now = (await this.db.selectFrom(this.spec.table).selectAll().where('id', '=', row.id).executeTakeFirstOrThrow()) as Row;
    if (now.status === status && (now as unknown as { error: string | null }).error === error) this.deps.logger.warn({ job: row.id, lastAlive: last }, `${this.spec.what} interrupted: its process stopped`);
    return now;
  }

  /** A job's row as it now stands (a stale one recorded as interrupted first), or undefined. */
  async find(id: string): Promise<Row | undefined> {
    const found = (await this.db.selectFrom(this.spec.table).selectAll().where('id', '=', id).executeTakeFirst()) as Row | undefined;
    return found && this.interruptedIfStale(found);
  }
}
