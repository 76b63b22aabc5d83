/**
 * Variant minus baseline, field by field, from the figures as shown (so a reader can check every
 * difference by subtraction): amounts and ratios in exact integers from their text, counts in hundredths.
 */
import { formatScaled, formatUnits, parseScaled, parseUnits } from '../../money/text.js';
import type { Difference, GroupDifference, GroupSummary, Summary } from './report.js';

/** Amount text minus amount text (two decimals), exactly. */
const minus = (a: string, b: string) => formatUnits(parseUnits(a) - parseUnits(b));
/** A ratio shown with four decimals minus another. */
const minusRatio = (a: string, b: string) => formatScaled(parseScaled(a, 4) - parseScaled(b, 4), 4, 4);
/** A count (a JSON number with at most two decimals, e.g. 12.35) minus another, in hundredths. */
const hundredths = (n: number) => parseScaled(String(n), 2);
const minusCount = (a: number, b: number) => Number(formatScaled(hundredths(a) - hundredths(b), 2, 0));

const EMPTY_GROUP: GroupSummary = {
  admissions: 0,
  funds: {},
  fundAdmissions: {},
  total: '0.00',
  fundPaysTotal: '0.00',
  patientPays: '0.00',
  actualRatio: '0.0000',
  patient: { mean: null, p95: null },
  floorPaidAdmissions: 0,
  floorPaid: '0.00',
  capPaidAdmissions: 0,
  capPaid: '0.00',
};

/** A group present on one side only counts as zero on the other. */
function groupDifference(b: GroupSummary, v: GroupSummary): GroupDifference {
  const funds: Record<string, string> = {};
  for (const f of new Set([...Object.keys(b.funds), ...Object.keys(v.funds)])) funds[f] = minus(v.funds[f] ?? '0.00', b.funds[f] ?? '0.00');
  const fundAdmissions: Record<string, number> = {};
  for (const f of new Set([...Object.keys(b.fundAdmissions), ...Object.keys(v.fundAdmissions)])) fundAdmissions[f] = minusCount(v.fundAdmissions[f] ?? 0, b.fundAdmissions[f] ?? 0);
  const both = (x: string | null, y: string | null) => (x === null || y === null ? null : minus(x, y));
  // Without payouts made elsewhere a side owes what it paid.
  let owed: Record<string, string> | undefined;
  if (b.owed || v.owed) {
    owed = {};
    for (const f of new Set([...Object.keys(b.funds), ...Object.keys(v.funds)])) owed[f] = minus(v.owed?.[f] ?? v.funds[f] ?? '0.00', b.owed?.[f] ?? b.funds[f] ?? '0.00');
  }
  return {
    admissions: minusCount(v.admissions, b.admissions),
    funds,
    ...(owed ? { owed } : {}),
    fundAdmissions,
    total: minus(v.total, b.total),
    fundPaysTotal: minus(v.fundPaysTotal, b.fundPaysTotal),
    patientPays: minus(v.patientPays, b.patientPays),
    actualRatio: minusRatio(v.actualRatio, b.actualRatio),
    patient: { mean: both(v.patient.mean, b.patient.mean), p95: both(v.patient.p95, b.patient.p95) },
    floorPaidAdmissions: minusCount(v.floorPaidAdmissions, b.floorPaidAdmissions),
    floorPaid: minus(v.floorPaid, b.floorPaid),
    capPaidAdmissions: minusCount(v.capPaidAdmissions, b.capPaidAdmissions),
    capPaid: minus(v.capPaid, b.capPaid),
  };
}

export function difference(b: Summary, v: Summary): Difference {
  const dim = (x: Record<string, GroupSummary>, y: Record<string, GroupSummary>) => {
    const out: Record<string, GroupDifference> = {};
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) out[k] = groupDifference(x[k] ?? EMPTY_GROUP, y[k] ?? EMPTY_GROUP);
    return out;
  };
  const steps: Difference['steps'] = {};
  for (const k of new Set([...Object.keys(b.steps), ...Object.keys(v.steps)])) {
    steps[k] = { paid: minus(v.steps[k]?.paid ?? '0.00', b.steps[k]?.paid ?? '0.00'), admissions: minusCount(v.steps[k]?.admissions ?? 0, b.steps[k]?.admissions ?? 0) };
  }
  return {
    ...groupDifference(b, v),
    steps,
    byPopulation: dim(b.byPopulation, v.byPopulation),
    byTier: dim(b.byTier, v.byTier),
    byMonth: dim(b.byMonth, v.byMonth),
  };
}
