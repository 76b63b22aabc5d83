/**
 * A number read from its text (JSON or YAML): kept as a number when the double it parses to is the same
 * decimal as the text, so that reading it again from its shortest text (`String(n)`, what the money
 * readers do) gives back exactly what was written; otherwise the text itself, a string, for the field's
 * reader to take exactly or refuse. Nothing is rounded through a binary float.
 */
export function exactNumber(source: string, value: number): number | string {
  if (!Number.isFinite(value)) return source;
  const shortest = String(value);
  return shortest === source || sameDecimal(shortest, source) ? value : source;
}

/** `-12.50e1` → { negative, digits: "125", exponent: 0 }: digits without leading or trailing zeros. */
function decimalOf(text: string): { negative: boolean; digits: string; exponent: number } | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  let digits = (int + frac).replace(/^0+/, '');
  let exponent = Number(m[4] ?? 0) - frac.length;
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  if (digits === '') return { negative: false, digits: '0', exponent: 0 };
  return { negative: m[1] === '-', digits, exponent };
}

/** Whether two decimal texts are the same number ("1e3" and "1000", "2018.0" and "2018"). */
export function sameDecimal(a: string, b: string): boolean {
  const x = decimalOf(a);
  const y = decimalOf(b);
  return x !== null && y !== null && x.negative === y.negative && x.digits === y.digits && x.exponent === y.exponent;
}
