/**
 * Diagnosis conditions (SETTLEMENT.md §3 "Diagnosis conditions"): a step with `when.diagnoses` runs only
 * when the principal diagnosis (the first) starts with one of the prefixes, or any diagnosis with
 * `anyDiagnosis: true`. Each rule on one small pipeline: basic pays 50%, then a package step tops up
 * chronic diseases to 90% of the in-policy amount.
 */
import { describe, expect, it } from 'vitest';
import { rules, settleOne, settlementError, type StepDoc } from './steps/helpers.js';
import { parseBillInput } from '../../src/bill/parse.js';

const basic: StepDoc = { id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.5' };
const pkg = (when: Record<string, unknown>): StepDoc => ({ id: 'package', fund: 'assistance', kind: 'floor', floor: '0.90', denominator: 'inPolicy', when });

const principalOnly = rules(basic, pkg({ diagnoses: ['I10', 'E11', 'C'] }));
const anyOf = rules(basic, pkg({ diagnoses: ['I10', 'E11'], anyDiagnosis: true }));

// 1,000.00 in-policy: basic 500.00; with the package, the funds reach 900.00 (package 400.00), the patient 100.00.
const ids = (s: { steps: { id: string }[] }) => s.steps.map((x) => x.id);

describe('when.diagnoses', () => {
  it('the principal diagnosis decides: a match runs the step, a later match does not', () => {
    const matched = settleOne(principalOnly, { inPolicy: '1000', diagnoses: ['I10.x00', 'K29.500'] });
    expect(ids(matched)).toEqual(['basic', 'package']);
    expect(matched.funds).toEqual({ basic: '500.00', assistance: '400.00' });
    expect(matched.patientPays).toBe('100.00');

    const secondOnly = settleOne(principalOnly, { inPolicy: '1000', diagnoses: ['K29.500', 'I10.x00'] });
    expect(ids(secondOnly)).toEqual(['basic']);
    expect(secondOnly.patientPays).toBe('500.00');
  });

  it('anyDiagnosis: any of the bill’s diagnoses may match', () => {
    const s = settleOne(anyOf, { inPolicy: '1000', diagnoses: ['K29.500', 'E11.900'] });
    expect(ids(s)).toEqual(['basic', 'package']);
    expect(s.patientPays).toBe('100.00');
    expect(ids(settleOne(anyOf, { inPolicy: '1000', diagnoses: ['K29.500', 'J18.900'] }))).toEqual(['basic']);
  });

  it('a prefix is matched on the code text, exactly and case-sensitively: "C" covers C34.901, "I10" not I1', () => {
    expect(ids(settleOne(principalOnly, { inPolicy: '1000', diagnoses: ['C34.901'] }))).toEqual(['basic', 'package']);
    expect(ids(settleOne(principalOnly, { inPolicy: '1000', diagnoses: ['I1'] }))).toEqual(['basic']);
    expect(ids(settleOne(principalOnly, { inPolicy: '1000', diagnoses: ['E12'] }))).toEqual(['basic']);
    expect(ids(settleOne(principalOnly, { inPolicy: '1000', diagnoses: ['E11'] }))).toEqual(['basic', 'package']);
  });

  it('a bill without diagnoses meets no condition, and the step is absent from steps as for `only`', () => {
    const s = settleOne(principalOnly, { inPolicy: '1000' });
    expect(ids(s)).toEqual(['basic']);
    expect(s.funds).toEqual({ basic: '500.00' });
    expect(s.accumulators).not.toHaveProperty('package');
  });

  it('`when` and `only` both apply', () => {
    const r = rules(basic, { ...pkg({ diagnoses: ['I10'] }), only: ['poverty'] });
    expect(ids(settleOne(r, { inPolicy: '1000', diagnoses: ['I10'], populations: ['poverty'] }))).toEqual(['basic', 'package']);
    expect(ids(settleOne(r, { inPolicy: '1000', diagnoses: ['I10'], populations: ['resident'] }))).toEqual(['basic']);
  });

  it('a malformed diagnosis code on a bill is refused with its path', () => {
    for (const code of ['i10', 'I10.1.2', '10', 'I', 'I10 ', 'Ⅰ10', '']) {
      const json = JSON.parse(JSON.stringify({ ...billJson(), diagnoses: [{ code: 'I10', name: '高血压' }, { code, name: '?' }] }));
      const parsed = parseBillInput(json);
      expect(parsed.success, code).toBe(false);
      expect(parsed.error!.issues.map((i) => i.path.join('.')), code).toContain('diagnoses.1.code');
    }
    // the forms the contract allows: a letter, digits, at most one dot (the cases write I10.x00)
    for (const code of ['K80.101', 'C34', 'I10.x00', 'E11.9']) expect(parseBillInput({ ...billJson(), diagnoses: [{ code, name: 'x' }] }).success, code).toBe(true);
  });

  it('the engine is never reached with a bill it cannot match: a pipeline without when ignores diagnoses', () => {
    const plain = rules(basic);
    expect(settleOne(plain, { inPolicy: '1000', diagnoses: ['I10'] })).toEqual(settleOne(plain, { inPolicy: '1000' }));
    // and a bill error is still an error: the package step's missing tier is not skipped by its when
    const r = rules(basic, { id: 'package', fund: 'assistance', kind: 'coinsurance', ratio: { county: '0.9' }, when: { diagnoses: ['I10'] } });
    expect(settlementError(() => settleOne(r, { inPolicy: '1000', tier: 'league', diagnoses: ['I10'] })).code).toBe('TIER_NOT_PRICED');
    expect(ids(settleOne(r, { inPolicy: '1000', tier: 'league', diagnoses: ['K29'] }))).toEqual(['basic']);
  });
});

function billJson() {
  return {
    billNo: 'B-D',
    hospital: { code: 'H-1', tier: 'county' },
    person: { id: 'P-1', populations: ['resident'] },
    visit: { type: 'inpatient', admitted: '2018-06-01', discharged: '2018-06-05' },
    buckets: { outOfCatalog: '0', overLimit: '0', preSelfPay: '0', inPolicy: '100' },
  };
}

