/**
 * Row weights (`--weights COLUMN`): a row of weight w counts w times in the report's counts and sums.
 * A weight is an exact decimal from 0 to 1,000,000 with at most six places, kept as integer millionths.
 */
import { InputLineError } from '../../formats/line-error.js';
import { MoneyFormatError, readDecimal } from '../../money/text.js';

export const WEIGHT_UNIT = 1_000_000;
/** The weight of a row when no weight column is used. */
export const UNIT_WEIGHT = WEIGHT_UNIT;

/** A weight as integer millionths; a bad one is an InputLineError at its line and column. */
export function parseWeight(value: unknown, line: number, column: string, billNo?: string): number {
  try {
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) throw new MoneyFormatError('权重不能为空');
    // Read at 8 places (what a plain decimal may have), then held to six: trailing zeros do not count
    // as places ("1.50000000" has one).
    const e8 = readDecimal(typeof value === 'string' ? value.trim() : value, { scale: 8, min: '0', max: '1000000' });
    if (e8 % 100n !== 0n) throw new MoneyFormatError('权重最多六位小数');
    return Number(e8 / 100n);
  } catch (e) {
    throw new InputLineError(line, billNo, [{ path: column, message: e instanceof MoneyFormatError ? e.message : String(e) }]);
  }
}
