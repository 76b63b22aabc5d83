/**
 * Coinsurance (按比例报销): basic medical insurance 基本医保, commercial supplementary cover
 * 商业补充保险, medical assistance 医疗救助 (§3.1).
 *
 *   payout = min(ratio x max(0, remaining base - unmet deductible), visitCap, annual cap room),
 *            rounded half-up, never more than the remaining base.
 *
 * The deductible (起付线) is per visit, or annual: then only the part not yet met this year applies,
 * and what this visit applied is added to the step's `deductibleMet`.
 */
import { max, min } from '../../money/units.js';
import { priced } from '../pricing.js';
import { remainingAll, type StepKindModule } from '../step-context.js';
import type { CoinsuranceStep } from '../types.js';
import { limitPayout } from './limits.js';

export const coinsurance: StepKindModule<CoinsuranceStep> = {
  run(step, ctx) {
    const { ratio, deductible: deductibleAmount } = priced(step, ctx.tier, ctx.population) as { ratio: bigint; deductible: bigint };
    const base = step.base === 'all' ? remainingAll(ctx.visit) : ctx.visit.remainingInPolicy;

    let unmet = deductibleAmount;
    if (step.deductible?.per === 'year') {
      unmet = max(0n, deductibleAmount - ctx.acc.read(step.accumulator, 'deductibleMet'));
    }
    const applied = min(unmet, base);
    if (step.deductible?.per === 'year') ctx.acc.add(step.accumulator, 'deductibleMet', applied);

    const raw = ratio * (base - applied);
    const { payout, capRoom, limitedBy } = limitPayout(step, ctx, raw, base);
    ctx.acc.add(step.accumulator, 'paid', payout);

    return {
      draws: step.base,
      result: {
        id: step.id,
        name: step.name,
        fund: step.fund,
        kind: 'coinsurance',
        base,
        deductible: applied,
        ratio,
        capRoom,
        limitedBy,
        payout,
        source: step.source,
      },
    };
  },

  accumulates: (step) => (step.deductible?.per === 'year' ? PAID_AND_DEDUCTIBLE : PAID),
  yearCap: (step) => (step.annualCap === undefined ? undefined : { kind: 'annualCap', cap: step.annualCap }),
};

const PAID = ['paid'] as const;
const PAID_AND_DEDUCTIBLE = ['paid', 'deductibleMet'] as const;
