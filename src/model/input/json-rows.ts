/**
 * Admission rows from JSON Lines: each line a §8 bill (items or buckets, with `hospital.tier` and
 * `person.populations`, read by the same parser as `onestop settle`) or a flat admission row with the
 * columns of ./admission.ts.
 */
import { standaloneBill } from '../../bill/parse.js';
import { isoDateNumber } from '../../formats/iso-date.js';
import { formatPath } from '../../engine/errors.js';
import { JsonInputError, jsonSyntaxProblem, parseJson } from '../../formats/json.js';
import { InputLineError } from '../../formats/line-error.js';
import { BUCKET_COLUMNS, billFromRow, type Get, type ModelRow } from './admission.js';
import { UNIT_WEIGHT, parseWeight } from './weights.js';

/** Is this JSON object a §8 bill (rather than a flat admission row)? */
function isSection8Bill(obj: Record<string, unknown>): boolean {
  return 'visit' in obj || 'items' in obj || 'buckets' in obj;
}

/** One JSON value (a line of JSON Lines) → a row. `weights` names a top-level property. */
export function rowFromJson(text: string, line: number, weights?: string | null): ModelRow {
  let obj: unknown;
  try {
    // Exact: a number keeps its text where a double would change it; a key written twice is refused.
    obj = parseJson(text);
  } catch (e) {
    if (e instanceof JsonInputError && e.key !== undefined) {
      throw new InputLineError(line, undefined, [{ path: formatPath([...e.path, e.key]), message: `键 "${e.key}" 在同一对象中出现了两次，无法确定以哪个为准` }]);
    }
    const p = jsonSyntaxProblem(e, line);
    throw new InputLineError(p.line, undefined, [{ path: '', message: p.message }]);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new InputLineError(line, undefined, [{ path: '', message: '每行应为一个 JSON 对象（账单或就诊记录）' }]);
  const record = obj as Record<string, unknown>;
  let weight = UNIT_WEIGHT;
  let billValue = record;
  if (weights) {
    weight = parseWeight(record[weights], line, weights, typeof record.billNo === 'string' ? record.billNo : undefined);
    if (isSection8Bill(record)) {
      const { [weights]: _w, ...rest } = record;
      billValue = rest;
    }
  }
  let bill;
  // The value read above, exactly as parseStandaloneBill would read the text again.
  if (isSection8Bill(record)) bill = standaloneBill(line, billValue);
  else {
    const get: Get = (name) => {
      const v = record[name];
      if (v === undefined || v === null) return undefined;
      if (name === 'paidElsewhere' && typeof v === 'object' && !Array.isArray(v)) return paidElsewhereText(v as Record<string, unknown>);
      if (Array.isArray(v)) return v.map((x) => (x && typeof x === 'object' && 'code' in x ? String((x as { code: unknown }).code) : String(x))).join('|');
      return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
    };
    bill = billFromRow(get, line, BUCKET_COLUMNS.some((k) => record[k] !== undefined) ? 'buckets' : 'total');
  }
  return { line, bill, weight, date: isoDateNumber(bill.visit.discharged) };
}

/** The person a JSON row belongs to, for partitioning (the parent reads only this much). */
export function personOfJson(obj: unknown): string | undefined {
  if (obj === null || typeof obj !== 'object') return undefined;
  const p = (obj as { person?: unknown }).person;
  if (typeof p === 'string') return p;
  if (p && typeof p === 'object' && typeof (p as { id?: unknown }).id === 'string') return (p as { id: string }).id;
  return undefined;
}

/** A flat row's `paidElsewhere` object ({"basic": {"payout": "8200.00", "deductible": "600.00"}}) in the column's text form. */
function paidElsewhereText(v: Record<string, unknown>): string {
  return Object.entries(v)
    .map(([id, p]) => {
      const { payout, deductible } = (p ?? {}) as { payout?: unknown; deductible?: unknown };
      return [id, payout, deductible].filter((x) => x !== undefined).map(String).join(':');
    })
    .join('|');
}
