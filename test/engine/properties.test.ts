/**
 * Properties of the settlement engine over random rulesets and random sequences of bills
 * (SETTLEMENT.md §1–§4). Each property states something the contract promises for every input;
 * the expected values are computed here from the bill and the rules, independently of the engine's
 * own bookkeeping (the total from the item amounts, the buckets from §2, the remaining amounts from
 * the step order, the year-to-date sums from the payouts).
 *
 * The engine computes in exact fixed-point integers (src/money/); every expectation here is
 * computed with decimal.js, so the file is also a differential test of that arithmetic. Engine values
 * are turned into Decimals where they are read, each through its exact text at its own scale
 * (`fromUnits`, `fromRatio`, `fromProduct`).
 *
 * Volume: the final test checks that at least 10,000 generated bills were settled in one run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyChanges } from '../../src/engine/accumulators.js';
import { YearToDateLedger } from '../../src/engine/ledger.js';
import { settlementJson } from '../../src/engine/result.js';
import { settle } from '../../src/engine/settle.js';
import type { AccumulatorField, Accumulators, Bill, PerTier, Ruleset, Settlement, Step } from '../../src/engine/types.js';
import { formatProduct, formatRatio as formatRatioFixed, formatUnits } from '../../src/money/text.js';
import type { Product, Ratio, Units } from '../../src/money/units.js';
import { Decimal } from '../helpers.js';
import { rulesetFromDocument } from '../../src/rules/load.js';
import { engineBill } from '../helpers.js';

// ---------------------------------------------------------------------------------------------
// Decimal helpers (our own, so the checks do not lean on the money module's roundings)

const D = (x: string | number) => new Decimal(x);
const ZERO = D(0);
const halfUp = (x: Decimal) => x.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
const fenText = (fen: number) => D(fen).div(100).toFixed(2);
const sumOf = (xs: Iterable<Decimal>) => {
  let s = ZERO;
  for (const x of xs) s = s.plus(x);
  return s;
};
const maxD = (a: Decimal, b: Decimal) => (a.gt(b) ? a : b);
const minD = (a: Decimal, b: Decimal) => (a.lt(b) ? a : b);

// Engine values → Decimal, each at its own scale (src/money/), through its exact text.
/** An amount: yuan x 10^10. */
const fromUnits = (u: Units) => D(formatUnits(u));
/** A ratio, factor or bonus: x 10^8. */
const fromRatio = (r: Ratio) => D(formatRatioFixed(r));
/** A ratio x an amount, unrounded (a segment's payout): x 10^18. */
const fromProduct = (p: Product) => D(formatProduct(p));
/** An optional engine amount as Decimal text, undefined when absent (so a missing value cannot pass). */
const unitsText = (u: Units | undefined) => (u === undefined ? undefined : fromUnits(u).toString());

// ---------------------------------------------------------------------------------------------
// Generators: rulesets

const TIERS = ['t1', 't2', 't3'] as const;
const POPULATIONS = ['poverty', 'resident', 'dibao'] as const;
const FUNDS = ['basic', 'seriousIllness', 'commercial', 'assistance', 'backstop', 'county'] as const;

const opt = <T>(arb: fc.Arbitrary<T>, freq = 2) => fc.option(arb, { nil: undefined, freq });

/** An amount in yuan as text; edges 0 and small amounts (caps smaller than one bill) appear often. */
function amountArb(maxYuan: number): fc.Arbitrary<string> {
  return fc
    .oneof(
      { arbitrary: fc.constant(0), weight: 1 },
      { arbitrary: fc.integer({ min: 1, max: 10_000 }), weight: 2 },
      { arbitrary: fc.integer({ min: 1, max: maxYuan * 100 }), weight: 4 },
    )
    .map(fenText);
}

/** A ratio in [0, 1] as text, up to four decimals; 0 and 1 appear often. */
const ratioArb: fc.Arbitrary<string> = fc
  .oneof(
    { arbitrary: fc.constantFrom(0, 10_000), weight: 1 },
    { arbitrary: fc.integer({ min: 0, max: 100 }).map((p) => p * 100), weight: 2 },
    { arbitrary: fc.integer({ min: 0, max: 10_000 }), weight: 2 },
  )
  .map((n) => D(n).div(10_000).toString());

/** A value for every tier at once, or a per-tier map that prices every tier. */
function perTier<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | Record<string, T>> {
  return fc.oneof(arb, fc.tuple(arb, arb, arb).map(([a, b, c]) => ({ t1: a, t2: b, t3: c })));
}

const adjustmentArb = fc.record({
  deductibleFactor: opt(fc.oneof(fc.constantFrom('0', '0.5', '1', '2'), ratioArb)),
  ratioBonus: opt(fc.oneof(fc.constantFrom('-1', '-0.1', '0', '0.05', '0.1', '1'), fc.integer({ min: -3000, max: 3000 }).map((n) => D(n).div(10_000).toString()))),
});
const adjustArb = fc
  .tuple(fc.subarray([...POPULATIONS], { minLength: 1 }), fc.array(adjustmentArb, { minLength: 3, maxLength: 3 }))
  .map(([pops, adjs]) => Object.fromEntries(pops.map((p, i) => [p, strip(adjs[i]!)])));
