/**
 * The limits a coinsurance or segmented payout passes through, in the contract's order (§3.1):
 * visit cap and annual cap room on the unrounded amount, one half-up rounding, never more than the
 * remaining base, then a ratio ceiling (rounded down) if the step carries one.
 */
import { fenDown, fenHalfUp, fenHalfUpOf } from '../../money/rounding.js';
import { asProduct, max, type Product, type Units } from '../../money/units.js';
import type { StepContext } from '../step-context.js';
import type { CoinsuranceStep, SegmentedStep, StepResult } from '../types.js';

export interface Limited {
  payout: Units;
  capRoom: Units | null;
  limitedBy?: StepResult['limitedBy'];
}

/**
 * `raw / rawDenominator` is the unrounded payout (a Product: ratio x amount); the denominator is 1 but
 * for a base above another step's deductible, which is a fraction of the remaining amount (§3), kept
 * exact until the one rounding. `base` is the most the step may pay: what is left of its base.
 */
export function limitPayout(step: CoinsuranceStep | SegmentedStep, ctx: StepContext, raw: Product, base: Units, rawDenominator = 1n): Limited {
  let payout = raw;
  let denominator = rawDenominator;
  let limitedBy: StepResult['limitedBy'];
  let capRoom: Units | null = null;

  if (step.visitCap !== undefined && asProduct(step.visitCap) * denominator < payout) {
    payout = asProduct(step.visitCap);
    denominator = 1n;
    limitedBy = 'visitCap';
  }
  if (step.annualCap !== undefined) {
    capRoom = max(0n, step.annualCap - ctx.acc.read(step.accumulator, 'paid'));
    if (asProduct(capRoom) * denominator < payout) {
      payout = asProduct(capRoom);
      denominator = 1n;
      limitedBy = 'annualCap';
    }
  } else if (step.visitCap !== undefined) {
    capRoom = step.visitCap;
  }

  let rounded = denominator === 1n ? fenHalfUp(payout) : fenHalfUpOf(payout, denominator);
  if (rounded > base) {
    rounded = base;
    limitedBy = 'remaining';
  }

  if (step.ceiling) {
    const denominator = step.ceiling.denominator === 'total' ? ctx.visit.total : ctx.visit.inPolicy;
    const room = fenDown(max(0n, step.ceiling.ratio * denominator - asProduct(ctx.visit.earlierPayouts)));
    if (room < rounded) {
      rounded = room;
      limitedBy = 'ceiling';
    }
  }
  return { payout: rounded, capRoom, limitedBy };
}
