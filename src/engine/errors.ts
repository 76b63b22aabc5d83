/**
 * Errors a user can act on. Like zod's issues, they are data: a stable code for programs,
 * the path of the field at fault, and a message in Chinese for the clerk or officer who reads it.
 */
export type SettlementErrorCode =
  | 'BILL_INVALID' // a field of the bill is wrong
  | 'AMOUNT_MISMATCH' // amount != unitPrice x quantity
  | 'VISIT_TYPE_NOT_COVERED' // the ruleset has no pipeline for the visit type
  | 'POPULATION_NOT_COVERED' // none of the person's populations is priced
  | 'TIER_NOT_PRICED' // a step needs the hospital's tier and does not price it
  | 'DATE_NOT_COVERED' // no ruleset covers the discharge date
  | 'PAID_ELSEWHERE_INVALID' // a payout given as made elsewhere names the wrong step, or is more than is left
  | 'RULESET_NOT_FOUND'
  | 'RULES_INVALID';

export class SettlementError extends Error {
  readonly code: SettlementErrorCode;
  readonly path: readonly (string | number)[];

  constructor(code: SettlementErrorCode, message: string, path: readonly (string | number)[] = []) {
    super(message);
    this.name = 'SettlementError';
    this.code = code;
    this.path = path;
  }

  toJSON(): { code: SettlementErrorCode; path: string; message: string } {
    return { code: this.code, path: formatPath(this.path), message: this.message };
  }
}

/** `["items", 3, "amount"]` → `items[3].amount`. */
export function formatPath(path: readonly (string | number | symbol)[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}
