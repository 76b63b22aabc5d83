// Money in the browser, exactly as on the server: an amount is a decimal string from the API or a
// BigInt count of fen, never a binary float. Every amount on every page goes through formatAmount:
// two decimals, thousands separators.

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Normalise what a clerk types: full-width digits and punctuation, spaces, thousands separators. */
export function cleanNumberText(text) {
  return String(text ?? '')
    .replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 48))
    .replace(/[\uFF0E\u3002]/g, '.')
    .replace(/[,\uFF0C\s¥￥元]/g, '')
    .trim();
}

/**
 * A decimal as { units, scale } (value = units / 10^scale), or null when the text is not a plain
 * decimal number. `maxScale` refuses more decimals than the field allows.
 */
export function parseDecimal(text, maxScale = 8) {
  const m = DECIMAL.exec(cleanNumberText(text));
  if (!m) return null;
  const frac = m[3] ?? '';
  if (frac.length > maxScale) return null;
  let units = BigInt(m[2] + frac);
  if (m[1]) units = -units;
  return { units, scale: frac.length };
}

/** Divide and round half away from zero (half-up for the positive amounts of a bill). */
export function divRoundHalfUp(n, d) {
  const neg = n < 0n !== d < 0n;
  const a = n < 0n ? -n : n;
  const b = d < 0n ? -d : d;
  let q = a / b;
  if ((a % b) * 2n >= b) q += 1n;
  return neg ? -q : q;
}

function rescale(dec, scale) {
  if (dec.scale === scale) return dec.units;
  if (dec.scale < scale) return dec.units * 10n ** BigInt(scale - dec.scale);
  return divRoundHalfUp(dec.units, 10n ** BigInt(dec.scale - scale));
}

/** Yuan text with at most two decimals → fen, or null. */
export function parseFen(text) {
  const d = parseDecimal(text, 2);
  return d ? rescale(d, 2) : null;
}

/** Any decimal text or number → fen, rounded half-up (for display of exact trace values). */
export function toFenRounded(value) {
  if (typeof value === 'bigint') return value;
  const d = parseDecimal(typeof value === 'number' ? String(value) : value, 40);
  return d ? rescale(d, 2) : null;
}

/** Fen → "1234.50" (the API's form). */
export function fenToString(fen) {
  const neg = fen < 0n;
  const s = (neg ? -fen : fen).toString().padStart(3, '0');
  return `${neg ? '-' : ''}${s.slice(0, -2)}.${s.slice(-2)}`;
}

function group(int) {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * An amount for people: "12,345.60". Takes the API's string (or fen as BigInt); anything that is not a
 * number shows as "—". Strings are split on the point, never converted to a float.
 */
export function formatAmount(value) {
  if (value === null || value === undefined || value === '') return '—';
  const fen = toFenRounded(value);
  if (fen === null) return '—';
  const s = fenToString(fen);
  const neg = s.startsWith('-');
  const [int, frac] = (neg ? s.slice(1) : s).split('.');
  return `${neg ? '-' : ''}${group(int)}.${frac}`;
}

/** "0.75" → "75%", "0.9000" → "90.00%" with `digits`; exact, by moving the decimal point. */
export function formatRatio(value, digits) {
  if (value === null || value === undefined || value === '') return '—';
  const d = parseDecimal(typeof value === 'number' ? String(value) : value, 40);
  if (!d) return String(value);
  // value × 100 = units / 10^(scale-2)
  let units = d.units;
  let scale = d.scale - 2;
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  if (digits !== undefined && scale > digits) {
    units = divRoundHalfUp(units, 10n ** BigInt(scale - digits));
    scale = digits;
  }
  const neg = units < 0n;
  let s = (neg ? -units : units).toString().padStart(scale + 1, '0');
  let out = scale ? `${s.slice(0, -scale)}.${s.slice(-scale)}` : s;
  if (digits === undefined && out.includes('.')) out = out.replace(/0+$/, '').replace(/\.$/, '');
  if (digits !== undefined && scale < digits) out += (scale ? '' : '.') + '0'.repeat(digits - scale);
  return `${neg ? '-' : ''}${out}%`;
}

/** An item's amount: unit price (fen) × quantity (decimal), half-up to the fen — as the API checks it. */
export function lineAmountFen(unitPriceFen, quantity) {
  return divRoundHalfUp(unitPriceFen * quantity.units, 10n ** BigInt(quantity.scale));
}

/** Sum of amounts given as strings or fen. */
export function sumFen(values) {
  let total = 0n;
  for (const v of values) total += toFenRounded(v) ?? 0n;
  return total;
}

/** part / whole as a percentage Number for drawing only (bar widths), never for money. */
export function share(part, whole) {
  const p = toFenRounded(part) ?? 0n;
  const w = toFenRounded(whole) ?? 0n;
  if (w <= 0n || p <= 0n) return 0;
  return Number((p * 1000000n) / w) / 10000;
}

/** A quantity or ratio as the API wants it: normalised decimal text. */
export function decimalToString(d) {
  const neg = d.units < 0n;
  const s = (neg ? -d.units : d.units).toString().padStart(d.scale + 1, '0');
  return `${neg ? '-' : ''}${d.scale ? `${s.slice(0, -d.scale)}.${s.slice(-d.scale)}` : s}`;
}

/**
 * A count of admissions for people: whole, with thousands separators. The model's counts carry two
 * decimals when weights or growth make them fractional (66755.33); they are rounded half-up to a whole
 * admission here, as the CLI does (quotientHalfUp in src/money/rounding.ts).
 */
export function formatCount(value) {
  const d = parseDecimal(typeof value === 'number' ? String(value) : value, 40);
  if (!d) return '—';
  return group(rescale(d, 0).toString());
}
