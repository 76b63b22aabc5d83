/**
 * Exactness of what the model adds up: the weighted percentile, weights, growth, and a year-to-date
 * value with fractions of a fen. Expected figures come from the engine's own ledger or from integer
 * arithmetic in the test, never from src/model.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { YearToDateLedger } from '../../src/engine/ledger.js';
import { Decimal, MoneyFormatError, amountText, decimalFromUnits } from '../../src/money/money.js';
import { FEN, parseUnits, toFenNumber } from '../../src/money/fixed.js';
import { MAX_DISTINCT_WEIGHTS } from '../../src/model/aggregate.js';
import { fenOfUnits, parseAmountUnits } from '../../src/model/fen.js';
import { weightedQuantile } from '../../src/model/report.js';
import { parseCliBill } from '../../src/cli/settle.js';
import { runModel } from '../../src/model/runner.js';
import { DEFAULT_SYNTH } from '../../src/model/synth.js';
import { rulesetFromDocument } from '../../src/rules/load.js';
import { resolveRuleset } from '../../src/rules/resolve.js';
import { synthText } from './helpers.js';

const xingan = () => resolveRuleset('xingan-2018');
const csvRun = (text: string, extra: Partial<Parameters<typeof runModel>[0]> = {}) =>
  runModel({ rules: xingan(), source: { kind: 'text', text, format: 'csv' }, workers: 0, ...extra });

/** The weighted nearest-rank percentile by brute force: expand every value by its weight. */
function bruteForce(values: number[], weights: number[], q: number): number {
  const pairs = values.map((v, i) => [v, weights[i]!] as const).sort((a, b) => a[0] - b[0]);
  const total = weights.reduce((a, b) => a + b, 0);
  const target = Math.ceil((q * total) / 100);
  let acc = 0;
  for (const [v, w] of pairs) {
    acc += w;
    if (acc >= target) return v;
  }
  throw new Error('unreachable');
}

describe('exact aggregation', () => {
  it('converts Units to integer fen exactly, like fixed.ts (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 53n) + 1n, max: 2n ** 53n - 1n }), fc.bigInt({ min: 0n, max: FEN - 1n }), (fen, frac) => {
        expect(fenOfUnits(fen * FEN)).toBe(toFenNumber(fen * FEN));
        expect(fenOfUnits(fen * FEN)).toBe(Number(fen));
        if (frac !== 0n) expect(() => fenOfUnits(fen * FEN + frac)).toThrow(RangeError);
      }),
      { numRuns: 2000 },
    );
    expect(() => fenOfUnits(parseUnits('77.775'))).toThrow(RangeError);
    expect(fenOfUnits(parseUnits('0.1'))).toBe(10);
    expect(fenOfUnits(parseUnits('90071992547409.91'))).toBe(9007199254740991);
  });

  it('reads amount text into Units exactly as money.ts validates it (property)', () => {
    const outcome = (text: string) => {
      try {
        return { units: parseAmountUnits(text) };
      } catch (e) {
        return { error: e instanceof MoneyFormatError ? e.message : `other: ${String(e)}` };
      }
    };
    const expected = (text: string) => {
      try {
        return { units: parseUnits(amountText(text)) };
      } catch (e) {
        return { error: e instanceof MoneyFormatError ? e.message : `other: ${String(e)}` };
      }
    };
    const digits = fc.string({ unit: fc.constantFrom('0', '1', '2', '5', '9', '.', '-', ' ', 'e', 'x'), maxLength: 18 });
    const amounts = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 13n }), fc.integer({ min: 0, max: 3 })).map(([n, d]) => (d === 0 ? String(n) : `${n / 10n ** BigInt(d)}.${String(n % 10n ** BigInt(d)).padStart(d, '0')}`));
    fc.assert(
      fc.property(fc.oneof(digits, amounts), (text) => {
        expect(outcome(text)).toEqual(expected(text));
      }),
      { numRuns: 5000 },
    );
    for (const t of ['0', '0.00', '0.5', '12.50', '999999999999.99', '1000000000000', '01', '1.', '.5', '-1', '1.005', ' 7.25 ', '', '1e3']) expect(outcome(t), t).toEqual(expected(t));
  });

  it('the weighted 95th percentile equals a brute-force expansion (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 1, max: 7 })), { minLength: 1, maxLength: 300 }), (pairs) => {
        const values = pairs.map((p) => p[0]);
        const weights = pairs.map((p) => p[1]);
        expect(weightedQuantile(Float64Array.from(values), Float64Array.from(weights))).toBe(bruteForce(values, weights, 95));
        expect(weightedQuantile(Float64Array.from(values), null)).toBe(bruteForce(values, values.map(() => 1), 95));
        for (const q of [1, 50, 99, 100]) expect(weightedQuantile(Float64Array.from(values), null, q, 100)).toBe(bruteForce(values, values.map(() => 1), q));
      }),
      { numRuns: 300 },
    );
    // Nearest rank: of 20 values 1..20 the 19th; of 21 values the 20th (⌈19.95⌉).
    expect(weightedQuantile(Float64Array.from({ length: 20 }, (_, i) => 20 - i), null)).toBe(19);
    expect(weightedQuantile(Float64Array.from({ length: 21 }, (_, i) => i + 1), null)).toBe(20);
    expect(weightedQuantile(new Float64Array(0), null)).toBeNull();
  });

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
      const bill = parseCliBill({
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
    const grown = await csvRun([header, ...rows].join('\n'), { growth: { cost: new Decimal('1.06'), admissions: new Decimal(1) } });
    const byHand = await csvRun(scaled);
    expect(grown.report.baseline).toEqual(byHand.report.baseline);
    expect(grown.report.growth).toEqual({ cost: '1.06', admissions: '1' });
  });

  it('admissions growth scales counts and amounts, not ratios or percentiles', async () => {
    const text = await synthText({ ...DEFAULT_SYNTH, admissions: 500, seed: 4 }, 'csv');
    const base = (await csvRun(text)).report.baseline;
    const grown = (await csvRun(text, { growth: { cost: new Decimal(1), admissions: new Decimal('1.03') } })).report;
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
    expect([...ledger.entries()].some(([, acc]) => (acc.basic?.deductibleMet ?? 0n) % FEN !== 0n)).toBe(true);
  });
});
