/**
 * Every case computed by the independent implementation (../shared/cases), reproduced to the fen:
 * history settled first, in order, then the bill.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { YearToDateLedger } from '../../src/engine/ledger.js';
import { settlementJson } from '../../src/engine/result.js';
import { rulesetFromDocument } from '../../src/rules/load.js';
import { FIXTURE_CASES, SHARED_CASES, engineBill, loadCases } from '../helpers.js';

const cases = loadCases();

describe('shared settlement cases', () => {
  it('has the cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(62);
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

describe.runIf(existsSync(SHARED_CASES))('fixtures match ../shared/cases', () => {
  it('every shared case is copied, unchanged', () => {
    const shared = readdirSync(SHARED_CASES).filter((f) => f.endsWith('.json')).sort();
    const ours = readdirSync(FIXTURE_CASES).filter((f) => f.endsWith('.json')).sort();
    expect(ours).toEqual(shared);
    for (const f of shared) {
      expect(readFileSync(join(FIXTURE_CASES, f), 'utf8'), f).toBe(readFileSync(join(SHARED_CASES, f), 'utf8'));
    }
  });
});
