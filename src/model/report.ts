/**
 * The model's report as JSON: the same numbers the CSV and HTML pages show.
 *
 * Amounts are strings with two decimals (yuan), formed once from exact sums (integer fen per distinct
 * weight, combined in Decimal) and rounded half-up to the fen. Admission counts are JSON numbers (a
 * weighted count may have decimals; shown to two). Ratios are strings with four decimals, truncated
 * like a settlement's `actualRatio`.
 *
 * The 95th percentile of patient payments is the nearest-rank percentile, weighted: the smallest
 * payment p such that the admissions paying at most p carry at least 95% of the weight. It is exact
 * (a selection over every admission's payment), never interpolated or sampled.
 */
import { Decimal, ZERO, formatActualRatio, roundPayout } from '../money/money.js';
import type { LoadedRuleset } from '../rules/load.js';
import { SLOT, fundCountSlot, fundSlot, stepCountSlot, stepPaidSlot, type Merged, type SlotLayout, type WeightedSums } from './aggregate.js';
import { FUND_LABELS, POPULATION_LABELS, TIER_LABELS, labelOf } from '../labels/labels.js';
import { WEIGHT_UNIT } from './rows.js';
import type { Growth } from './runner.js';
import type { InputInfo } from './sources.js';
import type { Variant } from './whatif.js';

export interface PatientStats {
  /** Mean patient payment per admission (weighted). */
  mean: string | null;
  /** 95th percentile (nearest rank, weighted). */
  p95: string | null;
}

export interface HistogramBin {
  /** Lower bound, inclusive (yuan). */
  from: string;
  /** Upper bound, exclusive; null for the last bin. */
  to: string | null;
  admissions: number;
}

export interface GroupSummary {
  admissions: number;
  funds: Record<string, string>;
  /** Admissions for which each fund paid something. */
  fundAdmissions: Record<string, number>;
  total: string;
  fundPaysTotal: string;
  patientPays: string;
  actualRatio: string;
  patient: PatientStats;
  /** Admissions for which a floor step (保底) paid something, and what floor steps paid. */
  floorPaidAdmissions: number;
  floorPaid: string;
  /** Admissions for which an out-of-pocket cap step (年度自付封顶) paid something, and what they paid. */
  capPaidAdmissions: number;
  capPaid: string;
}

export interface StepSummary {
  visitType: string;
  id: string;
  name?: string;
  fund: string;
  kind: string;
  paid: string;
  admissions: number;
}

export interface Summary extends GroupSummary {
  patient: PatientStats & { histogram: HistogramBin[] };
  steps: Record<string, StepSummary>;
  byPopulation: Record<string, GroupSummary>;
  byTier: Record<string, GroupSummary>;
  byMonth: Record<string, GroupSummary>;
}

/** Variant minus baseline, field by field: the same shape as a group's summary. */
export type GroupDifference = GroupSummary;

export interface Difference extends GroupDifference {
  steps: Record<string, { paid: string; admissions: number }>;
  byPopulation: Record<string, GroupDifference>;
  byTier: Record<string, GroupDifference>;
  byMonth: Record<string, GroupDifference>;
}

export interface WhatIfInfo {
  label: string;
  rulesetId: string;
  rulesetHash: string;
  changes: { path: string; before: unknown; after: unknown }[];
}

export interface ModelReport {
  kind: 'onestop.model.report';
  version: 1;
  rulesetId: string;
  rulesetTitle: string;
  rulesetHash: string;
  /** The what-if overlay, or null for a baseline-only run. */
  whatIf: WhatIfInfo | null;
  /** null without a what-if; otherwise the variant's Summary, carrying its what-if too. */
  variant: (Summary & { whatIf: WhatIfInfo }) | null;
  input: InputInfo & { rows: number };
  weights: string | null;
  growth: { cost: string; admissions: string } | null;
  /** Rows read (admissions in the input, unweighted). */
  admissions: number;
  /** Σ weights × admissions growth: the admissions the report stands for. */
  weightedAdmissions: number;
  baseline: Summary;
  difference?: Difference;
  labels: { funds: Record<string, string>; tiers: Record<string, string>; populations: Record<string, string>; steps: Record<string, string> };
}

export interface BuildContext {
  layout: SlotLayout;
  baseline: LoadedRuleset;
  variant: Variant | null;
  input: InputInfo;
  weights: string | null;
  growth: Growth | null;
}

/** Patient-payment histogram bounds, in fen (0, 200, 500 … 50,000 yuan and above). */
const HISTOGRAM_FEN = [0, 20_000, 50_000, 100_000, 200_000, 300_000, 500_000, 1_000_000, 2_000_000, 5_000_000];

