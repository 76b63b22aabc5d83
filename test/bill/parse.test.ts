/**
 * Reading a bill (src/bill/parse.ts): the one bill schema (src/bill/schema.ts), run through zod's own
 * compiled form of it (z.compile). The compiled parser must give exactly what the runtime parser gives:
 * the same value (`toStrictEqual`: bigint values, key sets, optional keys given as `undefined`) for a
 * bill it accepts, and the runtime parser's issues for one it refuses. The runtime parser is the oracle
 * everywhere: every bill of the fixtures and the seeds, random valid bills, the same bills broken in many
 * ways, and random money, quantity and ratio texts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { billHash } from '../../src/bill/hash.js';
import { parseBillInput } from '../../src/bill/parse.js';
import { billInputSchema } from '../../src/bill/schema.js';
import { loadCases } from '../helpers.js';

/** The oracle check for one input; returns whether the runtime parser accepts it. */
function checkAgainstRuntime(x: unknown): { ok: boolean } {
  const runtime = billInputSchema.safeParse(x);
  const compiled = parseBillInput(x);
  expect(compiled.success).toBe(runtime.success);
  if (compiled.success && runtime.success) expect(compiled.data).toStrictEqual(runtime.data);
  if (!compiled.success && !runtime.success) expect(compiled.error.issues).toEqual(runtime.error.issues);
  return { ok: runtime.success };
}

// ---------------------------------------------------------------------------------------------
// Every bill we ship

