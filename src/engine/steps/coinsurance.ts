/**
 * Coinsurance (按比例报销): basic medical insurance 基本医保, commercial supplementary cover
 * 商业补充保险, medical assistance 医疗救助 (§3.1).
 *
 *   payout = min(ratio x max(0, remaining base - unmet deductible), visitCap, annual cap room),
 *            rounded half-up, never more than the remaining base.
 *
 * The deductible (起付线) is per visit, or annual: then only the part not yet met this year applies,
 * and what this visit applied is added to the step's `deductibleMet`.
 *
 * Above another step's deductible (`aboveDeductibleOf`, §3): seed 003's 大病保险起付线以上医保目录内部分
 * 90%医疗救助. With the named step's base b, payout p and the part of b under its deductible `below`,
 * this step's base is the remaining in-policy amount x max(0, b - p - below) / (b - p), kept exact as a
 * fraction until the payout's one rounding.
 */
import { fenHalfUpOf } from '../../money/rounding.js';
import { max, type Units } from '../../money/units.js';
import { priced } from '../pricing.js';
import { remainingAll, stepResult, type StepContext, type StepKindModule } from '../step-context.js';
import type { CoinsuranceStep, StepResult } from '../types.js';
import { limitPayout } from './limits.js';

/** The base as a fraction `numerator / denominator` of Units, and what the trace shows of it. */
interface Base {
  numerator: Units;
  denominator: bigint;
  above?: NonNullable<StepResult['aboveDeductible']>;
}

function baseOf(step: CoinsuranceStep, ctx: StepContext): Base {
  const remaining = step.base === 'all' ? remainingAll(ctx.visit) : ctx.visit.remainingInPolicy;
  if (step.aboveDeductibleOf === undefined) return { numerator: remaining, denominator: 1n };
  // The rules loader guarantees that the named step runs earlier whenever this one runs.
  const named = ctx.visit.ran.get(step.aboveDeductibleOf)!;
  const left = named.base - named.payout;
  const numerator = left === 0n ? 0n : remaining * max(0n, left - named.below);
  const denominator = left === 0n ? 1n : left;
  // Shown to the fen (a Product of ratio 1 over the denominator); exact when the fraction is whole Units.
  const shown = fenHalfUpOf(numerator * 10n ** 8n, denominator);
  return {
    numerator,
    denominator,
    above: { of: step.aboveDeductibleOf, namedBase: named.base, namedPayout: named.payout, below: named.below, remaining, base: shown, exact: shown * denominator === numerator },
  };
}

export const coinsurance: StepKindModule<CoinsuranceStep> = {
  run(step, ctx) {
    const { ratio, deductible: deductibleAmount } = priced(step, ctx.tier, ctx.population) as { ratio: bigint; deductible: bigint };
    const remaining = step.base === 'all' ? remainingAll(ctx.visit) : ctx.visit.remainingInPolicy;
    const { numerator, denominator, above } = baseOf(step, ctx);

    let unmet = deductibleAmount;
    if (step.deductible?.per === 'year') {
      unmet = max(0n, deductibleAmount - ctx.acc.read(step.accumulator, 'deductibleMet'));
    }
    // The deductible applied: all that is unmet, or the whole base when the base is smaller. (An annual
    // deductible with a fractional base is refused when the rules are loaded, so `applied` is exact.)
    const wholeBase = unmet * denominator >= numerator;
    const applied = wholeBase ? (denominator === 1n ? numerator : above!.base) : unmet;
    if (step.deductible?.per === 'year') ctx.acc.add(step.accumulator, 'deductibleMet', applied);

    const raw = wholeBase ? 0n : ratio * (numerator - applied * denominator);
    const { payout, capRoom, limitedBy } = limitPayout(step, ctx, raw, remaining, denominator);
    ctx.acc.add(step.accumulator, 'paid', payout);

    return {
      draws: step.base,
      result: stepResult(step, {
        base: remaining,
        deductible: applied,
        ratio,
        capRoom,
        limitedBy,
        ...(above ? { aboveDeductible: above } : {}),
        payout,
      }),
    };
  },

  paidElsewhere(step, ctx, given) {
    const remaining = step.base === 'all' ? remainingAll(ctx.visit) : ctx.visit.remainingInPolicy;
    // The other payer applied its own deductible: it counts towards this step's annual one.
    if (step.deductible?.per === 'year') ctx.acc.add(step.accumulator, 'deductibleMet', given.deductible);
    ctx.acc.add(step.accumulator, 'paid', given.payout);
    return {
      draws: step.base,
      result: stepResult(step, {
        base: remaining,
        deductible: given.deductible,
        ratio: null,
        capRoom: null,
        paidElsewhere: { deductible: given.deductible },
        payout: given.payout,
      }),
    };
  },

  accumulates: (step) => (step.deductible?.per === 'year' ? PAID_AND_DEDUCTIBLE : PAID),
  yearCap: (step) => (step.annualCap === undefined ? undefined : { kind: 'annualCap', cap: step.annualCap }),
};

const PAID = ['paid'] as const;
const PAID_AND_DEDUCTIBLE = ['paid', 'deductibleMet'] as const;

