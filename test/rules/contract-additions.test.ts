/**
 * What SETTLEMENT.md §3 (2026-12) says a rules file may not say, refused when the file is loaded, each
 * with the path of the field at fault; and the `aboveDeductibleOf` base worked by hand.
 */
import { describe, expect, it } from 'vitest';
import { RulesLoadError, rulesetFromDocument } from '../../src/rules/load.js';
import { rulesDoc, settleOne, step, type StepDoc } from '../engine/steps/helpers.js';

const basic: StepDoc = { id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.5' };
const serious: StepDoc = { id: 'serious', fund: 'seriousIllness', kind: 'segmented', deductible: { annual: 1000 }, segments: [{ ratio: '0.5' }] };
const assistance = (over: StepDoc = {}): StepDoc => ({ id: 'assistance', fund: 'assistance', kind: 'coinsurance', ratio: '0.9', aboveDeductibleOf: 'serious', ...over });

function refusal(steps: StepDoc[]): { path: string; message: string }[] {
  try {
    rulesetFromDocument(rulesDoc({ inpatient: steps }), 'rules/t.yaml');
  } catch (e) {
    if (e instanceof RulesLoadError) return e.issues.map(({ path, message }) => ({ path, message }));
    throw e;
  }
  throw new Error('expected the file to be refused');
}

describe('refused at load: aboveDeductibleOf', () => {
  it('accepts the named segmented step earlier in the same visit type', () => {
    expect(() => rulesetFromDocument(rulesDoc({ inpatient: [basic, serious, assistance()] }), 't.yaml')).not.toThrow();
  });

  it.each([
    ['on base: all', [basic, serious, assistance({ base: 'all' })], 'visits.inpatient[2].aboveDeductibleOf', 'base: inPolicy'],
    ['on a floor or segmented step', [basic, serious, { id: 'x', fund: 'assistance', kind: 'segmented', segments: [{ ratio: '0.5' }], aboveDeductibleOf: 'serious' }], 'visits.inpatient[2]', 'aboveDeductibleOf'],
    ['naming a step not in the visit type', [basic, serious, assistance({ aboveDeductibleOf: 'seriouss' })], 'visits.inpatient[2].aboveDeductibleOf', '不在同一就诊类型'],
    ['naming a later step', [basic, assistance(), serious], 'visits.inpatient[1].aboveDeductibleOf', '之前'],
    ['naming a step that is not segmented', [basic, serious, assistance({ aboveDeductibleOf: 'basic' })], 'visits.inpatient[2].aboveDeductibleOf', 'segmented'],
    ['naming a step that does not run for every population this one runs for', [basic, { ...serious, only: ['poverty'] }, assistance()], 'visits.inpatient[2].aboveDeductibleOf', 'dibao'],
    ['naming a step with a when of its own', [basic, { ...serious, when: { diagnoses: ['C'] } }, assistance()], 'visits.inpatient[2].aboveDeductibleOf', 'when'],
    // onestop's own limit, not the contract's: the base is a share of what is left, so an annual deductible
    // accumulated on it would carry fractions of a fen from bill to bill (said in the issue note)
    ['with an annual deductible of its own', [basic, serious, assistance({ deductible: { annual: 100 } })], 'visits.inpatient[2].deductible', '年度起付线'],
  ])('%s', (_name, steps, path, words) => {
    const issues = refusal(steps as StepDoc[]);
    expect(issues.map((i) => i.path)).toContain(path);
    expect(issues.find((i) => i.path === path)!.message).toContain(words);
  });

  it('a when of the named step equal to this step’s own is accepted', () => {
    const when = { diagnoses: ['C'] };
    expect(() => rulesetFromDocument(rulesDoc({ inpatient: [basic, { ...serious, when }, assistance({ when })] }), 't.yaml')).not.toThrow();
  });
});

describe('refused at load: when', () => {
  it.each([
    ['an empty when', {}, 'visits.inpatient[1].when.diagnoses'],
    ['an empty list', { diagnoses: [] }, 'visits.inpatient[1].when.diagnoses'],
    ['an empty prefix', { diagnoses: ['I10', ''] }, 'visits.inpatient[1].when.diagnoses[1]'],
    ['a prefix that is not the start of an ICD-10 code', { diagnoses: ['i10'] }, 'visits.inpatient[1].when.diagnoses[0]'],
    ['an unknown key', { diagnosis: ['I10'] }, 'visits.inpatient[1].when'],
  ])('%s', (_name, when, path) => {
    expect(refusal([basic, { id: 'pkg', fund: 'assistance', kind: 'floor', floor: '0.9', denominator: 'total', when }]).map((i) => i.path)).toContain(path);
  });
});

describe('the above-deductible base', () => {
  const r = rulesetFromDocument(rulesDoc({ inpatient: [basic, serious, assistance()] }), 't.yaml').ruleset;

  it('is the part of what is left that lies above the named step’s deductible', () => {
    // 4,000.00 in-policy, first bill of the year. basic 2,000.00; serious base b = 2,000, below = 1,000
    // (its deductible), payout p = 0.5 x 1,000 = 500. Left in-policy: 1,500.
    // assistance base = 1,500 x (2,000 - 500 - 1,000) / (2,000 - 500) = 500; payout 0.9 x 500 = 450.00
    const s = settleOne(r, { inPolicy: '4000' });
    expect(step(s, 'assistance')).toMatchObject({
      payout: '450.00',
      aboveDeductible: { of: 'serious', namedBase: '2000.00', namedPayout: '500.00', below: '1000.00', remaining: '1500.00', base: '500.00', exact: true },
    });
    expect(s.patientPays).toBe('1050.00');
  });

  it('is 0 while the bill stays under the named deductible, and full precision when the share is not whole', () => {
    // 2,000.00: basic 1,000; serious b = 1,000 all below: p = 0; base 1,000 x 0 / 1,000 = 0.
    expect(step(settleOne(r, { inPolicy: '2000' }), 'assistance')).toMatchObject({ payout: '0.00', aboveDeductible: { base: '0.00' } });
    // 3,333.33: basic 1,666.67 (half-up); serious b = 1,666.66, below 1,000, p = 0.5 x 666.66 = 333.33;
    // left 1,333.33; base = 1,333.33 x 333.33 / 1,333.33 = 333.33 exactly; 0.9 x 333.33 = 299.997 → 300.00
    const s = settleOne(r, { inPolicy: '3333.33' });
    expect(step(s, 'basic').payout).toBe('1666.67');
    expect(step(s, 'assistance')).toMatchObject({ payout: '300.00', aboveDeductible: { base: '333.33' } });
  });
});