describe('the bill reader on the fixtures and the seeds', () => {
  const fixtureBills = loadCases().flatMap((c) => [...c.history, c.bill]);
  const seedBills = readFileSync(join(import.meta.dirname, '..', '..', 'seeds', 'bills.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);

  it('a bill\'s hash does not depend on its key order or on how its amounts are written, and changes with any amount', () => {
    for (const raw of [...fixtureBills, ...seedBills].slice(0, 100)) {
      const parsed = parseBillInput(raw);
      if (!parsed.success) continue;
      const hash = billHash(parsed.data);
      const reordered = JSON.parse(JSON.stringify(raw, Object.keys(raw as object).reverse())) as Record<string, unknown>;
      const again = parseBillInput({ ...reordered, ...(raw as object) });
      expect(again.success && billHash(again.data)).toBe(hash);
      const items = (raw as { items?: { amount: string; unitPrice: string; quantity: string }[] }).items;
      if (!items) continue;
      const numbers = parseBillInput({ ...(raw as object), items: items.map((i) => ({ ...i, amount: Number(i.amount) })) });
      expect(numbers.success && billHash(numbers.data)).toBe(hash);
      const changed = parseBillInput({ ...(raw as object), items: items.map((i, k) => (k === 0 ? { ...i, unitPrice: (Number(i.unitPrice) + 1).toFixed(2), amount: ((Number(i.unitPrice) + 1) * Number(i.quantity)).toFixed(2) } : i)) });
      if (changed.success) expect(billHash(changed.data)).not.toBe(hash);
    }
  });

  it.each([
    ['test/fixtures/cases', fixtureBills],
    ['seeds/bills.jsonl', seedBills],
  ] as const)('%s: read as the runtime parser reads them', (_name, bills) => {
    expect(bills.length).toBeGreaterThan(50);
    let accepted = 0;
    for (const b of bills) if (checkAgainstRuntime(b).ok && Array.isArray((b as { items?: unknown }).items)) accepted++;
    expect(accepted).toBeGreaterThan(50);
  });
});

// ---------------------------------------------------------------------------------------------
// Generators: valid bills, with every representation the schema accepts

/** A key left out of the object (as opposed to a key given as `undefined`). */
const ABSENT = Symbol('absent');
type Maybe<T> = T | undefined | typeof ABSENT;

/** An optional field: mostly present, sometimes left out, now and then an explicit `undefined`. */
const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<Maybe<T>> =>
  fc.oneof(
    { weight: 4, arbitrary: arb },
    { weight: 3, arbitrary: fc.constant(ABSENT) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

/** An object from entries, leaving out the ABSENT ones (in the given order). */
function object(entries: Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entries)) if (v !== ABSENT) o[k] = v;
  return o;
}

/** An exact decimal text of `v / 10^scale`, trimmed of trailing zeros down to `minDecimals`. */
function decimal(v: bigint, scale: number, minDecimals: number): string {
  const s = v.toString().padStart(scale + 1, '0');
  const int = s.slice(0, s.length - scale);
  let frac = s.slice(s.length - scale).replace(/0+$/, '');
  if (frac.length < minDecimals) frac = frac.padEnd(minDecimals, '0');
  return frac ? `${int}.${frac}` : int;
}

/** A value x 10^scale written as the JSON a window might send: text with or without trailing zeros, padded text, or a number. */
function written(v: bigint, scale: number, style: number): string | number {
  switch (style % 5) {
    case 0:
      return decimal(v, scale, Math.min(2, scale));
    case 1:
      return decimal(v, scale, 0);
    case 2:
      return ` ${decimal(v, scale, 0)}\t`; // the readers trim text
    default:
      // A JSON number: String(n) must give the plain decimal back, so no exponent (below 1e-6).
      return v === 0n || v * 10n ** 6n >= 10n ** BigInt(scale) ? Number(decimal(v, scale, 0)) : decimal(v, scale, 0);
  }
}

const codeArb = fc.oneof(
  fc.stringMatching(/^[A-Z][A-Z0-9-]{0,11}$/),
  fc.constantFrom('110900001', 'H152200-L01', 'P-000134', '床位费', 'x'.repeat(64)),
);
const textArb = (max: number) => fc.oneof(fc.string({ maxLength: Math.min(max, 30) }), fc.constantFrom('胆囊结石伴慢性胆囊炎', 'x'.repeat(max), ''));
const DAY = 86_400_000;
const dateArb = fc.integer({ min: Date.UTC(1999, 0, 1) / DAY, max: Date.UTC(2030, 11, 31) / DAY });

interface ItemSpec {
  code: string;
  name: Maybe<string>;
  cls: 'A' | 'B' | 'C';
  ratio: bigint; // x 10^8
  zeroRatio: Maybe<string | number>; // for A and C: absent, undefined, or a zero
  unitFen: bigint;
  qty: bigint; // x 10^4
  cap: Maybe<bigint>;
  styles: number[];
}

const itemSpecArb: fc.Arbitrary<ItemSpec> = fc.record({
  code: codeArb,
  name: optional(textArb(200)),
  cls: fc.constantFrom('A', 'B', 'C'),
  ratio: fc.oneof(fc.constantFrom(0n, 5_000_000n, 10_000_000n, 100_000_000n), fc.bigInt({ min: 0n, max: 100_000_000n })),
  zeroRatio: fc.oneof(
    { weight: 6, arbitrary: fc.constant(ABSENT) },
    { weight: 1, arbitrary: fc.constantFrom<string | number | undefined>(undefined, 0, '0', '0.00', -0, '-0') },
  ),
  unitFen: fc.oneof(fc.bigInt({ min: 0n, max: 100_000n }), fc.bigInt({ min: 0n, max: 10_000_000_000n })),
  qty: fc.oneof(fc.bigInt({ min: 1n, max: 40n }).map((q) => q * 10_000n), fc.bigInt({ min: 1n, max: 1_000_000n })),
  cap: optional(fc.bigInt({ min: 0n, max: 1_000_000n })),
  styles: fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
});

/** An item the schema accepts: amount = unitPrice x quantity half-up to the fen (computed here in fen). */
function itemFrom(s: ItemSpec): Record<string, unknown> {
  const amountFen = (s.unitFen * s.qty + 5_000n) / 10_000n;
  const [st0 = 0, st1 = 0, st2 = 0, st3 = 0, st4 = 0] = s.styles;
  return object({
    code: s.code,
    name: s.name,
    class: s.cls,
    selfPayRatio: s.cls === 'B' ? written(s.ratio, 8, st0) : s.zeroRatio,
    unitPrice: written(s.unitFen, 2, st1),
    quantity: written(s.qty, 4, st2),
    amount: written(amountFen, 2, st3),
    priceCap: s.cap === ABSENT || s.cap === undefined ? s.cap : written(s.cap, 2, st4),
  });
}

const itemsArb = fc.oneof(
  { weight: 4, arbitrary: fc.array(itemSpecArb, { minLength: 20, maxLength: 20 }) },
  { weight: 1, arbitrary: fc.array(itemSpecArb, { minLength: 1, maxLength: 5 }) },
);

const validBillArb: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    billNo: codeArb,
    hospital: fc.record({ code: codeArb, tier: optional(fc.constantFrom('county', 'league', 'township', 'x'.repeat(32))), name: optional(textArb(200)) }),
    person: fc.record({
      id: codeArb,
      populations: optional(fc.array(fc.constantFrom('poverty', 'resident', 'dibao', 'p'.repeat(32)), { minLength: 1, maxLength: 10 })),
      name: optional(textArb(100)),
      idNumber: optional(fc.oneof(fc.stringMatching(/^\d{17}[\dX]$/), fc.constant('9'.repeat(32)))),
    }),
    type: fc.constantFrom('inpatient', 'chronicOutpatient', 'homeSickbed', 'x', 'A_b-9'),
    admitted: dateArb,
    stay: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 90 })),
    diagnosis: optional(textArb(500)),
    items: itemsArb,
  })
  .map((g) =>
    object({
      billNo: g.billNo,
      hospital: object(g.hospital),
      person: object(g.person),
      visit: {
        type: g.type,
        admitted: new Date(g.admitted * DAY).toISOString().slice(0, 10),
        discharged: new Date((g.admitted + g.stay) * DAY).toISOString().slice(0, 10),
      },
      diagnosis: g.diagnosis,
      items: g.items.map(itemFrom),
    }),
  );

