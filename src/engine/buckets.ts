/**
 * The four buckets of a bill (§2): out-of-catalogue (全自费), over the price cap (超限价自费),
 * pre-self-pay of class-B items (先行自付), and in-policy (政策范围内).
 *
 * Each item's share is rounded half-up to the fen on its own, then the shares are summed.
 * The price cap comes off first; class B's self-pay ratio applies to what is left.
 */
import { fenHalfUp, unitsHalfUp } from '../money/rounding.js';
import { QTY_ONE, type Units } from '../money/units.js';
import type { BillItem, Buckets } from './types.js';

export function bucketsFromItems(items: readonly BillItem[]): { total: Units; buckets: Buckets } {
  let total = 0n;
  let outOfCatalog = 0n;
  let overLimit = 0n;
  let preSelfPay = 0n;
  for (const item of items) {
    total += item.amount;
    if (item.class === 'C') {
      outOfCatalog += item.amount;
      continue;
    }
    let over = 0n;
    if (item.priceCap !== undefined) {
      // amount - priceCap x quantity, with quantity at 4 decimals: exact in Units (≤ 6 decimals).
      const excess = item.amount - (item.priceCap * item.quantity) / QTY_ONE;
      if (excess > 0n) over = unitsHalfUp(excess);
    }
    overLimit += over;
    if (item.class === 'B' && item.selfPayRatio !== undefined) {
      preSelfPay += fenHalfUp((item.amount - over) * item.selfPayRatio);
    }
  }
  const inPolicy = total - outOfCatalog - overLimit - preSelfPay;
  return { total, buckets: { outOfCatalog, overLimit, preSelfPay, inPolicy } };
}

/** Total of a bucket-level bill (modelling input). */
export function totalOfBuckets(b: Buckets): Units {
  return b.outOfCatalog + b.overLimit + b.preSelfPay + b.inPolicy;
}
