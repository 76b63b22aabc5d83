/**
 * The money module (SETTLEMENT.md §1): the three roundings, reading amounts, and the two formats for
 * people. Every expected value is worked by hand in the comment beside it.
 */
import { describe, expect, it } from 'vitest';
import {
  Decimal,
  MoneyFormatError,
  formatActualRatio,
  formatAmount,
  formatRatio,
  formatYuan,
  parseAmount,
  parseDecimal,
  roundCeilingRoom,
  roundFloorNeed,
  roundPayout,
} from '../../src/money/money.js';

const d = (s: string) => new Decimal(s);
/** Rounded value as text with two decimals, so "0.10" and "0.1" cannot be confused. */
const r2 = (x: Decimal) => x.toFixed(2);

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
    expect(r2(roundPayout(d(input)))).toBe(expected);
  });

  it('rounds once, not in two stages (0.0449 → 0.04, whereas 0.0449 → 0.045 → 0.05 would be double rounding)', () => {
    expect(r2(roundPayout(d('0.0449')))).toBe('0.04');
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
    expect(r2(roundFloorNeed(d(input)))).toBe(expected);
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
    expect(r2(roundCeilingRoom(d(input)))).toBe(expected);
  });
});

describe('parseAmount', () => {
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
    expect(parseAmount(input).toFixed(2)).toBe(expected);
  });

  it('reads the exact decimal, not a float (0.1 + 0.2 == 0.3 exactly)', () => {
    expect(parseAmount('0.1').plus(parseAmount('0.2')).eq(parseAmount('0.3'))).toBe(true);
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
    expect(() => parseAmount(input)).toThrow(MoneyFormatError);
    expect(() => parseAmount(input)).toThrow(message);
  });
});

describe('parseDecimal', () => {
  it('reads ratios exactly and enforces bounds inclusively', () => {
    expect(parseDecimal('0.90', { min: '0', max: '1' }).toString()).toBe('0.9');
    expect(parseDecimal(1, { min: '0', max: '1' }).toString()).toBe('1');
    expect(parseDecimal('0', { min: '0', max: '1' }).toString()).toBe('0');
    expect(() => parseDecimal('1.0001', { min: '0', max: '1' })).toThrow(/不能大于 1/);
    expect(() => parseDecimal('-0.01', { min: '0' })).toThrow(/不能小于 0/);
    expect(parseDecimal('-0.10', { min: '-1', max: '1' }).toString()).toBe('-0.1');
    // at most 8 decimals, no exponent
    expect(parseDecimal('0.12345678').toString()).toBe('0.12345678');
    expect(() => parseDecimal('0.123456789')).toThrow(MoneyFormatError);
    expect(() => parseDecimal('1e-3')).toThrow(MoneyFormatError);
  });
});

describe('formatAmount and formatRatio', () => {
  it('writes amounts with exactly two decimals', () => {
    expect(formatAmount(d('0'))).toBe('0.00');
    expect(formatAmount(d('12000'))).toBe('12000.00');
    expect(formatAmount(d('0.5'))).toBe('0.50');
  });

  it('writes ratios exactly, with at least two decimals', () => {
    expect(formatRatio(d('0.9'))).toBe('0.90');
    expect(formatRatio(d('1'))).toBe('1.00');
    expect(formatRatio(d('0.875'))).toBe('0.875');
    expect(formatRatio(d('0.85'))).toBe('0.85');
  });
});

describe('formatActualRatio: four decimals, truncated', () => {
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
    expect(formatActualRatio(d(fundPays), d(total))).toBe(expected);
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
    expect(formatYuan(d(input))).toBe(expected);
  });

  it('does not group the decimals (1234.5678 is first written 1234.57)', () => {
    expect(formatYuan('1234.5678')).toBe('1,234.57');
  });
});
