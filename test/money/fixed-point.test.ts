/**
 * The fixed-point arithmetic (src/money/units.ts, rounding.ts, text.ts): amounts are `Units` (yuan x 10^10), ratios
 * `Ratio` (x 10^8), a ratio x an amount a `Product` (x 10^18). The three roundings of SETTLEMENT.md §1
 * (half-up payout, floor up, ceiling down) work on a Product; every expected value is worked by hand
 * beside it, and the last block checks them against decimal.js on random input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fenDown, fenHalfUp, fenUp, unitsHalfUp } from '../../src/money/rounding.js';
import { formatProduct, formatRatio as formatRatioFixed, formatScaled, formatUnits, parseQuantity, parseRatio, parseScaled, parseUnits } from '../../src/money/text.js';
import { FEN, QTY_ONE, RATIO_ONE, UNIT_SCALE, scaleUnits, type Product, type Units } from '../../src/money/units.js';
import { Decimal } from '../helpers.js';

/** A Product from its decimal text (18 decimals). */
const P = (text: string): Product => parseScaled(text, 18);
/** A rounded result as money text; the roundings return whole fen, so the text has exactly two decimals. */
const yuan = (u: Units) => formatUnits(u);

describe('fenHalfUp: a Product half-up to the fen, ties away from zero', () => {
  it.each([
    // exactly half a fen goes up
    ['0.005', '0.01'],
    // one 10^-18 under half a fen goes down; one over goes up
    ['0.004999999999999999', '0.00'],
    ['0.005000000000000001', '0.01'],
    // half-up, not half-even: 1.125 → 1.13 (banker's rounding would give 1.12)
    ['1.125', '1.13'],
    ['2.675', '2.68'],
    ['0.015', '0.02'],
    ['0.014999999999999999', '0.01'],
    // already on the fen, and zero: unchanged
    ['2.50', '2.50'],
    ['0', '0.00'],
    // the carry runs through every digit
    ['999999999999.995', '1000000000000.00'],
    // negative: ties away from zero (as decimal.js ROUND_HALF_UP), not towards +∞
    ['-0.005', '-0.01'],
    ['-0.004999999999999999', '0.00'],
    ['-2.675', '-2.68'],
    ['-1.124', '-1.12'],
    ['-2.50', '-2.50'],
  ])('%s → %s', (input, expected) => {
    expect(yuan(fenHalfUp(P(input)))).toBe(expected);
  });

  it('rounds once: 0.0449 → 0.04 (rounding to 0.045 first would give 0.05)', () => {
    expect(yuan(fenHalfUp(P('0.0449')))).toBe('0.04');
  });

  it('returns whole fen in Units', () => {
    // 0.5 x 100.01 = 50.005 → 50.01 = 5,001 fen = 5,001 x 10^8 units
    expect(fenHalfUp(parseRatio('0.5') * parseUnits('100.01'))).toBe(5001n * FEN);
  });
});

describe('fenUp: a Product up to the fen (toward +∞)', () => {
  it.each([
    ['0.001', '0.01'],
    // the smallest Product above zero still needs a whole fen
    ['0.000000000000000001', '0.01'],
    // exact fen: stays (up is not "add a fen")
    ['0.10', '0.10'],
    ['0.100000000000000001', '0.11'],
    // 0.9 x 1000.09 = 900.081: half-up would give 900.08 and miss the floor by 0.001
    ['900.081', '900.09'],
    ['0', '0.00'],
    // negative: toward +∞, i.e. toward zero
    ['-0.001', '0.00'],
    ['-0.019', '-0.01'],
    ['-0.01', '-0.01'],
    ['-0.010000000000000001', '-0.01'],
  ])('%s → %s', (input, expected) => {
    expect(yuan(fenUp(P(input)))).toBe(expected);
  });
});

describe('fenDown: a Product down to the fen (floor, toward −∞)', () => {
  it.each([
    ['0.019', '0.01'],
    ['0.009999999999999999', '0.00'],
    // exact fen: stays
    ['0.10', '0.10'],
    ['0.01', '0.01'],
    // 0.9 x 1100.05 - 600.03 = 390.015: half-up would give 390.02 and pass the ceiling by 0.005
    ['390.015', '390.01'],
    ['0', '0.00'],
    // negative: floor, not truncation (truncation would give 0.00 and -0.01)
    ['-0.001', '-0.01'],
    ['-0.01', '-0.01'],
    ['-0.010000000000000001', '-0.02'],
    ['-0.019', '-0.02'],
  ])('%s → %s', (input, expected) => {
    expect(yuan(fenDown(P(input)))).toBe(expected);
  });
});

