/**
 * What-ifs that move people between populations (model/input/moves.ts): "10% of the poor leave the
 * register on 1 July", settled by the engine for the variant only; the same people every run.
 */
import { describe, expect, it } from 'vitest';
import { isMoved, movedBill, readMoves } from '../../../src/model/input/moves.js';
import type { Bill } from '../../../src/engine/types.js';
import { SEED_BILLS, cli, tempDir, writeTemp } from '../helpers.js';

const model = (whatIf: string) => {
  const w = writeTemp(tempDir(), 'moves.yaml', whatIf);
  const r = cli(['model', '--rules', 'xingan-2018', '--bills', SEED_BILLS, '--what-if', w, '--workers', '0', '--json']);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { baseline: { funds: Record<string, string> }; whatIf: { label: string; populationMoves: unknown[] }; variant: { funds: Record<string, string>; patientPays: string } };
};

describe('population moves', () => {
  it('are read with every problem named', () => {
    expect(readMoves([{ from: 'poverty', to: 'resident', share: 0.1, on: '2018-07-01' }], ['poverty', 'resident']).moves).toEqual([{ from: 'poverty', to: 'resident', shareMillionths: 100_000, on: '2018-07-01' }]);
    const bad = readMoves([{ from: 'poor', to: 'poverty', share: 0, on: '2018-13-01', when: 'x' }], ['poverty', 'resident']);
    expect(bad.issues.map((i) => i.path)).toEqual(['populationMoves.0.when', 'populationMoves.0.from', 'populationMoves.0.share', 'populationMoves.0.on']);
    expect(readMoves('all of them', ['poverty']).issues).toHaveLength(1);
  });

  it('move a person by their id, on and after the date only, and leave other populations', () => {
    const bill = (admitted: string, id = 'P-1') => ({ person: { id, populations: ['poverty', 'dibao'] }, visit: { type: 'inpatient', admitted, discharged: '2018-07-20' } }) as unknown as Bill;
    const all = [{ from: 'poverty', to: 'resident', shareMillionths: 1_000_000, on: '2018-07-01' }];
    expect(movedBill(bill('2018-06-30'), all, 'admitted').person.populations).toEqual(['poverty', 'dibao']);
    expect(movedBill(bill('2018-07-01'), all, 'admitted').person.populations).toEqual(['resident', 'dibao']);
    // Under eligibleOn: discharged, the discharge date (07-20) decides.
    expect(movedBill(bill('2018-06-30'), all, 'discharged').person.populations).toEqual(['resident', 'dibao']);
    // A share picks the same people every time, about that share of them.
    const ids = Array.from({ length: 10_000 }, (_, i) => `P-${i}`);
    const picked = ids.filter((id) => isMoved(id, 100_000));
    expect(picked.length).toBeGreaterThan(900);
    expect(picked.length).toBeLessThan(1100);
    expect(ids.filter((id) => isMoved(id, 100_000))).toEqual(picked);
  });

  it('change only the variant: everyone poor becoming a resident from 1 January empties the poverty layers', () => {
    const r = model('label: 全部脱贫\npopulationMoves:\n  - { from: poverty, to: resident, share: 1, on: "2018-01-01" }\n');
    expect(r.whatIf.label).toBe('全部脱贫');
    for (const fund of ['commercial', 'assistance', 'backstop']) expect(Number(r.baseline.funds[fund]), fund).toBeGreaterThan(0);
    for (const fund of ['commercial', 'assistance', 'backstop']) expect(r.variant.funds[fund] ?? '0.00', fund).toBe('0.00');
  });

  it('a tenth from 1 July: between the two, the same figures every run, named in words', () => {
    const text = 'populationMoves:\n  - { from: poverty, to: resident, share: 0.10, on: "2018-07-01" }\n';
    const a = model(text);
    expect(a.whatIf.label).toBe('10%的建档立卡贫困人口自 2018-07-01 起改为城乡居民');
    expect(a.whatIf.populationMoves).toEqual([{ from: 'poverty', to: 'resident', share: '0.1', on: '2018-07-01', description: a.whatIf.label }]);
    const backstop = (r: typeof a, which: 'baseline' | 'variant') => Number(r[which].funds.backstop ?? '0');
    expect(backstop(a, 'variant')).toBeLessThan(backstop(a, 'baseline'));
    expect(backstop(a, 'variant')).toBeGreaterThan(0);
    expect(model(text).variant).toEqual(a.variant);
  });
});
