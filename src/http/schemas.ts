/**
 * The API's shapes in zod: requests are validated with them, responses are checked against them in the
 * tests, and /openapi.json is generated from them, so the document cannot drift from the code.
 */
import * as z from 'zod';
import { billInputSchema } from '../bill/schema.js';
import { settlementResultSchema, stepResultSchema } from '../engine/result.js';
import '../errors/zod-locale.js';
import { isoDateSchema } from '../formats/iso-date.js';
import { officeApplicationSchema, payeeSchema } from '../settle/office-request.js';

export { officeApplicationSchema, payeeSchema, text } from '../settle/office-request.js';

export { settlementResultSchema, stepResultSchema };

const money = z.string().regex(/^-?\d+\.\d{2}$/).describe('yuan with two decimals, e.g. "12000.00"');
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/);
const isoDate = isoDateSchema;

const accumulatorFields = z.object({ paid: decimal.optional(), deductibleMet: decimal.optional(), cumulative: decimal.optional() });

const signedMoney = z.string().regex(/^-?\d+\.\d{2}$/).describe('yuan with two decimals, signed: a difference');
const signedDecimal = z.string().regex(/^-?\d+(\.\d+)?$/);
const patientDirection = z.enum(['应补', '应退']).nullable().describe('应补: the patient pays more; 应退: the patient is refunded; null: no change');
const accumulatorDeltas = z.record(z.string(), z.object({ paid: signedDecimal.optional(), deductibleMet: signedDecimal.optional(), cumulative: signedDecimal.optional() }));

/** An adjustment (应补应退) on its settlement: SETTLEMENT.md §4. */
export const adjustmentViewSchema = z
  .object({
    id: z.string(),
    at: z.string().describe('when the reversal that made it happened'),
    settlementId: z.string(),
    reversalOf: z.string().describe('the settlement whose reversal made it'),
    ledgerVersion: z.number().int(),
    funds: z.record(z.string(), signedMoney).describe('per fund whose payout changed: positive, the fund owes the hospital more; negative, it recovers an overpayment'),
    fundPaysTotal: signedMoney,
    patientPays: signedMoney,
    patient: patientDirection,
    accumulators: accumulatorDeltas,
    result: settlementResultSchema.describe('the settlement as settled again on the corrected year-to-date'),
    notice: z.string(),
  })
  .meta({ id: 'Adjustment' });

export const currentFiguresSchema = z
  .object({ funds: z.record(z.string(), money), fundPaysTotal: money, patientPays: money, actualRatio: z.string(), adjustmentId: z.string().nullable() })
  .describe('the settlement’s money as it now stands: its latest adjustment’s, or its own; for a reversed one, what the reversal took back');

export const settlementViewSchema = z
  .object({
    id: z.string(),
    status: z.enum(['settled', 'reversed']),
    replay: z.boolean().optional(),
    billNo: z.string(),
    hospital: z.object({ code: z.string(), name: z.string(), tier: z.string(), regionCode: z.string(), regionName: z.string().describe('the region’s name as the register (or, outside it, the office) gives it') }),
    person: z.object({ id: z.string(), name: z.string(), idNumber: z.string().describe('masked: 152201********1234') }),
    visit: z.object({ type: z.string(), admitted: isoDate, discharged: isoDate }),
    rulesetId: z.string(),
    rulesetHash: z.string().regex(/^[0-9a-f]{64}$/),
    createdAt: z.string(),
    reversedAt: z.string().nullable(),
    reversalReason: z.string().nullable(),
    result: settlementResultSchema,
    payee: payeeSchema.optional().describe('an office settlement (经办): who is paid; absent for a window’s'),
    application: officeApplicationSchema.optional().describe('an office settlement: the application it was made on, as recorded; absent for a window’s'),
    billForm: z.enum(['items', 'buckets']).optional().describe('an office settlement: whether the bill gave its items, or only its four buckets (依申请救助 on what was settled elsewhere); absent for a window’s'),
    adjustments: z.array(adjustmentViewSchema).optional().describe('read one by one (GET, a reversal’s answer): every adjustment made to it, oldest first'),
    current: currentFiguresSchema.optional(),
  })
  .meta({ id: 'Settlement' });

