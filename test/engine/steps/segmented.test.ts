/**
 * The segmented step kind (src/engine/steps/segmented.ts), hand-worked bill by bill: each expected figure is
 * worked out in the comment beside it.
 */
import { describe, expect, it } from 'vitest';
import { rules, bill, settleOne, step } from './helpers.js';
import { YearToDateLedger } from '../../../src/engine/ledger.js';
import { settlementJson } from '../../../src/engine/result.js';

describe('segmented', () => {
  it('the Shandong 2014 worked example: 170,000 after basic insurance pays 87,000', () => {
    const r = rules(
      { id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.15' },
      {
        id: 'serious',
        fund: 'seriousIllness',
        kind: 'segmented',
        deductible: { annual: 10000 },
        segments: [{ upTo: 100000, ratio: '0.5' }, { ratio: '0.6' }],
      },
    );
    // basic: 0.15 x 200,000 = 30,000, leaving 170,000 in-policy
    // serious: 0.5 x (100,000 - 10,000) + 0.6 x (170,000 - 100,000) = 45,000 + 42,000 = 87,000
    // patient: 200,000 - 30,000 - 87,000 = 83,000
    const s = settleOne(r, { inPolicy: '200000' });
    expect(step(s, 'serious')).toMatchObject({
      base: '170000.00',
      deductible: '10000.00',
      cumulativeBefore: '0.00',
      segments: [
        { from: '10000.00', to: '100000.00', ratio: '0.50', payout: '45000.00' },
        { from: '100000.00', to: '170000.00', ratio: '0.60', payout: '42000.00' },
      ],
      payout: '87000.00',
    });
    expect(s.patientPays).toBe('83000.00');
    expect(s.accumulators.serious?.cumulative).toEqual({ before: '0.00', after: '170000.00' });
  });

  const yearly = rules({
    id: 'serious',
    fund: 'seriousIllness',
    kind: 'segmented',
    deductible: { annual: 10000 },
    segments: [{ upTo: 50000, ratio: '0.5' }, { ratio: '0.6' }],
  });

  it('splits a bill that crosses the deductible, then one that crosses a segment boundary', () => {
    const ledger = new YearToDateLedger();
    // bill 1: 6,000, cumulative 0 → 6,000, all below the deductible: 0
    const b1 = settlementJson(ledger.settle(bill({ inPolicy: '6000' }), yearly));
    expect(step(b1, 'serious')).toMatchObject({ deductible: '6000.00', payout: '0.00', segments: [] });
    // bill 2: 8,000, cumulative 6,000 → 14,000: 4,000 below the deductible, 0.5 x (14,000 - 10,000) = 2,000
    const b2 = settlementJson(ledger.settle(bill({ inPolicy: '8000' }), yearly));
    expect(step(b2, 'serious')).toMatchObject({
      cumulativeBefore: '6000.00',
      deductible: '4000.00',
      segments: [{ from: '10000.00', to: '14000.00', ratio: '0.50', payout: '2000.00' }],
      payout: '2000.00',
    });
    // bill 3: 40,000, cumulative 14,000 → 54,000: 0.5 x (50,000 - 14,000) + 0.6 x (54,000 - 50,000) = 18,000 + 2,400
    const b3 = settlementJson(ledger.settle(bill({ inPolicy: '40000' }), yearly));
    expect(step(b3, 'serious')).toMatchObject({
      deductible: '0.00',
      segments: [
        { from: '14000.00', to: '50000.00', ratio: '0.50', payout: '18000.00' },
        { from: '50000.00', to: '54000.00', ratio: '0.60', payout: '2400.00' },
      ],
      payout: '20400.00',
    });
    expect(b3.accumulators.serious?.cumulative).toEqual({ before: '14000.00', after: '54000.00' });
    // one bill of 54,000 would pay 0.5 x 40,000 + 0.6 x 4,000 = 22,400 = 0 + 2,000 + 20,400
    expect(step(settleOne(yearly, { inPolicy: '54000' }), 'serious').payout).toBe('22400.00');
  });

  it('scope year carries the cumulative amount; scope visit starts each visit from zero', () => {
    const perVisit = rules({
      id: 'serious',
      fund: 'seriousIllness',
      kind: 'segmented',
      scope: 'visit',
      deductible: { perVisit: 10000 },
      segments: [{ upTo: 50000, ratio: '0.5' }, { ratio: '0.6' }],
    });
    // visit scope, two bills of 30,000: each 0.5 x (30,000 - 10,000) = 10,000
    const v = new YearToDateLedger();
    const v1 = settlementJson(v.settle(bill({ inPolicy: '30000' }), perVisit));
    const v2 = settlementJson(v.settle(bill({ inPolicy: '30000' }), perVisit));
    expect([step(v1, 'serious').payout, step(v2, 'serious').payout]).toEqual(['10000.00', '10000.00']);
    expect(step(v2, 'serious').cumulativeBefore).toBeUndefined();
    expect(v2.accumulators.serious?.cumulative).toBeUndefined();
    // year scope, the same two bills: 10,000, then 30,000 → 60,000: 0.5 x 20,000 + 0.6 x 10,000 = 16,000
    const y = new YearToDateLedger();
    const y1 = settlementJson(y.settle(bill({ inPolicy: '30000' }), yearly));
    const y2 = settlementJson(y.settle(bill({ inPolicy: '30000' }), yearly));
    expect([step(y1, 'serious').payout, step(y2, 'serious').payout]).toEqual(['10000.00', '16000.00']);
  });

  it('annualCap limits the payout, while the cumulative amount grows by the whole base', () => {
    const capped = rules({ id: 'serious', fund: 'seriousIllness', kind: 'segmented', segments: [{ ratio: '0.5' }], annualCap: 20000 });
    const ledger = new YearToDateLedger();
    // bill 1: 0.5 x 30,000 = 15,000
    const b1 = settlementJson(ledger.settle(bill({ inPolicy: '30000' }), capped));
    expect(step(b1, 'serious')).toMatchObject({ payout: '15000.00', capRoom: '20000.00' });
    // bill 2: 0.5 x 30,000 = 15,000 > room 5,000 → 5,000; cumulative 30,000 → 60,000 all the same
    const b2 = settlementJson(ledger.settle(bill({ inPolicy: '30000' }), capped));
    expect(step(b2, 'serious')).toMatchObject({ payout: '5000.00', capRoom: '5000.00', limitedBy: 'annualCap' });
    expect(b2.accumulators.serious).toEqual({
      cumulative: { before: '30000.00', after: '60000.00' },
      paid: { before: '15000.00', after: '20000.00' },
    });
  });

  it('ratioBonus adds to every segment, deductibleFactor scales the deductible', () => {
    const adjusted = rules({
      id: 'serious',
      fund: 'seriousIllness',
      kind: 'segmented',
      deductible: { annual: 10000 },
      segments: [{ upTo: 50000, ratio: '0.5' }, { upTo: 100000, ratio: '0.6' }, { ratio: '0.95' }],
      adjust: { poverty: { deductibleFactor: '0.5', ratioBonus: '0.1' } },
    });
    // poverty: deductible 5,000; ratios 0.6, 0.7, 1 (0.95 + 0.1 clamped)
    // 0.6 x (50,000 - 5,000) + 0.7 x (100,000 - 50,000) + 1 x (120,000 - 100,000) = 27,000 + 35,000 + 20,000 = 82,000
    const s = settleOne(adjusted, { populations: ['poverty'], inPolicy: '120000' });
    expect(step(s, 'serious')).toMatchObject({
      deductible: '5000.00',
      segments: [
        { from: '5000.00', to: '50000.00', ratio: '0.60', payout: '27000.00' },
        { from: '50000.00', to: '100000.00', ratio: '0.70', payout: '35000.00' },
        { from: '100000.00', to: '120000.00', ratio: '1.00', payout: '20000.00' },
      ],
      payout: '82000.00',
    });
    // resident: 0.5 x 40,000 + 0.6 x 50,000 + 0.95 x 20,000 = 20,000 + 30,000 + 19,000 = 69,000
    expect(step(settleOne(adjusted, { populations: ['resident'], inPolicy: '120000' }), 'serious').payout).toBe('69000.00');
  });

  it('rounds the sum of the segments once, half-up', () => {
    const r = rules({
      id: 'serious',
      fund: 'seriousIllness',
      kind: 'segmented',
      segments: [{ upTo: '0.01', ratio: '0.5' }, { upTo: '0.02', ratio: '0.5' }, { ratio: '0.5' }],
    });
    // 0.5 x 0.01 three times = 0.015 → 0.02 (rounding each segment first would give 0.01 x 3 = 0.03)
    const s = settleOne(r, { inPolicy: '0.03' });
    expect(step(s, 'serious').segments?.map((g) => g.payout)).toEqual(['0.005', '0.005', '0.005']);
    expect(step(s, 'serious').payout).toBe('0.02');
  });
});

