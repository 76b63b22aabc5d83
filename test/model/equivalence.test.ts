/**
 * The headline guarantee: settling a bills file with `onestop settle` and adding up per fund gives
 * exactly the model's totals, because both run the same engine. Both sides run the built CLI.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_SYNTH } from '../../src/model/input/synth.js';
import { ROOT, SEED_BILLS, cli, groupBy, synthText, tempDir, totalsFromReport, totalsOf, writeTemp, type SettledLine } from './helpers.js';

function settleLines(rules: string, bills: string): SettledLine[] {
  const r = cli(['settle', '--rules', rules, bills]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as SettledLine);
}

describe('onestop model agrees with onestop settle to the fen', () => {
  it('the seeded year of Xing\'an bills (item bills, five visit types, year-to-date caps): per fund, population, tier and month', () => {
    const lines = settleLines('xingan-2018', SEED_BILLS);
    const bills = readFileSync(SEED_BILLS, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { visit: { discharged: string }; hospital: { tier: string } });
    const run = cli(['model', '--rules', 'xingan-2018', '--bills', SEED_BILLS, '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    const funds = Object.keys(report.baseline.funds);
    expect(funds).toEqual(['basic', 'seriousIllness', 'commercial', 'assistance', 'backstop']);

    expect(totalsFromReport(report.baseline)).toEqual(totalsOf(lines, funds));
    expect(report.admissions).toBe(bills.length);

    const annotated = lines.map((l, i) => ({ ...l, month: bills[i]!.visit.discharged.slice(0, 7), tier: bills[i]!.hospital.tier }));
    const dims = [
      ['byMonth', (x: (typeof annotated)[number]) => x.month],
      ['byTier', (x: (typeof annotated)[number]) => x.tier],
      ['byPopulation', (x: (typeof annotated)[number]) => x.population],
    ] as const;
    for (const [dim, key] of dims) {
      const groups = groupBy(annotated, key);
      expect(Object.keys(report.baseline[dim]).sort()).toEqual([...groups.keys()].sort());
      for (const [k, ls] of groups) expect(totalsFromReport(report.baseline[dim][k]), `${dim} ${k}`).toEqual(totalsOf(ls, funds));
    }
    // The data exercise what carrying the year must get right.
    expect(report.baseline.capPaidAdmissions).toBeGreaterThan(0);
    expect(report.baseline.floorPaidAdmissions).toBeGreaterThan(0);
    expect(Number(report.baseline.steps['inpatient.serious'].paid)).toBeGreaterThan(0);
  });

  it('bucket-level CSV rows with a what-if: baseline, variant and difference equal settle under each ruleset', async () => {
    const dir = tempDir();
    const params = { ...DEFAULT_SYNTH, admissions: 2500, year: 2018, seed: 7, admissionsPerPerson: 2.5 };
    const csv = writeTemp(dir, 'pop.csv', await synthText(params, 'csv'));
    const jsonl = writeTemp(dir, 'pop.jsonl', await synthText(params, 'jsonl'));

    // The variant rules file, built by hand (not by the code under test): floor 95%, OOP cap 3,000.
    const doc = parseYaml(readFileSync(`${ROOT}/rules/152200-xingan/2018.yaml`, 'utf8')) as { visits: { inpatient: { id: string; floor?: unknown; cap?: unknown }[] } };
    doc.visits.inpatient.find((s) => s.id === 'floor')!.floor = '0.95';
    doc.visits.inpatient.find((s) => s.id === 'oop')!.cap = '3000.00';
    const variantRules = writeTemp(dir, 'variant.json', JSON.stringify(doc));
    const whatIf = writeTemp(dir, 'what-if.yaml', 'visits.inpatient.floor.floor: 0.95\nvisits.inpatient.oop.cap: 3000\n');

    const base = settleLines('xingan-2018', jsonl);
    const vari = settleLines(variantRules, jsonl);
    const run = cli(['model', '--rules', 'xingan-2018', '--bills', csv, '--what-if', whatIf, '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    const funds = Object.keys(report.baseline.funds);
    const b = totalsOf(base, funds);
    const v = totalsOf(vari, funds);
    expect(totalsFromReport(report.baseline)).toEqual(b);
    expect(totalsFromReport(report.variant)).toEqual(v);
    expect(report.variant.whatIf.changes.map((c: { path: string }) => c.path)).toEqual(['visits.inpatient.floor.floor', 'visits.inpatient.oop.cap']);
    for (const f of funds) expect(report.difference.funds[f], f).toBe(subtract(v.funds[f]!, b.funds[f]!));
    expect(report.difference.fundPaysTotal).toBe(subtract(v.fundPaysTotal, b.fundPaysTotal));
    expect(report.difference.patientPays).toBe(subtract(v.patientPays, b.patientPays));
    // The what-if moved money where it should: more backstop, less patient payment.
    expect(Number(report.difference.funds.backstop)).toBeGreaterThan(0);
    expect(Number(report.difference.patientPays)).toBeLessThan(0);
    expect(report.baseline.capPaidAdmissions).toBeGreaterThan(0);
  });
});

/** a − b on two-decimal strings, in integer fen (independent of decimal.js). */
function subtract(a: string, b: string): string {
  const fen = (s: string) => BigInt(s.replace('.', ''));
  const d = fen(a) - fen(b);
  const neg = d < 0n;
  const abs = (neg ? -d : d).toString().padStart(3, '0');
  return `${neg ? '-' : ''}${abs.slice(0, -2)}.${abs.slice(-2)}`;
}

