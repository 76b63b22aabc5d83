/**
 * What a step charges for this bill: its ratio and deductible for the hospital's tier,
 * after the population's adjustment (§3, "Population adjustments").
 */
import { RATIO_ONE, max, min, scaleUnits, type Ratio, type Units } from '../money/units.js';
import { SettlementError } from './errors.js';
import type { Adjustment, Deductible, PerTier, Step } from './types.js';

const NO_ADJUSTMENT: Adjustment = { deductibleFactor: RATIO_ONE, ratioBonus: 0n };

/** The population's adjustment of a step, or none. */
export function adjustmentFor(step: Step, population: string): Adjustment {
  return step.adjust?.[population] ?? NO_ADJUSTMENT;
}

/** A per-tier value for the hospital's tier. A tier the step needs but does not price is an error, never a zero. */
export function forTier<T extends bigint>(value: PerTier<T>, tier: string, step: Step, field: readonly (string | number)[]): T {
  if (typeof value === 'bigint') return value;
  const v = Object.prototype.hasOwnProperty.call(value, tier) ? value[tier] : undefined;
  if (v === undefined) {
    throw new SettlementError(
      'TIER_NOT_PRICED',
      `规则步骤 ${step.id} 未为医院等级 "${tier}" 定价（${[...step.path, ...field].join('.')}），无法结算`,
      ['hospital', 'tier'],
    );
  }
  return v;
}

/** The ratio after the population's bonus, clamped to [0, 1]. */
export function adjustedRatio(ratio: Ratio, adj: Adjustment): Ratio {
  return min(RATIO_ONE, max(0n, ratio + adj.ratioBonus));
}

/** The deductible for the tier after the population's factor. Not rounded (§3). */
export function adjustedDeductible(ded: Deductible | undefined, tier: string, step: Step, adj: Adjustment): Units {
  if (!ded) return 0n;
  const amount = forTier(ded.amount, tier, step, ['deductible', ded.per === 'visit' ? 'perVisit' : 'annual']);
  return adj.deductibleFactor === RATIO_ONE ? amount : scaleUnits(amount, adj.deductibleFactor);
}

/** A step's prices for one tier and population: invariant for a ruleset, so worked out once. */
export interface Priced {
  /** Coinsurance: the adjusted ratio; segmented: one adjusted ratio per segment. */
  ratio: Ratio | null;
  segmentRatios: readonly Ratio[] | null;
  deductible: Units;
}

/** step → tier → population → prices (nested maps: no key string built on the hot path). */
const pricedCache = new WeakMap<Step, Map<string, Map<string, Priced>>>();

/**
 * The step's adjusted ratio(s) and deductible for a hospital tier and population. Throws
 * TIER_NOT_PRICED, never caches a miss, so an unpriced tier is an error on every bill.
 */
export function priced(step: Step, tier: string, population: string): Priced {
  let byTier = pricedCache.get(step);
  if (!byTier) pricedCache.set(step, (byTier = new Map()));
  let byPopulation = byTier.get(tier);
  if (!byPopulation) byTier.set(tier, (byPopulation = new Map()));
  const hit = byPopulation.get(population);
  if (hit) return hit;
  const adj = adjustmentFor(step, population);
  let result: Priced;
  if (step.kind === 'coinsurance') {
    result = { ratio: adjustedRatio(forTier(step.ratio, tier, step, ['ratio']), adj), segmentRatios: null, deductible: adjustedDeductible(step.deductible, tier, step, adj) };
  } else if (step.kind === 'segmented') {
    result = {
      ratio: null,
      segmentRatios: step.segments.map((seg, i) => adjustedRatio(forTier(seg.ratio, tier, step, ['segments', i, 'ratio']), adj)),
      deductible: adjustedDeductible(step.deductible, tier, step, adj),
    };
  } else {
    result = { ratio: null, segmentRatios: null, deductible: 0n };
  }
  byPopulation.set(population, result);
  return result;
}
