/**
 * Exact fixed-point arithmetic for the engine's hot path, in integers (bigint).
 *
 * decimal.js is exact but allocates on every operation (~0.5 µs each); the engine does a few hundred
 * per bill. The contract's numbers have bounded decimals, so a fixed scale is exact:
 *  - an amount is `Units`: yuan x 10^10. Bills and caps have 2 decimals; an adjusted deductible is an
 *    amount (2 dp) x a factor (≤ 8 dp) = ≤ 10 dp; every stored or carried value fits.
 *  - a ratio, factor or bonus is `Ratio`: x 10^8 (the rules schema allows at most 8 decimals).
 *  - a ratio x an amount is a `Product`: x 10^18, exact, and only ever rounded to the fen.
 * Quantities are x 10^4 (at most 4 decimals).
 *
 * The three roundings the contract names (half-up payout, floor up, ceiling down) are here as
 * `fenHalfUp`, `fenUp` and `fenDown` on a Product, and `unitsHalfUp` on an amount; nothing else rounds.
 */

export type Units = bigint;
export type Ratio = bigint;
export type Product = bigint;

export const UNIT_SCALE = 10n ** 10n;
export const FEN = 10n ** 8n; // one fen in Units
export const RATIO_ONE = 10n ** 8n;
export const QTY_ONE = 10n ** 4n;
/** Product → fen: a Product is Units x Ratio = fen x 10^16. */
const PRODUCT_PER_FEN = 10n ** 16n;

export const Z: Units = 0n;

/** Floor division (toward −∞) for bigint, which itself truncates toward zero. */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/** v / per, rounded half-up (ties away from zero, as decimal.js ROUND_HALF_UP). */
function halfUpDiv(v: bigint, per: bigint): bigint {
  const q = ((v < 0n ? -v : v) + per / 2n) / per;
  return v < 0n ? -q : q;
}

/** Half-up to the fen, as Units. */
export function fenHalfUp(p: Product): Units {
  return halfUpDiv(p, PRODUCT_PER_FEN) * FEN;
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

/** Units → fen as a JS number (exact below 2^53 fen); throws on fractions of a fen. */
export function toFenNumber(u: Units): number {
  if (u % FEN !== 0n) throw new RangeError('amount has fractions of a fen');
  return Number(u / FEN);
}

export function fromFenNumber(fen: number | bigint): Units {
  return BigInt(fen) * FEN;
}

// ── text ⇄ fixed ────────────────────────────────────────────────────────────────────────────────────

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
const POW10: bigint[] = Array.from({ length: 19 }, (_, i) => 10n ** BigInt(i));

/** Exact decimal text → an integer at `scaleDigits` decimals; throws if the text has more decimals. */
export function parseScaled(text: string, scaleDigits: number): bigint {
  const m = DECIMAL.exec(text);
  if (!m) throw new RangeError(`not a decimal: "${text}"`);
  const frac = m[3] ?? '';
  if (frac.length > scaleDigits) throw new RangeError(`more than ${scaleDigits} decimals: "${text}"`);
  const digits = m[2]! + frac;
  // Up to 15 digits a double holds the integer exactly, and BigInt(number) is much cheaper than parsing text.
  const pad = scaleDigits - frac.length;
  const v = (digits.length <= 15 ? BigInt(Number(digits)) : BigInt(digits)) * (POW10[pad] ?? 10n ** BigInt(pad));
  return m[1] ? -v : v;
}

export const parseUnits = (text: string): Units => parseScaled(text, 10);
export const parseRatio = (text: string): Ratio => parseScaled(text, 8);
export const parseQuantity = (text: string): bigint => parseScaled(text, 4);

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
const FEN_NUMBER = Number(FEN);

/**
 * An amount as money text: "12000.00"; exact beyond the fen when it has fractions ("77.775").
 *
 * Whole fen below ~900,000 yuan, which is nearly every amount a settlement prints, are written from an
 * exact double (integer arithmetic, well inside 2^53) rather than through bigint text: ~5x quicker, and a
 * settlement's JSON prints ~40 amounts. Anything else goes through formatScaled. The two agree on every
 * value (test/engine/fixed.test.ts).
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
  return formatScaled(u, 10, 2);
}
/** A ratio as text with at least two decimals: "0.85", "0.90", "0.875". */
export const formatRatioFixed = (r: Ratio): string => formatScaled(r, 8, 2);
/** A Product (a segment's unrounded payout) as exact text. */
export const formatProduct = (p: Product): string => formatScaled(p, 18, 2);