// ---------------------------------------------------------------------------------------------
// Mutations: the same bills, broken (or bent) in the ways a window or an attacker might

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- mutations write anywhere in the bill
type Bill = Record<string, any>;

/** Values that are wrong (or borderline) almost anywhere. */
const WEIRD: unknown[] = [
  undefined, null, true, 0, -0, -1, 1.005, 0.1 + 0.2, NaN, Infinity, -Infinity, 1e21, 1e-7, 2 ** 53, 10n,
  '', ' ', '\u3000', '0', '-0', '-1.00', '1.005', '1.000', '01.00', '.5', '5.', '+1', '1e2', '0x10', '1,000.00', '１２', ' 12.30 ',
  '9999999999999.99', '999999999999.99', '0.0001', '0.00001', '12345678901234.5', '1.000000001',
  'A', 'B', 'C', 'D', 'a', 'b ', '2018-02-29', '2020-02-29', '2018-13-01', '2018-1-01', '20180101', '2018-06-01T00:00:00Z', '0000-01-01',
  'x'.repeat(32), 'x'.repeat(33), 'x'.repeat(65), 'x'.repeat(101), 'x'.repeat(201), 'x'.repeat(501), ` ${'x'.repeat(64)} `,
  [], {}, [''], ['poverty'], new Array(11).fill('p'), { code: 'H' }, new Date(0), new String('abc'),
];
const weirdArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...WEIRD) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);

/** Every object and array in the bill, for mutations that pick a random place. */
function containers(x: unknown, out: Bill[] = []): Bill[] {
  if (typeof x === 'object' && x !== null) {
    out.push(x as Bill);
    for (const v of Object.values(x)) containers(v, out);
  }
  return out;
}

