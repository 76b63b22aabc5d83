/**
 * `onestop settle --year-to-date FILE`: the accumulators a person's year starts from, shaped
 * `{"<personId>": {"<year>": {"<accumulator key>": {"paid": "1000.00"}}}}`. Any subset of `paid`,
 * `deductibleMet` and `cumulative` (absent = 0, §4); amounts exact from their text (strings or JSON
 * numbers), never negative; a key written twice refused. Every problem names the file and the path.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { formatPath } from '../engine/errors.js';
import type { AccumulatorField, Accumulators } from '../engine/types.js';
import { JsonInputError, parseJson } from '../formats/json.js';
import { InputFileError } from '../formats/line-error.js';
import { readDecimal } from '../money/text.js';
import { UNITS_DIGITS, type Units } from '../money/units.js';
import { decimalField } from '../money/zod.js';

const amount = decimalField((v) => readDecimal(v, { scale: UNITS_DIGITS, min: '0' }));
const fields = z.strictObject(
  { paid: amount.optional(), deductibleMet: amount.optional(), cumulative: amount.optional() },
  { error: (i) => (i.code === 'unrecognized_keys' ? `累计值只有 paid、deductibleMet、cumulative 三项（收到 ${i.keys.join('、')}）` : '应为对象，如 {"paid": "1000.00"}') },
);
const fileSchema = z.record(
  z.string().min(1, '人员编号不能为空'),
  z.record(z.string().regex(/^\d{4}$/), z.record(z.string().min(1), fields), {
    error: (i) => (i.code === 'invalid_key' ? `年度应为四位数字，如 "2018"（收到 "${String(i.key ?? '')}"）` : '应为对象：{"<年度>": {"<累计项>": {"paid": "0.00"}}}'),
  }),
);

export function readYearToDate(path: string): [personId: string, year: number, accumulators: Accumulators][] {
  return yearToDateFromText(readFileSync(path, 'utf8'), path);
}

export function yearToDateFromText(text: string, file: string): [string, number, Accumulators][] {
  let json: unknown;
  try {
    json = parseJson(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    if (e instanceof JsonInputError && e.key !== undefined) {
      throw new InputFileError(file, [{ path: formatPath([...e.path, e.key]), message: `键 "${e.key}" 出现了两次，无法确定以哪个为准` }]);
    }
    throw new InputFileError(file, [{ path: '', message: `不是有效的 JSON：${(e as Error).message}` }]);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw new InputFileError(file, parsed.error.issues.map((i) => ({ path: formatPath(i.path as (string | number)[]), message: i.message })));
  const out: [string, number, Accumulators][] = [];
  for (const [person, years] of Object.entries(parsed.data)) {
    for (const [year, keys] of Object.entries(years)) {
      const accumulators: Record<string, Partial<Record<AccumulatorField, Units>>> = {};
      for (const [key, values] of Object.entries(keys)) {
        accumulators[key] = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<Record<AccumulatorField, Units>>;
      }
      out.push([person, Number(year), accumulators]);
    }
  }
  return out;
}