const MILLION = new Decimal(WEIGHT_UNIT);

function yuan(fen: Decimal): string {
  return roundPayout(fen.div(100)).toFixed(2);
}

function count(x: Decimal): number {
  return Number(x.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toString());
}

/**
 * Smallest value v such that the weight of values ≤ v reaches ⌈num/den × total weight⌉.
 * Weights are whole numbers (millionths) or, when null, 1 each. Exact; expected linear time.
 */
export function weightedQuantile(values: Float64Array, weights: Float64Array | null, num = 95, den = 100): number | null {
  return quantileInPlace(values.slice(), weights ? weights.slice() : null, num, den);
}

/** weightedQuantile on arrays it may reorder (copies made for it). */
function quantileInPlace(v: Float64Array, w: Float64Array | null, num = 95, den = 100): number | null {
  const n = v.length;
  if (n === 0) return null;
  let total = n;
  if (w) {
    total = 0;
    for (let i = 0; i < n; i++) total += w[i]!;
    if (!Number.isSafeInteger(total)) throw new Error('sum of weights too large for an exact percentile');
  }
  if (total === 0) return null;
  let target = Number((BigInt(num) * BigInt(total) + BigInt(den - 1)) / BigInt(den));
  if (!w) return kthSmallest(v, target - 1);
  let lo = 0;
  let hi = n;
  const swap = (a: number, b: number) => {
    const t = v[a]!;
    v[a] = v[b]!;
    v[b] = t;
    if (w) {
      const u = w[a]!;
      w[a] = w[b]!;
      w[b] = u;
    }
  };
  for (;;) {
    const a = v[lo]!;
    const b = v[(lo + hi) >>> 1]!;
    const c = v[hi - 1]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let lt = lo;
    let i = lo;
    let gt = hi;
    while (i < gt) {
      const x = v[i]!;
      if (x < pivot) swap(lt++, i++);
      else if (x > pivot) swap(i, --gt);
      else i++;
    }
    let less = lt - lo;
    let equal = gt - lt;
    if (w) {
      less = 0;
      for (let k = lo; k < lt; k++) less += w[k]!;
      equal = 0;
      for (let k = lt; k < gt; k++) equal += w[k]!;
    }
    if (target <= less) hi = lt;
    else if (target <= less + equal) return pivot;
    else {
      target -= less + equal;
      lo = gt;
    }
  }
}

/**
 * The k-th smallest value (0-based) of `a`, which it reorders: Hoare's selection with a median-of-three
 * pivot, expected linear time, exact (it only compares and moves values).
 */
function kthSmallest(a: Float64Array, k: number): number {
  let l = 0;
  let r = a.length - 1;
  while (l < r) {
    const p = a[l]!;
    const q = a[(l + r) >>> 1]!;
    const t = a[r]!;
    const x = p < q ? (q < t ? q : p < t ? t : p) : p < t ? p : q < t ? t : q;
    let i = l;
    let j = r;
    do {
      while (a[i]! < x) i++;
      while (x < a[j]!) j--;
      if (i <= j) {
        const y = a[i]!;
        a[i] = a[j]!;
        a[j] = y;
        i++;
        j--;
      }
    } while (i <= j);
    if (j < k) l = i;
    if (k < i) r = j;
  }
  return a[k]!;
}

/** Split one scenario's payments (and weights) by a dimension's codes: a counting sort, O(n). */
function byCode(codes: ArrayLike<number>, k: number, values: Float64Array, weights: Float64Array | null) {
  const starts = new Int32Array(k + 1);
  for (let i = 0; i < codes.length; i++) starts[codes[i]! + 1]!++;
  for (let c = 0; c < k; c++) starts[c + 1]! += starts[c]!;
  const at = starts.slice(0, k);
  const sortedValues = new Float64Array(values.length);
  const sortedWeights = weights ? new Float64Array(values.length) : null;
  for (let i = 0; i < codes.length; i++) {
    const j = at[codes[i]!]!++;
    sortedValues[j] = values[i]!;
    if (sortedWeights) sortedWeights[j] = weights![i]!;
  }
  return Array.from({ length: k }, (_, c) => ({
    values: sortedValues.subarray(starts[c]!, starts[c + 1]!),
    weights: sortedWeights ? sortedWeights.subarray(starts[c]!, starts[c + 1]!) : null,
    n: starts[c + 1]! - starts[c]!,
  }));
}

