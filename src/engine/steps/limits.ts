/**
 * The limits a coinsurance or segmented payout passes through, in the contract's order (§3.1):
 * visit cap and annual cap room on the unrounded amount, one half-up rounding, never more than the
 * remaining base, then a ratio ceiling (rounded down) if the step carries one.
 */
import { Decimal, ZERO, roundCeilingRoom, roundPayout } from '../../money/money.js';
import type { StepContext } from '../step-context.js';
import type { CoinsuranceStep, SegmentedStep, StepResult } from '../types.js';

export interface Limited {
  payout: Decimal;
  capRoom: Decimal | null;
  limitedBy?: StepResult['limitedBy'];
}

export function limitPayout(step: CoinsuranceStep | SegmentedStep, ctx: StepContext, raw: Decimal, base: Decimal): Limited {
  let payout = raw;
  let limitedBy: StepResult['limitedBy'];
  let capRoom: Decimal | null = null;

  if (step.visitCap && step.visitCap.lt(payout)) {
    payout = step.visitCap;
    limitedBy = 'visitCap';
  }
  if (step.annualCap) {
    capRoom = Decimal.max(ZERO, step.annualCap.minus(ctx.acc.read(step.accumulator, 'paid')));
    if (capRoom.lt(payout)) {
      payout = capRoom;
      limitedBy = 'annualCap';
    }
  } else if (step.visitCap) {
    capRoom = step.visitCap;
  }

  payout = roundPayout(payout);
  if (payout.gt(base)) {
    payout = base;
    limitedBy = 'remaining';
  }

  if (step.ceiling) {
    const denominator = step.ceiling.denominator === 'total' ? ctx.visit.total : ctx.visit.inPolicy;
    const room = roundCeilingRoom(Decimal.max(ZERO, step.ceiling.ratio.mul(denominator).minus(ctx.visit.earlierPayouts)));
    if (room.lt(payout)) {
      payout = room;
      limitedBy = 'ceiling';
    }
  }
  return { payout, capRoom, limitedBy };
}
