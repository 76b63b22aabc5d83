/**
 * A fast path for `billInputSchema` (./schema.ts): parsing a 20-item bill with zod costs 50–100 µs, too
 * much for the settlement service's hot HTTP path.
 *
 * The contract is "accept or defer to zod":
 *  - `fastParseBill` returns a value only for an input it has checked against every rule of
 *    `billInputSchema`, and that value is exactly what `billInputSchema.parse` returns for it (same keys,
 *    including an optional key given as `undefined`, same bigint values, codes trimmed the same way);
 *  - for anything else it returns `undefined`, and the caller asks zod, which decides and writes the
 *    error messages. So a rule followed too strictly here costs only speed; a rule followed too loosely
 *    would let a bad bill through, which must never happen.
 *
 * The money, quantity and ratio readers repeat the schema's: the text is validated by the same helpers
 * (amountText, plainDecimalText), and a helper that throws means "zod would refuse it", here as there.
 * Only the text → bigint step has a quicker form for plain digits, which hands anything else to
 * parseUnits / parseQuantity / parseRatio themselves. Shapes left to zod on purpose: a bill with
 * `buckets` (or without `items`), and any object that is not a plain object (a class instance, say),
 * which zod may still accept.
 *
 * Tested against zod in test/engine/fast-bill.test.ts; change both files together with ./schema.ts.
 */
import type * as z from 'zod';
import { QTY_ONE, RATIO_ONE, parseQuantity, parseRatio, parseUnits, unitsHalfUp } from '../money/fixed.js';
import { amountText, plainDecimalText } from '../money/money.js';
import { billInputSchema, type BillInput } from './schema.js';

type Item = NonNullable<BillInput['items']>[number];
type Hospital = BillInput['hospital'];
type Person = BillInput['person'];
type Visit = BillInput['visit'];
type Obj = Record<string, unknown>;

/** The keys of each strictObject in ./schema.ts: any other key makes zod refuse the bill. */
const BILL_KEYS = new Set(['billNo', 'hospital', 'person', 'visit', 'diagnosis', 'items', 'buckets']);
const HOSPITAL_KEYS = new Set(['code', 'tier', 'name']);
const PERSON_KEYS = new Set(['id', 'populations', 'name', 'idNumber']);
const VISIT_KEYS = new Set(['type', 'admitted', 'discharged']);
const ITEM_KEYS = new Set(['code', 'name', 'class', 'selfPayRatio', 'unitPrice', 'quantity', 'amount', 'priceCap']);

// The schema's regexes, compiled once.
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const VISIT_TYPE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const QTY_TOO_MANY_DECIMALS = /\.\d{5,}$/;

const OBJECT_PROTOTYPE = Object.prototype;

/** A plain object (from JSON.parse or a literal) whose enumerable keys are all in `keys`. */
function isPlainWithKeys(v: unknown, keys: ReadonlySet<string>): v is Obj {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== OBJECT_PROTOTYPE && proto !== null) return false; // arrays, class instances: ask zod
  // zod's strictObject checks the keys with for..in as well (inherited enumerable keys included).
  for (const k in v) if (!keys.has(k)) return false;
  return true;
}

/** `z.string().trim().min(1).max(64)`: trimmed first, then measured. */
function readCode(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t.length >= 1 && t.length <= 64 ? t : undefined;
}

/** `z.string().min(min).max(max)`. */
function isStringWithin(v: unknown, min: number, max: number): v is string {
  return typeof v === 'string' && v.length >= min && v.length <= max;
}

/** Days in each month of a common year; February gains a day in a Gregorian leap year. */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The isoDate schema: the regex, then a real calendar date. The schema asks `Date` (parse
 * `${s}T00:00:00Z`, format it back, compare), which costs ~1 µs; for four-digit years that is exactly
 * "month 1–12, day within the month of the proleptic Gregorian calendar", checked here in integers.
 */
function isIsoDate(v: unknown): v is string {
  if (typeof v !== 'string' || !ISO_DATE.test(v)) return false;
  const year = digit(v, 0) * 1000 + digit(v, 1) * 100 + digit(v, 2) * 10 + digit(v, 3);
  const month = digit(v, 5) * 10 + digit(v, 6);
  const day = digit(v, 8) * 10 + digit(v, 9);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= DAYS_IN_MONTH[month - 1]! + (month === 2 && leap ? 1 : 0);
}