const someItem = (b: Bill, n: number): Bill => b.items[n % b.items.length];
const pick = <T>(xs: readonly T[], n: number): T => xs[n % xs.length]!;
const MONEY_KEYS = ['unitPrice', 'amount', 'priceCap'] as const;

/** Each mutation changes the (cloned) bill in place; `n` chooses where, `w` is a weird value. */
const MUTATIONS: ((b: Bill, n: number, w: unknown) => Bill | void)[] = [
  // a wrong amount
  (b, n) => {
    const it = someItem(b, n);
    it.amount = `${(Number(String(it.amount).trim()) + 0.01).toFixed(2)}`;
  },
  // an unknown key somewhere
  (b, n) => {
    pick(containers(b), n)[pick(['extra', 'Code', 'constructor', 'toString', '0', 'buckets ', 'items'], n >> 4)] = 1;
  },
  // '__proto__' as an own key, as JSON.parse makes it
  (b) => JSON.parse(JSON.stringify(b).replace('{"code":', '{"__proto__":{"x":1},"code":')) as Bill,
  // a key removed somewhere
  (b, n) => {
    const c = pick(containers(b), n);
    const keys = Object.keys(c);
    if (keys.length) delete c[pick(keys, n >> 4)];
  },
  // a required value given as undefined
  (b, n) => {
    const c = pick([b, b.hospital, b.person, b.visit, someItem(b, n)], n >> 3);
    c[pick(['billNo', 'code', 'id', 'type', 'admitted', 'class', 'unitPrice', 'quantity', 'amount'], n >> 6)] = undefined;
  },
  // a padded or blank code (zod trims codes)
  (b, n) => {
    const pad = pick([' ', '\t', '\n ', '\u3000', '\ufeff', '\u200b'], n >> 4);
    const c = pick([[b, 'billNo'], [b.hospital, 'code'], [b.person, 'id'], [someItem(b, n), 'code']] as const, n);
    const blank = (n >> 8) % 4 === 0;
    c[0][c[1]] = blank ? pad : (n >> 8) % 4 === 1 ? `${pad}${'x'.repeat(64)}${pad}` : `${pad}${String(c[0][c[1]])}${pad}`;
  },
  // a bad date
  (b, n) => {
    b.visit[pick(['admitted', 'discharged'], n)] = pick(['2018-02-30', '2019-02-29', '2018-04-31', '2018-00-10', '2018-06-00', '2018-13-01', '2018-6-01', '18-06-01', '2018/06/01', '２０１８-06-01', '2018-06-01 ', 1527811200000], n >> 1);
  },
  // admitted after discharged
  (b) => {
    const { admitted } = b.visit;
    b.visit.admitted = b.visit.discharged;
    b.visit.discharged = admitted;
    if (b.visit.admitted === b.visit.discharged) b.visit.discharged = '1998-12-31';
  },
  // negative, three-decimal or otherwise wrong money
  (b, n, w) => {
    someItem(b, n)[pick(MONEY_KEYS, n >> 8)] = (n >> 10) % 2 ? w : pick(['-1.00', -1, '1.005', 1.005, '1.000', -0.01, '-0', -0, '0.1e1'], n >> 12);
  },
  // a wrong type or a weird value anywhere
  (b, n, w) => {
    const c = pick(containers(b), n);
    const keys = Object.keys(c);
    if (keys.length) c[pick(keys, n >> 4)] = w;
  },
  // a ratio on an item that is not class B, or no ratio on a B item
  (b, n) => {
    const it = someItem(b, n);
    if (it.class === 'B') {
      if ((n >> 8) % 2) it.class = pick(['A', 'C'], n >> 9);
      else delete it.selfPayRatio;
    } else {
      it.selfPayRatio = pick(['0.1', 0.1, '1', '0.00000001', '0', 0], n >> 8);
    }
  },
  // NaN, infinities and numbers without a plain decimal text
  (b, n) => {
    someItem(b, n)[pick([...MONEY_KEYS, 'quantity', 'selfPayRatio'], n >> 8)] = pick([NaN, Infinity, -Infinity, 1e21, 1e-7, 5e-324, 2 ** 64], n >> 11);
  },
  // quantities and ratios out of range
  (b, n) => {
    const it = someItem(b, n);
    if ((n >> 8) % 2) it.quantity = pick(['0', 0, '-1', '0.00001', '1.23456', '-0', '0.0000', '1234567890123.0001', 1234567890123], n >> 9);
    else it.selfPayRatio = pick(['1.00000001', '-0.01', '0.123456789', '-0', '1', '1.00000000', 2], n >> 9);
  },
  // no items, both items and buckets, buckets only
  (b, n) => {
    const buckets = { outOfCatalog: '1.00', overLimit: 0, preSelfPay: '0.50', inPolicy: '10' };
    switch (n % 5) {
      case 0:
        b.items = [];
        break;
      case 1:
        b.buckets = buckets;
        break;
      case 2:
        delete b.items;
        b.buckets = buckets;
        break;
      case 3:
        b.buckets = undefined;
        break;
      default:
        delete b.items;
    }
  },
  // every length-limited string at its limit or one past it (or below its minimum)
  (b, n) => {
    const fields = [
      [someItem(b, n >> 8), 'name', 0, 200], [someItem(b, n >> 8), 'code', 1, 64], [b.hospital, 'name', 0, 200], [b.hospital, 'tier', 1, 32],
      [b.person, 'name', 0, 100], [b.person, 'idNumber', 0, 32], [b, 'diagnosis', 0, 500], [b, 'billNo', 1, 64], [b.person.populations ?? [], 0, 1, 32],
    ] as const;
    const [c, key, min, max] = pick(fields, n);
    c[key] = (n >> 5) % 3 === 0 ? '字'.repeat(Math.max(0, min - 1)) : '字'.repeat(max + ((n >> 5) % 3) - 1);
  },
  // bad populations, bad visit types
  (b, n) => {
    if (n % 2) b.person.populations = pick([[], new Array(11).fill('p'), new Array(10).fill('p'), [''], ['x'.repeat(33)], 'poverty', [1], [undefined]], n >> 1);
    else b.visit.type = pick(['1abc', 'in patient', '', 'x'.repeat(64), 'x'.repeat(65), '_x', 'inpatient\n', 'été'], n >> 1);
  },
  // objects that are not plain: an array, a null-prototype object, a class instance, items as an object
  (b, n) => {
    switch (n % 4) {
      case 0:
        b.hospital = [b.hospital.code];
        break;
      case 1:
        b.person = Object.assign(Object.create(null) as object, b.person);
        break;
      case 2:
        b.hospital = Object.assign(new (class Hospital {})(), b.hospital);
        break;
      default:
        b.items = { ...b.items };
    }
  },
];

