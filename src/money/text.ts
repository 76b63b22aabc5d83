/**
 * Money and ratios as text: the one reader of decimal text in onestop, and the one writer.
 *
 * Reading. Every amount, ratio, quantity or weight that comes in (a bill over HTTP or on the command
 * line, a rules file, a what-if, an admissions CSV, a year-to-date file) is read from its text, exactly,
 * straight into an integer at a fixed scale (./units.ts): never through a binary float.
 *  - {@link readAmount}: yuan from people, non-negative, at most two decimals;
 *  - {@link readDecimal}: a plain decimal (ratio, factor, quantity, weight) with bounds;
 *  - {@link parseScaled} and its forms: text the program wrote itself (stored accumulators, results).
 * A JSON number is read from its shortest round-trip text ({@link decimalText}).
 *
 * Writing. {@link formatUnits} writes an amount exactly ("12000.00", and "77.775" for fractions of a
 * fen); {@link formatYuan} and {@link formatPercent} write for people. What rounds is ./rounding.ts.
 */
import { percentHalfUp, unitsHalfUp } from './rounding.js';
import { RATIO_DIGITS, UNITS_DIGITS, type Ratio, type Units } from './units.js';

/** Why a value could not be read, in Chinese for the clerk; the caller adds the field path. */
export class MoneyFormatError extends Error {}

// ── reading ─────────────────────────────────────────────────────────────────────────────────────────

/**
 * The exact text of a JSON value that should be a decimal. A JSON number is accepted and converted
 * from its shortest round-trip text (what `String(n)` gives), which is the text that was written for
 * any amount with at most two decimals.
 */
export function decimalText(input: unknown): string {
  if (typeof input === 'string') return input.trim();
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new MoneyFormatError('不是有限数值');
    return String(input);
  }
  throw new MoneyFormatError('应为数字或数字字符串');
}

const POW10: readonly bigint[] = Array.from({ length: 40 }, (_, i) => 10n ** BigInt(i));

/** Why {@link scan} refused a text. */
const enum Refusal {
  Syntax = -1,
  Decimals = -2,
}

/**
 * The one scanner of decimal text: `text[from, to)` as an integer at `scale` decimals. With `strict`
 * it takes what people may write, `-?(0|[1-9]\d{0,11})(\.\d+)?` (no exponent, no leading zeros, at most
 * 12 integer digits); without, what the program writes (any digits, leading zeros too). More decimals
 * than `maxDecimals` is refused, never rounded. Returns the value, or a {@link Refusal} as a number.
 */
function scan(text: string, from: number, to: number, scale: number, maxDecimals: number, strict: boolean): bigint | Refusal {
  let i = from;
  const negative = i < to && text.charCodeAt(i) === 45;
  if (negative) i++;
  const intFrom = i;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  const intDigits = i - intFrom;
  if (intDigits === 0) return Refusal.Syntax;
  if (strict && (intDigits > 12 || (intDigits > 1 && text.charCodeAt(intFrom) === 48))) return Refusal.Syntax;
  let decimals = 0;
  if (i < to) {
    if (text.charCodeAt(i) !== 46) return Refusal.Syntax;
    i++;
    const fracFrom = i;
    while (i < to) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) return Refusal.Syntax;
      i++;
    }
    decimals = i - fracFrom;
    if (decimals === 0) return Refusal.Syntax;
  }
  if (decimals > maxDecimals || decimals > scale) return Refusal.Decimals;
  const digitCount = intDigits + decimals;
  let v: bigint;
  if (digitCount <= 15) {
    // Up to 15 digits a double holds the integer exactly, and BigInt(number) is much cheaper than text.
    let n = 0;
    for (let k = intFrom; k < to; k++) {
      const c = text.charCodeAt(k);
      if (c !== 46) n = n * 10 + (c - 48);
    }
    v = BigInt(n);
  } else {
    v = BigInt(decimals ? text.slice(intFrom, intFrom + intDigits) + text.slice(intFrom + intDigits + 1, to) : text.slice(intFrom, to));
  }
  v *= POW10[scale - decimals]!;
  return negative ? -v : v;
}

/** Exact decimal text the program wrote → an integer at `scaleDigits` decimals; a RangeError if it has more. */
export function parseScaled(text: string, scaleDigits: number): bigint {
  return parseScaledAt(text, 0, text.length, scaleDigits);
}

/** {@link parseScaled} of `text.slice(from, to)`, read in place (the model's CSV fields). */
export function parseScaledAt(text: string, from: number, to: number, scaleDigits: number): bigint {
  const v = scan(text, from, to, scaleDigits, scaleDigits, false);
  if (typeof v === 'bigint') return v;
  const t = text.slice(from, to);
  throw new RangeError(v === Refusal.Decimals ? `more than ${scaleDigits} decimals: "${t}"` : `not a decimal: "${t}"`);
}

export const parseUnits = (text: string): Units => parseScaled(text, UNITS_DIGITS);
export const parseRatio = (text: string): Ratio => parseScaled(text, RATIO_DIGITS);
export const parseQuantity = (text: string): bigint => parseScaled(text, 4);

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/**
 * An amount of money in yuan from people: non-negative, at most 12 integer digits and two decimals,
 * as Units.
 *
 * @example readAmount("25.50") // 255000000000n
 * @example readAmount(306)     // 3060000000000n
 * @example readAmount("1.005") // throws: 金额最多两位小数
 */
export function readAmount(input: unknown): Units {
  const text = decimalText(input);
  return readAmountAt(text, 0, text.length);
}