function digit(s: string, i: number): number {
  return s.charCodeAt(i) - 48;
}

// The decimal fields: `z.union([z.string(), z.number()])` (zod's z.number() refuses NaN and ±Infinity,
// as do the readers), then the schema's reader; a throw is a refusal. The text is always validated by the
// schema's own amountText / plainDecimalText; only the text → bigint step has a quicker form here.

const POW10: readonly bigint[] = Array.from({ length: 19 }, (_, i) => 10n ** BigInt(i));

/**
 * `parseScaled(text, scale)` (../money/fixed.ts) for the common text: unsigned digits with at most one
 * point, at most 15 digits and at most `scale` decimals; the same arithmetic (the digits read exactly as
 * a double, then x 10^(scale - decimals)) without the regex and the substrings. Anything else goes to
 * `parse` itself, which may throw.
 */
function scaledFromText(text: string, scale: number, parse: (t: string) => bigint): bigint {
  const len = text.length;
  let n = 0;
  let decimals = -1;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      if (decimals >= 0) decimals++;
    } else if (c === 46 && decimals < 0 && i > 0 && i < len - 1) {
      decimals = 0;
    } else {
      return parse(text);
    }
  }
  if (decimals < 0) decimals = 0;
  if (len === 0 || len - (decimals > 0 ? 1 : 0) > 15 || decimals > scale) return parse(text);
  return BigInt(n) * POW10[scale - decimals]!;
}

/** amountField: `parseUnits(amountText(v))`. */
function readAmount(v: unknown): bigint | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    return scaledFromText(amountText(v), 10, parseUnits);
  } catch {
    return undefined;
  }
}

/** quantityField: at most four decimals, above zero. */
function readQuantity(v: unknown): bigint | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    const text = plainDecimalText(v);
    if (QTY_TOO_MANY_DECIMALS.test(text)) return undefined;
    const q = scaledFromText(text, 4, parseQuantity);
    return q > 0n ? q : undefined;
  } catch {
    return undefined;
  }
}

/** selfPayRatioField: 0 to 1 inclusive. */
function readRatio(v: unknown): bigint | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    const r = scaledFromText(plainDecimalText(v), 8, parseRatio);
    return r >= 0n && r <= RATIO_ONE ? r : undefined;
  } catch {
    return undefined;
  }
}

/** itemSchema, with its superRefine. */
function readItem(x: unknown): Item | undefined {
  if (!isPlainWithKeys(x, ITEM_KEYS)) return undefined;
  const code = readCode(x.code);
  if (code === undefined) return undefined;
  const name = x.name;
  if (name !== undefined && !isStringWithin(name, 0, 200)) return undefined;
  const cls = x.class;
  if (cls !== 'A' && cls !== 'B' && cls !== 'C') return undefined;
  const rawRatio = x.selfPayRatio;
  let selfPayRatio: bigint | undefined;
  if (rawRatio !== undefined) {
    selfPayRatio = readRatio(rawRatio);
    if (selfPayRatio === undefined) return undefined;
  }
  const unitPrice = readAmount(x.unitPrice);
  if (unitPrice === undefined) return undefined;
  const quantity = readQuantity(x.quantity);
  if (quantity === undefined) return undefined;
  const amount = readAmount(x.amount);
  if (amount === undefined) return undefined;
  const rawCap = x.priceCap;
  let priceCap: bigint | undefined;
  if (rawCap !== undefined) {
    priceCap = readAmount(rawCap);
    if (priceCap === undefined) return undefined;
  }

  // The superRefine.
  if (unitsHalfUp((unitPrice * quantity) / QTY_ONE) !== amount) return undefined;
  if (cls === 'B' ? selfPayRatio === undefined : selfPayRatio !== undefined && selfPayRatio !== 0n) return undefined;

  // Keys in the schema's order; an optional key is in zod's output when it is in the input, even as
  // `undefined` (zod tests presence with `in`), and left out when it is missing.
  const out = { code } as Item;
  if (name !== undefined || 'name' in x) out.name = name;
  out.class = cls;
  if (selfPayRatio !== undefined || 'selfPayRatio' in x) out.selfPayRatio = selfPayRatio;
  out.unitPrice = unitPrice;
  out.quantity = quantity;
  out.amount = amount;
  if (priceCap !== undefined || 'priceCap' in x) out.priceCap = priceCap;
  return out;
}

