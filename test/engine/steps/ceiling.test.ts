/**
 * The ceiling step kind (src/engine/steps/limits.ts), hand-worked bill by bill: each expected figure is
 * worked out in the comment beside it.
 */
import { describe, expect, it } from 'vitest';
import { rules, settleOne, step } from './helpers.js';

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

