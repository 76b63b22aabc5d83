/**
 * The contract's 2026-12 additions (SETTLEMENT.md §3: `aboveDeductibleOf`, `when.diagnoses`, the bill's
 * `paidElsewhere`), every case computed by the independent implementation (../shared/cases-2026-12)
 * reproduced to the fen: `added-*`, generated, and `worked-xingan-*`, the contract's worked example and a
 * bill that crosses the serious-illness deductible. History settled first, in order, then the bill.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { YearToDateLedger } from '../../src/engine/ledger.js';
import { settlementJson } from '../../src/engine/result.js';
import { rulesetFromDocument } from '../../src/rules/load.js';
import { FIXTURE_CASES_2026_12, SHARED_CASES_2026_12, engineBill, loadCases } from '../helpers.js';

const cases = loadCases(FIXTURE_CASES_2026_12);

describe('the 2026-12 settlement cases', () => {
  it('has the cases, generated and worked', () => {
    expect(cases.filter((c) => c.name.startsWith('added-')).length).toBeGreaterThanOrEqual(20);
    expect(cases.filter((c) => c.name.startsWith('worked-xingan-')).length).toBeGreaterThanOrEqual(2);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { ruleset } = rulesetFromDocument(c.rules, `${c.name}.rules`);
    const ledger = new YearToDateLedger();
    for (const h of c.history) ledger.settle(engineBill(h), ruleset);
    const result = settlementJson(ledger.settle(engineBill(c.bill), ruleset));

    expect(result.total).toBe(c.expect.total);
    expect(result.buckets).toEqual(c.expect.buckets);
    expect(Object.fromEntries(result.steps.map((s) => [s.id, s.payout]))).toEqual(c.expect.steps);
    expect(result.funds).toEqual(c.expect.funds);
    expect(result.fundPaysTotal).toBe(c.expect.fundPaysTotal);
    expect(result.patientPays).toBe(c.expect.patientPays);
  });
});

describe.runIf(existsSync(SHARED_CASES_2026_12))('fixtures match ../shared/cases-2026-12', () => {
  it('every case is copied, unchanged', () => {
    const shared = readdirSync(SHARED_CASES_2026_12).filter((f) => f.endsWith('.json')).sort();
    const ours = readdirSync(FIXTURE_CASES_2026_12).filter((f) => f.endsWith('.json')).sort();
    expect(ours).toEqual(shared);
    for (const f of shared) expect(readFileSync(join(FIXTURE_CASES_2026_12, f), 'utf8'), f).toBe(readFileSync(join(SHARED_CASES_2026_12, f), 'utf8'));
  });
});
