/**
 * Shapes of the audit, explanation and reconciliation API, in zod: requests are validated with them
 * (Chinese messages through the shared zod locale), tests check responses against them, and
 * /openapi.json documents them.
 */
import * as z from 'zod';
import '../errors/zod-locale.js';
import { stepResultSchema } from '../engine/result.js';
import { isoDateSchema } from '../formats/iso-date.js';

const money = z.string().regex(/^-?\d+\.\d{2}$/);

const isoDay = isoDateSchema;

const hospitalCode = z.string().trim().min(1, '不能为空').max(64, '最长 64 个字符');

const period = <T extends { from?: string; to?: string }>(v: T, ctx: z.RefinementCtx) => {
  if (v.from && v.to && v.from > v.to) ctx.addIssue({ code: 'custom', path: ['to'], message: `结束日期 ${v.to} 早于开始日期 ${v.from}` });
};

export const auditRequestSchema = z
  .strictObject({ from: isoDay.optional(), to: isoDay.optional(), hospital: hospitalCode.optional() })
  .superRefine(period)
  .meta({ id: 'AuditRequest' });

/** Query strings: an empty value (`?from=`) means "not given". */
const blank = (v: unknown) => (v === '' ? undefined : v);

export const receivablesQuerySchema = z
  .strictObject({
    from: z.preprocess(blank, isoDay.optional()),
    to: z.preprocess(blank, isoDay.optional()),
    hospital: z.preprocess(blank, hospitalCode.optional()),
    format: z.preprocess(blank, z.enum(['json', 'csv'], { error: '格式应为 json 或 csv' }).optional()),
  })
  .superRefine(period);

export const settlementFormatQuerySchema = z.strictObject({ format: z.enum(['nhsa'], { error: '格式应为 nhsa（国家医保信息平台结算信息格式）' }) });

const citation = z.object({
  sourceId: z.string(),
  title: z.string(),
  file: z.string().optional(),
  url: z.string().optional(),
  clause: z.array(z.string()).optional().describe('the passages of the source the value comes from, quoted exactly (the rules file\'s clause); absent when the file quotes none'),
});

export const traceSchema = z
  .object({
    settlementId: z.string(),
    status: z.enum(['settled', 'reversed']),
    rulesetId: z.string(),
    rulesetTitle: z.string(),
    rulesetHash: z.string().regex(/^[0-9a-f]{64}$/),
    rulesetFile: z.string(),
    visitType: z.string(),
    population: z.string(),
    total: money,
    buckets: z.object({ outOfCatalog: money, overLimit: money, preSelfPay: money, inPolicy: money }),
    funds: z.record(z.string(), money),
    fundPaysTotal: money,
    patientPays: money,
    actualRatio: z.string(),
    summary: z.string().describe('one Chinese sentence for the whole settlement'),
    diagnoses: z.array(z.object({ code: z.string(), name: z.string().optional() })).describe('the bill\'s diagnoses, principal first'),
    owed: z.record(z.string(), money).optional().describe('per fund: its payout less what was paid elsewhere (present only when something was)'),
    eligibility: z
      .object({
        date: z.string(),
        on: z.enum(['admitted', 'discharged']),
        memberships: z.array(z.object({ population: z.string(), from: z.string(), to: z.string().nullable(), batch: z.string() })),
        tier: z.object({ tier: z.string(), from: z.string(), to: z.string().nullable(), batch: z.string() }).nullable(),
      })
      .nullable()
      .describe('what the settlement took from the register: the date, the memberships in force then, the hospital tier (null: settled without the register)'),
    eligibilitySentence: z.string().nullable().describe('the same in a Chinese sentence: 人员类别 and since when'),
    catalogue: z
      .object({
        version: z.string().nullable(),
        mode: z.string(),
        items: z.array(z.object({ index: z.number().int(), code: z.string(), outOfCatalogue: z.boolean().optional(), catalogue: z.record(z.string(), z.string()).optional(), declared: z.record(z.string(), z.string()).optional() })),
      })
      .nullable()
      .describe('what the catalogue did to the items: its version (null: none for the region), the mode, each item’s catalogue values or 目录外, and the declaration where it differed'),
    catalogueSentence: z.string().nullable().describe('the same in a Chinese sentence, 目录外 items named'),
    adjustments: z.array(z.record(z.string(), z.unknown())).optional().describe('adjustments (应补应退) later reversals made to this settlement, oldest first (the shape of the settlement view’s adjustments)'),
    current: z.record(z.string(), z.unknown()).nullable().optional().describe('its figures as they now stand: its latest adjustment’s, or its own'),
    steps: z.array(
      stepResultSchema.extend({
        sentence: z.string().describe('one plain Chinese sentence a patient understands'),
        citation: citation.nullable(),
        estimates: z.record(z.string(), z.string()).nullable(),
        fieldCitations: z.record(z.string(), citation).nullable(),
      }),
    ),
  })
  .meta({ id: 'SettlementTrace' });

