/**
 * Model runs started through the API (POST /v1/models): checked in full before they are accepted,
 * then run in the background, one at a time per process (worker threads for the settling, so the
 * counter keeps answering), their state in the store's model_jobs table.
 *
 * Everything that can be checked from the request is checked before the 202: the ruleset id, every
 * what-if path, the growth factors, the weights column, and every uploaded row's format and
 * per-person date order (an upload is at most 1 MB, so this pass is quick). What only settling can
 * find (a tier the rules do not price, say) ends the job with status "error" and the reason in Chinese.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import * as z from 'zod';
import type { Principal } from '../../access/keys.js';
import { SettlementError } from '../../engine/errors.js';
import { ApiError, notFound, unprocessable, type FieldIssue } from '../../errors/api-error.js';
import { csvRecords, parseCsvRecord } from '../../formats/csv.js';
import { jsonValues } from '../../formats/json-values.js';
import { InputLineError } from '../../formats/line-error.js';
import { RulesLoadError, type LoadedRuleset } from '../../rules/load.js';
import type { RuleBook } from '../../rules/select.js';
import type { Store } from '../../store/port.js';
import type { ModelJobTable } from '../../store/schema.js';
import { JobBook } from '../../jobs/jobs.js';
import type { ModelRow } from '../input/admission.js';
import { csvLayout, rowFromCsv } from '../input/csv-rows.js';
import { OptionError, growthFrom, type Growth } from '../input/growth.js';
import { rowFromJson } from '../input/json-rows.js';
import { DischargeOrder } from '../input/order.js';
import type { ModelSource } from '../input/sources.js';
import { applyWhatIf, type Variant } from '../input/whatif.js';
import type { ModelReport } from '../report/report.js';
import { runModel, type Progress } from './runner.js';

const factor = z.union([z.number(), z.string()]);

export const modelRequestSchema = z.strictObject({
  rules: z.string({ error: '请给出规则 id，例如 "xingan-2018"' }).min(1, '请给出规则 id'),
  whatIf: z.record(z.string(), z.unknown(), { error: 'whatIf 应为 { "规则路径": 新值 } 的对象' }).optional(),
  source: z
    .strictObject({
      store: z.strictObject({ year: z.number({ error: 'year 应为年份数字' }).int().min(1900).max(2999) }).optional(),
      jsonl: z.string().min(1, '上传的 JSON Lines 是空的').optional(),
      csv: z.string().min(1, '上传的 CSV 是空的').optional(),
    }, { error: 'source 应为 { store: { year } }、{ jsonl: "…" } 或 { csv: "…" } 之一' })
    .refine((s) => [s.store, s.jsonl, s.csv].filter((x) => x !== undefined).length === 1, 'source 应为 { store: { year } }、{ jsonl: "…" } 或 { csv: "…" } 之一'),
  growth: z.strictObject({ cost: factor.optional(), admissions: factor.optional() }).optional(),
  weights: z.string().min(1).max(64).optional(),
});

export type ModelRequest = z.output<typeof modelRequestSchema>;

export interface JobView {
  id: string;
  status: 'computing' | 'ok' | 'error';
  createdAt: string;
  finishedAt: string | null;
  progress?: { done: number; total?: number };
  report?: ModelReport;
  error?: string;
}

function issuesError(message: string, issues: FieldIssue[]): ApiError {
  return unprocessable('VALIDATION_FAILED', message, issues);
}

/** Check every uploaded row (format, and each person's dates in order) without settling. Returns the count. */
async function checkUpload(source: { csv?: string; jsonl?: string }, weights: string | null): Promise<number> {
  const path = source.csv !== undefined ? 'source.csv' : 'source.jsonl';
  const order = new DischargeOrder();
  const row = (r: ModelRow) => order.check(r.bill.person.id, r.bill.visit.discharged, r.date, r.line, r.bill.billNo);
  let n = 0;
  try {
    if (source.csv !== undefined) {
      let layout: ReturnType<typeof csvLayout> | null = null;
      for await (const rec of csvRecords(Readable.from([source.csv]))) {
        if (!layout) layout = csvLayout(parseCsvRecord(rec.text), weights);
        else {
          row(rowFromCsv(rec.text, rec.line, layout));
          n++;
        }
      }
    } else {
      for await (const v of jsonValues(Readable.from([source.jsonl!]))) {
        row(rowFromJson(v.text, v.line, weights));
        n++;
      }
    }
  } catch (e) {
    if (e instanceof InputLineError) throw issuesError(`上传的数据有误：${e.message}`, e.problems.map((p) => ({ path: `${path}[第 ${e.line} 行]${p.path ? `.${p.path}` : ''}`, message: p.message })));
    throw e;
  }
  if (n === 0) throw issuesError('上传的数据没有任何就诊记录', [{ path, message: '没有数据行' }]);
  return n;
}

