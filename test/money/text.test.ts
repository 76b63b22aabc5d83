/**
 * Money as text and its roundings (SETTLEMENT.md §1): the three roundings on amounts written as text,
 * the one reader of amounts and decimals with its messages, and the formats for people. Every expected
 * value is worked by hand in the comment beside it.
 */
import { describe, expect, it } from 'vitest';
import { actualRatio } from '../../src/engine/result.js';
import { fenDown, fenHalfUp, fenUp } from '../../src/money/rounding.js';
import { MoneyFormatError, formatPercent, formatRatio, formatUnits, formatYuan, parseRatio, parseScaled, parseUnits, readAmount, readDecimal } from '../../src/money/text.js';
import { RATIO_DIGITS } from '../../src/money/units.js';

/** A Product (x 10^18) from decimal text, so that a rounding can be fed any exact value. */
const P = (text: string) => parseScaled(text, 18);
const roundPayout = (text: string) => formatUnits(fenHalfUp(P(text)));
const roundFloorNeed = (text: string) => formatUnits(fenUp(P(text)));
const roundCeilingRoom = (text: string) => formatUnits(fenDown(P(text)));
const ratio = (v: unknown, bounds: { min?: string; max?: string } = {}) => formatRatio(readDecimal(v, { scale: RATIO_DIGITS, ...bounds }));

describe('roundPayout: half-up to the fen', () => {
  it.each([
    // exactly half a fen goes up
    ['0.005', '0.01'],
    // just under half a fen goes down
    ['0.0049999', '0.00'],
    // a half exactly on a fen with an odd hundredth: half-up gives 1.13; half-even (banker's) would give 1.12
    ['1.125', '1.13'],
    // 2.675 as a float is 2.67499999…; exact decimal half-up gives 2.68
    ['2.675', '2.68'],
    // 0.5 x 100.01 = 50.005 exactly → 50.01
    ['50.005', '50.01'],
    // already on the fen: unchanged
    ['2.50', '2.50'],
    ['0', '0.00'],
    // the carry runs through every digit of the largest amount
    ['999999999999.995', '1000000000000.00'],
  ])('%s → %s', (input, expected) => {
    expect(roundPayout(input)).toBe(expected);
  });

  it('rounds once, not in two stages (0.0449 → 0.04, whereas 0.0449 → 0.045 → 0.05 would be double rounding)', () => {
    expect(roundPayout('0.0449')).toBe('0.04');
  });
});

describe('roundFloorNeed: up to the fen', () => {
  it.each([
    // a thousandth of a yuan still needs a whole fen
    ['0.001', '0.01'],
    // exact fen: stays (up is not "add a fen")
    ['0.10', '0.10'],
    ['0.1000000001', '0.11'],
    // 0.9 x 1000.09 = 900.081: half-up would give 900.08 and miss the floor by 0.001
    ['900.081', '900.09'],
    ['0', '0.00'],
  ])('%s → %s', (input, expected) => {
    expect(roundFloorNeed(input)).toBe(expected);
  });
});

describe('roundCeilingRoom: down to the fen', () => {
  it.each([
    ['0.019', '0.01'],
    // exact fen: stays
    ['0.10', '0.10'],
    ['0.01', '0.01'],
    // 0.9 x 1100.05 - 600.03 = 390.015: half-up would give 390.02 and pass the ceiling by 0.005
    ['390.015', '390.01'],
    ['0.0099999', '0.00'],
  ])('%s → %s', (input, expected) => {
    expect(roundCeilingRoom(input)).toBe(expected);
  });
});

describe('readAmount', () => {
  it.each([
    ['25.50', '25.50'],
    ['25.5', '25.50'],
    [306, '306.00'],
    ['0', '0.00'],
    [0, '0.00'],
    // a JSON number is read from its text: 0.1 + 0.2 would be 0.30000000000000004, but 0.3 is "0.3"
    [0.3, '0.30'],
    [1234.56, '1234.56'],
    // surrounding blanks are trimmed
    [' 12.30 ', '12.30'],
    // the largest: 12 integer digits
    ['999999999999.99', '999999999999.99'],
  ])('accepts %j as %s', (input, expected) => {
    expect(formatUnits(readAmount(input))).toBe(expected);
  });

  it('reads the exact decimal, not a float (0.1 + 0.2 == 0.3 exactly)', () => {
    expect(readAmount('0.1') + readAmount('0.2')).toBe(readAmount('0.3'));
  });

  it.each([
    ['1.005', /两位小数/],
    ['-1', /负数/],
    [-1, /负数/],
    ['abc', /不是有效金额/],
    ['1e3', /不是有效金额/],
    // 1e21 is written "1e+21" by JavaScript
    [1e21, /不是有效金额/],
    ['NaN', /不是有效金额/],
    [Number.NaN, /有限数值/],
    [Number.POSITIVE_INFINITY, /有限数值/],
    ['Infinity', /不是有效金额/],
    ['', /不是有效金额/],
    ['.5', /不是有效金额/],
    ['5.', /不是有效金额/],
    ['01', /不是有效金额/],
    ['1,000.00', /不是有效金额/],
    ['+1', /不是有效金额/],
    // 13 integer digits: one trillion yuan is refused
    ['1000000000000', /不是有效金额/],
    ['1000000000000.00', /不是有效金额/],
    [null, /应为数字/],
    [undefined, /应为数字/],
    [true, /应为数字/],
  ])('refuses %j', (input, message) => {
    expect(() => readAmount(input)).toThrow(MoneyFormatError);
    expect(() => readAmount(input)).toThrow(message);
  });
});

