/**
 * The four buckets of a bill (§2): out-of-catalogue (全自费), over the price cap (超限价自费),
 * pre-self-pay of class-B items (先行自付), and in-policy (政策范围内).
 *
 * Each item's share is rounded half-up to the fen on its own, then the shares are summed.
 * The price cap comes off first; class B's self-pay ratio applies to what is left.
 */
import { ZERO, roundPayout, type Decimal } from '../money/money.js';
import type { BillItem, Buckets } from './types.js';

export function bucketsFromItems(items: readonly BillItem[]): { total: Decimal; buckets: Buckets } {
  let total = ZERO;
  let outOfCatalog = ZERO;
  let overLimit = ZERO;
  let preSelfPay = ZERO;
  for (const item of items) {
    total = total.plus(item.amount);
    if (item.class === 'C') {
      outOfCatalog = outOfCatalog.plus(item.amount);
      continue;
    }
    const over = item.priceCap ? roundPayout(nonNegative(item.amount.minus(item.priceCap.mul(item.quantity)))) : ZERO;
    overLimit = overLimit.plus(over);
    if (item.class === 'B' && item.selfPayRatio) {
      preSelfPay = preSelfPay.plus(roundPayout(item.amount.minus(over).mul(item.selfPayRatio)));
    }
  }
  const inPolicy = total.minus(outOfCatalog).minus(overLimit).minus(preSelfPay);
  return { total, buckets: { outOfCatalog, overLimit, preSelfPay, inPolicy } };
}

/** Total of a bucket-level bill (modelling input). */
export function totalOfBuckets(b: Buckets): Decimal {
  return b.outOfCatalog.plus(b.overLimit).plus(b.preSelfPay).plus(b.inPolicy);
}

function nonNegative(x: Decimal): Decimal {
  return x.isNegative() ? ZERO : x;
}
