/**
 * Floor (政府兜底 保底): the government backstop guarantees the actual reimbursement ratio (§3.3).
 *
 *   payout = max(0, floor x denominator - sum of all earlier payouts of this visit),
 *            rounded UP to the fen, limited to what is left of its base.
 *
 * `denominator` is `total` (the Xing'an 90% "实际报销比例不低于90%", and how Zhuozi 2016 reached
 * "over 90%": 7.27M basic + 3.79M county fund over 12.28M total) or `inPolicy`.
 */
import { fenUp } from '../../money/rounding.js';
import { asProduct, max, min } from '../../money/units.js';
import { remainingAll, stepResult, type StepKindModule } from '../step-context.js';
import type { FloorStep } from '../types.js';

export const floor: StepKindModule<FloorStep> = {
  run(step, ctx) {
    const denominatorAmount = step.denominator === 'total' ? ctx.visit.total : ctx.visit.inPolicy;
    const base = step.denominator === 'total' ? remainingAll(ctx.visit) : ctx.visit.remainingInPolicy;
    const need = fenUp(max(0n, step.floor * denominatorAmount - asProduct(ctx.visit.earlierPayouts)));
    const payout = min(need, base);
    return {
      draws: step.denominator === 'total' ? 'all' : 'inPolicy',
      result: stepResult(step, {
        base,
        deductible: null,
        ratio: null,
        capRoom: null,
        limitedBy: payout < need ? 'remaining' : undefined,
        floor: { ratio: step.floor, denominator: step.denominator, denominatorAmount, earlierPayouts: ctx.visit.earlierPayouts },
        payout,
      }),
    };
  },

  // What was paid elsewhere for a floor comes off the remaining total, whatever its denominator (§3).
  paidElsewhere(step, ctx, given) {
    const base = remainingAll(ctx.visit);
    return {
      draws: 'all',
      result: stepResult(step, {
        base,
        deductible: null,
        ratio: null,
        capRoom: null,
        paidElsewhere: { deductible: given.deductible },
        payout: given.payout,
      }),
    };
  },

  // A floor looks at this visit only.
  accumulates: () => [],
  yearCap: () => undefined,
};