export const readjudicationSchema = z.object({
  settledAgain: z.number().int().describe('later unreversed settlements of the person’s year, settled again in ledger order'),
  adjustments: z.array(
    z.object({
      adjustmentId: z.string(),
      settlementId: z.string(),
      billNo: z.string(),
      hospital: z.object({ code: z.string(), name: z.string() }),
      otherHospital: z.boolean(),
      discharged: isoDate,
      funds: z.record(z.string(), signedMoney),
      fundPaysTotal: signedMoney,
      patientPays: signedMoney,
      patient: patientDirection,
      notice: z.string(),
    }),
  ),
  totals: z.object({ funds: z.record(z.string(), signedMoney), fundPaysTotal: signedMoney, patientPays: signedMoney, patient: patientDirection }),
  notice: z.string().describe('who owes whom, in Chinese, for the window to print'),
});

export const reversalAnswerSchema = settlementViewSchema.extend({ readjudication: readjudicationSchema }).meta({ id: 'Reversal' });

export const adjustmentListQuerySchema = z.strictObject({
  hospital: z.string().max(64).optional(),
  person: z.string().max(64).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});

export const adjustmentListSchema = z
  .object({
    items: z.array(
      adjustmentViewSchema.omit({ result: true }).extend({
        personId: z.string(),
        settlement: z.object({ id: z.string(), billNo: z.string(), hospital: z.object({ code: z.string(), name: z.string() }), discharged: isoDate, status: z.enum(['settled', 'reversed']) }),
        reversal: z.object({ id: z.string(), billNo: z.string(), hospital: z.object({ code: z.string(), name: z.string() }) }),
      }),
    ),
    page: z.number().int(),
    pageSize: z.number().int(),
    total: z.number().int(),
  })
  .meta({ id: 'AdjustmentList' });

export const statementParamsSchema = z.strictObject({ year: z.coerce.number().int().min(2000).max(2100) });
export const statementQuerySchema = z.strictObject({ format: z.enum(['json', 'text']).optional() });

const statementEntrySchema = z.object({
  seq: z.number().int(),
  kind: z.enum(['settlement', 'reversal', 'adjustment']),
  ledgerVersion: z.number().int().nullable(),
  at: z.string(),
  settlementId: z.string(),
  adjustmentId: z.string().optional(),
  reversalOf: z.string().optional(),
  billNo: z.string(),
  hospital: z.object({ code: z.string(), name: z.string() }),
  visit: z.object({ type: z.string(), admitted: isoDate, discharged: isoDate }),
  total: signedMoney,
  funds: z.record(z.string(), signedMoney),
  fundPaysTotal: signedMoney,
  patientPays: signedMoney,
  patient: patientDirection.optional(),
  accumulators: accumulatorDeltas,
  yearToDate: z.record(z.string(), accumulatorFields),
  reason: z.string().nullable().optional(),
});

/** 年度结算汇总: a person's year. */
export const personYearStatementSchema = z
  .object({
    person: z.object({ id: z.string(), name: z.string(), idNumber: z.string() }),
    year: z.number().int(),
    entries: z.array(statementEntrySchema),
    totals: z.object({
      settlements: z.number().int(),
      reversed: z.number().int(),
      adjustments: z.number().int(),
      total: money,
      funds: z.record(z.string(), money),
      fundPaysTotal: money,
      patientPays: money,
      patientAdjustments: z.object({ owes: money, refund: money, net: signedMoney, direction: patientDirection }),
    }),
    yearToDate: z.record(z.string(), accumulatorFields),
    ledger: z.object({ version: z.number().int().nullable(), agrees: z.boolean() }),
  })
  .meta({ id: 'PersonYearStatement' });

export const previewSchema = z.object({ preview: z.literal(true), rulesetId: z.string(), rulesetHash: z.string(), result: settlementResultSchema }).meta({ id: 'Preview' });

export const settlementSummarySchema = z.object({
  id: z.string(),
  status: z.enum(['settled', 'reversed']),
  billNo: z.string(),
  hospitalCode: z.string(),
  personId: z.string(),
  personName: z.string(),
  idNumber: z.string(),
  visitType: z.string(),
  discharged: isoDate,
  total: money,
  fundPaysTotal: money,
  patientPays: money,
  rulesetId: z.string(),
  createdAt: z.string(),
});

export const settlementListSchema = z
  .object({ items: z.array(settlementSummarySchema), page: z.number().int(), pageSize: z.number().int(), total: z.number().int() })
  .meta({ id: 'SettlementList' });

export const listQuerySchema = z.strictObject({
  hospital: z.string().max(64).optional(),
  person: z.string().max(64).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  status: z.enum(['settled', 'reversed']).optional(),
  /** discharged (default): newest discharge first; settled: newest settlement first (what a window just did). */
  sort: z.enum(['discharged', 'settled'], { error: '排序应为 discharged（按出院日期）或 settled（按结算时间）' }).optional(),
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});

