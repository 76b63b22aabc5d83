/** Whole fen ↔ Units (src/money/units.ts): what the store's integer columns and the model's sums hold. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseUnits } from '../../src/money/text.js';
import { FEN, fromFen, toFen } from '../../src/money/units.js';

describe('toFen and fromFen', () => {
  it('convert whole fen exactly and refuse fractions of a fen (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 53n) + 1n, max: 2n ** 53n - 1n }), fc.bigInt({ min: 0n, max: FEN - 1n }), (fen, frac) => {
        expect(toFen(fen * FEN)).toBe(Number(fen));
        expect(fromFen(Number(fen))).toBe(fen * FEN);
        expect(fromFen(fen)).toBe(fen * FEN);
        if (frac !== 0n) expect(() => toFen(fen * FEN + frac)).toThrow(RangeError);
      }),
      { numRuns: 2000 },
    );
    expect(() => toFen(parseUnits('77.775'))).toThrow(RangeError);
    expect(toFen(parseUnits('0.1'))).toBe(10);
    expect(toFen(parseUnits('90071992547409.91'))).toBe(9007199254740991);
  });
});
