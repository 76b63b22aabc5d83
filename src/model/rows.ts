/**
 * Admission rows for the fund model, in three shapes, all turned into the engine's `Bill`:
 *
 *  - a §8 bill as JSON (items or buckets, with `hospital.tier` and `person.populations`), read by the
 *    same parser as `onestop settle`;
 *  - a flat admission row, as a CSV record or a JSON object, with the columns below;
 *  - in CSV, either the four buckets or a total with a class mix (shares of the total that are
 *    out-of-catalogue, over-limit and pre-self-pay; the in-policy bucket is the rest).
 *
 * | column | required | meaning |
 * | --- | --- | --- |
 * | person | yes | insured person's id: year-to-date totals are carried per person |
 * | population | yes | poverty, resident… (several separated by `|`) |
 * | tier | yes | hospital tier: township, county, league, province, outOfProvince |
 * | discharged | yes | discharge date YYYY-MM-DD: chooses the year and the month |
 * | visitType | no (inpatient) | inpatient, chronicOutpatient… |
 * | admitted | no (= discharged) | admission date |
 * | billNo | no (L + line) | bill number, for error messages |
 * | hospital | no | hospital code |
 * | outOfCatalog, overLimit, preSelfPay, inPolicy | one of the two | the four buckets (yuan) |
 * | total, outOfCatalogShare, overLimitShare, preSelfPayShare | | total (yuan) and the class mix (0..1; a missing share is 0) |
 *
 * Amounts are read exactly, straight into the engine's fixed-point Units (bigint), never through a float.
 */
import { parseStandaloneBill } from '../bill/parse.js';
import { InputLineError } from '../formats/line-error.js';
import type { Bill, BillItem, Buckets } from '../engine/types.js';
import { RATIO_ONE, fenHalfUp, min, parseRatio, parseScaled, type Ratio, type Units } from '../money/fixed.js';
import { MoneyFormatError, plainDecimalText } from '../money/money.js';
import { parseCsvRecord } from '../formats/csv.js';
import { fastAmountFenAt, parseAmountUnits, unitsOfFen } from './fen.js';

export const BUCKET_COLUMNS = ['outOfCatalog', 'overLimit', 'preSelfPay', 'inPolicy'] as const;
export const SHARE_COLUMNS = ['outOfCatalogShare', 'overLimitShare', 'preSelfPayShare'] as const;
const REQUIRED = ['person', 'population', 'tier', 'discharged'] as const;
const OPTIONAL = ['visitType', 'admitted', 'billNo', 'hospital', 'total'] as const;
const KNOWN = [...REQUIRED, ...OPTIONAL, ...BUCKET_COLUMNS, ...SHARE_COLUMNS];

/** Weights are exact decimals with at most six places, read as integer millionths. */
export const WEIGHT_UNIT = 1_000_000;
export const UNIT_WEIGHT = WEIGHT_UNIT;

/** Where each known column sits in a CSV header (case-insensitive). */
export interface CsvLayout {
  header: string[];
  index: Partial<Record<(typeof KNOWN)[number], number>>;
  weight?: number;
  amounts: 'buckets' | 'total';
}

export function csvLayout(header: string[], weights?: string | null): CsvLayout {
  const lower = header.map((h) => h.trim().toLowerCase());
  const find = (name: string) => {
    const i = lower.indexOf(name.toLowerCase());
    return i === -1 ? undefined : i;
  };
  const index: CsvLayout['index'] = {};
  for (const k of KNOWN) {
    const i = find(k);
    if (i !== undefined) index[k] = i;
  }
  const problems: { path: string; message: string }[] = [];
  const missing = REQUIRED.filter((k) => index[k] === undefined);
  if (missing.length) problems.push({ path: '', message: `缺少必需的列：${missing.join('、')}` });
  const hasBuckets = BUCKET_COLUMNS.filter((k) => index[k] !== undefined);
  let amounts: CsvLayout['amounts'] = 'buckets';
  if (hasBuckets.length === BUCKET_COLUMNS.length) {
    if (index.total !== undefined) problems.push({ path: '', message: '同时有四类金额列和 total 列，无法确定以哪个为准；请只保留一种' });
  } else if (index.total !== undefined && hasBuckets.length === 0) {
    amounts = 'total';
  } else {
    problems.push({
      path: '',
      message: `金额列应为四类金额 ${BUCKET_COLUMNS.join('、')}，或总额 total 加费用构成 ${SHARE_COLUMNS.join('、')}${hasBuckets.length ? `（现只有 ${hasBuckets.join('、')}）` : ''}`,
    });
  }
  let weight: number | undefined;
  if (weights) {
    weight = find(weights);
    if (weight === undefined) problems.push({ path: '', message: `没有权重列 “${weights}”（表头：${header.join('、')}）` });
  }
  if (problems.length) throw new InputLineError(1, undefined, problems);
  return { header, index, weight, amounts };
}

