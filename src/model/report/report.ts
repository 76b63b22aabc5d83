/**
 * The model's report as JSON: the same numbers the CSV and HTML pages show.
 *
 * Amounts are strings with two decimals (yuan), formed once from exact integer sums (Σ weight-millionths
 * x fen, x the admissions growth factor) and rounded half-up to the fen by the contract's rounding
 * (money/rounding.ts), as is the mean payment per admission. Admission counts are JSON numbers (a
 * weighted count may have decimals; shown half-up to two). Ratios are strings with four decimals,
 * truncated like a settlement's `actualRatio`. The 95th percentile is ./quantile.ts's.
 */
import { describeMove } from '../input/moves.js';
import { actualRatio } from '../../engine/result.js';
import { FUND_LABELS, POPULATION_LABELS, TIER_LABELS, labelOf } from '../../labels/labels.js';
import { fenHalfUp, quotientHalfUp } from '../../money/rounding.js';
import { formatScaled, formatUnits } from '../../money/text.js';
import { RATIO_ONE, fromFen, type Ratio } from '../../money/units.js';
import type { LoadedRuleset } from '../../rules/load.js';
import type { Merged } from '../aggregate/merge.js';
import { SLOT, fundCountSlot, fundElsewhereSlot, fundSlot, stepCountSlot, stepPaidSlot, type SlotLayout } from '../aggregate/slots.js';
import type { WeightedSums } from '../aggregate/weighted-sums.js';
import { factorText, type Growth } from '../input/growth.js';
import type { InputInfo } from '../input/sources.js';
import { WEIGHT_UNIT } from '../input/weights.js';
import type { Variant } from '../input/whatif.js';
import { difference } from './difference.js';
import { byCode, quantileInPlace, weightedQuantile } from './quantile.js';

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
  /** What each fund's steps paid (a payout made elsewhere included: the patient's share depends on it). */
  funds: Record<string, string>;
  /**
   * The budget per fund (§3 `owed`): its payout less what other payers already paid for its steps.
   * Present only when some admission of the group carried a payout made elsewhere.
   */
  owed?: Record<string, string>;
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

/** Millionths as decimal text: 100000 → "0.1". */
const shareText = (millionths: number) => `${Math.floor(millionths / 1e6)}.${String(millionths % 1e6).padStart(6, '0')}`.replace(/\.?0+$/, '');

export interface WhatIfInfo {
  label: string;
  rulesetId: string;
  rulesetHash: string;
  /** Each change: the path as written, where it landed in words, the value before and after. */
  changes: { path: string; description: string; before: unknown; after: unknown }[];
  /** People moved between populations (input/moves.ts), each in words with its share as decimal text. */
  populationMoves: { from: string; to: string; share: string; on: string; description: string }[];
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

/**
 * Weighted sums are Σ weight-millionths x value; x the admissions growth factor (a Ratio, x 10^8) they
 * are value x 10^14, exactly. For an amount (value in fen) that is fen x 10^14, and x 100 a Product
 * (fen x 10^16), which the contract's half-up rounding takes to the fen.
 */
const SCALED_ONE = BigInt(WEIGHT_UNIT) * RATIO_ONE;

/** An amount, half-up to the fen, from fen x 10^14. */
function yuan(scaledFen: bigint): string {
  return formatUnits(fenHalfUp(scaledFen * 100n));
}

/** A count (weighted, grown) shown half-up to two decimals, from count x 10^14. */
function count(scaled: bigint): number {
  return Number(formatScaled(quotientHalfUp(scaled, SCALED_ONE, 2), 2, 0));
}

/** A payment in whole fen (a percentile: one admission's payment) as amount text. */
const fenText = (fen: number): string => formatUnits(fromFen(fen));

function histogram(values: Float64Array, weights: Float64Array | null, factor: Ratio): HistogramBin[] {
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
    from: fenText(from),
    to: b + 1 < HISTOGRAM_FEN.length ? fenText(HISTOGRAM_FEN[b + 1]!) : null,
    admissions: count(BigInt(sums[b]!) * factor),
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
  const factor = ctx.growth?.admissions ?? RATIO_ONE;
  const { layout } = ctx;
  /** A slot's sum, grown: value x 10^14 (see SCALED_ONE). */
  const value = (s: WeightedSums, slot: number) => s.slotMillionths(slot) * factor;

  /** `own`: the arrays are this group's own copies, which the percentile may reorder. */
  const group = (s: WeightedSums, values: Float64Array, weights: Float64Array | null, own = false): GroupSummary => {
    const admissions = s.slotMillionths(SLOT.admissions);
    const total = s.slotMillionths(SLOT.total);
    const fundPays = s.slotMillionths(SLOT.fundPays);
    const patientPays = s.slotMillionths(SLOT.patientPays);
    const funds: Record<string, string> = {};
    const fundAdmissions: Record<string, number> = {};
    let owed: Record<string, string> | undefined;
    layout.funds.forEach((f, i) => {
      const paid = value(s, fundSlot(layout, i));
      funds[f] = yuan(paid);
      fundAdmissions[f] = count(value(s, fundCountSlot(layout, i)));
      const elsewhere = value(s, fundElsewhereSlot(layout, i));
      if (elsewhere !== 0n) owed = {};
    });
    if (owed) layout.funds.forEach((f, i) => (owed![f] = yuan(value(s, fundSlot(layout, i)) - value(s, fundElsewhereSlot(layout, i)))));
    const p95 = own ? quantileInPlace(values, weights) : weightedQuantile(values, weights);
    return {
      admissions: count(admissions * factor),
      funds,
      ...(owed ? { owed } : {}),
      fundAdmissions,
      total: yuan(total * factor),
      fundPaysTotal: yuan(fundPays * factor),
      patientPays: yuan(patientPays * factor),
      // Growth scales both sides alike, so ratios and means are of the sums themselves.
      actualRatio: actualRatio(fundPays, total),
      patient: {
        // The mean payment per admission, half-up to the fen (money/rounding.ts).
        mean: admissions === 0n ? null : formatUnits(fromFen(quotientHalfUp(patientPays, admissions, 0))),
        p95: p95 === null ? null : fenText(p95),
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
        changes: ctx.variant.changes.map((c) => ({ path: c.path, description: c.description, before: c.before, after: c.after })),
        populationMoves: ctx.variant.moves.map((m) => ({ from: m.from, to: m.to, share: shareText(m.shareMillionths), on: m.on, description: describeMove(m) })),
      }
    : null;

  // Σ weights in millionths (each row weighs WEIGHT_UNIT unweighted).
  let weighted = BigInt(m.rows) * BigInt(WEIGHT_UNIT);
  if (m.weight) {
    weighted = 0n;
    for (const w of m.weight) weighted += BigInt(w);
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
    growth: ctx.growth ? { cost: factorText(ctx.growth.cost), admissions: factorText(ctx.growth.admissions) } : null,
    admissions: m.rows,
    weightedAdmissions: count(weighted * factor),
    baseline,
    ...(variantSummary ? { difference: difference(baseline, variantSummary) } : {}),
    labels,
  };
}
