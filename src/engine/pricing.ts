/**
 * What a step charges for this bill: its ratio and deductible for the hospital's tier,
 * after the population's adjustment (§3, "Population adjustments").
 */
import { Decimal, ONE, ZERO } from '../money/money.js';
import { SettlementError } from './errors.js';
import type { Adjustment, Deductible, PerTier, Step } from './types.js';

const NO_ADJUSTMENT: Adjustment = { deductibleFactor: ONE, ratioBonus: ZERO };

/** The population's adjustment of a step, or none. */
export function adjustmentFor(step: Step, population: string): Adjustment {
  return step.adjust?.[population] ?? NO_ADJUSTMENT;
}

/** A per-tier value for the hospital's tier. A tier the step needs but does not price is an error, never a zero. */
export function forTier(value: PerTier, tier: string, step: Step, field: readonly (string | number)[]): Decimal {
  if (Decimal.isDecimal(value)) return value as Decimal;
  const byTier = value as Readonly<Record<string, Decimal>>;
  const v = Object.prototype.hasOwnProperty.call(byTier, tier) ? byTier[tier] : undefined;
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
export function adjustedRatio(ratio: Decimal, adj: Adjustment): Decimal {
  return Decimal.min(ONE, Decimal.max(ZERO, ratio.plus(adj.ratioBonus)));
}

/** The deductible for the tier after the population's factor. Not rounded (§3). */
export function adjustedDeductible(ded: Deductible | undefined, tier: string, step: Step, adj: Adjustment): Decimal {
  if (!ded) return ZERO;
  return forTier(ded.amount, tier, step, ['deductible', ded.per === 'visit' ? 'perVisit' : 'annual']).mul(adj.deductibleFactor);
}
