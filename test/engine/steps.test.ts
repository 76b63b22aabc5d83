/**
 * One test (or a few) per step kind, each on a tiny ruleset written here, checked against numbers
 * worked by hand in the comment above the assertion (SETTLEMENT.md §2, §3, §4).
 *
 * Bills are mostly given as buckets (the modelling input), so the arithmetic of a step is not mixed
 * with the arithmetic of the buckets; the bucket rules have their own tests at the end.
 */
import { describe, expect, it } from 'vitest';
import { bucketsFromItems } from '../../src/engine/buckets.js';
import { SettlementError } from '../../src/engine/errors.js';
import { YearToDateLedger } from '../../src/engine/ledger.js';
import { settlementJson, type SettlementJson, type StepResultJson } from '../../src/engine/result.js';
import type { Bill, Ruleset } from '../../src/engine/types.js';
import { formatUnits } from '../../src/money/fixed.js';
import { rulesetFromDocument } from '../../src/rules/load.js';
import { engineBill } from '../helpers.js';

// ---------------------------------------------------------------------------------------------
// Helpers: a rules document, a bill, a settlement as JSON.

type StepDoc = Record<string, unknown>;

function rulesDoc(visits: Record<string, StepDoc[]>, overrides: Record<string, unknown> = {}) {
  return {
    id: 'unit',
    title: 'unit test ruleset',
    region: { code: '150000', name: 'test' },
    effective: { from: '2018-01-01', to: '2018-12-31' },
    sources: [{ id: 's1', title: 'test' }],
    tiers: ['township', 'county', 'league'],
    populations: ['poverty', 'dibao', 'resident'],
    visits,
    ...overrides,
  };
}

/** A ruleset whose inpatient pipeline is the given steps. */
function rules(...steps: StepDoc[]): Ruleset {
  return rulesetFromDocument(rulesDoc({ inpatient: steps }), 'unit.rules').ruleset;
}

interface BillOpts {
  inPolicy?: string;
  outOfCatalog?: string;
  overLimit?: string;
  preSelfPay?: string;
  items?: unknown[];
  tier?: string;
  populations?: string[];
  type?: string;
  discharged?: string;
}

let billNo = 0;
function bill(o: BillOpts): Bill {
  const discharged = o.discharged ?? '2018-06-15';
  return engineBill({
    billNo: `B-${++billNo}`,
    hospital: { code: 'H-1', tier: o.tier ?? 'county' },
    person: { id: 'P-1', populations: o.populations ?? ['resident'] },
    visit: { type: o.type ?? 'inpatient', admitted: discharged, discharged },
    ...(o.items
      ? { items: o.items }
      : {
          buckets: {
            outOfCatalog: o.outOfCatalog ?? '0',
            overLimit: o.overLimit ?? '0',
            preSelfPay: o.preSelfPay ?? '0',
            inPolicy: o.inPolicy ?? '0',
          },
        }),
  });
}

/** Settle one bill on a fresh ledger. */
function settleOne(ruleset: Ruleset, o: BillOpts): SettlementJson {
  return settlementJson(new YearToDateLedger().settle(bill(o), ruleset));
}

function step(s: SettlementJson, id: string): StepResultJson {
  const found = s.steps.find((x) => x.id === id);
  if (!found) throw new Error(`no step ${id} in [${s.steps.map((x) => x.id).join(', ')}]`);
  return found;
}

function settlementError(fn: () => unknown): SettlementError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SettlementError) return e;
    throw e;
  }
  throw new Error('expected a SettlementError, but it settled');
}

// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------

