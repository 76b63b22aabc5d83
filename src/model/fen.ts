/**
 * Fast exact conversions between Decimal amounts and integer fen, for the model's hot loop (a few
 * per admission per scenario). Exact by construction: they go through the decimal text, never
 * through a binary float, and agree with money.ts's toFen/fromFen (a property test checks it).
 */
import { Decimal, toFen } from '../money/money.js';

/** A whole number of fen, or null when the amount has fractions of a fen (or is too large). */
export function fenOf(x: Decimal): number | null {
  const s = x.toString();
  if (s.includes('e')) {
    const fen = x.mul(100);
    return fen.isInteger() && fen.abs().lte(Number.MAX_SAFE_INTEGER) ? fen.toNumber() : null;
  }
  const dot = s.indexOf('.');
  let digits: string;
  if (dot === -1) digits = `${s}00`;
  else {
    const frac = s.length - dot - 1;
    if (frac > 2) return null;
    digits = s.slice(0, dot) + s.slice(dot + 1) + (frac === 1 ? '0' : '');
  }
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : null;
}

/** Whole fen of an amount that must be whole fen (payouts, totals): throws otherwise, like toFen. */
export function wholeFen(x: Decimal): number {
  return fenOf(x) ?? toFen(x);
}

/** An integer number of fen as a Decimal amount in yuan. */
export function decimalOfFen(fen: number): Decimal {
  const neg = fen < 0;
  const abs = String(neg ? -fen : fen).padStart(3, '0');
  return new Decimal(`${neg ? '-' : ''}${abs.slice(0, -2)}.${abs.slice(-2)}`);
}
