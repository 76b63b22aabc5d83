/**
 * Segmented (分段报销): serious-illness insurance 大病保险, or banded basic insurance (§3.2).
 *
 * The base is the in-policy amount still unpaid after the earlier steps (合规自付). Segment bounds are
 * on the cumulative qualifying amount itself, as policy writes them ("起付线至3万元 65%, 3万至7万元 70%"):
 * the part below the deductible pays nothing; each segment pays its ratio on its part above the deductible.
 * With F(x) that payout for a cumulative amount x, this visit pays F(ytd + base) - F(ytd):
 *  - scope `year`: ytd is the step's `cumulative` accumulator, which then grows by the whole base;
 *  - scope `visit`: every visit starts from zero.
 * So a bill that crosses the deductible or a boundary is split exactly, and two bills in a year pay what
 * one bill of their sum would (up to a fen of rounding).
 *
 * Worked example (Shandong 2014): 170,000 after basic insurance, deductible 10,000, 50% to 100,000,
 * 60% above: 0.5 x 90,000 + 0.6 x 70,000 = 87,000.
 */
import { max, min } from '../../money/units.js';
import { priced } from '../pricing.js';
import { stepResult, type StepContext, type StepKindModule } from '../step-context.js';
import type { SegmentApplied, SegmentedStep } from '../types.js';
import { limitPayout } from './limits.js';

/** Where this visit's base sits on the year's cumulative amount, and the part of it under the deductible. */
function position(step: SegmentedStep, ctx: StepContext) {
  const { segmentRatios, deductible } = priced(step, ctx.tier, ctx.population);
  const base = ctx.visit.remainingInPolicy;
  const from = step.scope === 'year' ? ctx.acc.read(step.accumulator, 'cumulative') : 0n;
  const to = from + base;
  // min(base, max(0, deductible - cumulative before)): what a later step above this deductible leaves out.
  const deductibleApplied = max(0n, min(to, deductible) - from);
  return { segmentRatios: segmentRatios!, deductible, base, from, to, deductibleApplied };
}

export const segmented: StepKindModule<SegmentedStep> = {
  run(step, ctx) {
    const { segmentRatios, deductible, base, from, to, deductibleApplied } = position(step, ctx);

    const applied: SegmentApplied[] = [];
    let raw = 0n;
    let lower = 0n;
    step.segments.forEach((segment, i) => {
      const ratio = segmentRatios[i]!;
      const bandLow = max(max(lower, deductible), from);
      const bandHigh = segment.upTo !== undefined ? min(segment.upTo, to) : to;
      if (bandHigh > bandLow) {
        const payout = ratio * (bandHigh - bandLow);
        raw += payout;
        applied.push({ from: bandLow, to: bandHigh, ratio, payout });
      }
      if (segment.upTo !== undefined) lower = segment.upTo;
    });

    const { payout, capRoom, limitedBy } = limitPayout(step, ctx, raw, base);
    if (step.scope === 'year') ctx.acc.add(step.accumulator, 'cumulative', base);
    ctx.acc.add(step.accumulator, 'paid', payout);

    return {
      draws: 'inPolicy',
      below: deductibleApplied,
      result: stepResult(step, {
        base,
        deductible: deductibleApplied,
        ratio: null,
        segments: applied,
        cumulativeBefore: step.scope === 'year' ? from : undefined,
        capRoom,
        limitedBy,
        payout,
      }),
    };
  },

  paidElsewhere(step, ctx, given) {
    // The whole base counts towards the year's cumulative amount, whoever paid; the part under this
    // file's deductible is what a later step above it leaves out (§3).
    const { base, from, deductibleApplied } = position(step, ctx);
    if (step.scope === 'year') ctx.acc.add(step.accumulator, 'cumulative', base);
    ctx.acc.add(step.accumulator, 'paid', given.payout);
    return {
      draws: 'inPolicy',
      below: deductibleApplied,
      result: stepResult(step, {
        base,
        deductible: deductibleApplied,
        ratio: null,
        cumulativeBefore: step.scope === 'year' ? from : undefined,
        capRoom: null,
        paidElsewhere: { deductible: given.deductible },
        payout: given.payout,
      }),
    };
  },

  // The annual deductible of a segmented step is met from `cumulative`, not from `deductibleMet`.
  accumulates: (step) => (step.scope === 'year' ? PAID_AND_CUMULATIVE : PAID),
  yearCap: (step) => (step.annualCap === undefined ? undefined : { kind: 'annualCap', cap: step.annualCap }),
};

const PAID = ['paid'] as const;
const PAID_AND_CUMULATIVE = ['paid', 'cumulative'] as const;
