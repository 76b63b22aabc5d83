/**
 * Payouts already made elsewhere (SETTLEMENT.md §3, the bill's `paidElsewhere`): the named step is not
 * computed, its payout is the given amount, and everything after it happens as if it had computed it.
 * Each expected figure is worked out beside it.
 */
import { describe, expect, it } from 'vitest';
import { bill, rules, settleOne, settlementError, step, type StepDoc } from './steps/helpers.js';
import { YearToDateLedger } from '../../src/engine/ledger.js';
import { settlementJson } from '../../src/engine/result.js';

const basic: StepDoc = { id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.6', deductible: { annual: 500 }, annualCap: 10000 };
const serious: StepDoc = { id: 'serious', fund: 'seriousIllness', kind: 'segmented', deductible: { annual: 1000 }, segments: [{ ratio: '0.5' }] };
const floor: StepDoc = { id: 'floor', fund: 'backstop', kind: 'floor', floor: '0.90', denominator: 'total' };
const cap: StepDoc = { id: 'cap', fund: 'backstop', kind: 'outOfPocketCap', cap: 5000 };
const r = rules(basic, serious, floor);

describe('paidElsewhere', () => {
  it('the given payout stands for the step, later steps settle on what it left, and owed excludes it', () => {
    // 10,000.00 in-policy; basic was paid elsewhere: 5,000.00 with a 600.00 deductible.
    // serious: base 10,000 - 5,000 = 5,000; 0.5 x (5,000 - 1,000) = 2,000.00
    // funds 7,000.00 of 10,000.00 = 70%: floor 0.9 x 10,000 - 7,000 = 2,000.00; patient 1,000.00
    const s = settleOne(r, { inPolicy: '10000', paidElsewhere: { basic: { payout: '5000', deductible: '600' } } });
    expect(step(s, 'basic')).toMatchObject({ payout: '5000.00', paidElsewhere: true, paidElsewhereDeductible: '600.00' });
    expect(step(s, 'serious')).toMatchObject({ base: '5000.00', payout: '2000.00' });
    expect(step(s, 'floor').payout).toBe('2000.00');
    expect(s.funds).toEqual({ basic: '5000.00', seriousIllness: '2000.00', backstop: '2000.00' });
    expect(s.fundPaysTotal).toBe('9000.00');
    expect(s.patientPays).toBe('1000.00');
    // nobody pays the same yuan twice: basic owes the hospital nothing, the others all they paid
    expect(s.owed).toEqual({ basic: '0.00', seriousIllness: '2000.00', backstop: '2000.00' });
  });

  it('moves the accumulators as if computed: paid, and deductibleMet by the deductible given', () => {
    const ledger = new YearToDateLedger();
    const first = settlementJson(ledger.settle(bill({ inPolicy: '10000', paidElsewhere: { basic: { payout: '5000', deductible: '600' } } }), r));
    expect(first.accumulators.basic).toEqual({ paid: { before: '0.00', after: '5000.00' }, deductibleMet: { before: '0.00', after: '600.00' } });
    expect(first.accumulators.serious!.cumulative).toEqual({ before: '0.00', after: '5000.00' });
    // a later window bill of the year: 10,000.00 in-policy. The annual deductible (500) is already met
    // (600 given), so basic pays 0.6 x 10,000 = 6,000 but only 10,000 - 5,000 = 5,000 of cap room is left.
    const second = settlementJson(ledger.settle(bill({ inPolicy: '10000' }), r));
    expect(step(second, 'basic')).toMatchObject({ deductible: '0.00', capRoom: '5000.00', payout: '5000.00' });
    expect(second.owed).toBeUndefined();
  });

  it('is not limited by the step’s own cap, but leaves later visits no cap room below zero', () => {
    const ledger = new YearToDateLedger();
    const a = settlementJson(ledger.settle(bill({ inPolicy: '20000', paidElsewhere: { basic: { payout: '12000' } } }), r));
    expect(step(a, 'basic').payout).toBe('12000.00'); // above the 10,000 annual cap: another payer applied its own
    const b = settlementJson(ledger.settle(bill({ inPolicy: '1000' }), r));
    expect(step(b, 'basic')).toMatchObject({ capRoom: '0.00', payout: '0.00' });
  });

  it('a floor step paid elsewhere draws from the remaining total, out-of-catalogue included', () => {
    // total 1,500.00 (1,000.00 in-policy, 500.00 out of catalogue); basic 0.6 x (1,000 - 500) = 300.00;
    // serious: base 700, under its deductible: 0. What is left to pay: 1,500 - 300 = 1,200.00.
    const ok = settleOne(r, { inPolicy: '1000', outOfCatalog: '500', paidElsewhere: { floor: { payout: '1200' } } });
    expect(step(ok, 'floor')).toMatchObject({ payout: '1200.00', paidElsewhere: true });
    expect(ok.patientPays).toBe('0.00');
    const e = settlementError(() => settleOne(r, { inPolicy: '1000', outOfCatalog: '500', paidElsewhere: { floor: { payout: '1200.01' } } }));
    expect(e.code).toBe('PAID_ELSEWHERE_INVALID');
    expect(e.path).toEqual(['paidElsewhere', 'floor', 'payout']);
    expect(e.message).toContain('1200.00');
  });

  describe('errors naming the field', () => {
    it('a payout above what is left in-policy for the step', () => {
      const e = settlementError(() => settleOne(r, { inPolicy: '1000', outOfCatalog: '500', paidElsewhere: { serious: { payout: '1000.01' } } }));
      expect(e.code).toBe('PAID_ELSEWHERE_INVALID');
      expect(e.path).toEqual(['paidElsewhere', 'serious', 'payout']);
    });

    it('a negative payout or deductible is refused with the bill', () => {
      for (const paidElsewhere of [{ basic: { payout: '-1' } }, { basic: { payout: '1', deductible: '-0.01' } }]) {
        let error: unknown;
        try {
          bill({ inPolicy: '1000', paidElsewhere });
        } catch (e) {
          error = e;
        }
        expect(String(error), JSON.stringify(paidElsewhere)).toMatch(/paidElsewhere/);
        expect(String(error)).toMatch(/不能小于 0|不能为负/);
      }
    });

    it('a step that is not in the pipeline, or does not run for this bill', () => {
      const notInFile = settlementError(() => settleOne(r, { inPolicy: '1000', paidElsewhere: { commercial: { payout: '1' } } }));
      expect(notInFile.path).toEqual(['paidElsewhere', 'commercial']);
      expect(notInFile.message).toContain('basic、serious、floor');
      const gated = rules(basic, { ...serious, only: ['poverty'] });
      const notRun = settlementError(() => settleOne(gated, { inPolicy: '1000', paidElsewhere: { serious: { payout: '1' } } }));
      expect(notRun.code).toBe('PAID_ELSEWHERE_INVALID');
      expect(notRun.path).toEqual(['paidElsewhere', 'serious']);
    });

    it('an out-of-pocket cap step: it computes the patient’s own payment', () => {
      const withCap = rules(basic, cap);
      const e = settlementError(() => settleOne(withCap, { inPolicy: '10000', paidElsewhere: { cap: { payout: '1' } } }));
      expect(e.path).toEqual(['paidElsewhere', 'cap']);
      expect(e.message).toContain('自付封顶');
    });
  });
});