type Get = (name: string) => string | undefined;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Dates seen valid: a year has few of them, and every row has one or two. */
const validDates = new Set<string>();
function isIsoDate(s: string): boolean {
  if (validDates.has(s)) return true;
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  const ok = d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
  if (ok && validDates.size < 20_000) validDates.add(s);
  return ok;
}

/**
 * The ISO date text.slice(from, to) as the number YYYYMMDD when it is a valid "YYYY-MM-DD" (exactly
 * what isIsoDate accepts), else -1. Read in place; valid dates are remembered (with their text, one
 * string per day shared by every bill of that day) in a small direct-mapped table.
 */
const DATE_SLOTS = 1024;
const dateKeys = new Int32Array(DATE_SLOTS).fill(-1);
const dateStrings: string[] = new Array<string>(DATE_SLOTS).fill('');
function isoDateNumberAt(text: string, from: number, to: number): number {
  if (to - from !== 10 || text.charCodeAt(from + 4) !== 45 || text.charCodeAt(from + 7) !== 45) return -1;
  let v = 0;
  for (let i = 0; i < 10; i++) {
    if (i === 4 || i === 7) continue;
    const c = text.charCodeAt(from + i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  const slot = v % DATE_SLOTS;
  if (dateKeys[slot] === v) return v;
  const s = text.slice(from, to);
  if (!isIsoDate(s)) return -1;
  dateKeys[slot] = v;
  dateStrings[slot] = s;
  return v;
}

/** The text of a date isoDateNumberAt has just accepted. */
const dateText = (date: number): string => dateStrings[date % DATE_SLOTS]!;

/**
 * Values read from a column with few distinct texts (tier, population, visit type, hospital): the
 * value of each raw text seen, found by comparing characters in place, so no string is cut for them.
 */
class FewValues<T> {
  private readonly raws: string[] = [];
  private readonly values: T[] = [];
  constructor(private readonly read: (raw: string) => T) {}
  at(text: string, from: number, to: number): T {
    const raws = this.raws;
    const n = to - from;
    for (let k = 0; k < raws.length; k++) {
      const r = raws[k]!;
      if (r.length === n && text.startsWith(r, from)) return this.values[k]!;
    }
    const raw = text.slice(from, to);
    const value = this.read(raw);
    if (raws.length < 16) {
      raws.push(raw);
      this.values.push(value);
    }
    return value;
  }
}

const VISIT_TYPE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const validVisitTypes = new Set<string>();
function isVisitType(s: string): boolean {
  if (validVisitTypes.has(s)) return true;
  const ok = VISIT_TYPE.test(s);
  if (ok && validVisitTypes.size < 1000) validVisitTypes.add(s);
  return ok;
}

/** The population column's list ("poverty|resident"): a few distinct texts, each split once. Never mutated. */
const populationLists = new Map<string, readonly string[]>();
function populationsOf(text: string): readonly string[] {
  let list = populationLists.get(text);
  if (!list) {
    list = text.split(/[|;]/).map((p) => p.trim()).filter(Boolean);
    if (populationLists.size < 1000) populationLists.set(text, list);
  }
  return list;
}

/** Where each field of a quote-free CSV record starts and ends (what split(',') would cut), reused. */
let starts = new Int32Array(64);
let ends = new Int32Array(64);
function cutFields(text: string): number {
  let n = 0;
  let start = 0;
  for (;;) {
    if (n === starts.length) {
      const s2 = new Int32Array(n * 2);
      s2.set(starts);
      starts = s2;
      const e2 = new Int32Array(n * 2);
      e2.set(ends);
      ends = e2;
    }
    const comma = text.indexOf(',', start);
    starts[n] = start;
    ends[n] = comma === -1 ? text.length : comma;
    n++;
    if (comma === -1) return n;
    start = comma + 1;
  }
}

/**
 * The common case of a quote-free CSV row with the four bucket columns, every value present and
 * well-formed: the bill, read in place (amounts and dates from the characters, no field array), or
 * null when anything is missing or unusual (the general `billFromRow` then reads the row again and
 * names what is wrong). For every row it accepts, it gives exactly the bill `billFromRow` gives:
 * each field as split(',') and trim() would give it. `date` is the discharge date as YYYYMMDD.
 */
function fastBucketBill(text: string, line: number, ix: CsvLayout['index'], few: RowCaches): { bill: Bill; date: number } | null {
  const n = cutFields(text);
  const str = (i: number | undefined): string => (i === undefined || i >= n ? '' : text.slice(starts[i]!, ends[i]!).trim());
  const amount = (i: number | undefined): number => (i === undefined || i >= n ? -1 : fastAmountFenAt(text, starts[i]!, ends[i]!));
  const di = ix.discharged;
  if (di === undefined || di >= n) return null;
  const date = isoDateNumberAt(text, starts[di]!, ends[di]!);
  if (date === -1) return null;
  const discharged = dateText(date);
  const oc = amount(ix.outOfCatalog);
  const ol = amount(ix.overLimit);
  const ps = amount(ix.preSelfPay);
  const ip = amount(ix.inPolicy);
  if (oc === -1 || ol === -1 || ps === -1 || ip === -1) return null;
  let admitted = discharged;
  const ai = ix.admitted;
  if (ai !== undefined && ai < n && ends[ai]! > starts[ai]!) {
    const a = isoDateNumberAt(text, starts[ai]!, ends[ai]!);
    if (a === -1 || a > date) return null;
    admitted = dateText(a);
  }
  const person = str(ix.person);
  const populations = ix.population !== undefined && ix.population < n ? few.population.at(text, starts[ix.population]!, ends[ix.population]!) : null;
  const tier = ix.tier !== undefined && ix.tier < n ? few.tier.at(text, starts[ix.tier]!, ends[ix.tier]!) : '';
  if (!person || !populations || !tier) return null;
  const visitType = ix.visitType !== undefined && ix.visitType < n ? few.visitType.at(text, starts[ix.visitType]!, ends[ix.visitType]!) : 'inpatient';
  if (visitType === null) return null;
  return {
    bill: {
      billNo: str(ix.billNo) || `L${line}`,
      hospital: { code: (ix.hospital !== undefined && ix.hospital < n ? few.hospital.at(text, starts[ix.hospital]!, ends[ix.hospital]!) : '') || '-', tier },
      person: { id: person, populations },
      visit: { type: visitType, admitted, discharged },
      buckets: { outOfCatalog: unitsOfFen(oc), overLimit: unitsOfFen(ol), preSelfPay: unitsOfFen(ps), inPolicy: unitsOfFen(ip) },
    },
    date,
  };
}

/** Per CSV layout: the columns with few distinct values, read once per distinct text. */
interface RowCaches {
  /** The population list, or null when the text is empty. */
  population: FewValues<readonly string[] | null>;
  tier: FewValues<string>;
  /** The visit type (inpatient when empty), or null when it is not a valid one. */
  visitType: FewValues<string | null>;
  hospital: FewValues<string>;
}

const rowCaches = new WeakMap<CsvLayout, RowCaches>();
function cachesFor(layout: CsvLayout): RowCaches {
  let c = rowCaches.get(layout);
  if (!c) {
    c = {
      population: new FewValues((raw) => {
        const t = raw.trim();
        return t ? populationsOf(t) : null;
      }),
      tier: new FewValues((raw) => raw.trim()),
      visitType: new FewValues((raw) => {
        const t = raw.trim() || 'inpatient';
        return isVisitType(t) ? t : null;
      }),
      hospital: new FewValues((raw) => raw.trim()),
    };
    rowCaches.set(layout, c);
  }
  return c;
}

/** A flat admission row → the engine's bill. Problems are collected, so one error names every bad column. */
function billFromRow(get: Get, line: number, amounts: 'buckets' | 'total'): Bill {
  const problems: { path: string; message: string }[] = [];
  const text = (name: string, required: boolean): string | undefined => {
    const v = get(name)?.trim();
    if (!v) {
      if (required) problems.push({ path: name, message: '不能为空' });
      return undefined;
    }
    return v;
  };
  const money = (name: string): Units => {
    const v = get(name)?.trim();
    if (!v) {
      problems.push({ path: name, message: '不能为空' });
      return 0n;
    }
    try {
      return parseAmountUnits(v);
    } catch (e) {
      problems.push({ path: name, message: e instanceof MoneyFormatError ? e.message : String(e) });
      return 0n;
    }
  };
  const share = (name: string): Ratio => {
    const v = get(name)?.trim();
    if (!v) return 0n;
    try {
      return parseShare(v);
    } catch (e) {
      problems.push({ path: name, message: e instanceof MoneyFormatError ? e.message : String(e) });
      return 0n;
    }
  };

  const billNo = text('billNo', false) ?? `L${line}`;
  const person = text('person', true);
  const populationText = text('population', true);
  const tier = text('tier', true);
  const visitType = text('visitType', false) ?? 'inpatient';
  const discharged = text('discharged', true);
  const admittedGiven = text('admitted', false);
  const admitted = admittedGiven ?? discharged;
  if (discharged && !isIsoDate(discharged)) problems.push({ path: 'discharged', message: `不是有效日期（应为 YYYY-MM-DD，收到 “${discharged}”）` });
  if (admittedGiven && !isIsoDate(admittedGiven)) problems.push({ path: 'admitted', message: `不是有效日期（应为 YYYY-MM-DD，收到 “${admittedGiven}”）` });
  if (admitted && discharged && admitted > discharged) problems.push({ path: 'admitted', message: '入院日期不能晚于出院日期' });
  if (!isVisitType(visitType)) problems.push({ path: 'visitType', message: '就诊类型应为英文标识，如 inpatient、chronicOutpatient' });

  let buckets: Buckets;
  if (amounts === 'buckets') {
    buckets = { outOfCatalog: money('outOfCatalog'), overLimit: money('overLimit'), preSelfPay: money('preSelfPay'), inPolicy: money('inPolicy') };
  } else {
    const total = money('total');
    const [oc, ol, ps] = SHARE_COLUMNS.map(share) as [Ratio, Ratio, Ratio];
    if (oc + ol + ps > RATIO_ONE) problems.push({ path: 'outOfCatalogShare', message: '三类自费构成比例之和超过 1' });
    // Each share is rounded half-up to the fen, as an item's bucket share is (§2), and never more than
    // what is left of the total; in-policy is the rest, so the four buckets always add up to the total.
    let left = total;
    const take = (s: Ratio) => {
      const part = min(fenHalfUp(total * s), left);
      left -= part;
      return part;
    };
    const outOfCatalog = take(oc);
    const overLimit = take(ol);
    const preSelfPay = take(ps);
    buckets = { outOfCatalog, overLimit, preSelfPay, inPolicy: left };
  }
  if (problems.length) throw new InputLineError(line, billNo, problems);
  return {
    billNo,
    hospital: { code: text('hospital', false) ?? '-', tier: tier! },
    person: { id: person!, populations: populationsOf(populationText!) },
    visit: { type: visitType, admitted: admitted!, discharged: discharged! },
    buckets,
  };
}

/** A class-mix share: a plain decimal from 0 to 1 (at most 8 places), as a Ratio. Messages as money.ts's parseDecimal. */
function parseShare(v: string): Ratio {
  const text = plainDecimalText(v);
  const r = parseRatio(text);
  if (r < 0n) throw new MoneyFormatError(`不能小于 0（收到 "${text}"）`);
  if (r > RATIO_ONE) throw new MoneyFormatError(`不能大于 1（收到 "${text}"）`);
  return r;
}

/** Weights at 8 decimals (what a plain decimal may have), and their upper bound there. */
const WEIGHT_MAX_E8 = 1_000_000n * 10n ** 8n;

/** A weight as integer millionths: an exact decimal from 0 to 1,000,000 with at most six places. */
export function parseWeight(value: unknown, line: number, column: string, billNo?: string): number {
  try {
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) throw new MoneyFormatError('权重不能为空');
    const text = plainDecimalText(typeof value === 'string' ? value.trim() : value);
    const e8 = parseScaled(text, 8);
    if (e8 < 0n) throw new MoneyFormatError(`不能小于 0（收到 "${text}"）`);
    if (e8 > WEIGHT_MAX_E8) throw new MoneyFormatError(`不能大于 1000000（收到 "${text}"）`);
    // Trailing zeros do not count as places ("1.50000000" has one).
    if (e8 % 100n !== 0n) throw new MoneyFormatError('权重最多六位小数');
    return Number(e8 / 100n);
  } catch (e) {
    throw new InputLineError(line, billNo, [{ path: column, message: e instanceof MoneyFormatError ? e.message : String(e) }]);
  }
}

export interface ModelRow {
  line: number;
  bill: Bill;
  /** Integer millionths; UNIT_WEIGHT when no weight column is used. */
  weight: number;
  /** The discharge date as the number YYYYMMDD, when the reader already has it. */
  date?: number;
}

export function rowFromCsv(text: string, line: number, layout: CsvLayout): ModelRow {
  if (layout.amounts === 'buckets' && !text.includes('"')) {
    const fast = fastBucketBill(text, line, layout.index, cachesFor(layout));
    if (fast) {
      const w = layout.weight;
      const weight = w === undefined ? UNIT_WEIGHT : parseWeight(w < cutFields(text) ? text.slice(starts[w]!, ends[w]!) : undefined, line, layout.header[w]!, fast.bill.billNo);
      return { line, bill: fast.bill, weight, date: fast.date };
    }
  }
  const fields = parseCsvRecord(text);
  const get: Get = (name) => {
    const i = layout.index[name as keyof CsvLayout['index']];
    return i === undefined ? undefined : fields[i];
  };
  const bill = billFromRow(get, line, layout.amounts);
  const weight = layout.weight === undefined ? UNIT_WEIGHT : parseWeight(fields[layout.weight], line, layout.header[layout.weight]!, bill.billNo);
  return { line, bill, weight };
}

/** Is this JSON object a §8 bill (rather than a flat admission row)? */
function isSection8Bill(obj: Record<string, unknown>): boolean {
  return 'visit' in obj || 'items' in obj || 'buckets' in obj;
}

/** One JSON value (a line of JSON Lines) → a row. `weights` names a top-level property. */
export function rowFromJson(text: string, line: number, weights?: string | null): ModelRow {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new InputLineError(line, undefined, [{ path: '', message: `不是有效的 JSON：${(e as Error).message}` }]);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new InputLineError(line, undefined, [{ path: '', message: '每行应为一个 JSON 对象（账单或就诊记录）' }]);
  const record = obj as Record<string, unknown>;
  let weight = UNIT_WEIGHT;
  let billText = text;
  if (weights) {
    weight = parseWeight(record[weights], line, weights, typeof record.billNo === 'string' ? record.billNo : undefined);
    if (isSection8Bill(record)) {
      const { [weights]: _w, ...rest } = record;
      billText = JSON.stringify(rest);
    }
  }
  if (isSection8Bill(record)) return { line, bill: parseStandaloneBill({ line, text: billText }), weight };
  const get: Get = (name) => {
    const v = record[name];
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) return v.map(String).join('|');
    return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
  };
  const amounts = BUCKET_COLUMNS.some((k) => record[k] !== undefined) ? 'buckets' : 'total';
  return { line, bill: billFromRow(get, line, amounts), weight };
}

