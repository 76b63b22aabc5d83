/** The synthetic population generator: deterministic, and it does what its parameters say. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SYNTH, synthBill, synthesize, type SynthParams } from '../../../src/model/input/synth.js';
import { cli, synthText } from '../helpers.js';

const params = (over: Partial<SynthParams> = {}): SynthParams => ({ ...DEFAULT_SYNTH, admissions: 2000, seed: 42, ...over });

describe('onestop synth', () => {
  it('is deterministic with its seed, and a different seed gives a different population', async () => {
    const a = await synthText(params(), 'csv');
    expect(await synthText(params(), 'csv')).toBe(a);
    expect(await synthText(params({ seed: 43 }), 'csv')).not.toBe(a);
    const cliRun = cli(['synth', '--admissions', '2000', '--year', '2018', '--seed', '42']);
    expect(cliRun.status).toBe(0);
    expect(cliRun.stdout).toBe(a);
  });

  it('writes the same admissions as CSV and as §8 JSON bills', async () => {
    const csv = (await synthText(params({ admissions: 300 }), 'csv')).trim().split('\n').slice(1);
    const jsonl = (await synthText(params({ admissions: 300 }), 'jsonl')).trim().split('\n').map((l) => JSON.parse(l));
    expect(jsonl).toHaveLength(300);
    jsonl.forEach((b, i) => {
      const [billNo, person, population, tier, hospital, visitType, admitted, discharged, oc, ol, ps, ip] = csv[i]!.split(',');
      expect(b).toEqual({ billNo, hospital: { code: hospital, tier }, person: { id: person, populations: [population] }, visit: { type: visitType, admitted, discharged }, buckets: { outOfCatalog: oc, overLimit: ol, preSelfPay: ps, inPolicy: ip } });
    });
  });

  it('follows its tier mix, medians, class mix and populations; dates in order; a person keeps one population', () => {
    const p = params({ admissions: 30000, seed: 8, classJitter: 0 });
    const all = [...synthesize(p)];
    const byTier = new Map<string, number[]>();
    const people = new Map<string, string>();
    let last = '';
    const wrong: string[] = [];
    for (const a of all) {
      const total = a.fen.outOfCatalog + a.fen.overLimit + a.fen.preSelfPay + a.fen.inPolicy;
      if (!byTier.has(a.tier)) byTier.set(a.tier, []);
      byTier.get(a.tier)!.push(total);
      if (a.discharged < last) wrong.push(`${a.billNo} out of date order`);
      last = a.discharged;
      if (a.admitted > a.discharged) wrong.push(`${a.billNo} admitted after discharge`);
      if ((people.get(a.person) ?? a.populations[0]) !== a.populations[0]) wrong.push(`${a.person} changed population`);
      people.set(a.person, a.populations[0]!);
      if (Math.abs(a.fen.outOfCatalog - total * 0.08) > 0.5) wrong.push(`${a.billNo} class mix`);
      if (a.fen.inPolicy < 0) wrong.push(`${a.billNo} negative in-policy`);
    }
    expect(wrong).toEqual([]);
    for (const [tier, t] of Object.entries(p.tiers)) {
      const costs = byTier.get(tier)!.sort((x, y) => x - y);
      expect(costs.length / all.length).toBeCloseTo(t.share, 1);
      const median = costs[Math.floor(costs.length / 2)]! / 100;
      expect(Math.abs(median / t.median - 1)).toBeLessThan(0.06);
    }
    const poor = [...people.values()].filter((x) => x === 'poverty').length / people.size;
    expect(poor).toBeGreaterThan(0.6);
    expect(poor).toBeLessThan(0.7);
    expect(all.length / people.size).toBeGreaterThan(1.2);
    expect(all[0]!.discharged).toBe('2018-01-01');
    expect(all.at(-1)!.discharged).toBe('2018-12-31');
  });

  it('gives each tier exactly its share with --exact-tier-counts', () => {
    const counts = new Map<string, number>();
    for (const a of synthesize(params({ admissions: 1277, exactTierCounts: true, tiers: { township: { share: 330, median: 3000, spread: 0.5 }, county: { share: 650, median: 7000, spread: 0.5 }, league: { share: 297, median: 15000, spread: 0.5 } } }))) {
      counts.set(a.tier, (counts.get(a.tier) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ township: 330, county: 650, league: 297 });
  });

  it('takes parameters on the command line and refuses bad ones in Chinese', () => {
    const r = cli(['synth', '--admissions', '50', '--year', '2019', '--seed', '1', '--format', 'jsonl', '--tier-mix', 'county=1', '--median', 'county=8000', '--populations', 'resident=1', '--visit-type', 'inpatient']);
    expect(r.status).toBe(0);
    const bills = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as ReturnType<typeof synthBill>);
    expect(bills).toHaveLength(50);
    expect(new Set(bills.map((b) => b.hospital.tier))).toEqual(new Set(['county']));
    expect(new Set(bills.map((b) => b.person.populations[0]))).toEqual(new Set(['resident']));
    expect(bills.every((b) => b.visit.discharged.startsWith('2019-'))).toBe(true);
    const bad = cli(['synth', '--admissions', '50', '--year', '2019', '--seed', '1', '--tier-mix', 'clinic=1']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('clinic');
    expect(bad.stderr).toContain('--median');
  });
});

describe('onestop synth --diagnoses', () => {
  it('draws a principal diagnosis per admission from its shares, and leaves every other draw as it was', async () => {
    const plain = (await synthText(params({ admissions: 500 }), 'csv')).trim().split('\n');
    const withDx = (await synthText(params({ admissions: 500, diagnoses: { 'C16.900': 1, 'I10.x00': 3 } }), 'csv')).trim().split('\n');
    expect(withDx[0]).toBe(`${plain[0]},diagnoses`);
    const codes = withDx.slice(1).map((l) => l.split(',').at(-1));
    withDx.slice(1).forEach((l, i) => expect(l.slice(0, l.lastIndexOf(','))).toBe(plain[i + 1]));
    const c16 = codes.filter((c) => c === 'C16.900').length;
    expect(c16 + codes.filter((c) => c === 'I10.x00').length).toBe(500);
    expect(c16).toBeGreaterThan(90); // 125 expected at a share of 1/4
    expect(c16).toBeLessThan(160);
    const bill = synthBill([...synthesize(params({ admissions: 1, diagnoses: { 'C16.900': 1 } }))][0]!);
    expect(bill.diagnoses).toEqual([{ code: 'C16.900' }]);
  });

  it('gives a diagnosis-gated what-if something to act on: Zhuozi’s 患大病 reading pays the county fund less', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synth-dx-'));
    const csv = join(dir, 'a.csv');
    expect(cli(['synth', '--admissions', '400', '--year', '2016', '--seed', '3', '--populations', 'poverty=1', '--diagnoses', 'default', '--out', csv]).status).toBe(0);
    const run = cli(['model', '--rules', 'zhuozi-2016', '--bills', csv, '--what-if', 'rules/150921-zhuozi/what-if/serious-illness-only.yaml', '--workers', '0', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    // the county health-security fund is booked to the backstop fund (rules/150921-zhuozi/2016.yaml)
    const fund = (r: { funds: Record<string, string> }) => Number(r.funds.backstop);
    expect(report.variant.funds.basic).toBe(report.baseline.funds.basic);
    expect(fund(report.variant)).toBeLessThan(fund(report.baseline) / 2);
    expect(fund(report.variant)).toBeGreaterThan(0); // the C16 and N18.5 admissions of the default mix are still topped up
    expect(cli(['synth', '--admissions', '1', '--year', '2016', '--seed', '3', '--diagnoses', 'i63=1']).stderr).toContain('--diagnoses 的写法');
  });
});
