/**
 * `onestop settle --rules FILE BILLS`: settle bills with the same engine as the counter.
 *
 * BILLS is a JSON bill, a JSON Lines file of bills, or `-` for standard input. Prints one settlement
 * (§8) per bill, one per line, in input order, carrying each person's year-to-date accumulators from
 * one bill to the next (from zero, or from `--year-to-date FILE`).
 *
 * A bad bill stops the run: its line and field go to standard error and the exit code is 1. Every line
 * printed before it is a complete settlement of an earlier, valid bill; nothing is half-printed.
 */
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { parseStandaloneBill } from '../bill/parse.js';
import { SettlementError, formatPath } from '../engine/errors.js';
import { InputLineError } from '../formats/line-error.js';
import { YearToDateLedger } from '../engine/ledger.js';
import { settlementJson } from '../engine/result.js';
import type { Accumulators } from '../engine/types.js';
import type { LoadedRuleset } from '../rules/load.js';
import { jsonValues } from '../formats/json-values.js';

/** `{ "P-0001": { "2018": { "basic": { "paid": "1000.00" } } } }` → ledger entries. */
export function openInput(path: string, stdin: Readable = process.stdin): Readable {
  return path === '-' ? stdin : createReadStream(path, { encoding: 'utf8' });
}

export async function runSettle(opts: {
  rules: LoadedRuleset;
  input: Readable;
  output: Writable;
  yearToDate?: [string, number, Accumulators][];
}): Promise<number> {
  const ledger = new YearToDateLedger();
  for (const [person, year, accumulators] of opts.yearToDate ?? []) ledger.load(person, year, accumulators);
  let count = 0;
  for await (const value of jsonValues(opts.input)) {
    const bill = parseStandaloneBill(value);
    let line: string;
    try {
      const s = ledger.settle(bill, opts.rules.ruleset);
      line = JSON.stringify({ billNo: bill.billNo, personId: bill.person.id, ...settlementJson(s) });
    } catch (e) {
      if (e instanceof SettlementError) throw new InputLineError(value.line, bill.billNo, [{ path: formatPath(e.path), message: e.message }]);
      throw e;
    }
    if (!opts.output.write(`${line}\n`)) await new Promise((r) => opts.output.once('drain', r));
    count++;
  }
  return count;
}