/** The person a JSON row belongs to, for partitioning (the parent reads only this much). */
export function personOfJson(obj: unknown): string | undefined {
  if (obj === null || typeof obj !== 'object') return undefined;
  const p = (obj as { person?: unknown }).person;
  if (typeof p === 'string') return p;
  if (p && typeof p === 'object' && typeof (p as { id?: unknown }).id === 'string') return (p as { id: string }).id;
  return undefined;
}

/**
 * Cost growth: every amount of the admission times the factor, each rounded half-up to the fen
 * (the contract's one half-up rounding). Buckets are scaled one by one; items have their amount, unit
 * price and price cap scaled (quantities and self-pay ratios unchanged), and the engine re-derives the
 * buckets from them.
 */
export function growCost(bill: Bill, factor: Ratio): Bill {
  // Units x Ratio is an exact Product; fenHalfUp is the contract's half-up rounding to the fen.
  const g = (x: Units) => fenHalfUp(x * factor);
  if (bill.buckets) {
    const b = bill.buckets;
    return { ...bill, buckets: { outOfCatalog: g(b.outOfCatalog), overLimit: g(b.overLimit), preSelfPay: g(b.preSelfPay), inPolicy: g(b.inPolicy) } };
  }
  const items: BillItem[] = (bill.items ?? []).map((i) => ({ ...i, amount: g(i.amount), unitPrice: g(i.unitPrice), ...(i.priceCap !== undefined ? { priceCap: g(i.priceCap) } : {}) }));
  return { ...bill, items };
}
