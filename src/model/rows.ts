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
 * Amounts are read exactly (decimal.js), never through a float.
 */
import { BillLineError, parseCliBill } from '../cli/settle.js';
import type { Bill, BillItem, Buckets } from '../engine/types.js';
import { Decimal, MoneyFormatError, ZERO, parseAmount, parseDecimal, roundPayout } from '../money/money.js';
import { parseCsvRecord } from './csv.js';

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
  if (problems.length) throw new BillLineError(1, undefined, problems);
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
  const money = (name: string): Decimal => {
    const v = get(name)?.trim();
    if (!v) {
      problems.push({ path: name, message: '不能为空' });
      return ZERO;
    }
    try {
      return parseAmount(v);
    } catch (e) {
      problems.push({ path: name, message: e instanceof MoneyFormatError ? e.message : String(e) });
      return ZERO;
    }
  };
  const share = (name: string): Decimal => {
    const v = get(name)?.trim();
    if (!v) return ZERO;
    try {
      return parseDecimal(v, { min: '0', max: '1' });
    } catch (e) {
      problems.push({ path: name, message: e instanceof MoneyFormatError ? e.message : String(e) });
      return ZERO;
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
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(visitType)) problems.push({ path: 'visitType', message: '就诊类型应为英文标识，如 inpatient、chronicOutpatient' });

  let buckets: Buckets;
  if (amounts === 'buckets') {
    buckets = { outOfCatalog: money('outOfCatalog'), overLimit: money('overLimit'), preSelfPay: money('preSelfPay'), inPolicy: money('inPolicy') };
  } else {
    const total = money('total');
    const [oc, ol, ps] = SHARE_COLUMNS.map(share) as [Decimal, Decimal, Decimal];
    if (oc.plus(ol).plus(ps).gt(1)) problems.push({ path: 'outOfCatalogShare', message: '三类自费构成比例之和超过 1' });
    // Each share is rounded half-up to the fen, as an item's bucket share is (§2), and never more than
    // what is left of the total; in-policy is the rest, so the four buckets always add up to the total.
    let left = total;
    const take = (s: Decimal) => {
      const part = Decimal.min(roundPayout(total.mul(s)), left);
      left = left.minus(part);
      return part;
    };
    const outOfCatalog = take(oc);
    const overLimit = take(ol);
    const preSelfPay = take(ps);
    buckets = { outOfCatalog, overLimit, preSelfPay, inPolicy: left };
  }
  if (problems.length) throw new BillLineError(line, billNo, problems);
  return {
    billNo,
    hospital: { code: text('hospital', false) ?? '-', tier: tier! },
    person: { id: person!, populations: populationText!.split(/[|;]/).map((p) => p.trim()).filter(Boolean) },
    visit: { type: visitType, admitted: admitted!, discharged: discharged! },
    buckets,
  };
}

/** A weight as integer millionths: an exact decimal from 0 to 1,000,000 with at most six places. */
export function parseWeight(value: unknown, line: number, column: string, billNo?: string): number {
  try {
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) throw new MoneyFormatError('权重不能为空');
    const d = parseDecimal(typeof value === 'string' ? value.trim() : value, { min: '0', max: '1000000' });
    if (d.decimalPlaces() > 6) throw new MoneyFormatError('权重最多六位小数');
    return d.mul(WEIGHT_UNIT).toNumber();
  } catch (e) {
    throw new BillLineError(line, billNo, [{ path: column, message: e instanceof MoneyFormatError ? e.message : String(e) }]);
  }
}

export interface ModelRow {
  line: number;
  bill: Bill;
  /** Integer millionths; UNIT_WEIGHT when no weight column is used. */
  weight: number;
}

export function rowFromCsv(text: string, line: number, layout: CsvLayout): ModelRow {
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
    throw new BillLineError(line, undefined, [{ path: '', message: `不是有效的 JSON：${(e as Error).message}` }]);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new BillLineError(line, undefined, [{ path: '', message: '每行应为一个 JSON 对象（账单或就诊记录）' }]);
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
  if (isSection8Bill(record)) return { line, bill: parseCliBill({ line, text: billText }), weight };
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
export function growCost(bill: Bill, factor: Decimal): Bill {
  const g = (x: Decimal) => roundPayout(x.mul(factor));
  if (bill.buckets) {
    const b = bill.buckets;
    return { ...bill, buckets: { outOfCatalog: g(b.outOfCatalog), overLimit: g(b.overLimit), preSelfPay: g(b.preSelfPay), inPolicy: g(b.inPolicy) } };
  }
  const items: BillItem[] = (bill.items ?? []).map((i) => ({ ...i, amount: g(i.amount), unitPrice: g(i.unitPrice), ...(i.priceCap ? { priceCap: g(i.priceCap) } : {}) }));
  return { ...bill, items };
}
