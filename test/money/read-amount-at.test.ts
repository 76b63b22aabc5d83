/**
 * The one reader of amounts from people (src/money/text.ts), in place: `readAmountAt` of a field inside
 * a record reads what `readAmount` reads of the field cut out, value or message (a field with spaces
 * around it is refused: only readAmount trims); and what it accepts is exactly the contract's amount
 * text, checked against an oracle written here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MoneyFormatError, readAmount, readAmountAt } from '../../src/money/text.js';

const outcome = (read: () => bigint) => {
  try {
    return { units: read() };
  } catch (e) {
    return { error: e instanceof MoneyFormatError ? e.message : `other: ${String(e)}` };
  }
};

/** Non-negative, at most 12 integer digits without leading zeros, at most two decimals: yuan x 10^10. */
function oracle(text: string): { units: bigint } | { refused: true } {
  const m = /^(0|[1-9]\d{0,11})(?:\.(\d{1,2}))?$/.exec(text);
  return m ? { units: BigInt(m[1]! + (m[2] ?? '').padEnd(2, '0')) * 10n ** 8n } : { refused: true };
}

const digits = fc.string({ unit: fc.constantFrom('0', '1', '2', '5', '9', '.', '-', ' ', 'e', 'x', ','), maxLength: 18 });
const amounts = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 13n }), fc.integer({ min: 0, max: 3 })).map(([n, d]) => (d === 0 ? String(n) : `${n / 10n ** BigInt(d)}.${String(n % 10n ** BigInt(d)).padStart(d, '0')}`));
const texts = fc.oneof(digits, amounts);

describe('readAmountAt', () => {
  it('reads a field in place as readAmount reads it cut out (property)', () => {
    fc.assert(
      fc.property(texts, texts, texts, (before, field, after) => {
        const record = `${before},${field},${after}`;
        const from = before.length + 1;
        const got = outcome(() => readAmountAt(record, from, from + field.length));
        // In place the field is read as it stands; readAmount trims the text it is given.
        if (field.trim() !== field) expect(got.error?.startsWith('other'), field).toBe(false);
        else expect(got).toEqual(outcome(() => readAmount(field)));
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts exactly the amount text of the contract, with its value (property)', () => {
    const check = (text: string) => {
      const got = outcome(() => readAmountAt(text, 0, text.length));
      const want = oracle(text);
      if ('units' in want) expect(got, text).toEqual(want);
      else expect(got.error?.startsWith('other') === false, text).toBe(true);
    };
    fc.assert(fc.property(texts, check), { numRuns: 5000 });
    for (const t of ['0', '0.00', '0.5', '12.50', '999999999999.99', '1000000000000', '01', '1.', '.5', '-1', '1.005', ' 7.25', '', '1e3']) check(t);
    expect(outcome(() => readAmountAt('-1', 0, 2))).toEqual({ error: '金额不能为负数（收到 "-1"）' });
    expect(outcome(() => readAmountAt('1.005', 0, 5))).toEqual({ error: '金额最多两位小数（收到 "1.005"）' });
  });
});
