/**
 * Out-of-pocket cap (政府兜底 年度自付封顶): "年度累计自付医疗费超5000元部分全部报销" (§3.4).
 *
 * With `oop` the person's year-to-date patient payments and `r` what this visit would still leave
 * the patient: payout = max(0, r - max(0, cap - oop)).
 * The step's accumulator `paid` holds the patient's own payments on its base (`all`: the visit's final
 * patientPays; `inPolicy`: the in-policy part of it), added once the visit's last step has run.
 */
import { max } from '../../money/units.js';
import { remainingAll, stepResult, type StepKindModule } from '../step-context.js';
import type { OutOfPocketCapStep } from '../types.js';

export const outOfPocketCap: StepKindModule<OutOfPocketCapStep> = {
  run(step, ctx) {
    const wouldPay = step.base === 'all' ? remainingAll(ctx.visit) : ctx.visit.remainingInPolicy;
    const paidBefore = ctx.acc.read(step.accumulator, 'paid');
    const room = max(0n, step.cap - paidBefore);
    const payout = max(0n, wouldPay - room);
    return {
      draws: step.base,
      result: stepResult(step, {
        base: wouldPay,
        deductible: null,
        ratio: null,
        capRoom: room,
        outOfPocket: { cap: step.cap, paidBefore, wouldPay },
        payout,
      }),
    };
  },

  afterVisit(step, ctx, patientPays) {
    const paidOnBase = step.base === 'all' ? patientPays : ctx.visit.remainingInPolicy;
    ctx.acc.add(step.accumulator, 'paid', paidOnBase);
  },

  // Its `paid` is the patient's own payments this year, held to the cap.
  accumulates: () => PAID,
  yearCap: (step) => ({ kind: 'outOfPocketCap', cap: step.cap }),
};

const PAID = ['paid'] as const;
