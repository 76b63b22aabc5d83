/** quotientHalfUp (src/money/rounding.ts): a quotient shown to people, half-up, against decimal.js. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quotientHalfUp } from '../../src/money/rounding.js';
import { Decimal } from '../helpers.js';

describe('quotientHalfUp', () => {
  it('is decimal.js ROUND_HALF_UP of numerator / denominator at the given decimals (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 4 }), (n, d, digits) => {
        if (d === 0n) return;
        const expected = new Decimal(n.toString()).div(d.toString()).toDecimalPlaces(digits, Decimal.ROUND_HALF_UP).mul(10 ** digits).toFixed(0);
        expect(quotientHalfUp(n, d, digits)).toBe(BigInt(expected));
      }),
      { numRuns: 3000 },
    );
  });

  it('takes ties away from zero, and gives 0 for a denominator of 0', () => {
    expect(quotientHalfUp(5n, 2n, 0)).toBe(3n);
    expect(quotientHalfUp(-5n, 2n, 0)).toBe(-3n);
    expect(quotientHalfUp(1n, 8n, 2)).toBe(13n); // 0.125 → 0.13
    expect(quotientHalfUp(2n, 3n, 0)).toBe(1n);
    expect(quotientHalfUp(7n, 0n, 2)).toBe(0n);
  });
});