const onlyArb = fc.subarray([...POPULATIONS], { minLength: 1 });
const ceilingArb = fc.record({ ratio: ratioArb, denominator: fc.constantFrom('total', 'inPolicy') });

const coinsuranceArb = fc.record({
  kind: fc.constant('coinsurance' as const),
  fund: fc.constantFrom(...FUNDS),
  base: fc.constantFrom('inPolicy', 'all'),
  deductible: opt(fc.record({ per: fc.constantFrom('perVisit', 'annual'), amount: perTier(amountArb(20_000)) })),
  ratio: perTier(ratioArb),
  visitCap: opt(amountArb(100_000), 3),
  annualCap: opt(amountArb(200_000)),
  ceiling: opt(ceilingArb, 4),
  adjust: opt(adjustArb),
  only: opt(onlyArb),
  shared: fc.boolean(),
});

const segmentsArb = fc
  .tuple(fc.uniqueArray(fc.integer({ min: 1, max: 30_000_000 }), { maxLength: 3 }), fc.array(perTier(ratioArb), { minLength: 4, maxLength: 4 }))
  .map(([bounds, ratios]) => {
    const upTos = [...bounds].sort((a, b) => a - b).map(fenText);
    // one segment per bound, and a last one without upTo
    return [...upTos.map((upTo, i) => ({ upTo, ratio: ratios[i]! })), { ratio: ratios[upTos.length]! }];
  });

const segmentedArb = fc.record({
  kind: fc.constant('segmented' as const),
  fund: fc.constantFrom(...FUNDS),
  scope: fc.constantFrom('year', 'visit'),
  deductible: opt(perTier(amountArb(50_000))),
  segments: segmentsArb,
  visitCap: opt(amountArb(200_000), 4),
  annualCap: opt(amountArb(300_000)),
  ceiling: opt(ceilingArb, 4),
  adjust: opt(adjustArb),
  only: opt(onlyArb),
});

const floorArb = fc.record({
  kind: fc.constant('floor' as const),
  fund: fc.constantFrom(...FUNDS),
  floor: ratioArb,
  denominator: fc.constantFrom('total', 'inPolicy'),
  only: opt(onlyArb),
});

const oopArb = fc.record({
  kind: fc.constant('outOfPocketCap' as const),
  fund: fc.constantFrom(...FUNDS),
  cap: amountArb(20_000),
  base: fc.constantFrom('all', 'inPolicy'),
  only: opt(onlyArb),
  shared: fc.boolean(),
});

type ArbValue<A> = A extends fc.Arbitrary<infer T> ? T : never;
type StepSpec = ArbValue<typeof coinsuranceArb> | ArbValue<typeof segmentedArb> | ArbValue<typeof floorArb> | ArbValue<typeof oopArb>;

const stepArb: fc.Arbitrary<StepSpec> = fc.oneof(
  { arbitrary: coinsuranceArb, weight: 4 },
  { arbitrary: segmentedArb, weight: 2 },
  { arbitrary: floorArb, weight: 1 },
  { arbitrary: oopArb, weight: 1 },
);

/** Drop undefined fields, so the document reads like a file someone wrote. */
function strip<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A step of the rules file from its spec. Coinsurance steps may share `sharedPay`, out-of-pocket caps `sharedOop`. */
function stepDoc(spec: StepSpec, id: string): Record<string, unknown> {
  switch (spec.kind) {
    case 'coinsurance': {
      const { shared, deductible, ...rest } = spec;
      return strip({
        id,
        ...rest,
        deductible: deductible ? { [deductible.per]: deductible.amount } : undefined,
        accumulator: shared ? 'sharedPay' : undefined,
      });
    }
    case 'segmented': {
      const { deductible, ...rest } = spec;
      return strip({ id, ...rest, deductible: deductible === undefined ? undefined : { [spec.scope === 'year' ? 'annual' : 'perVisit']: deductible } });
    }
    case 'floor':
      return strip({ id, ...spec });
    case 'outOfPocketCap': {
      const { shared, ...rest } = spec;
      return strip({ id, ...rest, accumulator: shared ? 'sharedOop' : undefined });
    }
  }
}

/**
 * Two out-of-pocket caps of one visit type that share an accumulator must not both run for one person:
 * the visit would be counted twice in it, and the rules schema refuses such a file (test/rules). A shared
 * cap that would overlap an earlier one is narrowed to the populations no earlier shared cap covers, or
 * keeps its own accumulator when none are left. (Sharing across visit types is unaffected.)
 */
function separateSharedOop(specs: readonly StepSpec[]): StepSpec[] {
  const claimed = new Set<string>();
  return specs.map((spec) => {
    if (spec.kind !== 'outOfPocketCap' || !spec.shared) return spec;
    const free = (spec.only ?? [...POPULATIONS]).filter((p) => !claimed.has(p));
    if (free.length === 0) return { ...spec, shared: false };
    for (const p of free) claimed.add(p);
    return spec.only === undefined && free.length === POPULATIONS.length ? spec : { ...spec, only: free };
  });
}

function rulesDoc(visits: Record<string, StepSpec[]>) {
  return {
    id: 'prop',
    title: 'property-test ruleset',
    region: { code: '150000', name: 'test' },
    effective: { from: '2018-01-01', to: '2018-12-31' },
    sources: [{ id: 's1', title: 'test' }],
    tiers: [...TIERS],
    populations: [...POPULATIONS],
    visits: Object.fromEntries(
      Object.entries(visits).map(([type, specs]) => [type, separateSharedOop(specs).map((s, i) => stepDoc(s, `${type.slice(0, 3)}${i}`))]),
    ),
  };
}

