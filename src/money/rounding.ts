/**
 * Every rounding of money in onestop, and nothing else rounds.
 *
 * The contract (SETTLEMENT.md §1) names three:
 *  - {@link fenHalfUp}: half-up to the fen, once per step payout and per item bucket share;
 *  - {@link fenUp}: up to the fen, for the backstop floor, so a guaranteed ratio is never missed by a
 *    fraction of a fen;
 *  - {@link fenDown}: down to the fen, for a ratio ceiling, so it is never passed.
 * {@link unitsHalfUp} is the first on an amount rather than a product (an item's unitPrice x quantity,
 * an item's over-limit part, an amount shown to people with two decimals).
 *
 * Three more are for people, never for money paid: {@link ratioDown}, the actual reimbursement ratio
 * truncated (it never shows 90% for a settlement that reimbursed 89.996%), {@link percentHalfUp},
 * a ratio as a percentage with two decimals, and {@link quotientHalfUp}, a quotient shown half-up (the
 * fund model's mean payment per admission, to the fen; its weighted counts, to two decimals).
 */
import { FEN, type Product, type Ratio, type Units } from './units.js';

/** Product → fen: a Product is Units x Ratio = fen x 10^16. */
const PRODUCT_PER_FEN = 10n ** 16n;

/** Floor division (toward −∞) for bigint, which itself truncates toward zero. */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** v / per, rounded half-up (ties away from zero). */
function halfUpDiv(v: bigint, per: bigint): bigint {
  const q = ((v < 0n ? -v : v) + per / 2n) / per;
  return v < 0n ? -q : q;
}

/** Half-up to the fen, as Units. */
export function fenHalfUp(p: Product): Units {
  return halfUpDiv(p, PRODUCT_PER_FEN) * FEN;
}

/**
 * A fraction `p / d` of a Product (d > 0), half-up to the fen, as Units: the payout on a base that is
 * itself a fraction (above another step's deductible, §3), rounded once at full precision.
 */
export function fenHalfUpOf(p: Product, d: bigint): Units {
  return halfUpDiv(p, PRODUCT_PER_FEN * d) * FEN;
}

/** Up to the fen (toward +∞), as Units. */
export function fenUp(p: Product): Units {
  return -floorDiv(-p, PRODUCT_PER_FEN) * FEN;
}

/** Down to the fen (toward −∞), as Units. */
export function fenDown(p: Product): Units {
  return floorDiv(p, PRODUCT_PER_FEN) * FEN;
}

/** An amount in Units, half-up to the fen. */
export function unitsHalfUp(u: Units): Units {
  return halfUpDiv(u, FEN) * FEN;
}

/**
 * `numerator / denominator` truncated toward zero to `digits` decimals, as an integer at 10^digits
 * (0 when the denominator is 0): the actual reimbursement ratio shows `ratioDown(fundPays, total, 4)`.
 */
export function ratioDown(numerator: bigint, denominator: bigint, digits: number): bigint {
  if (denominator === 0n) return 0n;
  return (numerator * 10n ** BigInt(digits)) / denominator;
}

/** A ratio (x 10^8) as hundredths of a percent, half-up: 0.875 → 8750 (87.50%). */
export function percentHalfUp(r: Ratio): bigint {
  return halfUpDiv(r, 10n ** 4n);
}

/**
 * `numerator / denominator` half-up (ties away from zero) to `digits` decimals, as an integer at
 * 10^digits (0 when the denominator is 0), exact from integers: a figure people read that is a quotient,
 * never a payout. The fund model's mean patient payment is `quotientHalfUp(Σ fen, Σ admissions, 0)` fen.
 */
export function quotientHalfUp(numerator: bigint, denominator: bigint, digits: number): bigint {
  if (denominator === 0n) return 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (2n * n * 10n ** BigInt(digits) + d) / (2n * d);
  return numerator < 0n !== denominator < 0n ? -q : q;
}
