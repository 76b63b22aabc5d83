/**
 * Reading a posted bill: the one bill schema (./schema.ts), run through zod's own compiled form of it.
 *
 * `z.compile` generates a parser from the schema's definition, which answers a well-formed bill in a
 * fraction of the runtime parser's time and hands anything it would not accept to the runtime parser,
 * which decides and words the errors. Nothing here restates a rule of the schema.
 */
import * as z from 'zod';
import { formatPath } from '../engine/errors.js';
import type { Bill } from '../engine/types.js';
import { JsonInputError, jsonSyntaxProblem, parseJson } from '../formats/json.js';
import { InputLineError, type LineProblem } from '../formats/line-error.js';
import { billInputSchema, toEngineBill, type BillInput } from './schema.js';

const compiled = z.compile(billInputSchema);

export function parseBillInput(raw: unknown): z.ZodSafeParseResult<BillInput> {
  return compiled.safeParse(raw);
}

/**
 * A bill read without a register (`onestop settle`, a model's §8 rows): from its text at a line of the
 * input, with its hospital tier and the person's populations in the bill itself. Every problem is an
 * InputLineError naming the line, the bill number and the field.
 */
export function parseStandaloneBill(value: { line: number; text: string }): Bill {
  let json: unknown;
  try {
    json = parseJson(value.text);
  } catch (e) {
    if (e instanceof JsonInputError && e.key !== undefined) {
      throw new InputLineError(value.line, undefined, [{ path: formatPath([...e.path, e.key]), message: `键 "${e.key}" 在同一对象中出现了两次，无法确定以哪个为准` }]);
    }
    const p = jsonSyntaxProblem(e, value.line);
    throw new InputLineError(p.line, undefined, [{ path: '', message: p.message }]);
  }
  return standaloneBill(value.line, json);
}

/** The same, from a line already read with parseJson (a model's JSON Lines row): the text is not read twice. */
export function standaloneBill(line: number, json: unknown): Bill {
  const billNo = typeof (json as { billNo?: unknown })?.billNo === 'string' ? (json as { billNo: string }).billNo : undefined;
  const parsed = parseBillInput(json);
  if (!parsed.success) {
    throw new InputLineError(line, billNo, parsed.error.issues.map((i) => ({ path: formatPath(i.path as (string | number)[]), message: i.message })));
  }
  const b = parsed.data;
  const missing: LineProblem[] = [];
  if (!b.hospital.tier) missing.push({ path: 'hospital.tier', message: '命令行结算没有医院库，账单须写明医院等级' });
  if (!b.person.populations) missing.push({ path: 'person.populations', message: '命令行结算没有人员库，账单须写明参保人群' });
  if (missing.length) throw new InputLineError(line, billNo, missing);
  return toEngineBill(b, b.hospital.tier!, b.person.populations!);
}

/**
 * The engine's bill from a settlement's stored bill (`bill_json`: the bill as posted, with the tier and
 * populations it was settled on): what re-computing a stored settlement starts from.
 */
export function engineBillFromStored(billJson: string): Bill {
  // Read exactly, as when it was posted: a stored bill keeps the numbers as the window wrote them.
  const parsed = compiled.safeParse(parseJson(billJson));
  if (!parsed.success) throw parsed.error;
  const input = parsed.data;
  if (input.hospital.tier === undefined || input.person.populations === undefined) throw new Error('a stored bill without its tier or populations');
  return toEngineBill(input, input.hospital.tier, input.person.populations);
}
