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
