/**
 * Exactness of what the model adds up: weights, growth, and a year-to-date value with fractions of a
 * fen. Expected figures come from the engine's own ledger and decimal.js, or from integer arithmetic in
 * the test, never from src/model.
 */
import { describe, expect, it } from 'vitest';
import { parseStandaloneBill } from '../../../src/bill/parse.js';
import { YearToDateLedger } from '../../../src/engine/ledger.js';
import { MAX_DISTINCT_WEIGHTS } from '../../../src/model/aggregate/weighted-sums.js';
import { growthFrom } from '../../../src/model/input/growth.js';
import { DEFAULT_SYNTH } from '../../../src/model/input/synth.js';
import { runModel } from '../../../src/model/run/runner.js';
import { formatUnits, parseUnits } from '../../../src/money/text.js';
import { FEN, type Units } from '../../../src/money/units.js';
import { rulesetFromDocument } from '../../../src/rules/load.js';
import { resolveRuleset } from '../../../src/rules/resolve.js';
import { Decimal } from '../../helpers.js';
import { synthText } from '../helpers.js';

/** An engine amount as a Decimal, through its exact text. */
const decimalFromUnits = (u: Units) => new Decimal(formatUnits(u));

const xingan = () => resolveRuleset('xingan-2018');
const csvRun = (text: string, extra: Partial<Parameters<typeof runModel>[0]> = {}) =>
  runModel({ rules: xingan(), source: { kind: 'text', text, format: 'csv' }, workers: 0, ...extra });