function histogram(values: Float64Array, weights: Float64Array | null, factor: Decimal): HistogramBin[] {
  const bins = HISTOGRAM_FEN.length;
  const bounds = Float64Array.from(HISTOGRAM_FEN);
  const sums = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    // The last bound not above x (the first bin also takes anything below 0).
    let b = 0;
    while (b + 1 < bins && x >= bounds[b + 1]!) b++;
    sums[b]! += weights ? weights[i]! : 1;
  }
  // Unweighted, a bin holds a count of admissions, each of weight WEIGHT_UNIT (exact: counts are small).
  if (!weights) for (let b = 0; b < bins; b++) sums[b]! *= WEIGHT_UNIT;
  return HISTOGRAM_FEN.map((from, b) => ({
    from: (from / 100).toFixed(2),
    to: b + 1 < HISTOGRAM_FEN.length ? (HISTOGRAM_FEN[b + 1]! / 100).toFixed(2) : null,
    admissions: count(new Decimal(sums[b]!).div(MILLION).mul(factor)),
  }));
}

/** Order of a dimension's keys: the ruleset's own order first, then the rest alphabetically. */
function ordered(keys: readonly string[], preferred: readonly string[]): string[] {
  const rank = (k: string) => {
    const i = preferred.indexOf(k);
    return i === -1 ? preferred.length : i;
  };
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function buildReport(m: Merged, ctx: BuildContext): ModelReport {
  const factor = ctx.growth?.admissions ?? new Decimal(1);
  const { layout } = ctx;
  const value = (s: WeightedSums, slot: number) => new Decimal(s.slotMillionths(slot).toString()).div(MILLION).mul(factor);

  /** `own`: the arrays are this group's own copies, which the percentile may reorder. */
  const group = (s: WeightedSums, values: Float64Array, weights: Float64Array | null, own = false): GroupSummary => {
    const admissions = value(s, SLOT.admissions);
    const total = value(s, SLOT.total);
    const fundPays = value(s, SLOT.fundPays);
    const patientPays = value(s, SLOT.patientPays);
    const funds: Record<string, string> = {};
    const fundAdmissions: Record<string, number> = {};
    layout.funds.forEach((f, i) => {
      funds[f] = yuan(value(s, fundSlot(layout, i)));
      fundAdmissions[f] = count(value(s, fundCountSlot(layout, i)));
    });
    const p95 = own ? quantileInPlace(values, weights) : weightedQuantile(values, weights);
    return {
      admissions: count(admissions),
      funds,
      fundAdmissions,
      total: yuan(total),
      fundPaysTotal: yuan(fundPays),
      patientPays: yuan(patientPays),
      actualRatio: formatActualRatio(fundPays, total),
      patient: {
        mean: admissions.isZero() ? null : yuan(patientPays.div(admissions)),
        p95: p95 === null ? null : (p95 / 100).toFixed(2),
      },
      floorPaidAdmissions: count(value(s, SLOT.floorAdmissions)),
      floorPaid: yuan(value(s, SLOT.floorPaid)),
      capPaidAdmissions: count(value(s, SLOT.capAdmissions)),
      capPaid: yuan(value(s, SLOT.capPaid)),
    };
  };

  const rulesets = [ctx.baseline, ...(ctx.variant ? [ctx.variant.loaded] : [])];
  const populationOrder = ordered(m.dims.populations, ctx.baseline.ruleset.populations);
  const tierOrder = ordered(m.dims.tiers, ctx.baseline.ruleset.tiers);

  const summaries: Summary[] = rulesets.map((loaded, sc) => {
    const sums = m.scenarios[sc]!;
    const values = m.patient[sc]!;
    const top = group(sums.all, values, m.weight);
    const steps: Record<string, StepSummary> = {};
    for (const [visitType, pipeline] of Object.entries(loaded.ruleset.visits)) {
      for (const step of pipeline) {
        const key = `${visitType}.${step.id}`;
        const j = layout.steps.indexOf(key);
        steps[key] = {
          visitType,
          id: step.id,
          ...(step.name !== undefined ? { name: step.name } : {}),
          fund: step.fund,
          kind: step.kind,
          paid: yuan(value(sums.all, stepPaidSlot(layout, j))),
          admissions: count(value(sums.all, stepCountSlot(layout, j))),
        };
      }
    }
    const dimension = (names: string[], order: string[], codes: ArrayLike<number>, list: WeightedSums[]) => {
      const parts = byCode(codes, names.length, values, m.weight);
      const out: Record<string, GroupSummary> = {};
      for (const name of order) {
        const c = names.indexOf(name);
        if (list[c] && parts[c]!.n > 0) out[name] = group(list[c]!, parts[c]!.values, parts[c]!.weights, true);
      }
      return out;
    };
    return {
      ...top,
      patient: { ...top.patient, histogram: histogram(values, m.weight, factor) },
      steps,
      byPopulation: dimension(m.dims.populations, populationOrder, m.population[sc]!, sums.population),
      byTier: dimension(m.dims.tiers, tierOrder, m.tier, sums.tier),
      byMonth: dimension(m.dims.months, m.dims.months, m.month, sums.month),
    };
  });

  const [baseline, variantSummary] = summaries as [Summary, Summary | undefined];
  const whatIf: WhatIfInfo | null = ctx.variant
    ? {
        label: ctx.variant.label,
        rulesetId: ctx.variant.loaded.ruleset.id,
        rulesetHash: ctx.variant.loaded.hash,
        changes: ctx.variant.changes.map((c) => ({ path: c.path, before: c.before, after: c.after })),
      }
    : null;

  let weighted = new Decimal(m.rows);
  if (m.weight) {
    let s = 0n;
    for (const w of m.weight) s += BigInt(w);
    weighted = new Decimal(s.toString()).div(MILLION);
  }

  const labels: ModelReport['labels'] = { funds: {}, tiers: {}, populations: {}, steps: {} };
  for (const f of layout.funds) labels.funds[f] = labelOf(FUND_LABELS, f);
  for (const t of tierOrder) labels.tiers[t] = labelOf(TIER_LABELS, t);
  for (const p of populationOrder) labels.populations[p] = labelOf(POPULATION_LABELS, p);
  for (const loaded of rulesets) {
    for (const [visitType, pipeline] of Object.entries(loaded.ruleset.visits)) {
      for (const step of pipeline) labels.steps[`${visitType}.${step.id}`] ??= step.name ?? step.id;
    }
  }

  return {
    kind: 'onestop.model.report',
    version: 1,
    rulesetId: ctx.baseline.ruleset.id,
    rulesetTitle: ctx.baseline.ruleset.title,
    rulesetHash: ctx.baseline.hash,
    whatIf,
    variant: variantSummary && whatIf ? { ...variantSummary, whatIf } : null,
    input: { ...ctx.input, rows: m.rows },
    weights: ctx.weights,
    growth: ctx.growth ? { cost: ctx.growth.cost.toString(), admissions: ctx.growth.admissions.toString() } : null,
    admissions: m.rows,
    weightedAdmissions: count(weighted.mul(factor)),
    baseline,
    ...(variantSummary ? { difference: difference(baseline, variantSummary) } : {}),
    labels,
  };
}

const dec = (s: string | null | undefined) => (s === null || s === undefined ? ZERO : new Decimal(s));
const minus = (a: string, b: string) => dec(a).minus(dec(b)).toFixed(2);
const minusCount = (a: number, b: number) => Number((a - b).toFixed(2));

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

/**
 * Variant minus baseline, from the figures as shown (so a reader can check every difference by
 * subtraction). A group present on one side only counts as zero on the other.
 */
function groupDifference(b: GroupSummary, v: GroupSummary): GroupDifference {
  const funds: Record<string, string> = {};
  for (const f of new Set([...Object.keys(b.funds), ...Object.keys(v.funds)])) funds[f] = minus(v.funds[f] ?? '0.00', b.funds[f] ?? '0.00');
  const fundAdmissions: Record<string, number> = {};
  for (const f of new Set([...Object.keys(b.fundAdmissions), ...Object.keys(v.fundAdmissions)])) fundAdmissions[f] = minusCount(v.fundAdmissions[f] ?? 0, b.fundAdmissions[f] ?? 0);
  const both = (x: string | null, y: string | null) => (x === null || y === null ? null : minus(x, y));
  return {
    admissions: minusCount(v.admissions, b.admissions),
    funds,
    fundAdmissions,
    total: minus(v.total, b.total),
    fundPaysTotal: minus(v.fundPaysTotal, b.fundPaysTotal),
    patientPays: minus(v.patientPays, b.patientPays),
    actualRatio: dec(v.actualRatio).minus(dec(b.actualRatio)).toFixed(4),
    patient: { mean: both(v.patient.mean, b.patient.mean), p95: both(v.patient.p95, b.patient.p95) },
    floorPaidAdmissions: minusCount(v.floorPaidAdmissions, b.floorPaidAdmissions),
    floorPaid: minus(v.floorPaid, b.floorPaid),
    capPaidAdmissions: minusCount(v.capPaidAdmissions, b.capPaidAdmissions),
    capPaid: minus(v.capPaid, b.capPaid),
  };
}

function difference(b: Summary, v: Summary): Difference {
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
