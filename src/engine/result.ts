/**
 * The settlement as JSON (§8): every amount a string with two decimals, ratios as exact strings.
 * The API, the CLI and the store all write this one shape, defined once by the zod schema below.
 */
import * as z from 'zod';
import { ratioDown } from '../money/rounding.js';
import { formatProduct, formatRatio, formatScaled, formatUnits } from '../money/text.js';
import type { Units } from '../money/units.js';
import type { AccumulatorField, Settlement, StepResult } from './types.js';

/** Money text: yuan with two decimals ("12000.00"). */
const money = z.string().regex(/^-?\d+\.\d{2}$/).describe('yuan with two decimals, e.g. "12000.00"');
/** Exact decimal text (ratios, and amounts that may carry fractions of a fen, like an applied deductible). */
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/);
const change = z.object({ before: decimal, after: decimal });

/** One step of the result (§5): the one definition of its shape; the type below and /openapi.json come from it. */
export const stepResultSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  fund: z.string(),
  kind: z.enum(['coinsurance', 'segmented', 'floor', 'outOfPocketCap']),
  base: money,
  deductible: decimal.nullable(),
  ratio: decimal.nullable(),
  segments: z.array(z.object({ from: decimal, to: decimal, ratio: decimal, payout: decimal })).optional(),
  cumulativeBefore: money.optional(),
  capRoom: money.nullable(),
  limitedBy: z.enum(['visitCap', 'annualCap', 'ceiling', 'remaining']).optional(),
  floor: z.object({ ratio: decimal, denominator: z.enum(['total', 'inPolicy']), denominatorAmount: money, earlierPayouts: money }).optional(),
  outOfPocket: z.object({ cap: money, paidBefore: money, wouldPay: money }).optional(),
  /** Above another step's deductible (§3): base = remaining x (namedBase - namedPayout - below) / (namedBase - namedPayout). */
  aboveDeductible: z.object({ of: z.string(), namedBase: money, namedPayout: money, below: decimal, remaining: money, base: money, exact: z.boolean() }).optional(),
  /** The payout was made by another payer (the bill's paidElsewhere), with the deductible it applied. */
  paidElsewhere: z.literal(true).optional(),
  paidElsewhereDeductible: money.optional(),
  payout: money,
  source: z.string().optional(),
});

/** The settlement result as JSON (§8). */
export const settlementResultSchema = z
  .object({
    rulesetId: z.string(),
    population: z.string(),
    year: z.number().int(),
    visitType: z.string(),
    total: money,
    buckets: z.object({ outOfCatalog: money, overLimit: money, preSelfPay: money, inPolicy: money }),
    steps: z.array(stepResultSchema),
    funds: z.record(z.string(), money),
    fundPaysTotal: money,
    patientPays: money,
    /** Per fund, the payout less what was paid elsewhere (only when something was): what receivables and budgets count. */
    owed: z.record(z.string(), money).optional(),
    actualRatio: z.string().regex(/^\d\.\d{4}$/),
    accumulators: z.record(z.string(), z.object({ paid: change.optional(), deductibleMet: change.optional(), cumulative: change.optional() })),
  })
  .meta({ id: 'SettlementResult', description: 'SETTLEMENT.md §8: what each fund pays and what the patient pays' });

export type StepResultJson = z.output<typeof stepResultSchema>;
export type SettlementJson = z.output<typeof settlementResultSchema>;

/** Amounts that are whole fen print with two decimals; fractions of a fen (an adjusted deductible) print exactly. */
const exact = formatUnits;
const formatAmount = formatUnits;

/**
 * The actual reimbursement ratio to four decimals, truncated: it never shows 90% for a settlement that
 * reimbursed 89.996%.
 */
export function actualRatio(fundPays: Units, total: Units): string {
  return formatScaled(ratioDown(fundPays, total, 4), 4, 4);
}

function stepJson(s: StepResult): StepResultJson {
  const out: StepResultJson = {
    id: s.id,
    ...(s.name !== undefined ? { name: s.name } : {}),
    fund: s.fund,
    kind: s.kind,
    base: formatAmount(s.base),
    deductible: s.deductible !== null ? exact(s.deductible) : null,
    ratio: s.ratio !== null ? formatRatio(s.ratio) : null,
    capRoom: s.capRoom !== null ? formatAmount(s.capRoom) : null,
    payout: formatAmount(s.payout),
  };
  if (s.segments) {
    out.segments = s.segments.map((g) => ({ from: exact(g.from), to: exact(g.to), ratio: formatRatio(g.ratio), payout: formatProduct(g.payout) }));
  }
  if (s.cumulativeBefore !== undefined) out.cumulativeBefore = formatAmount(s.cumulativeBefore);
  if (s.limitedBy) out.limitedBy = s.limitedBy;
  if (s.floor) {
    out.floor = {
      ratio: formatRatio(s.floor.ratio),
      denominator: s.floor.denominator,
      denominatorAmount: formatAmount(s.floor.denominatorAmount),
      earlierPayouts: formatAmount(s.floor.earlierPayouts),
    };
  }
  if (s.outOfPocket) {
    out.outOfPocket = { cap: formatAmount(s.outOfPocket.cap), paidBefore: formatAmount(s.outOfPocket.paidBefore), wouldPay: formatAmount(s.outOfPocket.wouldPay) };
  }
  if (s.aboveDeductible) {
    const a = s.aboveDeductible;
    out.aboveDeductible = { of: a.of, namedBase: formatAmount(a.namedBase), namedPayout: formatAmount(a.namedPayout), below: exact(a.below), remaining: formatAmount(a.remaining), base: formatAmount(a.base), exact: a.exact };
  }
  if (s.paidElsewhere) {
    out.paidElsewhere = true;
    out.paidElsewhereDeductible = formatAmount(s.paidElsewhere.deductible);
  }
  if (s.source !== undefined) out.source = s.source;
  return out;
}

export function settlementJson(s: Settlement): SettlementJson {
  const funds: Record<string, string> = {};
  for (const [f, v] of Object.entries(s.funds)) funds[f] = formatAmount(v);
  const accumulators: SettlementJson['accumulators'] = {};
  for (const [key, fields] of Object.entries(s.accumulators)) {
    const entry: Partial<Record<AccumulatorField, { before: string; after: string }>> = {};
    for (const [field, c] of Object.entries(fields) as [AccumulatorField, { before: Units; after: Units }][]) {
      entry[field] = { before: exact(c.before), after: exact(c.after) };
    }
    accumulators[key] = entry;
  }
  return {
    rulesetId: s.rulesetId,
    population: s.population,
    year: s.year,
    visitType: s.visitType,
    total: formatAmount(s.total),
    buckets: {
      outOfCatalog: formatAmount(s.buckets.outOfCatalog),
      overLimit: formatAmount(s.buckets.overLimit),
      preSelfPay: formatAmount(s.buckets.preSelfPay),
      inPolicy: formatAmount(s.buckets.inPolicy),
    },
    steps: s.steps.map(stepJson),
    funds,
    fundPaysTotal: formatAmount(s.fundPaysTotal),
    patientPays: formatAmount(s.patientPays),
    ...(s.owed ? { owed: Object.fromEntries(Object.entries(s.owed).map(([f, v]) => [f, formatAmount(v)])) } : {}),
    actualRatio: actualRatio(s.fundPaysTotal, s.total),
    accumulators,
  };
}
