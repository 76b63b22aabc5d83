/**
 * The out-of-pocket-cap step kind (src/engine/steps/out-of-pocket-cap.ts), hand-worked bill by bill: each expected figure is
 * worked out in the comment beside it.
 */
import { describe, expect, it } from 'vitest';
import { rules, bill, step } from './helpers.js';
import { YearToDateLedger } from '../../../src/engine/ledger.js';
import { settlementJson } from '../../../src/engine/result.js';

describe('outOfPocketCap', () => {
  const basic50 = { id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.5' };

  it('base all: under the cap pays 0 and records the patient payment; crossing it pays exactly the excess', () => {
    const r = rules(basic50, { id: 'oop', fund: 'backstop', kind: 'outOfPocketCap', cap: 5000 });
    const ledger = new YearToDateLedger();
    // bill 1: total 7,000; basic 0.5 x 6,000 = 3,000; the patient would pay 3,000 + 1,000 = 4,000 ≤ room 5,000: 0
    const b1 = settlementJson(ledger.settle(bill({ outOfCatalog: '1000', inPolicy: '6000' }), r));
    expect(step(b1, 'oop')).toMatchObject({ base: '4000.00', capRoom: '5000.00', payout: '0.00' });
    expect(b1.patientPays).toBe('4000.00');
    expect(b1.accumulators.oop?.paid).toEqual({ before: '0.00', after: '4000.00' });
    // bill 2: basic 0.5 x 4,000 = 2,000; would pay 2,000, room 5,000 - 4,000 = 1,000: pays 2,000 - 1,000 = 1,000
    const b2 = settlementJson(ledger.settle(bill({ inPolicy: '4000' }), r));
    expect(step(b2, 'oop')).toMatchObject({
      base: '2000.00',
      capRoom: '1000.00',
      outOfPocket: { cap: '5000.00', paidBefore: '4000.00', wouldPay: '2000.00' },
      payout: '1000.00',
    });
    expect(b2.patientPays).toBe('1000.00');
    expect(b2.accumulators.oop?.paid).toEqual({ before: '4000.00', after: '5000.00' });
    // bill 3: cap reached: basic 0.5 x 100 = 50, oop pays the other 50
    const b3 = settlementJson(ledger.settle(bill({ outOfCatalog: '0', inPolicy: '100' }), r));
    expect(step(b3, 'oop')).toMatchObject({ capRoom: '0.00', payout: '50.00' });
    expect(b3.patientPays).toBe('0.00');
    expect(b3.accumulators.oop?.paid).toEqual({ before: '5000.00', after: '5000.00' });
  });

  it('base inPolicy: only the in-policy remainder counts and is covered', () => {
    const r = rules(basic50, { id: 'oop', fund: 'backstop', kind: 'outOfPocketCap', cap: 5000, base: 'inPolicy' });
    const ledger = new YearToDateLedger();
    // bill 1: basic 3,000; in-policy left 3,000 ≤ room 5,000: 0. The patient pays 4,000 but only 3,000 counts.
    const b1 = settlementJson(ledger.settle(bill({ outOfCatalog: '1000', inPolicy: '6000' }), r));
    expect(step(b1, 'oop')).toMatchObject({ base: '3000.00', payout: '0.00' });
    expect(b1.patientPays).toBe('4000.00');
    expect(b1.accumulators.oop?.paid).toEqual({ before: '0.00', after: '3000.00' });
    // bill 2: basic 3,000; in-policy left 3,000, room 2,000: pays 1,000.
    // The patient pays 500 + 2,000 = 2,500, of which 2,000 in-policy: paid 3,000 → 5,000
    const b2 = settlementJson(ledger.settle(bill({ outOfCatalog: '500', inPolicy: '6000' }), r));
    expect(step(b2, 'oop')).toMatchObject({ base: '3000.00', capRoom: '2000.00', payout: '1000.00' });
    expect(b2.patientPays).toBe('2500.00');
    expect(b2.accumulators.oop?.paid).toEqual({ before: '3000.00', after: '5000.00' });
  });
});

