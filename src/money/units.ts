/**
 * Exact amounts and ratios as integers (bigint): the one representation of money in onestop.
 *
 * The contract's numbers have bounded decimals, so a fixed scale is exact:
 *  - an amount is `Units`: yuan x 10^10. Bills and caps have 2 decimals; an adjusted deductible is an
 *    amount (2 dp) x a factor (≤ 8 dp) = ≤ 10 dp; every stored or carried value fits.
 *  - a ratio, factor or bonus is `Ratio`: x 10^8 (the rules schema allows at most 8 decimals).
 *  - a ratio x an amount is a `Product`: x 10^18, exact, and only ever rounded to the fen
 *    (./rounding.ts, the one place that rounds).
 * Quantities are x 10^4 (at most 4 decimals). Text in and out is ./text.ts.
 */

export type Units = bigint;
export type Ratio = bigint;
export type Product = bigint;

export const UNIT_SCALE = 10n ** 10n;
/** One fen in Units. */
export const FEN = 10n ** 8n;
export const RATIO_ONE = 10n ** 8n;
export const QTY_ONE = 10n ** 4n;
/** Decimal places of each scale. */
export const UNITS_DIGITS = 10;
export const RATIO_DIGITS = 8;
export const QTY_DIGITS = 4;

export const Z: Units = 0n;

/** Units as a Product (x 10^8), to add or compare with products. */
export function asProduct(u: Units): Product {
  return u * RATIO_ONE;
}

/** Ratio x amount: exact. */
export function mul(r: Ratio, u: Units): Product {
  return r * u;
}

/** An amount x a ratio that must stay an amount (≤ 10 dp), e.g. deductible x factor. Exact or it throws. */
export function scaleUnits(u: Units, r: Ratio): Units {
  const p = u * r;
  if (p % RATIO_ONE !== 0n) throw new RangeError('scaleUnits: result has more than 10 decimals');
  return p / RATIO_ONE;
}

export const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
export const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** Amounts with a fractional part of a fen are possible (an applied deductible 0.5 x 155.55 = 77.775). */
export function isWholeFen(u: Units): boolean {
  return u % FEN === 0n;
}

/**
 * Whole fen of an amount that must be whole fen (payouts, totals), as a JS number for the store's
 * integer columns and the model's sums: exact below 2^53 fen; a RangeError on fractions of a fen.
 */
export function toFen(u: Units): number {
  const fen = u / FEN;
  if (fen * FEN !== u) throw new RangeError('amount has fractions of a fen');
  return Number(fen);
}

/** Whole fen (an integer column, a sum) as Units. */
export function fromFen(fen: number | bigint): Units {
  return BigInt(fen) * FEN;
}
