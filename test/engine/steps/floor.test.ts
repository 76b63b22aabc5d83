/**
 * The floor step kind (src/engine/steps/floor.ts), hand-worked bill by bill: each expected figure is
 * worked out in the comment beside it.
 */
import { describe, expect, it } from 'vitest';
import { rules, settleOne, step } from './helpers.js';

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