/** The reason a job failed, for the officer who started it. */
function reasonOf(e: unknown): string | null {
  if (e instanceof InputLineError || e instanceof SettlementError || e instanceof RulesLoadError || e instanceof ApiError) return e.message;
  return null;
}

export const INTERRUPTED = '测算中断：计算期间服务重启或停止，此任务不会完成；请重新提交测算';

export class ModelJobs {
  /** The table, the queue (one lane: runs one at a time), progress, heartbeat and staleness (jobs/jobs.ts). */
  private readonly book: JobBook<ModelJobTable>;

  constructor(
    private readonly deps: { store: Store; rules: RuleBook; logger: Logger; workers?: number; now?: () => Date; heartbeatMs?: number },
  ) {
    this.book = new JobBook<ModelJobTable>(deps, { table: 'model_jobs', live: ['computing'], interrupted: { status: 'error', error: INTERRUPTED }, what: 'model job' });
  }

  private now(): Date {
    return this.book.now();
  }

  /** Validate a request completely, record the job, queue it; answers the job's id. */
  async start(body: unknown, principal: Principal | null): Promise<{ id: string; status: 'computing' }> {
    const parsed = modelRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
      throw issuesError(`测算请求有误：${issues[0]!.path ? `${issues[0]!.path}：` : ''}${issues[0]!.message}`, issues);
    }
    const req = parsed.data;
    const rules = this.deps.rules.get(req.rules);
    if (!rules) {
      const known = this.deps.rules.all.map((l) => l.ruleset.id).join('、');
      throw issuesError(`没有规则 “${req.rules}”（可用：${known}）`, [{ path: 'rules', message: `没有这个规则 id（可用：${known}）` }]);
    }
    let variant: Variant | null = null;
    if (req.whatIf) {
      try {
        variant = applyWhatIf(rules, req.whatIf, 'whatIf');
      } catch (e) {
        if (!(e instanceof RulesLoadError)) throw e;
        const issues = e.issues.map((i) => ({ path: `whatIf${i.path ? `.${i.path}` : ''}`, message: i.message }));
        throw issuesError(`测算方案有误：${e.issues.map((i) => `${i.path ? `路径 ${i.path}：` : ''}${i.message}`).join('；')}`, issues);
      }
    }
    let growth: Growth | null;
    try {
      growth = growthFrom(req.growth);
    } catch (e) {
      if (e instanceof OptionError) throw issuesError(e.message, [{ path: e.path, message: e.message }]);
      throw e;
    }
    if (req.source.store && req.weights) throw issuesError('从本系统账单测算时没有权重列', [{ path: 'weights', message: '只有上传的 CSV / JSON Lines 可以指定权重列' }]);
    const total = req.source.store ? undefined : await checkUpload(req.source, req.weights ?? null);