function readHospital(x: unknown): Hospital | undefined {
  if (!isPlainWithKeys(x, HOSPITAL_KEYS)) return undefined;
  const code = readCode(x.code);
  if (code === undefined) return undefined;
  const tier = x.tier;
  if (tier !== undefined && !isStringWithin(tier, 1, 32)) return undefined;
  const name = x.name;
  if (name !== undefined && !isStringWithin(name, 0, 200)) return undefined;
  const out: Hospital = { code };
  if (tier !== undefined || 'tier' in x) out.tier = tier;
  if (name !== undefined || 'name' in x) out.name = name;
  return out;
}

/** `z.array(z.string().min(1).max(32)).min(1).max(10)`, as a fresh array. */
function readPopulations(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || v.length < 1 || v.length > 10) return undefined;
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const p: unknown = v[i];
    if (!isStringWithin(p, 1, 32)) return undefined;
    out.push(p);
  }
  return out;
}

function readPerson(x: unknown): Person | undefined {
  if (!isPlainWithKeys(x, PERSON_KEYS)) return undefined;
  const id = readCode(x.id);
  if (id === undefined) return undefined;
  const rawPopulations = x.populations;
  let populations: string[] | undefined;
  if (rawPopulations !== undefined) {
    populations = readPopulations(rawPopulations);
    if (populations === undefined) return undefined;
  }
  const name = x.name;
  if (name !== undefined && !isStringWithin(name, 0, 100)) return undefined;
  const idNumber = x.idNumber;
  if (idNumber !== undefined && !isStringWithin(idNumber, 0, 32)) return undefined;
  const out: Person = { id };
  if (populations !== undefined || 'populations' in x) out.populations = populations;
  if (name !== undefined || 'name' in x) out.name = name;
  if (idNumber !== undefined || 'idNumber' in x) out.idNumber = idNumber;
  return out;
}

function readVisit(x: unknown): Visit | undefined {
  if (!isPlainWithKeys(x, VISIT_KEYS)) return undefined;
  const type = x.type;
  if (typeof type !== 'string' || !VISIT_TYPE.test(type)) return undefined;
  const admitted = x.admitted;
  const discharged = x.discharged;
  if (!isIsoDate(admitted) || !isIsoDate(discharged) || admitted > discharged) return undefined;
  return { type, admitted, discharged };
}

/** The bill parsed without zod when it is plainly well-formed; undefined means "ask billInputSchema" (which gives the error messages). */
export function fastParseBill(raw: unknown): BillInput | undefined {
  if (!isPlainWithKeys(raw, BILL_KEYS)) return undefined;
  // Exactly one of items and buckets; bills with buckets (estimates) are left to zod.
  if (raw.buckets !== undefined) return undefined;
  const rawItems = raw.items;
  if (!Array.isArray(rawItems) || rawItems.length < 1 || rawItems.length > 5000) return undefined;

  const billNo = readCode(raw.billNo);
  if (billNo === undefined) return undefined;
  const hospital = readHospital(raw.hospital);
  if (hospital === undefined) return undefined;
  const person = readPerson(raw.person);
  if (person === undefined) return undefined;
  const visit = readVisit(raw.visit);
  if (visit === undefined) return undefined;
  const diagnosis = raw.diagnosis;
  if (diagnosis !== undefined && !isStringWithin(diagnosis, 0, 500)) return undefined;

  const items: Item[] = [];
  for (let i = 0; i < rawItems.length; i++) {
    const item = readItem(rawItems[i]);
    if (item === undefined) return undefined;
    items.push(item);
  }

  const out = { billNo, hospital, person, visit } as BillInput;
  if (diagnosis !== undefined || 'diagnosis' in raw) out.diagnosis = diagnosis;
  out.items = items;
  if ('buckets' in raw) out.buckets = undefined;
  return out;
}

/** What every caller should use: the fast path, else zod's safeParse. Same return shape as zod's safeParse. */
export function parseBillInput(raw: unknown): { success: true; data: BillInput } | { success: false; error: z.ZodError } {
  const fast = fastParseBill(raw);
  if (fast !== undefined) return { success: true, data: fast };
  const parsed = billInputSchema.safeParse(raw);
  return parsed.success ? { success: true, data: parsed.data } : { success: false, error: parsed.error };
}