describe('exact aggregation', () => {
  it('a weight of 2 counts a row twice: the same as the row repeated for another person', async () => {
    const csv = (await synthText({ ...DEFAULT_SYNTH, admissions: 800, seed: 3, admissionsPerPerson: 2 }, 'csv')).trim().split('\n');
    const [header, ...rows] = csv;
    const weighted = [`${header},w`, ...rows.map((r) => `${r},2`)].join('\n');
    // The twin of each person is a different person with the same admissions, so settles the same way.
    const twins = [header, ...rows.flatMap((r) => [r, r.replace(/,SYP-/, ',TWIN-')])].join('\n');
    const a = await csvRun(weighted, { weights: 'w' });
    const b = await csvRun(twins);
    expect(a.report.admissions).toBe(800);
    expect(a.report.weightedAdmissions).toBe(1600);
    const strip = (s: typeof a.report.baseline) => ({ ...s, byPopulation: undefined });
    expect(strip(a.report.baseline)).toEqual(strip(b.report.baseline));
  });

  it('fractional and many distinct weights stay exact (per-weight integer sums, then BigInt past the limit)', async () => {
    const csv = (await synthText({ ...DEFAULT_SYNTH, admissions: MAX_DISTINCT_WEIGHTS + 150, seed: 9 }, 'csv')).trim().split('\n');
    const [header, ...rows] = csv;
    const weightOf = (i: number) => `${1 + (i % (MAX_DISTINCT_WEIGHTS + 40))}.${String((i * 7919) % 1000000).padStart(6, '0')}`;
    const text = [`${header},weight`, ...rows.map((r, i) => `${r},${weightOf(i)}`)].join('\n');
    const { report } = await csvRun(text, { weights: 'weight' });

    // Expected: settle each row with the engine's own ledger, Σ weight × amount in Decimal, round half-up.
    const rules = xingan().ruleset;
    const ledger = new YearToDateLedger();
    const sums: Record<string, Decimal> = {};
    let patient = new Decimal(0);
    let weights = new Decimal(0);
    rows.forEach((r, i) => {
      const [billNo, person, population, tier, hospital, visitType, admitted, discharged, oc, ol, ps, ip] = r.split(',');
      const bill = parseStandaloneBill({
        line: i + 2,
        text: JSON.stringify({ billNo, hospital: { code: hospital, tier }, person: { id: person, populations: [population] }, visit: { type: visitType, admitted, discharged }, buckets: { outOfCatalog: oc, overLimit: ol, preSelfPay: ps, inPolicy: ip } }),
      });
      const s = ledger.settle(bill, rules);
      const w = new Decimal(weightOf(i));
      weights = weights.plus(w);
      for (const [f, v] of Object.entries(s.funds)) sums[f] = (sums[f] ?? new Decimal(0)).plus(decimalFromUnits(v).mul(w));
      patient = patient.plus(decimalFromUnits(s.patientPays).mul(w));
    });
    for (const [f, v] of Object.entries(sums)) expect(report.baseline.funds[f], f).toBe(v.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2));
    expect(report.baseline.patientPays).toBe(patient.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2));
    expect(report.weightedAdmissions).toBe(Number(weights.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toString()));
  });

  it('cost growth scales every bucket before settling, rounded half-up to the fen', async () => {
    const csv = (await synthText({ ...DEFAULT_SYNTH, admissions: 600, seed: 21, admissionsPerPerson: 2 }, 'csv')).trim().split('\n');
    const [header, ...rows] = csv;
    // Scale by 1.06 in integer fen: fen × 106 / 100, half-up.
    const grow = (yuan: string) => {
      const fen = BigInt(yuan.replace('.', '')) * 106n;
      const up = (fen + 50n) / 100n;
      const s = up.toString().padStart(3, '0');
      return `${s.slice(0, -2)}.${s.slice(-2)}`;
    };
    const scaled = [header, ...rows.map((r) => r.split(',').map((v, i) => (i >= 8 ? grow(v) : v)).join(','))].join('\n');
    const grown = await csvRun([header, ...rows].join('\n'), { growth: growthFrom({ cost: '1.06' }) });
    const byHand = await csvRun(scaled);
    expect(grown.report.baseline).toEqual(byHand.report.baseline);
    expect(grown.report.growth).toEqual({ cost: '1.06', admissions: '1' });
  });

  it('admissions growth scales counts and amounts, not ratios or percentiles', async () => {
    const text = await synthText({ ...DEFAULT_SYNTH, admissions: 500, seed: 4 }, 'csv');
    const base = (await csvRun(text)).report.baseline;
    const grown = (await csvRun(text, { growth: growthFrom({ admissions: '1.03' }) })).report;
    const times = (s: string) => new Decimal(s).mul('1.03').toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);
    for (const f of Object.keys(base.funds)) expect(grown.baseline.funds[f]).toBe(times(base.funds[f]!));
    expect(grown.baseline.total).toBe(times(base.total));
    expect(grown.baseline.admissions).toBe(515);
    expect(grown.weightedAdmissions).toBe(515);
    expect(grown.baseline.actualRatio).toBe(base.actualRatio);
    expect(grown.baseline.patient.p95).toBe(base.patient.p95);
    expect(grown.baseline.patient.mean).toBe(base.patient.mean);
  });

  it('carries a year-to-date value with fractions of a fen exactly (annual deductible × 0.5)', async () => {
    const doc = {
      id: 'frac',
      title: 'fractional deductible',
      region: { code: '150000', name: '测试' },
      effective: { from: '2018-01-01', to: '2018-12-31' },
      sources: [{ id: 's', title: 't' }],
      tiers: ['county'],
      populations: ['poverty', 'resident'],
      visits: {
        inpatient: [
          { id: 'basic', fund: 'basic', kind: 'coinsurance', deductible: { annual: '155.55' }, ratio: '0.7', annualCap: '900.00', adjust: { poverty: { deductibleFactor: '0.5' } } },
          { id: 'oop', fund: 'backstop', kind: 'outOfPocketCap', cap: '333.33', only: ['poverty'] },
        ],
      },
    };
    const rules = rulesetFromDocument(doc, 'frac.json');
    const rows = ['person,population,tier,discharged,outOfCatalog,overLimit,preSelfPay,inPolicy'];
    const amounts = ['10.01', '33.33', '7.77', '200.05', '48.88', '1000.00', '0.01', '77.78'];
    for (let p = 0; p < 6; p++) amounts.forEach((a, i) => rows.push(`P${p},${p % 3 ? 'poverty' : 'resident'},county,2018-0${1 + (i % 9)}-1${p},1.11,0,0,${a}`));
    const sorted = [rows[0]!, ...rows.slice(1).sort((a, b) => a.split(',')[0]!.localeCompare(b.split(',')[0]!) || a.split(',')[3]!.localeCompare(b.split(',')[3]!))];
    const { report } = await runModel({ rules, source: { kind: 'text', text: sorted.join('\n'), format: 'csv' }, workers: 0 });
    const ledger = new YearToDateLedger();
    let basic = new Decimal(0);
    let backstop = new Decimal(0);
    for (const r of sorted.slice(1)) {
      const [person, population, tier, discharged, oc, , , ip] = r.split(',');
      const s = ledger.settle({ billNo: 'x', hospital: { code: 'h', tier: tier! }, person: { id: person!, populations: [population!] }, visit: { type: 'inpatient', admitted: discharged!, discharged: discharged! }, buckets: { outOfCatalog: parseUnits(oc!), overLimit: 0n, preSelfPay: 0n, inPolicy: parseUnits(ip!) } }, rules.ruleset);
      basic = basic.plus(decimalFromUnits(s.funds.basic ?? 0n));
      backstop = backstop.plus(decimalFromUnits(s.funds.backstop ?? 0n));
    }
    expect(report.baseline.funds).toEqual({ basic: basic.toFixed(2), backstop: backstop.toFixed(2) });
    // The fractional deductible did arise: 155.55 × 0.5 = 77.775.
    expect([...ledger.entries()].some(([, , acc]) => (acc.basic?.deductibleMet ?? 0n) % FEN !== 0n)).toBe(true);
  });
});
