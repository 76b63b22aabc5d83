/**
 * The pipeline around the steps: which population and ruleset a bill is settled under, and the four
 * buckets of a bill (SETTLEMENT.md §2, §3).
 */
import { describe, expect, it } from 'vitest';
import { StepDoc, rulesDoc, rules, bill, settleOne, step, settlementError } from './steps/helpers.js';
import { bucketsFromItems } from '../../src/engine/buckets.js';
import { formatUnits } from '../../src/money/text.js';
import { rulesetFromDocument } from '../../src/rules/load.js';

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
