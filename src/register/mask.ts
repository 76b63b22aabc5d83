/**
 * Resident ID numbers (身份证号) are personal data: every API answer, list view, slip and log line shows
 * them masked, keeping the region prefix and the last four characters a clerk uses to confirm identity.
 *
 * @example maskIdNumber("152201199001011234") // "152201********1234"
 */
export function maskIdNumber(id: string): string {
  if (id.length <= 8) return '*'.repeat(id.length);
  return `${id.slice(0, 6)}${'*'.repeat(id.length - 10)}${id.slice(-4)}`;
}

/** Mask anything that looks like an 18-character resident ID inside free text (log lines, error text). */
export function maskIdNumbersIn(text: string): string {
  return text.replace(/\b(\d{6})\d{8}(\d{3}[\dXx])\b/g, '$1********$2');
}