    const at = this.now();
    const id = `MJ${at.toISOString().slice(0, 10).replace(/-/g, '')}${randomBytes(5).toString('hex').toUpperCase()}`;
    await this.book.record(
      {
        id,
        status: 'computing',
        created_at: at.toISOString(),
        finished_at: null,
        request_json: JSON.stringify(req),
        report_json: null,
        error: null,
        created_by: principal?.keyId ?? 'system',
        heartbeat_at: at.toISOString(),
      },
      { done: 0, total },
    );
    const source: ModelSource = req.source.store
      ? { kind: 'store', store: this.deps.store, year: req.source.store.year }
      : req.source.csv !== undefined
        ? { kind: 'text', text: req.source.csv, format: 'csv', name: 'upload.csv' }
        : { kind: 'text', text: req.source.jsonl!, format: 'jsonl', name: 'upload.jsonl' };
    void this.book.lane('model', () => this.run(id, rules, variant, source, req.weights ?? null, growth));
    return { id, status: 'computing' };
  }

  private async run(id: string, rules: LoadedRuleset, variant: Variant | null, source: ModelSource, weights: string | null, growth: Growth | null): Promise<void> {
    let status: 'ok' | 'error' = 'ok';
    let report: string | null = null;
    let error: string | null = null;
    try {
      const known = this.book.progress(id)?.total;
      const result = await runModel({
        rules,
        variant,
        source,
        weights,
        growth,
        workers: this.deps.workers,
        onProgress: (p: Progress) => this.book.setProgress(id, { done: p.rows, total: known ?? p.totalRows }),
      });
      report = JSON.stringify(result.report);
      this.deps.logger.info({ job: id, rows: result.execution.rows, seconds: result.execution.seconds, mode: result.execution.mode }, 'model job finished');
    } catch (e) {
      status = 'error';
      error = reasonOf(e) ?? '测算失败：服务器内部错误，请稍后重试或联系管理员';
      if (!reasonOf(e)) this.deps.logger.error({ err: e, job: id }, 'model job failed');
    }
    try {
      await this.book.write(this.deps.store.db.updateTable('model_jobs').set({ status, report_json: report, error, finished_at: this.now().toISOString() }).where('id', '=', id).compile());
    } catch (e) {
      this.deps.logger.error({ err: e, job: id }, 'could not record the end of a model job');
    } finally {
      this.book.release(id);
    }
  }

  /** Mark the jobs this process holds as alive. */
  beat(): Promise<void> {
    return this.book.beat();
  }

  /** A job still "computing" that no process has marked alive for a while is recorded as interrupted (jobs/jobs.ts). */
  private interruptedIfStale(row: ModelJobTable): Promise<ModelJobTable> {
    return this.book.interruptedIfStale(row);
  }

  async get(id: string): Promise<JobView> {
    const found = await this.deps.store.db.selectFrom('model_jobs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!found) throw notFound(`测算任务 ${id} `);
    const row = await this.interruptedIfStale(found);
    const view: JobView = { id: row.id, status: row.status, createdAt: row.created_at, finishedAt: row.finished_at };
    if (row.status === 'computing') {
      const p = this.book.progress(id);
      if (p) view.progress = { done: p.done, ...(p.total !== undefined ? { total: p.total } : {}) };
    }
    if (row.status === 'ok' && row.report_json) view.report = JSON.parse(row.report_json) as ModelReport;
    if (row.status === 'error') view.error = row.error ?? '测算失败';
    return view;
  }

  /** The finished report, for the HTML and CSV pages; 409 while computing or after an error. */
  async report(id: string): Promise<ModelReport> {
    const job = await this.get(id);
    if (job.status === 'computing') throw new ApiError(409, 'MODEL_NOT_READY', `测算任务 ${id} 仍在计算中，请稍后再取报告`);
    if (job.status === 'error') throw new ApiError(409, 'MODEL_FAILED', `测算任务 ${id} 失败，没有报告：${job.error}`);
    return job.report!;
  }

  /** Resolves when every queued job has finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.book.idle();
  }
}
