/**
 * Admission rows from CSV: the header's layout, and each record read into a `ModelRow`.
 *
 * The common record, quote-free with the four bucket columns and every value well-formed, is read in
 * place: field bounds from formats/csv.ts, amounts and dates straight from the characters (money/text.ts
 * and formats/iso-date.ts), no array of field strings. Anything else is read again by the general
 * reader (./admission.ts), which names what is wrong. Both give the same bill for every row the first
 * accepts (test/model/input/rows.test.ts).
 */
import type { Bill } from '../../engine/types.js';
import { fieldBounds, newFieldBounds, parseCsvRecord } from '../../formats/csv.js';
import { isoDateNumber, isoDateNumberAt } from '../../formats/iso-date.js';
import { InputLineError, type LineProblem } from '../../formats/line-error.js';
import { MoneyFormatError, readAmountAt } from '../../money/text.js';
import type { Units } from '../../money/units.js';
import { BUCKET_COLUMNS, KNOWN_COLUMNS, REQUIRED_COLUMNS, SHARE_COLUMNS, billFromRow, diagnosesOf, isVisitType, populationsOf, type Column, type Get, type ModelRow } from './admission.js';
import { UNIT_WEIGHT, parseWeight } from './weights.js';

/** Where each known column sits in a CSV header (case-insensitive). */
export interface CsvLayout {
  header: string[];
  index: Partial<Record<Column, number>>;
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
  for (const k of KNOWN_COLUMNS) {
    const i = find(k);
    if (i !== undefined) index[k] = i;
  }
  const problems: LineProblem[] = [];
  const missing = REQUIRED_COLUMNS.filter((k) => index[k] === undefined);
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

/**
 * The text of each date seen (a year has few, and every bill of a day shares one string), by its
 * number YYYYMMDD in a small direct-mapped table: a cache of strings over the one date check, which
 * the caller has already passed.
 */
const DATE_SLOTS = 1024;
const dateKeys = new Int32Array(DATE_SLOTS).fill(-1);
const dateStrings: string[] = new Array<string>(DATE_SLOTS).fill('');
function dateTextAt(text: string, from: number, to: number, date: number): string {
  const slot = date % DATE_SLOTS;
  if (dateKeys[slot] === date) return dateStrings[slot]!;
  const s = text.slice(from, to);
  dateKeys[slot] = date;
  dateStrings[slot] = s;
  return s;
}

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

/** The fields of the record being read in place, reused from one record to the next. */
const bounds = newFieldBounds();

/** An amount read in place, or null when it is not a well-formed one (the general reader says why). */
function amountAt(text: string, from: number, to: number): Units | null {
  try {
    return readAmountAt(text, from, to);
  } catch (e) {
    if (e instanceof MoneyFormatError) return null;
    throw e;
  }
}

/**
 * The common case of a quote-free CSV row with the four bucket columns, every value present and
 * well-formed: the bill, read in place, or null when anything is missing or unusual. For every row it
 * accepts, it gives exactly the bill `billFromRow` gives: each field as split(',') and trim() would give
 * it. `n` fields are in `bounds`.
 */
function fastBucketBill(text: string, n: number, line: number, ix: CsvLayout['index'], few: RowCaches): { bill: Bill; date: number } | null {
  const { starts, ends } = bounds;
  const str = (i: number | undefined): string => (i === undefined || i >= n ? '' : text.slice(starts[i]!, ends[i]!).trim());
  const amount = (i: number | undefined): Units | null => (i === undefined || i >= n ? null : amountAt(text, starts[i]!, ends[i]!));
  const di = ix.discharged;
  if (di === undefined || di >= n) return null;
  const date = isoDateNumberAt(text, starts[di]!, ends[di]!);
  if (date === -1) return null;
  const discharged = dateTextAt(text, starts[di]!, ends[di]!, date);
  const outOfCatalog = amount(ix.outOfCatalog);
  const overLimit = amount(ix.overLimit);
  const preSelfPay = amount(ix.preSelfPay);
  const inPolicy = amount(ix.inPolicy);
  if (outOfCatalog === null || overLimit === null || preSelfPay === null || inPolicy === null) return null;
  let admitted = discharged;
  const ai = ix.admitted;
  if (ai !== undefined && ai < n && ends[ai]! > starts[ai]!) {
    const a = isoDateNumberAt(text, starts[ai]!, ends[ai]!);
    if (a === -1 || a > date) return null;
    admitted = dateTextAt(text, starts[ai]!, ends[ai]!, a);
  }
  const person = str(ix.person);
  const populations = ix.population !== undefined && ix.population < n ? few.population.at(text, starts[ix.population]!, ends[ix.population]!) : null;
  const tier = ix.tier !== undefined && ix.tier < n ? few.tier.at(text, starts[ix.tier]!, ends[ix.tier]!) : '';
  if (!person || !populations || !tier) return null;
  const visitType = ix.visitType !== undefined && ix.visitType < n ? few.visitType.at(text, starts[ix.visitType]!, ends[ix.visitType]!) : 'inpatient';
  if (visitType === null) return null;
  // A payout made elsewhere is rare: the general reader takes it.
  if (ix.paidElsewhere !== undefined && ix.paidElsewhere < n && str(ix.paidElsewhere)) return null;
  const diagnosesText = str(ix.diagnoses);
  const diagnoses = diagnosesText ? diagnosesOf(diagnosesText) : undefined;
  if (diagnoses && !Array.isArray(diagnoses)) return null;
  const bill: Bill = {
    billNo: str(ix.billNo) || `L${line}`,
    hospital: { code: (ix.hospital !== undefined && ix.hospital < n ? few.hospital.at(text, starts[ix.hospital]!, ends[ix.hospital]!) : '') || '-', tier },
    person: { id: person, populations },
    visit: { type: visitType, admitted, discharged },
    buckets: { outOfCatalog, overLimit, preSelfPay, inPolicy },
    ...(diagnoses ? { diagnoses: diagnoses as readonly string[] } : {}),
  };
  return { bill, date };
}

export function rowFromCsv(text: string, line: number, layout: CsvLayout): ModelRow {
  if (layout.amounts === 'buckets' && !text.includes('"')) {
    const n = fieldBounds(text, bounds);
    const fast = fastBucketBill(text, n, line, layout.index, cachesFor(layout));
    if (fast) {
      const w = layout.weight;
      const weight = w === undefined ? UNIT_WEIGHT : parseWeight(w < n ? text.slice(bounds.starts[w]!, bounds.ends[w]!) : undefined, line, layout.header[w]!, fast.bill.billNo);
      return { line, bill: fast.bill, weight, date: fast.date };
    }
  }
  const fields = parseCsvRecord(text);
  const get: Get = (name) => {
    const i = layout.index[name as Column];
    return i === undefined ? undefined : fields[i];
  };
  const bill = billFromRow(get, line, layout.amounts);
  const weight = layout.weight === undefined ? UNIT_WEIGHT : parseWeight(fields[layout.weight], line, layout.header[layout.weight]!, bill.billNo);
  return { line, bill, weight, date: isoDateNumber(bill.visit.discharged) };
}
