/**
 * Money and ratios: the one place where amounts are parsed, rounded and formatted.
 *
 * Amounts are yuan with two decimals (fen). They never pass through a binary float:
 * every amount is a `Decimal` (decimal.js) from the moment it is read until it is
 * written out as a string with two decimals.
 *
 * The contract (SETTLEMENT.md §1) names exactly three roundings, and they are the
 * only three functions in the code base that round money:
 *  - {@link roundPayout}: half-up to the fen, once per step payout and per bucket item;
 *  - {@link roundFloorNeed}: up to the fen, for the backstop floor, so a guaranteed
 *    ratio is never missed by a fraction of a fen;
 *  - {@link roundCeilingRoom}: down to the fen, for a ratio ceiling, so it is never passed.
 */
import { Decimal as DecimalJs } from 'decimal.js';
import { formatRatioFixed, formatUnits } from './fixed.js';

/** A decimal.js constructor of our own, so no global configuration leaks in or out. */
export const Decimal = DecimalJs.clone({ precision: 50, rounding: DecimalJs.ROUND_HALF_UP, toExpNeg: -30, toExpPos: 40 });
export type Decimal = InstanceType<typeof Decimal>;

export const ZERO: Decimal = new Decimal(0);
export const ONE: Decimal = new Decimal(1);

/** Half-up to the fen: each step's payout, and each item's bucket share (§1, §2). */
export function roundPayout(x: Decimal): Decimal {
  return x.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

/** Up to the fen: the floor step's `floor x denominator - earlier payouts` (§3.3). */
export function roundFloorNeed(x: Decimal): Decimal {
  return x.toDecimalPlaces(2, Decimal.ROUND_CEIL);
}

/** Down to the fen: the room a ratio ceiling leaves (§3, "Ceiling"). */
export function roundCeilingRoom(x: Decimal): Decimal {
  return x.toDecimalPlaces(2, Decimal.ROUND_FLOOR);
}

/** Largest amount of money we accept: 12 integer digits (below one trillion yuan). */
const AMOUNT_TEXT = /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/;
/** Decimal text for ratios, factors and quantities: no exponent, no sign unless allowed. */
const DECIMAL_TEXT = /^-?(0|[1-9]\d{0,11})(\.\d{1,8})?$/;

/** Why a value could not be read; the caller adds the field path. */
export class MoneyFormatError extends Error {}

/**
 * The exact text of a JSON value that should be a decimal. A JSON number is accepted and
 * converted from its shortest round-trip text (what `String(n)` gives), which is the text
 * that was written for any amount with at most two decimals.
 */
function decimalText(input: unknown): string {
  if (typeof input === 'string') return input.trim();
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new MoneyFormatError('不是有限数值');
    return String(input);
  }
  throw new MoneyFormatError('应为数字或数字字符串');
}

/**
 * Parse an amount of money in yuan: a non-negative number with at most two decimals.
 *
 * @example parseAmount("25.50") // Decimal 25.5
 * @example parseAmount(306)     // Decimal 306
 * @example parseAmount("1.005") // throws: at most two decimals
 */
export function parseAmount(input: unknown): Decimal {
  return new Decimal(amountText(input));
}

/** The validated text of an amount (what {@link parseAmount} reads), for parsers that build their own numbers. */
export function amountText(input: unknown): string {
  const text = decimalText(input);
  if (!AMOUNT_TEXT.test(text)) {
    if (/^-/.test(text)) throw new MoneyFormatError(`金额不能为负数（收到 "${text}"）`);
    if (/\.\d{3,}$/.test(text)) throw new MoneyFormatError(`金额最多两位小数（收到 "${text}"）`);
    throw new MoneyFormatError(`不是有效金额（收到 "${truncate(text)}"），应为如 "25.50" 的元金额`);
  }
  return text;
}

/** The validated text of a plain decimal (no exponent, at most 8 decimals). */
export function plainDecimalText(input: unknown): string {
  const text = decimalText(input);
  if (!DECIMAL_TEXT.test(text)) throw new MoneyFormatError(`不是有效数值（收到 "${truncate(text)}"）`);
  return text;
}

/**
 * Parse a plain decimal (ratio, factor, quantity), read exactly from its text.
 * `min`/`max` bound it inclusively.
 */
export function parseDecimal(input: unknown, opts: { min?: string; max?: string } = {}): Decimal {
  const text = plainDecimalText(input);
  const d = new Decimal(text);
  if (opts.min !== undefined && d.lt(opts.min)) throw new MoneyFormatError(`不能小于 ${opts.min}（收到 "${text}"）`);
  if (opts.max !== undefined && d.gt(opts.max)) throw new MoneyFormatError(`不能大于 ${opts.max}（收到 "${text}"）`);
  return d;
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** An amount as the API and the CLI write it: a string with exactly two decimals. */
export function formatAmount(x: Decimal): string {
  return x.toFixed(2);
}

/** A ratio as written in results: its exact value, with at least two decimals ("0.85", "0.9", → "0.90"). */
export function formatRatio(x: Decimal): string {
  return x.decimalPlaces() < 2 ? x.toFixed(2) : x.toString();
}

/**
 * The actual reimbursement ratio for display, to four decimals, truncated: it never shows
 * 90% for a settlement that reimbursed 89.996%.
 */
export function formatActualRatio(fundPays: Decimal, total: Decimal): string {
  if (total.isZero()) return '0.0000';
  return fundPays.div(total).toFixed(4, Decimal.ROUND_DOWN);
}

/** Amounts with thousands separators for people ("12,000.00"); the API keeps plain text. */
export function formatYuan(x: Decimal | string): string {
  const s = typeof x === 'string' ? new Decimal(x).toFixed(2) : x.toFixed(2);
  const [int = '0', frac = '00'] = s.replace('-', '').split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${s.startsWith('-') ? '-' : ''}${grouped}.${frac}`;
}

/** A ratio as a percentage for people ("0.95" → "95%", "0.875" → "87.5%"). */
export function formatPercent(x: Decimal | string): string {
  const d = typeof x === 'string' ? new Decimal(x) : x;
  return `${d.mul(100).toDecimalPlaces(2).toString()}%`;
}

export function min(...xs: Decimal[]): Decimal {
  return Decimal.min(...xs);
}

export function max(...xs: Decimal[]): Decimal {
  return Decimal.max(...xs);
}

export function sum(xs: Iterable<Decimal>): Decimal {
  let s = ZERO;
  for (const x of xs) s = s.plus(x);
  return s;
}

/** An amount with at most two decimals as integer fen, for the store's exact money columns. */
export function toFen(x: Decimal): number {
  const fen = x.mul(100);
  if (!fen.isInteger()) throw new Error(`amount ${x.toString()} has fractions of a fen`);
  return fen.toNumber();
}

export function fromFen(fen: number | bigint | string): Decimal {
  return new Decimal(fen.toString()).div(100);
}

/** A fixed-point amount (src/money/fixed.ts Units) as a Decimal, for code that works in decimal.js (audit, display). */
export function decimalFromUnits(u: bigint): Decimal {
  return new Decimal(formatUnits(u));
}

/** A fixed-point ratio (Ratio, x 10^8) as a Decimal. */
export function decimalFromRatio(r: bigint): Decimal {
  return new Decimal(formatRatioFixed(r));
}