describe('unitsHalfUp: an amount half-up to the fen', () => {
  it.each([
    // an adjusted deductible 0.5 x 155.55 = 77.775 → 77.78
    ['77.775', '77.78'],
    ['77.7749999999', '77.77'],
    ['0.005', '0.01'],
    ['0.0049999999', '0.00'],
    // the smallest amount (10^-10 yuan)
    ['0.0000000001', '0.00'],
    ['12.34', '12.34'],
    ['0', '0.00'],
    ['-0.005', '-0.01'],
    ['-0.0049999999', '0.00'],
    ['-77.775', '-77.78'],
  ])('%s → %s', (input, expected) => {
    expect(yuan(unitsHalfUp(parseUnits(input)))).toBe(expected);
  });
});

describe('scaleUnits: an amount x a ratio that stays an amount', () => {
  it('is exact up to ten decimals', () => {
    // 155.55 x 0.5 = 77.775
    expect(formatUnits(scaleUnits(parseUnits('155.55'), parseRatio('0.5')))).toBe('77.775');
    // 1,200.00 x 0.12345678 = 148.148136
    expect(formatUnits(scaleUnits(parseUnits('1200.00'), parseRatio('0.12345678')))).toBe('148.148136');
    // 0.01 x 0.00000001 = 0.0000000001: exactly ten decimals, the most an amount holds
    expect(scaleUnits(parseUnits('0.01'), parseRatio('0.00000001'))).toBe(1n);
    // 123.45 x 2 = 246.90; a factor of 1 and of 0
    expect(formatUnits(scaleUnits(parseUnits('123.45'), parseRatio('2')))).toBe('246.90');
    expect(scaleUnits(parseUnits('123.45'), RATIO_ONE)).toBe(parseUnits('123.45'));
    expect(scaleUnits(parseUnits('123.45'), 0n)).toBe(0n);
    expect(formatUnits(scaleUnits(parseUnits('-1.00'), parseRatio('0.5')))).toBe('-0.50');
  });

  it('throws rather than round when the result has more than ten decimals', () => {
    // 0.0000000001 x 0.5 = 0.00000000005 (11 decimals)
    expect(() => scaleUnits(1n, parseRatio('0.5'))).toThrow(RangeError);
    expect(() => scaleUnits(1n, parseRatio('0.5'))).toThrow(/more than 10 decimals/);
    // 0.0000000003 x 0.00000005 = 0.000000000000000015 (18 decimals)
    expect(() => scaleUnits(parseUnits('0.0000000003'), parseRatio('0.00000005'))).toThrow(/more than 10 decimals/);
    // the boundary: 0.03 x 0.00000005 = 0.0000000015 has ten decimals and is exact
    expect(scaleUnits(parseUnits('0.03'), parseRatio('0.00000005'))).toBe(15n);
  });
});

describe('parseScaled and the parsers at their scales', () => {
  it('reads exact decimal text at the given scale', () => {
    expect(parseScaled('25.5', 2)).toBe(2550n);
    expect(parseScaled('25.50', 2)).toBe(2550n);
    expect(parseScaled('306', 2)).toBe(30600n);
    expect(parseScaled('0.12345678', 8)).toBe(12345678n);
    expect(parseScaled('7', 0)).toBe(7n);
  });

  it('reads "0", "-0" and zero with decimals as zero', () => {
    for (const z of ['0', '-0', '0.0', '0.00000000', '-0.00']) expect(parseScaled(z, 8), z).toBe(0n);
  });

  it('reads negatives', () => {
    expect(parseScaled('-1.5', 2)).toBe(-150n);
    expect(parseScaled('-0.01', 2)).toBe(-1n);
    expect(parseRatio('-0.1')).toBe(-10_000_000n);
  });

  it('reads leading zeros as the same number', () => {
    expect(parseScaled('007.50', 2)).toBe(750n);
    expect(parseScaled('-00.5', 2)).toBe(-50n);
    expect(parseScaled('000', 2)).toBe(0n);
  });

  it('throws on more decimals than the scale holds, never rounds', () => {
    expect(() => parseScaled('0.123', 2)).toThrow(RangeError);
    expect(() => parseScaled('0.123', 2)).toThrow(/more than 2 decimals/);
    expect(() => parseScaled('1.000', 2)).toThrow(/more than 2 decimals/);
    expect(() => parseUnits('0.00000000001')).toThrow(/more than 10 decimals/);
    expect(() => parseRatio('0.123456789')).toThrow(/more than 8 decimals/);
    expect(() => parseQuantity('1.00001')).toThrow(/more than 4 decimals/);
    expect(() => parseScaled('1.5', 0)).toThrow(/more than 0 decimals/);
  });

  it.each(['', '.5', '5.', '1e3', '+1', ' 1', '1 ', '1,000', 'abc', '--1', '0x10', 'NaN', 'Infinity'])('refuses %j', (text) => {
    expect(() => parseScaled(text, 2)).toThrow(RangeError);
  });

  it('is exact for long digit strings on both sides of the 15-digit fast path', () => {
    // 15 digits in all (5 + 10): exact through a double
    expect(parseUnits('99999.9999999999')).toBe(999_999_999_999_999n);
    // 16 digits: a double would make this 1e16; read as text it stays exact
    expect(parseUnits('999999.9999999999')).toBe(9_999_999_999_999_999n);
    // above 2^53 = 9,007,199,254,740,992
    expect(parseScaled('9007199254740993', 0)).toBe(9_007_199_254_740_993n);
    // the largest bill amount (12 integer digits) at every decimal place
    expect(parseUnits('999999999999.99')).toBe(99_999_999_999_999n * FEN);
    expect(parseUnits('999999999999.9999999999')).toBe(10n ** 22n - 1n);
  });

  it('has the documented scales', () => {
    expect(parseUnits('1')).toBe(UNIT_SCALE);
    expect(parseUnits('0.01')).toBe(FEN);
    expect(parseRatio('1')).toBe(RATIO_ONE);
    expect(parseQuantity('1')).toBe(QTY_ONE);
    expect(parseQuantity('0.0001')).toBe(1n);
  });
});