const rulesArb = fc
  .record({ inpatient: fc.array(stepArb, { minLength: 1, maxLength: 6 }), outpatient: fc.array(stepArb, { minLength: 1, maxLength: 3 }) })
  .map((visits) => rulesDoc(visits));

// ---------------------------------------------------------------------------------------------
// Generators: bills

interface ItemJson {
  code: string;
  class: 'A' | 'B' | 'C';
  selfPayRatio?: string;
  unitPrice: string;
  quantity: string;
  amount: string;
  priceCap?: string;
}

const quantityArb = fc.oneof(
  { arbitrary: fc.constant('1'), weight: 3 },
  { arbitrary: fc.integer({ min: 1, max: 12 }).map(String), weight: 2 },
  { arbitrary: fc.integer({ min: 1, max: 99_999 }).map((n) => D(n).div(10_000).toString()), weight: 2 },
);

const itemArb: fc.Arbitrary<Omit<ItemJson, 'code'>> = fc
  .record({
    cls: fc.constantFrom('A', 'B', 'C'),
    unitPriceFen: fc.oneof(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 20_000_000 })),
    quantity: quantityArb,
    selfPayRatio: ratioArb,
    capPercent: opt(fc.oneof(fc.constantFrom(0, 100), fc.integer({ min: 0, max: 150 }))),
  })
  .map(({ cls, unitPriceFen, quantity, selfPayRatio, capPercent }) => {
    const unitPrice = D(unitPriceFen).div(100);
    // keep an item at most 200,000 yuan: a large unit price comes in a quantity of one
    const q = unitPrice.mul(quantity).gt(200_000) ? '1' : quantity;
    return strip({
      class: cls,
      selfPayRatio: cls === 'B' ? selfPayRatio : undefined,
      unitPrice: unitPrice.toFixed(2),
      quantity: q,
      amount: halfUp(unitPrice.mul(q)).toFixed(2),
      priceCap: capPercent === undefined ? undefined : halfUp(unitPrice.mul(capPercent).div(100)).toFixed(2),
    }) as Omit<ItemJson, 'code'>;
  });

interface BillSpec {
  tier: string;
  type: 'inpatient' | 'outpatient';
  day: number;
  items: Omit<ItemJson, 'code'>[];
}

const billArb: fc.Arbitrary<BillSpec> = fc.record({
  tier: fc.constantFrom(...TIERS),
  type: fc.constantFrom('inpatient', 'inpatient', 'outpatient'),
  day: fc.integer({ min: 0, max: 335 }),
  items: fc.array(itemArb, { minLength: 1, maxLength: 8 }),
});

let billCounter = 0;
function billJson(spec: BillSpec, populations: readonly string[], n: number) {
  const month = String(Math.floor(spec.day / 28) + 1).padStart(2, '0');
  const day = String((spec.day % 28) + 1).padStart(2, '0');
  const date = `2018-${month}-${day}`;
  return {
    billNo: `PB-${++billCounter}-${n}`,
    hospital: { code: 'H-1', tier: spec.tier },
    person: { id: 'P-1', populations: [...populations] },
    visit: { type: spec.type, admitted: date, discharged: date },
    items: spec.items.map((it, i) => ({ code: `I${i}`, ...it })),
  };
}

const scenarioArb = fc.record({
  rules: rulesArb,
  populations: fc.subarray([...POPULATIONS], { minLength: 1 }),
  bills: fc.array(billArb, { minLength: 2, maxLength: 6 }),
});
type Scenario = ArbValue<typeof scenarioArb>;

// ---------------------------------------------------------------------------------------------
// Settling a scenario, and the model the checks use

let billsSettled = 0;

/** How often each situation worth testing came up; the last test requires every one of them. */
const seen = new Map<string, number>();
const saw = (what: string, cond = true) => {
  if (cond) seen.set(what, (seen.get(what) ?? 0) + 1);
};

interface Settled {
  ruleset: Ruleset;
  bills: Bill[];
  items: ItemJson[][];
  settlements: Settlement[];
  /** The year-to-date snapshot each bill was settled against. */
  before: Accumulators[];
}

/** A snapshot's own copy, to hold on to while the ledger goes on to later bills. */
function copySnapshot(a: Accumulators): Accumulators {
  return Object.fromEntries(Object.entries(a).map(([k, fields]) => [k, { ...fields }]));
}

function settleScenario(sc: Scenario): Settled {
  const { ruleset } = rulesetFromDocument(sc.rules, 'prop.rules');
  const ledger = new YearToDateLedger();
  const out: Settled = { ruleset, bills: [], items: [], settlements: [], before: [] };
  sc.bills.forEach((spec, n) => {
    const json = billJson(spec, sc.populations, n);
    const bill = engineBill(json);
    // a copy: the ledger updates its snapshot in place as it records each bill
    out.before.push(copySnapshot(ledger.get('P-1', 2018)));
    out.bills.push(bill);
    out.items.push(json.items);
    out.settlements.push(ledger.settle(bill, ruleset));
    billsSettled++;
  });
  return out;
}

