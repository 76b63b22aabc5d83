/**
 * The canonical JSON of a parsed bill: the text its `bill_hash` is taken over, so that the same bill posted
 * twice, with its keys in any order, is known as a replay.
 *
 * It is defined as `canonicalJson` (rules/load.ts): keys sorted at every level, fixed-point amounts as
 * their integer text in quotes, `undefined` members left out. A bill has a fixed set of keys (the schema's
 * objects are strict), so instead of sorting each object's keys, the objects are rebuilt here with their
 * keys already in sorted order and written by one native `JSON.stringify`: ~3x quicker than the generic
 * writer on a 20-item bill, which the window's every post pays. The text must be the same for every bill:
 * test/engine/fast-bill.test.ts checks it against `canonicalJson` on generated and shipped bills.
 */
import type { BillInput } from './schema.js';

type Item = NonNullable<BillInput['items']>[number];
type Buckets = NonNullable<BillInput['buckets']>;

/** A fixed-point amount as canonicalJson writes it (JSON.stringify then quotes the text). */
const amount = (v: bigint | undefined): string | undefined => (v === undefined ? undefined : v.toString());

// Each literal lists its keys in sorted order (JavaScript's default sort, by UTF-16 code unit).
const item = (i: Item) => ({
  amount: amount(i.amount),
  class: i.class,
  code: i.code,
  name: i.name,
  priceCap: amount(i.priceCap),
  quantity: amount(i.quantity),
  selfPayRatio: amount(i.selfPayRatio),
  unitPrice: amount(i.unitPrice),
});

const buckets = (b: Buckets) => ({
  inPolicy: amount(b.inPolicy),
  outOfCatalog: amount(b.outOfCatalog),
  overLimit: amount(b.overLimit),
  preSelfPay: amount(b.preSelfPay),
});

export function canonicalBillJson(b: BillInput): string {
  return JSON.stringify({
    billNo: b.billNo,
    buckets: b.buckets === undefined ? undefined : buckets(b.buckets),
    diagnosis: b.diagnosis,
    hospital: { code: b.hospital.code, name: b.hospital.name, tier: b.hospital.tier },
    items: b.items?.map(item),
    person: { id: b.person.id, idNumber: b.person.idNumber, name: b.person.name, populations: b.person.populations },
    visit: { admitted: b.visit.admitted, discharged: b.visit.discharged, type: b.visit.type },
  });
}
