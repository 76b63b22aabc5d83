import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal as DecimalJs } from 'decimal.js';
import { billInputSchema, toEngineBill } from '../src/bill/schema.js';
import type { Bill } from '../src/engine/types.js';

export const FIXTURE_CASES = join(import.meta.dirname, 'fixtures', 'cases');
export const SHARED_CASES = join(import.meta.dirname, '..', '..', 'shared', 'cases');
/** The contract's 2026-12 additions (aboveDeductibleOf, when.diagnoses, paidElsewhere), in a folder of their own. */
export const FIXTURE_CASES_2026_12 = join(import.meta.dirname, 'fixtures', 'cases-2026-12');
export const SHARED_CASES_2026_12 = join(import.meta.dirname, '..', '..', 'shared', 'cases-2026-12');

export interface CaseFile {
  name: string;
  note?: string;
  rules: unknown;
  history: unknown[];
  bill: unknown;
  expect: {
    total: string;
    buckets: Record<string, string>;
    steps: Record<string, string>;
    funds: Record<string, string>;
    fundPaysTotal: string;
    patientPays: string;
  };
}

export function loadCases(dir = FIXTURE_CASES): CaseFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CaseFile);
}

/** A bill as JSON → the engine's bill, using the tier and populations the bill carries. */
export function engineBill(json: unknown): Bill {
  const b = billInputSchema.parse(json);
  return toEngineBill(b, b.hospital.tier!, b.person.populations!);
}

/**
 * decimal.js, configured for 50 significant digits: the independent arithmetic the tests check the
 * engine's integers against (onestop itself computes in bigint, src/money/).
 */
export const Decimal = DecimalJs.clone({ precision: 50, rounding: DecimalJs.ROUND_HALF_UP, toExpNeg: -30, toExpPos: 40 });
export type Decimal = InstanceType<typeof Decimal>;
