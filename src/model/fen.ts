/**
 * Exact conversions between the engine's fixed-point amounts (`Units`, yuan x 10^10, bigint) and the
 * integer fen the model adds up, for the model's hot loop (a few per admission per scenario), and a
 * reader of amount text straight into Units. Exact by construction: integers only, never a binary
 * fraction. They agree with fixed.ts's toFenNumber/parseUnits and money.ts's amountText (property tests
 * check it).
 */
import { FEN, type Units } from '../money/fixed.js';
import { amountText } from '../money/money.js';

/**
 * Whole fen of an amount that must be whole fen (payouts, totals), as a JS number: what toFenNumber
 * gives (exact below 2^53 fen), and a RangeError on fractions of a fen. One bigint division and one
 * multiplication, the cheapest exact test.
 */
export function fenOfUnits(u: Units): number {
  const fen = u / FEN;
  if (fen * FEN !== u) throw new RangeError('amount has fractions of a fen');
  return Number(fen);
}

/** Whole fen (a safe integer) as Units. */
export function unitsOfFen(fen: number): Units {
  return BigInt(fen) * FEN;
}

/**
 * The fen of amount text in the common shapes ("1234.56", "12.5", "300", "0.07": no sign, no spaces,
 * no leading zero, at most 12 integer digits and two decimals), or -1 for any other text. Every text
 * it reads is one money.ts's `amountText` accepts, with the same value.
 */
export function fastAmountFen(text: string): number {
  return fastAmountFenAt(text, 0, text.length);
}

/** fastAmountFen of text.slice(from, to), read in place. */
export function fastAmountFenAt(text: string, from: number, to: number): number {
  const n = to - from;
  if (n <= 0 || n > 15) return -1;
  let fen = 0;
  let i = from;
  if (text.charCodeAt(i) === 48) i++;
  else {
    while (i < to) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      fen = fen * 10 + (c - 48);
      i++;
    }
  }
  const digits = i - from;
  if (digits === 0 || digits > 12) return -1;
  if (i === to) return fen * 100;
  if (text.charCodeAt(i) !== 46) return -1;
  const d = to - i - 1;
  if (d !== 1 && d !== 2) return -1;
  const a = text.charCodeAt(i + 1) - 48;
  const b = d === 2 ? text.charCodeAt(i + 2) - 48 : 0;
  if (a < 0 || a > 9 || b < 0 || b > 9) return -1;
  return fen * 100 + a * 10 + b;
}

/**
 * An amount of money in yuan (non-negative, at most 12 integer digits and two decimals) as Units.
 * Accepts exactly what money.ts's `amountText` accepts, and refuses everything else with its message.
 */
export function parseAmountUnits(text: string): Units {
  const fen = fastAmountFen(text);
  if (fen !== -1) return unitsOfFen(fen);
  // Anything else: the shared validator says what is wrong (or accepts a shape the fast path skipped).
  const valid = amountText(text);
  const dot = valid.indexOf('.');
  const int = dot === -1 ? valid : valid.slice(0, dot);
  const frac = dot === -1 ? '' : valid.slice(dot + 1);
  return BigInt(int + frac.padEnd(2, '0')) * FEN;
}