const mutatedArb = fc.tuple(validBillArb, fc.array(fc.tuple(fc.nat(MUTATIONS.length - 1), fc.nat(), weirdArb), { minLength: 1, maxLength: 2 })).map(([bill, muts]) => {
  let b: Bill = structuredClone(bill);
  for (const [m, n, w] of muts) {
    try {
      b = MUTATIONS[m]!(b, n, w) ?? b;
    } catch {
      // not applicable after an earlier mutation (items no longer an array, say): the bill stays as it is
    }
  }
  return b;
});

// ---------------------------------------------------------------------------------------------

describe('the bill reader against the runtime parser, on generated bills', () => {
  it('valid bills: accepted, with what the runtime parser returns', () => {
    fc.assert(
      fc.property(validBillArb, (bill) => {
        expect(checkAgainstRuntime(bill).ok).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('broken bills: accepted exactly when the runtime parser accepts them, with its issues when not', () => {
    let ok = 0;
    let runs = 0;
    fc.assert(
      fc.property(mutatedArb, (bill) => {
        runs++;
        if (checkAgainstRuntime(bill).ok) ok++;
      }),
      { numRuns: 2_000 },
    );
    // Not vacuous: most mutations break the bill, and some leave it valid.
    expect(runs - ok).toBeGreaterThan(runs * 0.5);
    expect(ok).toBeGreaterThan(runs * 0.02);
  });

  it('money, quantity and ratio texts and numbers: read exactly as the runtime parser reads them', () => {
    const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^\\d{${min},${max}}$`));
    const textArb: fc.Arbitrary<string | number> = fc.oneof(
      fc.tuple(fc.constantFrom('', '', '', '-', '+', ' '), digits(1, 17), fc.constantFrom('', '.'), digits(0, 10), fc.constantFrom('', '', ' ', 'e1', '.')).map((p) => p.join('')),
      fc.double({ noNaN: true }),
      fc.integer(),
      fc.bigInt({ min: 0n, max: 10n ** 16n }).map((v) => Number(v) / 10_000),
      fc.constantFrom('0', '-0', '0.0', '00', '1', '1.0', '1.00000000', '1.000000001', '0.00000001', '999999999999.99', '999999999999.9999', '1000000000000', -0, 0.5, 1e-6, 1e-7),
    );
    let ok = 0;
    fc.assert(
      fc.property(textArb, fc.nat(2), (v, where) => {
        // One item where only the chosen field varies and the amount check holds whenever the field is valid.
        const item: Record<string, unknown> =
          where === 0
            ? { code: 'I', class: 'A', unitPrice: v, quantity: '1', amount: v }
            : where === 1
              ? { code: 'I', class: 'C', unitPrice: '0', quantity: v, amount: '0.00' }
              : { code: 'I', class: 'B', selfPayRatio: v, unitPrice: '1', quantity: 1, amount: 1 };
        const bill = { billNo: 'B', hospital: { code: 'H' }, person: { id: 'P' }, visit: { type: 'inpatient', admitted: '2018-01-01', discharged: '2018-01-01' }, items: [item] };
        if (checkAgainstRuntime(bill).ok) ok++;
      }),
      { numRuns: 2_000 },
    );
    expect(ok).toBeGreaterThan(200);
  });
});

// ---------------------------------------------------------------------------------------------

describe('the bill reader: what it returns, and the errors it gives', () => {
  const good = () => ({
    billNo: 'B-1',
    hospital: { code: 'H1', tier: 'county' },
    person: { id: 'P1', populations: ['poverty'] },
    visit: { type: 'inpatient', admitted: '2018-06-01', discharged: '2018-06-05' },
    items: [
      { code: 'I1', name: 'CT', class: 'B', selfPayRatio: '0.10', unitPrice: '280.00', quantity: '1.5', amount: '420.00', priceCap: '250.00' },
      { code: 'I2', class: 'A', unitPrice: 25.5, quantity: 3, amount: '76.50' },
    ],
  });

  it('reads a good bill in fixed-point integers', () => {
    const r = parseBillInput(good());
    expect(r.success && r.data).toStrictEqual({
      billNo: 'B-1',
      hospital: { code: 'H1', tier: 'county' },
      person: { id: 'P1', populations: ['poverty'] },
      visit: { type: 'inpatient', admitted: '2018-06-01', discharged: '2018-06-05' },
      items: [
        { code: 'I1', name: 'CT', class: 'B', selfPayRatio: 10_000_000n, unitPrice: 2_800_000_000_000n, quantity: 15_000n, amount: 4_200_000_000_000n, priceCap: 2_500_000_000_000n },
        { code: 'I2', class: 'A', unitPrice: 255_000_000_000n, quantity: 30_000n, amount: 765_000_000_000n },
      ],
    });
  });

  it('keeps an optional key given as undefined, as zod does, and trims codes as zod does', () => {
    const b = good();
    Object.assign(b, { billNo: ' B-1\t', diagnosis: undefined });
    Object.assign(b.items[1]!, { name: undefined, priceCap: undefined });
    const r = parseBillInput(b);
    const fast = r.success ? r.data : undefined;
    expect(fast).toStrictEqual(billInputSchema.parse(b));
    expect(fast?.billNo).toBe('B-1');
    expect(Object.keys(fast!)).toContain('diagnosis');
    expect(Object.keys(fast!.items![1]!)).toEqual(['code', 'name', 'class', 'unitPrice', 'quantity', 'amount', 'priceCap']);
  });

  const rejections: [string, (b: Bill) => void, (string | number)[], string][] = [
    ['a wrong amount', (b) => (b.items[0].amount = '420.01'), ['items', 0, 'amount'], 'custom'],
    ['an unknown key', (b) => (b.items[1].discount = '1.00'), ['items', 1], 'unrecognized_keys'],
    ['admitted after discharged', (b) => (b.visit.admitted = '2018-06-06'), ['visit', 'discharged'], 'custom'],
    ['not a date', (b) => (b.visit.admitted = '2018-02-30'), ['visit', 'admitted'], 'custom'],
    ['three decimals', (b) => (b.items[1].unitPrice = '25.505'), ['items', 1, 'unitPrice'], 'custom'],
    ['a B item without a ratio', (b) => delete b.items[0].selfPayRatio, ['items', 0, 'selfPayRatio'], 'custom'],
    ['a ratio on an A item', (b) => (b.items[1].selfPayRatio = '0.1'), ['items', 1, 'selfPayRatio'], 'custom'],
    ['Infinity', (b) => (b.items[1].quantity = Infinity), ['items', 1, 'quantity'], 'invalid_union'],
    ['no items', (b) => (b.items = []), ['items'], 'too_small'],
    ['items and buckets', (b) => (b.buckets = { outOfCatalog: '0', overLimit: '0', preSelfPay: '0', inPolicy: '0' }), ['items'], 'custom'],
    ['a blank code', (b) => (b.hospital.code = '   '), ['hospital', 'code'], 'too_small'],
  ];

  it.each(rejections)('%s: refused with the runtime parser\'s issue', (_name, mutate, path, code) => {
    const b: Bill = good();
    mutate(b);
    const r = parseBillInput(b);
    expect(r.success).toBe(false);
    if (r.success) return;
    expect(r.error.issues).toEqual(billInputSchema.safeParse(b).error!.issues);
    expect(r.error.issues.some((i) => i.code === code && JSON.stringify(i.path) === JSON.stringify(path))).toBe(true);
  });

  it('reads the other valid shapes: buckets only, a class instance', () => {
    const bucketsOnly: Bill = good();
    delete bucketsOnly.items;
    bucketsOnly.buckets = { outOfCatalog: '1.00', overLimit: 0, preSelfPay: '0.5', inPolicy: '10' };
    const instance: Bill = good();
    instance.hospital = Object.assign(new (class Hospital {})(), instance.hospital);
    for (const b of [bucketsOnly, instance]) {
      const r = parseBillInput(b);
      expect(r.success).toBe(true);
      expect(r.success && r.data).toStrictEqual(billInputSchema.parse(b));
    }
  });

  it('refuses 5001 items', () => {
    const b: Bill = good();
    b.items = Array.from({ length: 5001 }, () => ({ code: 'I', class: 'A', unitPrice: '1.00', quantity: '1', amount: '1.00' }));
    const r = parseBillInput(b);
    expect(r.success).toBe(false);
    expect(!r.success && r.error.issues.map((i) => [i.code, i.path])).toEqual([['too_big', ['items']]]);
    b.items.pop();
    const fits = parseBillInput(b);
    expect(fits.success && fits.data.items).toHaveLength(5000);
  });
});