describe('formatScaled and the formatters', () => {
  it('trims trailing zeros down to the minimum number of decimals', () => {
    expect(formatScaled(150n, 2, 2)).toBe('1.50');
    expect(formatScaled(12345n, 4, 2)).toBe('1.2345');
    expect(formatScaled(12300n, 4, 2)).toBe('1.23');
    expect(formatScaled(12000n, 4, 2)).toBe('1.20');
    expect(formatScaled(10000n, 4, 2)).toBe('1.00');
    expect(formatScaled(10000n, 4, 0)).toBe('1');
    expect(formatScaled(12000n, 4, 0)).toBe('1.2');
    expect(formatScaled(9000n, 4, 4)).toBe('0.9000');
    expect(formatScaled(5n, 4, 2)).toBe('0.0005');
    expect(formatScaled(123n, 0, 0)).toBe('123');
  });

  it('writes negatives with one sign, including below one', () => {
    expect(formatScaled(-150n, 2, 2)).toBe('-1.50');
    expect(formatScaled(-5n, 10, 2)).toBe('-0.0000000005');
    expect(formatUnits(parseUnits('-1234.5'))).toBe('-1234.50');
  });

  it('writes zero as 0 with the minimum decimals, never "-0"', () => {
    expect(formatScaled(0n, 10, 2)).toBe('0.00');
    expect(formatScaled(0n, 4, 0)).toBe('0');
    expect(formatScaled(-0n, 8, 2)).toBe('0.00');
    expect(formatUnits(parseUnits('-0'))).toBe('0.00');
  });

  it('writes amounts, ratios and products at their scales', () => {
    expect(formatUnits(parseUnits('12000'))).toBe('12000.00');
    expect(formatUnits(parseUnits('0.5'))).toBe('0.50');
    expect(formatUnits(parseUnits('77.775'))).toBe('77.775');
    expect(formatRatioFixed(parseRatio('0.9'))).toBe('0.90');
    expect(formatRatioFixed(parseRatio('1'))).toBe('1.00');
    expect(formatRatioFixed(parseRatio('0.875'))).toBe('0.875');
    expect(formatRatioFixed(1n)).toBe('0.00000001');
    // a segment's unrounded payout: 0.65 x 28,800.01 = 18,720.0065
    expect(formatProduct(parseRatio('0.65') * parseUnits('28800.01'))).toBe('18720.0065');
    expect(formatProduct(1n)).toBe('0.000000000000000001');
  });

  it('formatUnits writes exactly what formatScaled writes, on both sides of its whole-fen fast path', () => {
    const limit = BigInt(Number.MAX_SAFE_INTEGER);
    const edges = [0n, FEN, -FEN, 99n * FEN, 100n * FEN, -101n * FEN, limit, -limit, limit + 1n, -limit - 1n, (limit / FEN) * FEN, (limit / FEN + 1n) * FEN, -(limit / FEN) * FEN, 1n, -1n, FEN / 2n];
    for (const u of edges) expect(formatUnits(u), String(u)).toBe(formatScaled(u, 10, 2));
    const wholeFen = fc.bigInt({ min: -(limit / FEN) - 1000n, max: limit / FEN + 1000n }).map((fen) => fen * FEN);
    const anyUnits = fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n });
    fc.assert(
      fc.property(fc.oneof(wholeFen, anyUnits, fc.bigInt({ min: -100_000n, max: 100_000n }).map((fen) => fen * FEN)), (u) => {
        expect(formatUnits(u)).toBe(formatScaled(u, 10, 2));
      }),
      { numRuns: 5_000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Against decimal.js on random input

/** decimal.js text with two decimals, with decimal.js's "-0.00" written as the engine writes zero. */
const fixed2 = (d: Decimal) => (d.isZero() ? '0.00' : d.toFixed(2));
/** Fen as yuan text (decimal.js only). */
const fenToYuan = (fen: bigint) => new Decimal(fen.toString()).div(100).toFixed(2);

/** Amounts with at most two decimals, up to the largest bill amount (12 integer digits), either sign. */
const amountText = fc
  .oneof(
    { arbitrary: fc.bigInt({ min: 0n, max: 10_000n }), weight: 2 },
    { arbitrary: fc.bigInt({ min: 0n, max: 100_000_000n }), weight: 2 },
    { arbitrary: fc.bigInt({ min: 0n, max: 99_999_999_999_999n }), weight: 1 },
  )
  .chain((fen) => fc.boolean().map((neg) => fenToYuan(neg ? -fen : fen)));

/** Ratios, factors and bonuses: at most eight decimals, from -10 to 10, halves and other exact ties often. */
const ratioText = fc.oneof(
  { arbitrary: fc.constantFrom('0', '1', '0.5', '-0.5', '0.05', '0.005', '0.125', '0.9', '0.00000001', '-0.00000001', '10', '-1'), weight: 1 },
  { arbitrary: fc.integer({ min: -100_000_000, max: 100_000_000 }).map((n) => new Decimal(n).div(100_000_000).toFixed()), weight: 3 },
  { arbitrary: fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }).map((n) => new Decimal(n).div(100_000_000).toFixed()), weight: 1 },
);

describe('roundings against decimal.js', () => {
  it('fenHalfUp, fenUp and fenDown of ratio x amount are decimal.js ROUND_HALF_UP, ROUND_CEIL and ROUND_FLOOR', () => {
    fc.assert(
      fc.property(amountText, ratioText, (a, r) => {
        const exact = new Decimal(a).mul(r);
        const product = parseRatio(r) * parseUnits(a);
        // the Product is the exact value
        expect(formatProduct(product)).toBe(exact.isZero() ? '0.00' : exact.toFixed(Math.max(2, exact.decimalPlaces())));
        expect(yuan(fenHalfUp(product)), `${r} x ${a} half-up`).toBe(fixed2(exact.toDecimalPlaces(2, Decimal.ROUND_HALF_UP)));
        expect(yuan(fenUp(product)), `${r} x ${a} up`).toBe(fixed2(exact.toDecimalPlaces(2, Decimal.ROUND_CEIL)));
        expect(yuan(fenDown(product)), `${r} x ${a} down`).toBe(fixed2(exact.toDecimalPlaces(2, Decimal.ROUND_FLOOR)));
      }),
      { numRuns: 5_000 },
    );
  });

  it('unitsHalfUp of an amount with up to ten decimals is decimal.js ROUND_HALF_UP', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 22n), max: 10n ** 22n }), (u) => {
        const d = new Decimal(u.toString()).div(UNIT_SCALE.toString());
        expect(yuan(unitsHalfUp(u)), d.toString()).toBe(fixed2(d.toDecimalPlaces(2, Decimal.ROUND_HALF_UP)));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('text round trips', () => {
  /** Decimal text with up to ten decimals, as someone might write it (trailing zeros, either sign). */
  const unitsText = fc
    .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 999_999_999_999n }), fc.integer({ min: 0, max: 10 }), fc.bigInt({ min: 0n, max: 9_999_999_999n }))
    .map(([neg, int, places, frac]) => {
      const f = frac.toString().padStart(10, '0').slice(0, places);
      return `${neg ? '-' : ''}${int}${places > 0 ? `.${f}` : ''}`;
    });

  it('formatUnits(parseUnits(x)) is x, written with at least two decimals and no trailing zeros beyond them', () => {
    fc.assert(
      fc.property(unitsText, (x) => {
        const d = new Decimal(x);
        const expected = d.isZero() ? '0.00' : d.toFixed(Math.max(2, d.decimalPlaces()));
        expect(formatUnits(parseUnits(x))).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
  });

  it('parseUnits(formatUnits(u)) is u, and the text is decimal.js\'s u / 10^10', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }), (u) => {
        const text = formatUnits(u);
        expect(parseUnits(text)).toBe(u);
        expect(new Decimal(text).eq(new Decimal(u.toString()).div(UNIT_SCALE.toString())), text).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('ratios and products round-trip at their scales too', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (r, p) => {
        expect(parseRatio(formatRatioFixed(r))).toBe(r);
        expect(parseScaled(formatProduct(p), 18)).toBe(p);
        expect(new Decimal(formatProduct(p)).eq(new Decimal(p.toString()).div('1e18'))).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });
});