export const nhsaSchema = z
  .object({
    setlinfo: z.record(z.string(), z.string()),
    setldetail: z.array(z.object({ fund_pay_type: z.string(), fund_pay_type_name: z.string(), fund_payamt: money, setl_proc_info: z.string(), fund: z.string(), owed_payamt: money.optional().describe('onestop extension: what the fund owes once payouts made elsewhere are taken off') })),
    adjustments: z
      .array(
        z.object({
          adj_id: z.string(), adj_time: z.string(), reversal_of: z.string(), psn_part_amt: z.string(), fund_pay_sumamt: z.string(),
          detail: z.array(z.object({ fund_pay_type: z.string(), fund_pay_type_name: z.string(), fund_payamt: z.string(), fund: z.string() })), notice: z.string(),
        }),
      )
      .optional()
      .describe('onestop extension: adjustments (应补应退) later reversals made, per fund and for the patient'),
    catalogue: z.object({ version: z.string().nullable(), out_of_catalogue: z.array(z.string()) }).optional().describe('onestop extension: the catalogue version applied (null: none for the region) and the 目录外 item codes'),
  })
  .meta({ id: 'NhsaSettlement' });

const difference = z.object({ path: z.string(), stored: z.unknown(), recomputed: z.unknown() });

export const auditReportSchema = z
  .object({
    period: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
    hospital: z.object({ code: z.string(), name: z.string() }).nullable(),
    count: z.number().int(),
    reversed: z.object({ count: z.number().int(), ids: z.array(z.string()) }),
    mismatches: z.array(
      z.object({
        id: z.string(),
        billNo: z.string(),
        hospitalCode: z.string(),
        personId: z.string(),
        status: z.enum(['settled', 'reversed']),
        stored: z.unknown(),
        recomputed: z.unknown(),
        differences: z.array(difference),
        error: z.string().optional(),
      }),
    ),
    floorBreaches: z.array(
      z.object({
        id: z.string(),
        billNo: z.string(),
        personId: z.string(),
        stepId: z.string(),
        floor: z.string(),
        denominator: z.enum(['total', 'inPolicy']),
        denominatorAmount: money,
        required: money,
        fundPaysTotal: money,
        shortfall: money,
        actualRatio: z.string(),
      }),
    ),
    capBreaches: z.array(
      z.object({
        type: z.enum(['annualCap', 'outOfPocketCap']),
        personId: z.string(),
        year: z.number().int(),
        stepId: z.string(),
        accumulator: z.string(),
        cap: money,
        cumulative: money,
        excess: money,
        settlementId: z.string(),
        billNo: z.string(),
      }),
    ),
    sumBreaches: z.array(
      z.object({ id: z.string(), billNo: z.string(), problems: z.array(z.object({ path: z.string(), stored: z.string().nullable(), expected: z.string().nullable(), message: z.string() })) }),
    ),
    anchorBreaches: z.array(z.object({ id: z.string(), billNo: z.string(), problem: z.string(), message: z.string() })),
    registerBreaches: z.array(z.object({ id: z.string(), billNo: z.string(), personId: z.string(), message: z.string() })).describe('settlements whose recorded memberships were not in force as the register stood when they were settled'),
    registerChanges: z
      .array(
        z.object({
          id: z.string(), billNo: z.string(), personId: z.string(), status: z.enum(['settled', 'reversed']), date: z.string(),
          used: z.array(z.string()), now: z.array(z.string()), by: z.array(z.string()), changesPopulation: z.boolean(),
        }),
      )
      .describe('retroactive changes: settlements whose register entry a later batch corrected (not re-settled)'),
    totalsByFund: z.record(z.string(), money),
    totals: z.object({ total: money, fundPaysTotal: money, patientPays: money }),
    clean: z.boolean(),
  })
  .meta({ id: 'AuditReport' });