export const reversalBodySchema = z.strictObject({ reason: z.string().trim().max(500).optional() }).meta({ id: 'ReversalRequest' });

export const yearQuerySchema = z.strictObject({ year: z.coerce.number().int().min(2000).max(2100) });

export const accumulatorsSchema = z
  .object({ personId: z.string(), year: z.number().int(), accumulators: z.record(z.string(), accumulatorFields) })
  .meta({ id: 'Accumulators' });

export const rulesetSummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  region: z.object({ code: z.string(), name: z.string() }),
  effective: z.object({ from: isoDate, to: isoDate }),
  hash: z.string(),
  file: z.string(),
  visitTypes: z.array(z.string()),
});

export const errorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.object({ path: z.string(), message: z.string() })).optional() }),
  })
  .meta({ id: 'Error' });

export const billSchemaForDocs = billInputSchema.meta({ id: 'Bill', description: 'SETTLEMENT.md §8: one visit with its line items. A window posts items; `buckets` (the four buckets instead of items) and `paidElsewhere` are the settlement office’s (POST /v1/office/settlements), a window key posting them is 403' });

// ── fund-needs modelling (/v1/models): the report's shape as model/report/report.ts builds it ──

const count = z.number().describe('admissions; two decimals when weights or growth make it fractional');
const groupSummary = z.looseObject({
  admissions: count,
  funds: z.record(z.string(), money),
  owed: z.record(z.string(), money).optional(),
  fundAdmissions: z.record(z.string(), count),
  total: money,
  fundPaysTotal: money,
  patientPays: money,
  actualRatio: z.string().regex(/^-?\d+\.\d{4}$/),
  patient: z.looseObject({ mean: money.nullable(), p95: money.nullable() }),
  floorPaidAdmissions: count,
  floorPaid: money,
  capPaidAdmissions: count,
  capPaid: money,
});
const summary = groupSummary.extend({
  steps: z.record(z.string(), z.looseObject({ paid: money, admissions: count })),
  byPopulation: z.record(z.string(), groupSummary),
  byTier: z.record(z.string(), groupSummary),
  byMonth: z.record(z.string(), groupSummary),
});
const whatIfInfo = z.object({
  label: z.string().describe('the what-if’s own `label`, or its changes in words'),
  rulesetId: z.string(),
  rulesetHash: z.string(),
  changes: z.array(z.object({ path: z.string(), description: z.string().describe('where the change landed, in words'), before: z.unknown(), after: z.unknown() })),
  populationMoves: z
    .array(z.object({ from: z.string(), to: z.string(), share: z.string(), on: z.string(), description: z.string() }))
    .describe('people moved between populations from a date, for the variant only (populationMoves in the what-if)'),
});

export const modelReportSchema = z
  .object({
    kind: z.literal('onestop.model.report'),
    version: z.literal(1),
    rulesetId: z.string(),
    rulesetTitle: z.string(),
    rulesetHash: z.string(),
    whatIf: whatIfInfo.nullable(),
    variant: summary.extend({ whatIf: whatIfInfo }).nullable(),
    input: z.looseObject({ source: z.enum(['csv', 'jsonl', 'store']), rows: z.number().int() }),
    weights: z.string().nullable(),
    growth: z.object({ cost: z.string(), admissions: z.string() }).nullable(),
    admissions: z.number().int(),
    weightedAdmissions: count,
    baseline: summary,
    difference: summary.optional().describe('variant minus baseline, field by field'),
    labels: z.object({ funds: z.record(z.string(), z.string()), tiers: z.record(z.string(), z.string()), populations: z.record(z.string(), z.string()), steps: z.record(z.string(), z.string()) }),
  })
  .meta({ id: 'ModelReport' });

export const modelJobSchema = z
  .object({
    id: z.string(),
    status: z.enum(['computing', 'ok', 'error']),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    progress: z.object({ done: z.number().int(), total: z.number().int().optional() }).optional(),
    report: modelReportSchema.optional(),
    error: z.string().optional().describe('why the run failed, in Chinese'),
  })
  .meta({ id: 'ModelJob' });

export const modelJobStartedSchema = z
  .object({ id: z.string(), status: z.literal('computing') })
  .meta({ id: 'ModelJobStarted', description: 'a run accepted; poll GET /v1/models/{id}' });

export const whoamiSchema = z.object({
  keyId: z.string(),
  role: z.enum(['window', 'office', 'auditor', 'finance', 'admin']),
  hospital: z.object({ code: z.string(), name: z.string(), tier: z.string(), regionCode: z.string().describe('where the hospital is: its catalogue region (就医地)') }).nullable(),
});
