/**
 * The coinsurance step kind (src/engine/steps/coinsurance.ts), hand-worked bill by bill: each expected figure is
 * worked out in the comment beside it.
 */
import { describe, expect, it } from 'vitest';
import { rules, bill, settleOne, step, settlementError } from './helpers.js';
import { YearToDateLedger } from '../../../src/engine/ledger.js';
import { settlementJson } from '../../../src/engine/result.js';

describe('coinsurance', () => {
  const byTier = rules({
    id: 'basic',
    fund: 'basic',
    kind: 'coinsurance',
    deductible: { perVisit: { township: 200, county: 500, league: 800 } },
    ratio: { township: '0.90', county: '0.80', league: '0.70' },
  });

  it('per-visit deductible and ratio by tier', () => {
    // township: 0.90 x (10,000 - 200) = 8,820
    // county:   0.80 x (10,000 - 500) = 7,600
    // league:   0.70 x (10,000 - 800) = 6,440
    const expected: [string, string, string, string][] = [
      ['township', '200.00', '0.90', '8820.00'],
      ['county', '500.00', '0.80', '7600.00'],
      ['league', '800.00', '0.70', '6440.00'],
    ];
    for (const [tier, deductible, ratio, payout] of expected) {
      const s = settleOne(byTier, { tier, inPolicy: '10000' });
      expect(step(s, 'basic')).toMatchObject({ base: '10000.00', deductible, ratio, payout, capRoom: null });
      expect(s.patientPays).toBe((10000 - Number(payout)).toFixed(2));
    }
  });

  it('a per-visit deductible applies again on every visit and records no deductibleMet', () => {
    // two county bills of 10,000: 0.80 x 9,500 = 7,600 each
    const ledger = new YearToDateLedger();
    const first = settlementJson(ledger.settle(bill({ inPolicy: '10000' }), byTier));
    const second = settlementJson(ledger.settle(bill({ inPolicy: '10000' }), byTier));
    expect(step(first, 'basic').payout).toBe('7600.00');
    expect(step(second, 'basic').payout).toBe('7600.00');
    expect(second.accumulators.basic?.deductibleMet).toBeUndefined();
    expect(second.accumulators.basic?.paid).toEqual({ before: '7600.00', after: '15200.00' });
  });

  it('a bill below the per-visit deductible pays nothing (never a negative payout)', () => {
    // county: 0.80 x max(0, 300 - 500) = 0; the deductible applied is the whole base, 300
    const s = settleOne(byTier, { inPolicy: '300' });
    expect(step(s, 'basic')).toMatchObject({ deductible: '300.00', payout: '0.00' });
    expect(s.patientPays).toBe('300.00');
  });

  it('an annual deductible is met across bills: later bills apply only the unmet part', () => {
    const annual = rules({ id: 'basic', fund: 'basic', kind: 'coinsurance', deductible: { annual: 1000 }, ratio: '0.8' });
    const ledger = new YearToDateLedger();

    // bill 1: 600, all below the deductible: applied 600, payout 0.8 x 0 = 0; met 0 → 600
    const b1 = settlementJson(ledger.settle(bill({ inPolicy: '600' }), annual));
    expect(step(b1, 'basic')).toMatchObject({ deductible: '600.00', payout: '0.00' });
    expect(b1.accumulators.basic?.deductibleMet).toEqual({ before: '0.00', after: '600.00' });

    // bill 2: 2,000; unmet 1,000 - 600 = 400: payout 0.8 x (2,000 - 400) = 1,280; met 600 → 1,000
    const b2 = settlementJson(ledger.settle(bill({ inPolicy: '2000' }), annual));
    expect(step(b2, 'basic')).toMatchObject({ deductible: '400.00', payout: '1280.00' });
    expect(b2.accumulators.basic?.deductibleMet).toEqual({ before: '600.00', after: '1000.00' });

    // bill 3: 500, deductible already met: 0.8 x 500 = 400; met stays 1,000
    const b3 = settlementJson(ledger.settle(bill({ inPolicy: '500' }), annual));
    expect(step(b3, 'basic')).toMatchObject({ deductible: '0.00', payout: '400.00' });
    expect(b3.accumulators.basic?.deductibleMet).toEqual({ before: '1000.00', after: '1000.00' });
  });

  describe('population adjustment', () => {
    const adjusted = rules({
      id: 'basic',
      fund: 'basic',
      kind: 'coinsurance',
      deductible: { perVisit: '155.55' },
      ratio: '0.95',
      adjust: { poverty: { deductibleFactor: '0.5', ratioBonus: '0.10' }, dibao: { ratioBonus: '-0.99' } },
    });

    it('halves the deductible without rounding it, and clamps the ratio at 1', () => {
      // deductible 0.5 x 155.55 = 77.775 (not rounded to 77.78);
      // ratio 0.95 + 0.10 = 1.05, clamped to 1: payout 1 x (1,000 - 77.775) = 922.225 → 922.23.
      // (A deductible rounded half-up to 77.78 would give 922.22; an unclamped ratio 1.05 would give 968.34.)
      const s = settleOne(adjusted, { populations: ['poverty'], inPolicy: '1000' });
      expect(step(s, 'basic')).toMatchObject({ deductible: '77.775', ratio: '1.00', payout: '922.23' });
      expect(s.patientPays).toBe('77.77');
    });

    it('leaves a population without an adjustment alone', () => {
      // resident: 0.95 x (1,000 - 155.55) = 0.95 x 844.45 = 802.2275 → 802.23
      const s = settleOne(adjusted, { populations: ['resident'], inPolicy: '1000' });
      expect(step(s, 'basic')).toMatchObject({ deductible: '155.55', ratio: '0.95', payout: '802.23' });
    });

    it('clamps a negative bonus at 0', () => {
      // dibao: 0.95 - 0.99 = -0.04 → 0: payout 0
      const s = settleOne(adjusted, { populations: ['dibao'], inPolicy: '1000' });
      expect(step(s, 'basic')).toMatchObject({ ratio: '0.00', payout: '0.00' });
    });

    it('an adjusted annual deductible accumulates unrounded', () => {
      const annual = rules({
        id: 'basic',
        fund: 'basic',
        kind: 'coinsurance',
        deductible: { annual: '155.55' },
        ratio: '1',
        adjust: { poverty: { deductibleFactor: '0.5' } },
      });
      const ledger = new YearToDateLedger();
      // bill 1: 50, all below the adjusted deductible 77.775: met 0 → 50, payout 0
      const b1 = settlementJson(ledger.settle(bill({ populations: ['poverty'], inPolicy: '50' }), annual));
      expect(step(b1, 'basic').payout).toBe('0.00');
      // bill 2: 100; unmet 77.775 - 50 = 27.775; payout 1 x (100 - 27.775) = 72.225 → 72.23; met 50 → 77.775
      const b2 = settlementJson(ledger.settle(bill({ populations: ['poverty'], inPolicy: '100' }), annual));
      expect(step(b2, 'basic')).toMatchObject({ deductible: '27.775', payout: '72.23' });
      expect(b2.accumulators.basic?.deductibleMet).toEqual({ before: '50.00', after: '77.775' });
    });
  });

  it('visitCap limits the payout', () => {
    // 0.9 x 10,000 = 9,000 > visit cap 5,000 → 5,000
    const capped = rules({ id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.9', visitCap: 5000 });
    const s = settleOne(capped, { inPolicy: '10000' });
    expect(step(s, 'basic')).toMatchObject({ payout: '5000.00', capRoom: '5000.00', limitedBy: 'visitCap' });
    // under the cap: 0.9 x 1,000 = 900, not limited
    const under = settleOne(capped, { inPolicy: '1000' });
    expect(step(under, 'basic').payout).toBe('900.00');
    expect(step(under, 'basic').limitedBy).toBeUndefined();
  });

  it('annualCap is shared across the bills of a year', () => {
    const capped = rules({ id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.9', annualCap: 10000 });
    const ledger = new YearToDateLedger();
    // bill 1: 0.9 x 8,000 = 7,200; room 10,000; not limited
    const b1 = settlementJson(ledger.settle(bill({ inPolicy: '8000' }), capped));
    expect(step(b1, 'basic')).toMatchObject({ payout: '7200.00', capRoom: '10000.00' });
    expect(step(b1, 'basic').limitedBy).toBeUndefined();
    // bill 2: 0.9 x 5,000 = 4,500 > room 10,000 - 7,200 = 2,800 → 2,800
    const b2 = settlementJson(ledger.settle(bill({ inPolicy: '5000' }), capped));
    expect(step(b2, 'basic')).toMatchObject({ payout: '2800.00', capRoom: '2800.00', limitedBy: 'annualCap' });
    expect(b2.accumulators.basic?.paid).toEqual({ before: '7200.00', after: '10000.00' });
    // bill 3: the cap is used up: 0
    const b3 = settlementJson(ledger.settle(bill({ inPolicy: '100' }), capped));
    expect(step(b3, 'basic')).toMatchObject({ payout: '0.00', capRoom: '0.00', limitedBy: 'annualCap' });
    expect(b3.patientPays).toBe('100.00');
  });

  it('base `all` takes from the other buckets only after the in-policy amount', () => {
    const r = rules(
      { id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.8' },
      { id: 'wide', fund: 'commercial', kind: 'coinsurance', base: 'all', ratio: '0.5' },
      { id: 'narrow', fund: 'assistance', kind: 'coinsurance', ratio: '1' },
      { id: 'rest', fund: 'backstop', kind: 'coinsurance', base: 'all', ratio: '1' },
    );
    // total 300 + 200 + 1,000 = 1,500
    // basic:  0.8 x 1,000 = 800; in-policy left 200, other 500
    // wide:   base all = 700; 0.5 x 700 = 350: 200 from in-policy first, then 150 from the other buckets
    // narrow: base in-policy = 0 (had `wide` drawn the other buckets first, it would be 200): pays 0
    // rest:   base all = 500 - 150 = 350; pays 350; the patient pays 0
    const s = settleOne(r, { outOfCatalog: '300', preSelfPay: '200', inPolicy: '1000' });
    expect(s.steps.map((x) => [x.id, x.base, x.payout])).toEqual([
      ['basic', '1000.00', '800.00'],
      ['wide', '700.00', '350.00'],
      ['narrow', '0.00', '0.00'],
      ['rest', '350.00', '350.00'],
    ]);
    expect(s.funds).toEqual({ basic: '800.00', commercial: '350.00', assistance: '0.00', backstop: '350.00' });
    expect(s.patientPays).toBe('0.00');
  });

  it('base `all` paying less than the in-policy amount left takes it all from in-policy', () => {
    const r = rules(
      { id: 'wide', fund: 'commercial', kind: 'coinsurance', base: 'all', ratio: '0.2' },
      { id: 'narrow', fund: 'assistance', kind: 'coinsurance', ratio: '1' },
      { id: 'rest', fund: 'backstop', kind: 'coinsurance', base: 'all', ratio: '1' },
    );
    // total 500 + 1,000 = 1,500
    // wide:   0.2 x 1,500 = 300, all from in-policy: in-policy left 700, other still 500
    // narrow: base 700, pays 700
    // rest:   base 500 (the other buckets, untouched), pays 500
    const s = settleOne(r, { outOfCatalog: '500', inPolicy: '1000' });
    expect(s.steps.map((x) => [x.id, x.base, x.payout])).toEqual([
      ['wide', '1500.00', '300.00'],
      ['narrow', '700.00', '700.00'],
      ['rest', '500.00', '500.00'],
    ]);
  });

  describe('a tier the step does not price is an error, never a zero', () => {
    it('ratio map without the tier', () => {
      const r = rules({ id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: { township: '0.9', county: '0.8' } });
      const ledger = new YearToDateLedger();
      const e = settlementError(() => ledger.settle(bill({ tier: 'league', inPolicy: '1000' }), r));
      expect(e.code).toBe('TIER_NOT_PRICED');
      expect(e.path).toEqual(['hospital', 'tier']);
      expect(e.message).toContain('visits.inpatient.0.ratio');
      // nothing was recorded for the failed bill
      expect(ledger.get('P-1', 2018)).toEqual({});
    });

    it('deductible map without the tier', () => {
      const r = rules({ id: 'basic', fund: 'basic', kind: 'coinsurance', deductible: { perVisit: { county: 500 } }, ratio: '0.9' });
      const e = settlementError(() => settleOne(r, { tier: 'township', inPolicy: '1000' }));
      expect(e.code).toBe('TIER_NOT_PRICED');
      expect(e.message).toContain('deductible.perVisit');
    });

    it('a tier the ruleset does not list', () => {
      const r = rules({ id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.9' });
      expect(settlementError(() => settleOne(r, { tier: 'province', inPolicy: '1000' })).code).toBe('TIER_NOT_PRICED');
    });
  });

  it('rounds the payout half-up to the fen, once', () => {
    const half = rules({ id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.5' });
    // 0.5 x 100.01 = 50.005 exactly → 50.01 (binary floats give 50.00499… → 50.00)
    expect(step(settleOne(half, { inPolicy: '100.01' }), 'basic').payout).toBe('50.01');
    // 0.5 x 0.05 = 0.025 → 0.03 (half-even would give 0.02)
    expect(step(settleOne(half, { inPolicy: '0.05' }), 'basic').payout).toBe('0.03');
    const small = rules({ id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.3' });
    // 0.3 x 0.01 = 0.003 → 0.00; the patient pays the whole fen
    const s = settleOne(small, { inPolicy: '0.01' });
    expect(step(s, 'basic').payout).toBe('0.00');
    expect(s.patientPays).toBe('0.01');
    const third = rules({ id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.3333' });
    // 0.3333 x 1,000.01 = 333.303333 → 333.30; patient 1,000.01 - 333.30 = 666.71
    const t = settleOne(third, { inPolicy: '1000.01' });
    expect(step(t, 'basic').payout).toBe('333.30');
    expect(t.patientPays).toBe('666.71');
  });
});