describe('floor', () => {
  const basic80 = { id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.8' };

  it('denominator total', () => {
    // total 1,000 + 9,000 = 10,000; basic 0.8 x 9,000 = 7,200
    // floor: 0.9 x 10,000 - 7,200 = 1,800, out of 2,800 left
    const r = rules(basic80, { id: 'floor', fund: 'backstop', kind: 'floor', floor: '0.9' });
    const s = settleOne(r, { outOfCatalog: '1000', inPolicy: '9000' });
    expect(step(s, 'floor')).toMatchObject({
      base: '2800.00',
      payout: '1800.00',
      floor: { ratio: '0.90', denominator: 'total', denominatorAmount: '10000.00', earlierPayouts: '7200.00' },
    });
    expect(step(s, 'floor').limitedBy).toBeUndefined();
    expect(s).toMatchObject({ fundPaysTotal: '9000.00', patientPays: '1000.00', actualRatio: '0.9000' });
  });

  it('denominator inPolicy', () => {
    // floor: 0.9 x 9,000 - 7,200 = 900, out of 1,800 in-policy left
    const r = rules(basic80, { id: 'floor', fund: 'backstop', kind: 'floor', floor: '0.9', denominator: 'inPolicy' });
    const s = settleOne(r, { outOfCatalog: '1000', inPolicy: '9000' });
    expect(step(s, 'floor')).toMatchObject({ base: '1800.00', payout: '900.00' });
    expect(step(s, 'floor').floor?.denominatorAmount).toBe('9000.00');
    expect(s.patientPays).toBe('1900.00');
  });

  it('rounds the need UP to the fen', () => {
    // basic: 0.5 x 1,000.09 = 500.045 → 500.05
    // floor: 0.9 x 1,000.09 - 500.05 = 900.081 - 500.05 = 400.031 → up 400.04 (half-up: 400.03)
    // fund pays 900.09 ≥ 900.081; with 400.03 it would pay 900.08 and show 0.8999
    const r = rules({ id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.5' }, { id: 'floor', fund: 'backstop', kind: 'floor', floor: '0.9' });
    const s = settleOne(r, { inPolicy: '1000.09' });
    expect(step(s, 'basic').payout).toBe('500.05');
    expect(step(s, 'floor').payout).toBe('400.04');
    expect(s).toMatchObject({ fundPaysTotal: '900.09', patientPays: '100.00', actualRatio: '0.9000' });
  });

  it('a floor of 1 pays exactly what is left, no more', () => {
    // total: 1 x 10,000 - 7,200 = 2,800 = everything left; the patient pays 0
    const all = rules(basic80, { id: 'floor', fund: 'backstop', kind: 'floor', floor: '1' });
    const a = settleOne(all, { outOfCatalog: '1000', inPolicy: '9000' });
    expect(step(a, 'floor')).toMatchObject({ base: '2800.00', payout: '2800.00' });
    expect(a.patientPays).toBe('0.00');
    // inPolicy: 1 x 9,000 - 7,200 = 1,800 = the in-policy left; the out-of-catalogue 1,000 stays with the patient
    const inPolicy = rules(basic80, { id: 'floor', fund: 'backstop', kind: 'floor', floor: '1', denominator: 'inPolicy' });
    const b = settleOne(inPolicy, { outOfCatalog: '1000', inPolicy: '9000' });
    expect(step(b, 'floor')).toMatchObject({ base: '1800.00', payout: '1800.00' });
    expect(b.patientPays).toBe('1000.00');
  });

  it('pays 0 when the earlier payouts already exceed the floor', () => {
    // basic 0.95 x 10,000 = 9,500 > 0.9 x 10,000 = 9,000: floor pays max(0, -500) = 0, and its fund shows 0.00
    const r = rules({ id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.95' }, { id: 'floor', fund: 'backstop', kind: 'floor', floor: '0.9' });
    const s = settleOne(r, { inPolicy: '10000' });
    expect(step(s, 'floor').payout).toBe('0.00');
    expect(s.funds).toEqual({ basic: '9500.00', backstop: '0.00' });
    expect(s.patientPays).toBe('500.00');
  });
});

// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------

describe('ceiling', () => {
  it('limits a coinsurance payout to ratio x total - earlier payouts, rounded DOWN', () => {
    const r = rules(
      { id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.6' },
      { id: 'extra', fund: 'commercial', kind: 'coinsurance', ratio: '1', ceiling: { ratio: '0.9', denominator: 'total' } },
    );
    // total 100 + 1,000.05 = 1,100.05; basic 0.6 x 1,000.05 = 600.03
    // extra: 1 x 400.02 = 400.02, but room 0.9 x 1,100.05 - 600.03 = 990.045 - 600.03 = 390.015 → down 390.01
    // fund pays 990.04 ≤ 990.045 (half-up 390.02 would make it 990.05 and pass the ceiling)
    const s = settleOne(r, { outOfCatalog: '100', inPolicy: '1000.05' });
    expect(step(s, 'extra')).toMatchObject({ base: '400.02', payout: '390.01', limitedBy: 'ceiling' });
    expect(s).toMatchObject({ fundPaysTotal: '990.04', patientPays: '110.01' });
  });

  it('denominator inPolicy', () => {
    const r = rules(
      { id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.6' },
      { id: 'extra', fund: 'commercial', kind: 'coinsurance', ratio: '1', ceiling: { ratio: '0.9', denominator: 'inPolicy' } },
    );
    // room 0.9 x 1,000.05 - 600.03 = 900.045 - 600.03 = 300.015 → 300.01
    const s = settleOne(r, { outOfCatalog: '100', inPolicy: '1000.05' });
    expect(step(s, 'extra')).toMatchObject({ payout: '300.01', limitedBy: 'ceiling' });
  });

  it('does not limit a payout under it, and pays 0 when earlier payouts already pass it', () => {
    const r = rules(
      { id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.6' },
      { id: 'extra', fund: 'commercial', kind: 'coinsurance', ratio: '0.5', ceiling: { ratio: '0.9', denominator: 'total' } },
      { id: 'late', fund: 'assistance', kind: 'coinsurance', ratio: '1', ceiling: { ratio: '0.5', denominator: 'total' } },
    );
    // total 1,000; basic 600; extra 0.5 x 400 = 200 under room 900 - 600 = 300: not limited
    // late: room max(0, 500 - 800) = 0 → 0, limited by the ceiling
    const s = settleOne(r, { inPolicy: '1000' });
    expect(step(s, 'extra').payout).toBe('200.00');
    expect(step(s, 'extra').limitedBy).toBeUndefined();
    expect(step(s, 'late')).toMatchObject({ payout: '0.00', limitedBy: 'ceiling' });
  });

  it('limits a segmented payout too', () => {
    const r = rules({ id: 'serious', fund: 'seriousIllness', kind: 'segmented', segments: [{ ratio: '1' }], ceiling: { ratio: '0.5', denominator: 'total' } });
    // 1 x 101.01 = 101.01; room 0.5 x 101.01 = 50.505 → 50.50
    const s = settleOne(r, { inPolicy: '101.01' });
    expect(step(s, 'serious')).toMatchObject({ payout: '50.50', limitedBy: 'ceiling' });
  });
});

// ---------------------------------------------------------------------------------------------

describe('population and ruleset choice', () => {
  const pipeline: StepDoc[] = [
    { id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.5', adjust: { poverty: { ratioBonus: '0.3' }, dibao: { ratioBonus: '0.2' } } },
    { id: 'assistance', fund: 'assistance', kind: 'coinsurance', ratio: '0.5', only: ['poverty', 'dibao'] },
    { id: 'floor', fund: 'backstop', kind: 'floor', floor: '0.95', only: ['poverty'] },
  ];
  const r = rules(...pipeline);

  it('the ruleset precedence list decides, not the order the person lists', () => {
    // poverty first in [poverty, dibao, resident]: basic 0.8 x 1,000 = 800; assistance 0.5 x 200 = 100;
    // floor 0.95 x 1,000 - 900 = 50
    for (const populations of [['resident', 'poverty'], ['dibao', 'poverty', 'resident']]) {
      const s = settleOne(r, { populations, inPolicy: '1000' });
      expect(s.population).toBe('poverty');
      expect(s.steps.map((x) => [x.id, x.payout])).toEqual([
        ['basic', '800.00'],
        ['assistance', '100.00'],
        ['floor', '50.00'],
      ]);
    }
    // reversed precedence: the same person is settled as a resident: basic 0.5 x 1,000 = 500 only
    const reversed = rulesetFromDocument(
      rulesDoc({ inpatient: pipeline }, { populations: ['resident', 'dibao', 'poverty'] }),
      'reversed.rules',
    ).ruleset;
    const s = settleOne(reversed, { populations: ['poverty', 'resident'], inPolicy: '1000' });
    expect(s.population).toBe('resident');
    expect(s.steps.map((x) => [x.id, x.payout])).toEqual([['basic', '500.00']]);
  });

  it('`only` filters the steps, and a fund with no step that ran is absent', () => {
    // dibao: basic 0.7 x 1,000 = 700; assistance 0.5 x 300 = 150; no floor
    const d = settleOne(r, { populations: ['resident', 'dibao'], inPolicy: '1000' });
    expect(d.population).toBe('dibao');
    expect(d.steps.map((x) => x.id)).toEqual(['basic', 'assistance']);
    expect(d.funds).toEqual({ basic: '700.00', assistance: '150.00' });
    // resident: basic only
    const res = settleOne(r, { populations: ['resident'], inPolicy: '1000' });
    expect(res.steps.map((x) => x.id)).toEqual(['basic']);
    expect(res.funds).toEqual({ basic: '500.00' });
    expect(res.patientPays).toBe('500.00');
  });

  it('a person in no listed population: POPULATION_NOT_COVERED', () => {
    const e = settlementError(() => settleOne(r, { populations: ['veteran'], inPolicy: '1000' }));
    expect(e.code).toBe('POPULATION_NOT_COVERED');
    expect(e.path).toEqual(['person', 'populations']);
  });

  it('a visit type with no pipeline: VISIT_TYPE_NOT_COVERED (also for names on Object.prototype)', () => {
    for (const type of ['outpatient', 'constructor', 'toString']) {
      const e = settlementError(() => settleOne(r, { type, inPolicy: '1000' }));
      expect(e.code, type).toBe('VISIT_TYPE_NOT_COVERED');
      expect(e.path).toEqual(['visit', 'type']);
    }
  });

  it('a discharge date outside the effective dates: DATE_NOT_COVERED; both ends are inclusive', () => {
    for (const discharged of ['2017-12-31', '2019-01-01']) {
      const e = settlementError(() => settleOne(r, { discharged, inPolicy: '1000' }));
      expect(e.code, discharged).toBe('DATE_NOT_COVERED');
      expect(e.path).toEqual(['visit', 'discharged']);
    }
    for (const discharged of ['2018-01-01', '2018-12-31']) {
      expect(settleOne(r, { discharged, inPolicy: '1000' }).year).toBe(2018);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('buckets', () => {
  const passThrough = rules({ id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0' });
  let code = 0;
  const item = (cls: 'A' | 'B' | 'C', unitPrice: string, quantity: string, amount: string, extra: Record<string, string> = {}) => ({
    code: `I-${++code}`,
    class: cls,
    unitPrice,
    quantity,
    amount,
    ...extra,
  });

  it('takes the price cap off first, then the class-B self-pay share of the capped amount', () => {
    // 120 at cap 110: over-limit 10; pre-self-pay 10% x 110 = 11; in-policy 120 - 10 - 11 = 99
    for (const line of [
      item('B', '120', '1', '120.00', { selfPayRatio: '0.10', priceCap: '110' }),
      item('B', '60', '2', '120.00', { selfPayRatio: '0.10', priceCap: '55' }),
    ]) {
      const s = settleOne(passThrough, { items: [line] });
      expect(s.total).toBe('120.00');
      expect(s.buckets).toEqual({ outOfCatalog: '0.00', overLimit: '10.00', preSelfPay: '11.00', inPolicy: '99.00' });
    }
  });

  it('rounds each item half-up on its own, then sums', () => {
    // two class-B items of 0.05 at 10%: each 0.005 → 0.01, pre-self-pay 0.02 (the sum first would give 0.01)
    const b = bucketsFromItems(bill({ items: [item('B', '0.05', '1', '0.05', { selfPayRatio: '0.1' }), item('B', '0.05', '1', '0.05', { selfPayRatio: '0.1' })] }).items!);
    // (formatUnits writes the exact value: a sub-fen remainder would show, not round away)
    expect(formatUnits(b.total)).toBe('0.10');
    expect(formatUnits(b.buckets.preSelfPay)).toBe('0.02');
    expect(formatUnits(b.buckets.inPolicy)).toBe('0.08');
    // two class-A items 1.00 x 0.5 = 0.50 at cap 0.99/unit: each over 0.50 - 0.495 = 0.005 → 0.01, total 0.02
    const o = bucketsFromItems(bill({ items: [item('A', '1.00', '0.5', '0.50', { priceCap: '0.99' }), item('A', '1.00', '0.5', '0.50', { priceCap: '0.99' })] }).items!);
    expect(formatUnits(o.buckets.overLimit)).toBe('0.02');
    expect(formatUnits(o.buckets.inPolicy)).toBe('0.98');
  });

  it('sorts a mixed bill into the four buckets', () => {
    const s = settleOne(passThrough, {
      items: [
        // A, under its cap: all in-policy, 250.00
        item('A', '25.00', '10', '250.00', { priceCap: '30' }),
        // B 33.33 x 3 = 99.99 at cap 30: over 9.99; 15% of 90.00 = 13.50; in-policy 76.50
        item('B', '33.33', '3', '99.99', { selfPayRatio: '0.15', priceCap: '30' }),
        // B 10.05 at 10%: 1.005 → 1.01; in-policy 9.04
        item('B', '10.05', '1', '10.05', { selfPayRatio: '0.1' }),
        // B with ratio 0: all in-policy, 7.77 x 1.5 = 11.655 → 11.66
        item('B', '7.77', '1.5', '11.66', { selfPayRatio: '0' }),
        // C: all out of catalogue, its price cap ignored: 500.00
        item('C', '500', '1', '500.00', { priceCap: '100' }),
      ],
    });
    // total 250 + 99.99 + 10.05 + 11.66 + 500 = 871.70
    // in-policy 250 + 76.50 + 9.04 + 11.66 = 347.20 = 871.70 - 500 - 9.99 - (13.50 + 1.01)
    expect(s.total).toBe('871.70');
    expect(s.buckets).toEqual({ outOfCatalog: '500.00', overLimit: '9.99', preSelfPay: '14.51', inPolicy: '347.20' });
  });

  it('refuses an item whose amount is not unitPrice x quantity, rounded half-up', () => {
    // 7.77 x 1.5 = 11.655 → 11.66; 11.65 is refused
    expect(() => bill({ items: [item('A', '7.77', '1.5', '11.65')] })).toThrow(/11\.66/);
  });
});
