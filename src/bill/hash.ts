/**
 * A bill's hash: the same bill posted twice, with its keys in any order and its amounts written as 306
 * or "306.00", is known as a replay; a different bill under the same number is a conflict. It is the
 * sha256 of the canonical JSON (formats/canonical-json.ts) of the bill as validated.
 */
import { canonicalHash } from '../formats/canonical-json.js';
import type { BillInput } from './schema.js';

export function billHash(input: BillInput): string {
  return canonicalHash(input);
}