describe('readDecimal', () => {
  it('reads ratios exactly and enforces bounds inclusively', () => {
    expect(ratio('0.90', { min: '0', max: '1' })).toBe('0.90');
    expect(ratio(1, { min: '0', max: '1' })).toBe('1.00');
    expect(ratio('0', { min: '0', max: '1' })).toBe('0.00');
    expect(() => ratio('1.0001', { min: '0', max: '1' })).toThrow(/不能大于 1/);
    expect(() => ratio('-0.01', { min: '0' })).toThrow(/不能小于 0/);
    expect(ratio('-0.10', { min: '-1', max: '1' })).toBe('-0.10');
    // at most 8 decimals, no exponent
    expect(ratio('0.12345678')).toBe('0.12345678');
    expect(() => ratio('0.123456789')).toThrow(MoneyFormatError);
    expect(() => ratio('1e-3')).toThrow(MoneyFormatError);
  });

  it('gives a field its own words for too many decimals, up to eight; beyond, the general message', () => {
    const quantity = (v: string) => readDecimal(v, { scale: 4, decimalsMessage: '数量最多四位小数' });
    expect(quantity('1.2345')).toBe(12345n);
    expect(() => quantity('1.23456')).toThrow('数量最多四位小数');
    expect(() => quantity('1.234567891')).toThrow(/不是有效数值/);
  });
});

describe('formatUnits and formatRatio', () => {
  it('writes amounts with exactly two decimals, and fractions of a fen exactly', () => {
    expect(formatUnits(parseUnits('0'))).toBe('0.00');
    expect(formatUnits(parseUnits('12000'))).toBe('12000.00');
    expect(formatUnits(parseUnits('0.5'))).toBe('0.50');
    expect(formatUnits(parseUnits('77.775'))).toBe('77.775');
  });

  it('writes ratios exactly, with at least two decimals', () => {
    expect(formatRatio(parseRatio('0.9'))).toBe('0.90');
    expect(formatRatio(parseRatio('1'))).toBe('1.00');
    expect(formatRatio(parseRatio('0.875'))).toBe('0.875');
    expect(formatRatio(parseRatio('0.85'))).toBe('0.85');
  });

  it('writes a ratio as a percentage with at most two decimals, half-up', () => {
    expect(formatPercent('0.95')).toBe('95%');
    expect(formatPercent('0.875')).toBe('87.5%');
    expect(formatPercent('0.12345')).toBe('12.35%');
    expect(formatPercent(parseRatio('1'))).toBe('100%');
    expect(formatPercent('-0.0174')).toBe('-1.74%');
  });
});

describe('actualRatio: four decimals, truncated', () => {
  it.each([
    // 0.89999 truncated, not rounded to 0.9000
    ['0.89999', '1', '0.8999'],
    // 10799.99 / 12000 = 0.8999991666… → 0.8999 (rounding would show 0.9000)
    ['10799.99', '12000', '0.8999'],
    // 10800 / 12000 = 0.9 exactly
    ['10800', '12000', '0.9000'],
    // 1 / 3 = 0.33333… → 0.3333; 2 / 3 = 0.66666… → 0.6666 (not 0.6667)
    ['1', '3', '0.3333'],
    ['2', '3', '0.6666'],
    ['12000', '12000', '1.0000'],
    ['0', '500', '0.0000'],
    // a zero bill shows 0.0000, not NaN
    ['0', '0', '0.0000'],
  ])('%s / %s → %s', (fundPays, total, expected) => {
    expect(actualRatio(parseUnits(fundPays), parseUnits(total))).toBe(expected);
  });
});

describe('formatYuan: thousands separators', () => {
  it.each([
    ['0', '0.00'],
    ['999.99', '999.99'],
    ['1000', '1,000.00'],
    ['12000', '12,000.00'],
    ['123456.7', '123,456.70'],
    ['1234567.89', '1,234,567.89'],
    ['100000000000', '100,000,000,000.00'],
    ['-1234.5', '-1,234.50'],
    ['-999', '-999.00'],
  ])('%s → %s', (input, expected) => {
    expect(formatYuan(input)).toBe(expected);
    expect(formatYuan(parseUnits(input))).toBe(expected);
  });

  it('rounds a fraction of a fen half-up before grouping (1234.5678 is first written 1234.57)', () => {
    expect(formatYuan('1234.5678')).toBe('1,234.57');
  });
});