describe('steps gated by a diagnosis (§3), in the middle of a pipeline', () => {
  it('the model books each step’s payout to its own fund whether or not the gated step ran', async () => {
    const dir = tempDir();
    const params = { ...DEFAULT_SYNTH, admissions: 1500, year: 2018, seed: 11, populations: { poverty: 1 }, diagnoses: { 'C34.900': 1, 'J18.900': 1, 'I10.x00': 1 } };
    const csv = writeTemp(dir, 'pop.csv', await synthText(params, 'csv'));
    const rules = {
      id: 'gated-2018',
      title: 'a cancer top-up between basic insurance and the floor',
      region: { code: '150000', name: 'test' },
      effective: { from: '2018-01-01', to: '2018-12-31' },
      sources: [{ id: 's1', title: 'test' }],
      tiers: ['township', 'county', 'league', 'province', 'outOfProvince'],
      populations: ['poverty'],
      visits: {
        inpatient: [
          { id: 'basic', fund: 'basic', kind: 'coinsurance', ratio: '0.6', source: 's1' },
          { id: 'cancer', fund: 'assistance', kind: 'coinsurance', ratio: '0.5', when: { diagnoses: ['C'] }, source: 's1' },
          { id: 'floor', fund: 'backstop', kind: 'floor', floor: '0.85', denominator: 'inPolicy', source: 's1' },
        ],
      },
    };
    const rulesFile = writeTemp(dir, 'gated.json', JSON.stringify(rules));
    const jsonl = writeTemp(dir, 'pop.jsonl', await synthText(params, 'jsonl'));
    const lines = settleLines(rulesFile, jsonl);
    const run = cli(['model', '--rules', rulesFile, '--bills', csv, '--json']);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    const funds = Object.keys(report.baseline.funds);
    expect(totalsFromReport(report.baseline)).toEqual(totalsOf(lines, funds));
    // per step, too: the gated step ran for about a third of the admissions
    const stepPaid = (id: string) =>
      lines
        .flatMap((l) => (l as unknown as { steps: { id: string; payout: string }[] }).steps)
        .filter((x) => x.id === id)
        .reduce((a, x) => a + BigInt(x.payout.replace('.', '')), 0n);
    for (const id of ['basic', 'cancer', 'floor']) expect(report.baseline.steps[`inpatient.${id}`].paid.replace('.', ''), id).toBe(String(stepPaid(id)));
    const ran = lines.filter((l) => (l as unknown as { steps: { id: string }[] }).steps.some((x) => x.id === 'cancer')).length;
    expect(ran).toBeGreaterThan(350);
    expect(ran).toBeLessThan(650);
  });
});

describe('payouts made elsewhere (§3) in the model', () => {
  it('a fund’s budget (owed) is its payout less what was paid elsewhere, as settle gives it bill by bill', () => {
    const dir = tempDir();
    // Five poor admissions at a Beijing hospital (outOfProvince), two with basic insurance settled there.
    const rows = [
      'billNo,person,population,tier,discharged,outOfCatalog,overLimit,preSelfPay,inPolicy,paidElsewhere',
      'E1,P1,poverty,outOfProvince,2018-02-01,1000.00,0,0,30000.00,basic:15000.00:1000.00',
      'E2,P2,poverty,outOfProvince,2018-03-01,0,0,0,12000.00,',
      'E3,P1,poverty,outOfProvince,2018-05-01,0,0,500.00,8000.00,basic:4200.00',
      'E4,P3,poverty,county,2018-06-01,0,0,0,5000.00,',
      'E5,P2,resident,league,2018-07-01,0,0,0,9000.00,',
    ];
    const csv = writeTemp(dir, 'elsewhere.csv', `${rows.join('\n')}\n`);
    const bills = rows.slice(1).map((r) => {
      const [billNo, person, population, tier, discharged, oc, ol, ps, ip, paid] = r.split(',');
      const [step, payout, deductible] = (paid ?? '').split(':');
      return JSON.stringify({
        billNo,
        hospital: { code: '-', tier },
        person: { id: person, populations: [population] },
        visit: { type: 'inpatient', admitted: discharged, discharged },
        buckets: { outOfCatalog: oc, overLimit: ol, preSelfPay: ps, inPolicy: ip },
        ...(step ? { paidElsewhere: { [step]: { payout, ...(deductible ? { deductible } : {}) } } } : {}),
      });
    });
    const jsonl = writeTemp(dir, 'elsewhere.jsonl', `${bills.join('\n')}\n`);
    const lines = settleLines('xingan-2018', jsonl) as unknown as { funds: Record<string, string>; owed?: Record<string, string> }[];
    const run = cli(['model', '--rules', 'xingan-2018', '--bills', csv, '--json']);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    const fen = (t: string) => BigInt(t.replace('.', ''));
    const yuanText = (f: bigint) => `${f / 100n}.${String(f % 100n).padStart(2, '0')}`;
    for (const fund of Object.keys(report.baseline.funds)) {
      const owed = lines.reduce((a, l) => a + fen(l.owed?.[fund] ?? l.funds[fund] ?? '0.00'), 0n);
      expect(report.baseline.owed[fund], fund).toBe(yuanText(owed));
    }
    // basic paid 15,000 + 4,200 elsewhere: it owes that much less than it paid
    expect(fen(report.baseline.funds.basic) - fen(report.baseline.owed.basic)).toBe(fen('19200.00'));
    expect(report.baseline.byPopulation.resident.owed).toBeUndefined();
    expect(fen(report.baseline.byPopulation.poverty.owed.basic) + fen(report.baseline.byPopulation.resident.funds.basic)).toBe(fen(report.baseline.owed.basic));
  });
});