/** {@link readAmount} of `text.slice(from, to)`, read in place (the model's CSV fields). */
export function readAmountAt(text: string, from: number, to: number): Units {
  const v = text.charCodeAt(from) === 45 ? Refusal.Syntax : scan(text, from, to, UNITS_DIGITS, 2, true);
  if (typeof v === 'bigint') return v;
  const t = text.slice(from, to);
  if (t.startsWith('-')) throw new MoneyFormatError(`金额不能为负数（收到 "${t}"）`);
  if (/\.\d{3,}$/.test(t)) throw new MoneyFormatError(`金额最多两位小数（收到 "${t}"）`);
  throw new MoneyFormatError(`不是有效金额（收到 "${truncate(t)}"），应为如 "25.50" 的元金额`);
}

export interface DecimalBounds {
  /** Decimal places of the result (8 for a ratio, 4 for a quantity). */
  scale: number;
  /** At most this many decimals are accepted (default `scale`, at most 8): more is refused, not rounded. */
  maxDecimals?: number;
  /** Inclusive bounds, as decimal text ("0", "1"). */
  min?: string;
  max?: string;
  /** The message for more decimals than allowed (default: 不是有效数值). */
  decimalsMessage?: string;
}

/**
 * A plain decimal from people (ratio, factor, quantity, weight): no exponent, no leading zeros, at most
 * 12 integer digits and `maxDecimals` decimals, read exactly at `scale` and held to `min`/`max`.
 *
 * @example readDecimal("0.85", { scale: 8, min: "0", max: "1" }) // 85000000n
 */
export function readDecimal(input: unknown, bounds: DecimalBounds): bigint {
  const text = decimalText(input);
  const maxDecimals = Math.min(bounds.maxDecimals ?? bounds.scale, 8);
  const v = scan(text, 0, text.length, bounds.scale, maxDecimals, true);
  if (typeof v !== 'bigint') {
    // A decimal of up to eight places that is only too precise for this field gets the field's own words.
    const decimals = text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
    if (v === Refusal.Decimals && bounds.decimalsMessage && decimals <= 8) throw new MoneyFormatError(bounds.decimalsMessage);
    if (v === Refusal.Decimals) throw new MoneyFormatError(`不是有效数值：最多 ${maxDecimals} 位小数（收到 "${truncate(text)}"），不能四舍五入`);
    throw new MoneyFormatError(`不是有效数值（收到 "${truncate(text)}"）`);
  }
  if (bounds.min !== undefined && v < parseScaled(bounds.min, bounds.scale)) throw new MoneyFormatError(`不能小于 ${bounds.min}（收到 "${text}"）`);
  if (bounds.max !== undefined && v > parseScaled(bounds.max, bounds.scale)) throw new MoneyFormatError(`不能大于 ${bounds.max}（收到 "${text}"）`);
  return v;
}

// ── writing ─────────────────────────────────────────────────────────────────────────────────────────

/** An integer at `scaleDigits` decimals → its exact text, with at least `minDigits` decimals. */
export function formatScaled(v: bigint, scaleDigits: number, minDigits = 2): string {
  const neg = v < 0n;
  const s = (neg ? -v : v).toString().padStart(scaleDigits + 1, '0');
  const int = s.slice(0, s.length - scaleDigits);
  let frac = s.slice(s.length - scaleDigits).replace(/0+$/, '');
  if (frac.length < minDigits) frac = frac.padEnd(minDigits, '0');
  return `${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** Below this many units (~900,000 yuan) an amount converts to a double exactly. */
const FAST_UNITS = BigInt(Number.MAX_SAFE_INTEGER);
const FEN_NUMBER = 10 ** (UNITS_DIGITS - 2);

/**
 * An amount as money text: "12000.00"; exact beyond the fen when it has fractions ("77.775").
 *
 * Whole fen below ~900,000 yuan, which is nearly every amount a settlement prints, are written from an
 * exact double (integer arithmetic, well inside 2^53) rather than through bigint text: ~5x quicker, and a
 * settlement's JSON prints ~40 amounts. Anything else goes through formatScaled; the two agree on every
 * value (test/money/text.test.ts).
 */
export function formatUnits(u: Units): string {
  if (u <= FAST_UNITS && u >= -FAST_UNITS) {
    const n = Number(u);
    if (n % FEN_NUMBER === 0) {
      const fen = Math.abs(n / FEN_NUMBER);
      const cents = fen % 100;
      return `${n < 0 ? '-' : ''}${(fen - cents) / 100}.${cents < 10 ? '0' : ''}${cents}`;
    }
  }
  return formatScaled(u, UNITS_DIGITS, 2);
}

/** A ratio as text with at least two decimals: "0.85", "0.90", "0.875". */
export const formatRatio = (r: Ratio): string => formatScaled(r, RATIO_DIGITS, 2);
/** A Product (a segment's unrounded payout) as exact text. */
export const formatProduct = (p: bigint): string => formatScaled(p, UNITS_DIGITS + RATIO_DIGITS, 2);

/** Money text or Units → Units (money text is what results and reports carry). */
function unitsOf(x: Units | string): Units {
  return typeof x === 'bigint' ? x : parseUnits(x);
}

/**
 * An amount for people, with thousands separators and two decimals ("12,000.00"); the API keeps plain
 * text. Fractions of a fen (an applied deductible) are shown half-up to the fen.
 */
export function formatYuan(x: Units | string): string {
  const s = formatUnits(unitsHalfUp(unitsOf(x)));
  const neg = s.startsWith('-');
  const [int = '0', frac = '00'] = (neg ? s.slice(1) : s).split('.');
  return `${neg ? '-' : ''}${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}

/** A ratio as a percentage for people: "0.95" → "95%", "0.875" → "87.5%" (two decimals at most, half-up). */
export function formatPercent(x: Ratio | string): string {
  const r = typeof x === 'bigint' ? x : parseRatio(x);
  return `${formatScaled(percentHalfUp(r), 2, 0)}%`;
}