export const receivablesSchema = z
  .object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    hospital: z.string().nullable(),
    rows: z.array(
      z.object({
        hospitalCode: z.string(), hospitalName: z.string(), fund: z.string(), month: z.string().regex(/^\d{4}-\d{2}$/),
        kind: z.enum(['settlement', 'reversal', 'adjustment']).describe('settlement 结算 (month of discharge); reversal 撤销冲回 and adjustment 应补应退 (month they happened, Beijing time)'),
        amount: money, settlements: z.number().int(),
      }),
    ),
    totalsByFund: z.record(z.string(), money),
    total: money,
  })
  .meta({ id: 'Receivables' });

// ───────────── audit jobs (issue 26): audits and doctor runs started by one request, read by later ones ─────────────

export const AUDIT_JOB_KINDS = ['audit', 'doctor'] as const;
export const AUDIT_JOB_STATUSES = ['queued', 'running', 'done', 'error', 'cancelled'] as const;

/** What `doctor` checks as a job: one year (of the discharge date), or every year with data. */
export const doctorScopeSchema = z
  .strictObject({ year: z.number({ error: '年份应为数字，如 2018' }).int('年份应为整数').min(2000, '年份应在 2000 至 2100 之间').max(2100, '年份应在 2000 至 2100 之间').optional() })
  .meta({ id: 'DoctorScope' });

export const auditJobRequestSchema = z
  .discriminatedUnion(
    'kind',
    [
      z.strictObject({ kind: z.literal('audit').describe('the recompute audit (POST /v1/audits)'), scope: auditRequestSchema.optional() }),
      z.strictObject({ kind: z.literal('doctor').describe('the consistency check (onestop doctor)'), scope: doctorScopeSchema.optional() }),
    ],
    { error: 'kind 应为 audit（重新计算审计）或 doctor（数据体检）' },
  )
  .meta({ id: 'AuditJobRequest' });

export const doctorReportSchema = z
  .object({
    years: z.array(z.number().int()),
    people: z.number().int(),
    settlements: z.number().int(),
    reversed: z.number().int(),
    auditEntries: z.number().int().nullable(),
    violations: z.array(z.object({ kind: z.string(), message: z.string(), personId: z.string().optional(), year: z.number().int().optional(), settlementId: z.string().optional() })),
    ok: z.boolean(),
  })
  .meta({ id: 'DoctorReport' });

export const auditJobStartedSchema = z
  .object({ id: z.string(), status: z.enum(AUDIT_JOB_STATUSES) })
  .meta({ id: 'AuditJobStarted', description: 'a job accepted (202), or the same job already queued or running (200); poll GET /v1/audit-jobs/{id}' });

const auditJobFields = {
  id: z.string(),
  kind: z.enum(AUDIT_JOB_KINDS),
  scope: z.record(z.string(), z.unknown()).describe('the scope as validated'),
  status: z.enum(AUDIT_JOB_STATUSES),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  progress: z.object({ done: z.number().int(), total: z.number().int().nullable() }).describe('settlements read so far, of all in scope (null until counted)'),
  error: z.string().optional().describe('why the job failed or was stopped, in Chinese'),
};

export const auditJobSchema = z
  .object({ ...auditJobFields, report: z.union([auditReportSchema, doctorReportSchema]).optional().describe('once done: the audit report (as POST /v1/audits answers) or the doctor report (as onestop doctor --json prints)') })
  .meta({ id: 'AuditJob' });

export const auditJobListSchema = z.object({ items: z.array(z.object(auditJobFields)).describe('newest first, at most 50, without their reports') }).meta({ id: 'AuditJobList' });

export const auditJobListQuerySchema = z.strictObject({
  kind: z.preprocess(blank, z.enum(AUDIT_JOB_KINDS, { error: '任务类型应为 audit 或 doctor' }).optional()),
  status: z.preprocess(blank, z.enum(AUDIT_JOB_STATUSES, { error: '状态应为 queued、running、done、error 或 cancelled' }).optional()),
});
