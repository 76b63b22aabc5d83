/**
 * The settlement as JSON (§8): every amount a string with two decimals, ratios as exact strings.
 * The API, the CLI and the store all write this one shape.
 */
import { formatProduct, formatRatioFixed, formatScaled, formatUnits, type Units } from '../money/fixed.js';
import type { AccumulatorField, Settlement, StepResult } from './types.js';

export interface StepResultJson {
  id: string;
  name?: string;
  fund: string;
  kind: StepResult['kind'];
  base: string;
  deductible: string | null;
  ratio: string | null;
  segments?: { from: string; to: string; ratio: string; payout: string }[];
  cumulativeBefore?: string;
  capRoom: string | null;
  limitedBy?: StepResult['limitedBy'];
  floor?: { ratio: string; denominator: 'total' | 'inPolicy'; denominatorAmount: string; earlierPayouts: string };
  outOfPocket?: { cap: string; paidBefore: string; wouldPay: string };
  payout: string;
  source?: string;
}

export interface SettlementJson {
  rulesetId: string;
  population: string;
  year: number;
  visitType: string;
  total: string;
  buckets: { outOfCatalog: string; overLimit: string; preSelfPay: string; inPolicy: string };
  steps: StepResultJson[];
  funds: Record<string, string>;
  fundPaysTotal: string;
  patientPays: string;
  actualRatio: string;
  accumulators: Record<string, Partial<Record<AccumulatorField, { before: string; after: string }>>>;
}

/** Amounts that are whole fen print with two decimals; fractions of a fen (an adjusted deductible) print exactly. */
const exact = formatUnits;
const formatAmount = formatUnits;
const formatRatio = formatRatioFixed;

/**
 * The actual reimbursement ratio to four decimals, truncated: it never shows 90% for a settlement that
 * reimbursed 89.996%.
 */
export function actualRatio(fundPays: Units, total: Units): string {
  if (total === 0n) return '0.0000';
  return formatScaled((fundPays * 10_000n) / total, 4, 4);
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
    actualRatio: actualRatio(s.fundPaysTotal, s.total),
    accumulators,
  };
}