/** The four buckets of §2, computed here from the item texts. */
function modelBuckets(items: readonly ItemJson[]) {
  let total = ZERO;
  let outOfCatalog = ZERO;
  let overLimit = ZERO;
  let preSelfPay = ZERO;
  for (const it of items) {
    const amount = D(it.amount);
    total = total.plus(amount);
    if (it.class === 'C') {
      outOfCatalog = outOfCatalog.plus(amount);
      continue;
    }
    const over = it.priceCap === undefined ? ZERO : halfUp(maxD(ZERO, amount.minus(D(it.priceCap).mul(it.quantity))));
    overLimit = overLimit.plus(over);
    if (it.class === 'B') preSelfPay = preSelfPay.plus(halfUp(amount.minus(over).mul(it.selfPayRatio ?? 0)));
  }
  return { total, outOfCatalog, overLimit, preSelfPay, inPolicy: total.minus(outOfCatalog).minus(overLimit).minus(preSelfPay) };
}

function stepById(ruleset: Ruleset, type: string, id: string): Step {
  const s = ruleset.visits[type]?.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${type}.${id}`);
  return s;
}

/** Does the step's payout come off in-policy first and then the other buckets (true), or in-policy only? */
function drawsAll(s: Step): boolean {
  if (s.kind === 'coinsurance' || s.kind === 'outOfPocketCap') return s.base === 'all';
  if (s.kind === 'floor') return s.denominator === 'total';
  return false;
}

const AMOUNT_FIELDS: AccumulatorField[] = ['paid', 'deductibleMet', 'cumulative'];

/** A snapshot as comparable text: every non-zero field, sorted (absent and zero are the same, §4 types). */
function snapshotText(a: Accumulators): string[] {
  const out: string[] = [];
  for (const [k, fields] of Object.entries(a)) {
    for (const f of AMOUNT_FIELDS) {
      const v = fields[f];
      if (v === undefined) continue;
      const d = fromUnits(v);
      if (!d.isZero()) out.push(`${k}.${f}=${d.toString()}`);
    }
  }
  return out.sort();
}

// ---------------------------------------------------------------------------------------------
// The per-bill invariants, checked on every bill of every scenario

/** The year-to-date sums the checks keep themselves across the bills of a scenario, by accumulator key. */
interface YearToDate {
  /** What coinsurance and segmented steps paid. */
  pay: Map<string, Decimal>;
  /** The patient's payments recorded by out-of-pocket caps. */
  oop: Map<string, Decimal>;
  /** Annual deductibles met (coinsurance). */
  met: Map<string, Decimal>;
  /** Qualifying amounts of segmented steps with scope year. */
  cum: Map<string, Decimal>;
}
const newYearToDate = (): YearToDate => ({ pay: new Map(), oop: new Map(), met: new Map(), cum: new Map() });

/** A per-tier value of the ruleset for the bill's tier (the generated rulesets price every tier). */
function tierValue<T extends bigint>(v: PerTier<T>, tier: string): T {
  if (typeof v === 'bigint') return v;
  const x = v[tier];
  if (x === undefined) throw new Error(`tier ${tier} not priced`);
  return x;
}
const clamp01 = (x: Decimal) => minD(D(1), maxD(ZERO, x));

function checkBill(sc: Settled, n: number, ytd: YearToDate): void {
  const s = sc.settlements[n]!;
  const bill = sc.bills[n]!;
  const type = bill.visit.type;
  const tier = bill.hospital.tier;
  const model = modelBuckets(sc.items[n]!);
  const json = settlementJson(s);
  const patientPays = fromUnits(s.patientPays);

  // The total is the sum of the items; the buckets are §2's.
  expect(fromUnits(s.total).eq(model.total)).toBe(true);
  expect(json.buckets).toEqual({
    outOfCatalog: model.outOfCatalog.toFixed(2),
    overLimit: model.overLimit.toFixed(2),
    preSelfPay: model.preSelfPay.toFixed(2),
    inPolicy: model.inPolicy.toFixed(2),
  });

  // sum(fund payouts) + patientPays == total, to the fen, on the JSON the window sees.
  const fundSum = sumOf(Object.values(json.funds).map(D));
  expect(fundSum.plus(D(json.patientPays)).toFixed(2)).toBe(model.total.toFixed(2));
  expect(D(json.fundPaysTotal).eq(fundSum)).toBe(true);

  // The steps that ran are the pipeline's, filtered by population, in order.
  const pipeline = (sc.ruleset.visits[type] ?? []).filter((x) => !x.only || x.only.includes(s.population));
  expect(s.steps.map((x) => x.id)).toEqual(pipeline.map((x) => x.id));

  // Walk the steps, tracking what remains ourselves (§3: in-policy first, the rest only for base `all`).
  let remIn = model.inPolicy;
  let remOther = model.total.minus(model.inPolicy);
  let earlier = ZERO;
  const perFund = new Map<string, Decimal>();
  const oopBefore = new Map(ytd.oop);
  for (const r of s.steps) {
    const def = stepById(sc.ruleset, type, r.id);
    const p = fromUnits(r.payout);
    const ratio = r.ratio === null ? null : fromRatio(r.ratio);
    saw(`${def.kind} pays`, p.gt(0));
    saw(`${def.kind} limited by ${r.limitedBy}`, r.limitedBy !== undefined);
    saw(`${def.kind} ratio 0`, ratio?.isZero() === true);
    saw(`${def.kind} ratio 1`, ratio?.eq(1) === true);
    // Not negative, at most two decimals (on the exact value: the JSON would hide a third decimal).
    expect(p.isNegative(), `${r.id} payout ${p}`).toBe(false);
    expect(p.decimalPlaces(), `${r.id} payout ${p}`).toBeLessThanOrEqual(2);

    // Adjusted ratios are clamped to [0, 1] (§3, population adjustments), in every segment too.
    for (const x of [ratio, ...(r.segments ?? []).map((g) => fromRatio(g.ratio))]) {
      if (x) expect(x.gte(0) && x.lte(1), `${r.id} ratio ${x}`).toBe(true);
    }
    // Only coinsurance reports one ratio.
    if (def.kind !== 'coinsurance') expect(r.ratio, `${r.id} ratio`).toBeNull();

    const all = remIn.plus(remOther);
    const expectedBase =
      def.kind === 'segmented' ? remIn : def.kind === 'floor' ? (def.denominator === 'total' ? all : remIn) : def.base === 'all' ? all : remIn;
    const base = fromUnits(r.base);
    expect(base.toString(), `${r.id} base`).toBe(expectedBase.toString());
    // No step pays more than what remains when it runs.
    expect(p.lte(base), `${r.id} pays ${p} of ${base}`).toBe(true);

    if (def.kind === 'coinsurance' || def.kind === 'segmented') {
      if (def.visitCap !== undefined) expect(p.lte(fromUnits(def.visitCap)), `${r.id} visitCap`).toBe(true);
      if (def.ceiling) {
        const denominator = def.ceiling.denominator === 'total' ? model.total : model.inPolicy;
        // never past the ceiling, unless it pays nothing (earlier steps may already be past it)
        expect(p.isZero() || earlier.plus(p).lte(fromRatio(def.ceiling.ratio).mul(denominator)), `${r.id} ceiling`).toBe(true);
      }
      const paidBefore = ytd.pay.get(def.accumulator) ?? ZERO;
      if (def.annualCap !== undefined) {
        // annual cap room: never more than cap - what the accumulator paid so far this year (all bills, all steps sharing it)
        const cap = fromUnits(def.annualCap);
        expect(p.lte(maxD(ZERO, cap.minus(paidBefore))), `${r.id} annualCap ${cap} paid ${paidBefore} + ${p}`).toBe(true);
      }

      // The payout to the fen, worked here from the rules (§3): the population's adjustment, the deductible
      // (annual: its unmet part), the ratio or the segments F(to) - F(from), then the limits in the contract's
      // order: visit cap and annual cap room unrounded, one half-up rounding, the remaining base, the ceiling
      // rounded down.
      const adj = def.adjust?.[s.population];
      const factor = adj ? fromRatio(adj.deductibleFactor) : D(1);
      const bonus = adj ? fromRatio(adj.ratioBonus) : ZERO;
      const deductible = def.deductible ? fromUnits(tierValue(def.deductible.amount, tier)).mul(factor) : ZERO;
      let raw: Decimal;
      if (def.kind === 'coinsurance') {
        const expectedRatio = clamp01(fromRatio(tierValue(def.ratio, tier)).plus(bonus));
        expect(ratio?.toString(), `${r.id} adjusted ratio`).toBe(expectedRatio.toString());
        const met = ytd.met.get(def.accumulator) ?? ZERO;
        const unmet = def.deductible?.per === 'year' ? maxD(ZERO, deductible.minus(met)) : deductible;
        const applied = minD(unmet, expectedBase);
        if (def.deductible?.per === 'year') ytd.met.set(def.accumulator, met.plus(applied));
        expect(r.deductible === null ? null : fromUnits(r.deductible).toString(), `${r.id} deductible`).toBe(applied.toString());
        raw = expectedRatio.mul(expectedBase.minus(applied));
      } else {
        const from = def.scope === 'year' ? (ytd.cum.get(def.accumulator) ?? ZERO) : ZERO;
        const to = from.plus(expectedBase);
        if (def.scope === 'year') ytd.cum.set(def.accumulator, to);
        expect(unitsText(r.cumulativeBefore), `${r.id} cumulativeBefore`).toBe(def.scope === 'year' ? from.toString() : undefined);
        expect(r.deductible === null ? null : fromUnits(r.deductible).toString(), `${r.id} deductible`).toBe(
          maxD(ZERO, minD(to, deductible).minus(from)).toString(),
        );
        const ratios = def.segments.map((g) => clamp01(fromRatio(tierValue(g.ratio, tier)).plus(bonus)));
        const uppers = def.segments.map((g) => (g.upTo === undefined ? undefined : fromUnits(g.upTo)));
        // F(x): what a cumulative qualifying amount x pays, each segment its ratio on its part above the deductible.
        const F = (x: Decimal) => {
          let sum = ZERO;
          let lower = ZERO;
          uppers.forEach((upTo, i) => {
            const lo = maxD(lower, deductible);
            const hi = upTo === undefined ? x : minD(upTo, x);
            if (hi.gt(lo)) sum = sum.plus(ratios[i]!.mul(hi.minus(lo)));
            if (upTo !== undefined) lower = upTo;
          });
          return sum;
        };
        raw = F(to).minus(F(from));
        // The trace: the bands of [from, to] above the deductible, each with its ratio and unrounded payout.
        const bands: string[] = [];
        let lower = ZERO;
        uppers.forEach((upTo, i) => {
          const lo = maxD(maxD(lower, deductible), from);
          const hi = upTo === undefined ? to : minD(upTo, to);
          if (hi.gt(lo)) bands.push(`${lo} ${hi} ${ratios[i]} ${ratios[i]!.mul(hi.minus(lo))}`);
          if (upTo !== undefined) lower = upTo;
        });
        const traced = r.segments ?? [];
        expect(traced.map((g) => `${fromUnits(g.from)} ${fromUnits(g.to)} ${fromRatio(g.ratio)} ${fromProduct(g.payout)}`), `${r.id} segments`).toEqual(bands);
        expect(sumOf(traced.map((g) => fromProduct(g.payout))).eq(raw), `${r.id} segments sum to F(to) - F(from) = ${raw}`).toBe(true);
      }
      let limited = raw;
      let limitedBy: string | undefined;
      const visitCap = def.visitCap === undefined ? undefined : fromUnits(def.visitCap);
      if (visitCap !== undefined && visitCap.lt(limited)) {
        limited = visitCap;
        limitedBy = 'visitCap';
      }
      let capRoom = visitCap ?? null;
      if (def.annualCap !== undefined) {
        capRoom = maxD(ZERO, fromUnits(def.annualCap).minus(paidBefore));
        if (capRoom.lt(limited)) {
          limited = capRoom;
          limitedBy = 'annualCap';
        }
      }
      let expectedPayout = halfUp(limited);
      if (expectedPayout.gt(expectedBase)) {
        expectedPayout = expectedBase;
        limitedBy = 'remaining';
      }
      if (def.ceiling) {
        const denominator = def.ceiling.denominator === 'total' ? model.total : model.inPolicy;
        const room = maxD(ZERO, fromRatio(def.ceiling.ratio).mul(denominator).minus(earlier)).toDecimalPlaces(2, Decimal.ROUND_FLOOR);
        if (room.lt(expectedPayout)) {
          expectedPayout = room;
          limitedBy = 'ceiling';
        }
      }
      expect(p.toString(), `${r.id} payout (unrounded ${limited})`).toBe(expectedPayout.toString());
      expect(r.limitedBy, `${r.id} limitedBy`).toBe(limitedBy);
      expect(r.capRoom === null ? null : fromUnits(r.capRoom).toString(), `${r.id} capRoom`).toBe(capRoom === null ? null : capRoom.toString());

      ytd.pay.set(def.accumulator, paidBefore.plus(p));
      saw('annual cap binds on the first bill', def.annualCap !== undefined && n === 0 && r.limitedBy === 'annualCap');
      saw('shared accumulator read after another step paid', def.accumulator === 'sharedPay' && paidBefore.gt(0));
      saw(`${def.kind} deductible partly applied`, r.deductible !== null && fromUnits(r.deductible).gt(0) && p.gt(0));
      saw(`${def.kind} deductible with a fraction of a fen`, r.deductible !== null && fromUnits(r.deductible).decimalPlaces() > 2);
      const met = s.accumulators[def.accumulator]?.deductibleMet;
      saw(
        'annual deductible: later bill applies the unmet part',
        def.kind === 'coinsurance' && met !== undefined && fromUnits(met.before).gt(0) && r.deductible !== null && fromUnits(r.deductible).gt(0),
      );
      saw('segmented crosses a boundary', (r.segments?.length ?? 0) >= 2);
      saw('segmented crosses the deductible', def.kind === 'segmented' && r.deductible !== null && fromUnits(r.deductible).gt(0) && (r.segments?.length ?? 0) >= 1);
      saw('segmented adds to an earlier cumulative', r.cumulativeBefore !== undefined && fromUnits(r.cumulativeBefore).gt(0) && p.gt(0));
    }

    if (def.kind === 'floor') {
      const denominator = def.denominator === 'total' ? model.total : model.inPolicy;
      expect(r.floor !== undefined && fromUnits(r.floor.denominatorAmount).eq(denominator)).toBe(true);
      expect(r.floor !== undefined && fromUnits(r.floor.earlierPayouts).eq(earlier)).toBe(true);
      // need = floor x denominator - earlier payouts, rounded UP to the fen; limited to what is left.
      const need = maxD(ZERO, fromRatio(def.floor).mul(denominator).minus(earlier)).toDecimalPlaces(2, Decimal.ROUND_CEIL);
      expect(p.toString(), `${r.id} floor need ${need}`).toBe(minD(need, expectedBase).toString());
      // With a floor ratio ≤ 1 the need never exceeds what is left (f x D - E ≤ D - E ≤ remaining), so it is never limited.
      expect(r.limitedBy).toBeUndefined();
    }

    if (def.kind === 'outOfPocketCap') {
      const paidBefore = oopBefore.get(def.accumulator) ?? ZERO;
      expect(r.outOfPocket && fromUnits(r.outOfPocket.paidBefore).toString()).toBe(paidBefore.toString());
      // payout = max(0, what the visit would leave the patient - max(0, cap - paid so far this year))
      const room = maxD(ZERO, fromUnits(def.cap).minus(paidBefore));
      expect(p.toString(), `${r.id} out-of-pocket payout`).toBe(maxD(ZERO, expectedBase.minus(room)).toString());
      saw('out-of-pocket cap crossed in a later bill', p.gt(0) && r.outOfPocket !== undefined && fromUnits(r.outOfPocket.paidBefore).gt(0));
    }

    // Take the payout off: in-policy first, then (base all only) the other buckets.
    const fromIn = p.lte(remIn) ? p : remIn;
    saw('base all draws from the other buckets', fromIn.lt(p));
    if (!drawsAll(def)) expect(fromIn.eq(p), `${r.id} draws in-policy only`).toBe(true);
    remIn = remIn.minus(fromIn);
    remOther = remOther.minus(p.minus(fromIn));
    expect(remIn.isNegative() || remOther.isNegative(), `${r.id} leaves ${remIn} + ${remOther}`).toBe(false);
    earlier = earlier.plus(p);
    perFund.set(def.fund, (perFund.get(def.fund) ?? ZERO).plus(p));
  }

  saw('patient pays nothing', patientPays.isZero());
  saw('price cap bites', model.overLimit.gt(0));
  saw('class B pre-self-pay', model.preSelfPay.gt(0));
  saw('out-of-catalogue items', model.outOfCatalog.gt(0));

  // Totals agree with the steps.
  expect(fromUnits(s.fundPaysTotal).eq(earlier)).toBe(true);
  expect(patientPays.eq(remIn.plus(remOther))).toBe(true);
  expect(patientPays.decimalPlaces()).toBeLessThanOrEqual(2);
  expect(Object.keys(json.funds).sort()).toEqual([...perFund.keys()].sort());
  for (const [fund, v] of perFund) expect(json.funds[fund], fund).toBe(v.toFixed(2));

  // A floor that ran unlimited guarantees its ratio for the whole visit (later steps only add).
  for (const r of s.steps) {
    if (r.kind === 'floor' && r.floor && r.limitedBy === undefined) {
      expect(fromUnits(s.fundPaysTotal).gte(fromRatio(r.floor.ratio).mul(fromUnits(r.floor.denominatorAmount))), `${r.id} floor`).toBe(true);
    }
  }

  // Out-of-pocket caps: the accumulator records the patient's payment on the base, once per accumulator.
  const done = new Set<string>();
  for (const def of pipeline) {
    if (def.kind !== 'outOfPocketCap' || done.has(def.accumulator)) continue;
    done.add(def.accumulator);
    const before = ytd.oop.get(def.accumulator) ?? ZERO;
    const after = before.plus(def.base === 'all' ? patientPays : remIn);
    ytd.oop.set(def.accumulator, after);
    expect(unitsText(s.accumulators[def.accumulator]?.paid?.after), `${def.id} oop paid`).toBe(after.toString());
    // the cap binds: an out-of-pocket cap on base `all` that runs last leaves the patient at most the room under the cap
    if (def.base === 'all' && pipeline[pipeline.length - 1] === def) {
      expect(patientPays.lte(maxD(ZERO, fromUnits(def.cap).minus(before))), `${def.id} cap`).toBe(true);
    }
  }

  // The payout accumulators the settlement recorded are the sums we kept.
  for (const def of pipeline) {
    if (def.kind === 'coinsurance' || def.kind === 'segmented') {
      expect(unitsText(s.accumulators[def.accumulator]?.paid?.after), `${def.id} paid`).toBe((ytd.pay.get(def.accumulator) ?? ZERO).toString());
    }
    if (def.kind === 'coinsurance' && def.deductible?.per === 'year') {
      expect(unitsText(s.accumulators[def.accumulator]?.deductibleMet?.after), `${def.id} deductibleMet`).toBe((ytd.met.get(def.accumulator) ?? ZERO).toString());
    }
    if (def.kind === 'segmented' && def.scope === 'year') {
      expect(unitsText(s.accumulators[def.accumulator]?.cumulative?.after), `${def.id} cumulative`).toBe((ytd.cum.get(def.accumulator) ?? ZERO).toString());
    }
  }
}

// ---------------------------------------------------------------------------------------------

describe('settlement properties', () => {
  it('per-bill invariants: sum to the fen, no negative or sub-fen payout, never more than remains, floors and caps hold', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const settled = settleScenario(sc);
        const ytd = newYearToDate();
        settled.settlements.forEach((_s, n) => checkBill(settled, n, ytd));

        // Annual caps over the year: an accumulator whose every step is capped never paid more than the largest cap.
        const byAccumulator = new Map<string, Step[]>();
        for (const steps of Object.values(settled.ruleset.visits)) {
          for (const st of steps) if (st.kind === 'coinsurance' || st.kind === 'segmented') byAccumulator.set(st.accumulator, [...(byAccumulator.get(st.accumulator) ?? []), st]);
        }
        for (const [key, steps] of byAccumulator) {
          const caps = steps.map((st) => (st.kind === 'coinsurance' || st.kind === 'segmented' ? st.annualCap : undefined));
          if (caps.every((c): c is Units => c !== undefined)) {
            const largest = caps.map(fromUnits).reduce((a, b) => maxD(a, b));
            expect((ytd.pay.get(key) ?? ZERO).lte(largest), `${key} year ${ytd.pay.get(key)} > ${largest}`).toBe(true);
          }
        }
      }),
      { numRuns: 2_500 },
    );
  });

  it('segmented, scope year: two bills pay what one bill of their sum would, within a fen', () => {
    const firstSegmented = fc.record({
      segmented: segmentedArb.map((s) => ({ ...s, scope: 'year' as const, visitCap: undefined, annualCap: undefined, ceiling: undefined, only: undefined })),
      rest: fc.array(stepArb, { maxLength: 3 }),
    });
    fc.assert(
      fc.property(firstSegmented, fc.subarray([...POPULATIONS], { minLength: 1 }), billArb, billArb, (pipeline, populations, a, b) => {
        const { ruleset } = rulesetFromDocument(rulesDoc({ inpatient: [pipeline.segmented, ...pipeline.rest] }), 'seg.rules');
        // same tier and visit type for both, so the deductible and the segments are the same
        const first = { ...a, type: 'inpatient' as const };
        const second = { ...b, type: 'inpatient' as const, tier: a.tier };
        const both = { ...first, items: [...first.items, ...second.items] };

        const ledger = new YearToDateLedger();
        const s1 = ledger.settle(engineBill(billJson(first, populations, 1)), ruleset);
        const s2 = ledger.settle(engineBill(billJson(second, populations, 2)), ruleset);
        const one = new YearToDateLedger().settle(engineBill(billJson(both, populations, 3)), ruleset);
        billsSettled += 3;

        const seg = (s: Settlement) => s.steps[0]!;
        // first in the pipeline: its base is the bill's whole in-policy amount
        for (const s of [s1, s2, one]) expect(fromUnits(seg(s).base).eq(fromUnits(s.buckets.inPolicy))).toBe(true);
        expect(unitsText(seg(s2).cumulativeBefore)).toBe(fromUnits(s1.buckets.inPolicy).toString());
        const [p1, p2, pOne] = [s1, s2, one].map((s) => fromUnits(seg(s).payout)) as [Decimal, Decimal, Decimal];
        expect(p1.plus(p2).minus(pOne).abs().lte('0.01'), `${p1} + ${p2} vs ${pOne}`).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });

  it('determinism: the same bill on the same year-to-date gives identical JSON, and the snapshot is not touched', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const settled = settleScenario(sc);
        settled.bills.forEach((bill, n) => {
          const ytd = settled.before[n]!;
          const snapshot = snapshotText(ytd);
          const again = JSON.stringify(settlementJson(settle(bill, settled.ruleset, ytd)));
          const third = JSON.stringify(settlementJson(settle(bill, settled.ruleset, ytd)));
          expect(again).toBe(JSON.stringify(settlementJson(settled.settlements[n]!)));
          expect(third).toBe(again);
          expect(snapshotText(ytd)).toEqual(snapshot);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('reversal algebra: applying a settlement\'s changes and then taking them back restores the snapshot exactly', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const settled = settleScenario(sc);
        settled.settlements.forEach((s, n) => {
          const ytd = settled.before[n]!;
          // every change starts from the snapshot's value
          for (const [key, fields] of Object.entries(s.accumulators)) {
            for (const f of AMOUNT_FIELDS) {
              const c = fields[f];
              if (c) expect(fromUnits(c.before).toString(), `${key}.${f}`).toBe(fromUnits(ytd[key]?.[f] ?? 0n).toString());
            }
          }
          const forward = applyChanges(ytd, s.accumulators);
          // the next bill was settled on exactly this snapshot
          const next = settled.before[n + 1];
          if (next) expect(snapshotText(forward)).toEqual(snapshotText(next));
          const back = applyChanges(forward, s.accumulators, -1);
          expect(snapshotText(back)).toEqual(snapshotText(ytd));
          // after the reversal the same bill settles to the same result
          expect(JSON.stringify(settlementJson(settle(settled.bills[n]!, settled.ruleset, back)))).toBe(JSON.stringify(settlementJson(s)));
        });
      }),
      { numRuns: 300 },
    );
  });

  it('settled at least 10,000 generated bills in this run, and met every situation worth testing', () => {
    expect(billsSettled).toBeGreaterThanOrEqual(10_000);
    if (process.env.PROPERTY_STATS) console.log(billsSettled, Object.fromEntries([...seen].sort()));
    const required = [
      'coinsurance pays',
      'coinsurance limited by visitCap',
      'coinsurance limited by annualCap',
      'coinsurance limited by ceiling',
      'coinsurance ratio 0',
      'coinsurance ratio 1',
      'segmented pays',
      'segmented limited by annualCap',
      'segmented limited by ceiling',
      'segmented crosses a boundary',
      'segmented crosses the deductible',
      'segmented adds to an earlier cumulative',
      'floor pays',
      'outOfPocketCap pays',
      'out-of-pocket cap crossed in a later bill',
      'annual cap binds on the first bill',
      'annual deductible: later bill applies the unmet part',
      'shared accumulator read after another step paid',
      'base all draws from the other buckets',
      'patient pays nothing',
      'price cap bites',
      'class B pre-self-pay',
      'out-of-catalogue items',
    ];
    for (const what of required) expect(seen.get(what) ?? 0, what).toBeGreaterThanOrEqual(10);
  });
});
