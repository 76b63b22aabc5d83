/** The same calculation through `onestop settle` (the built CLI, as a user runs it) as through the library. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { YearToDateLedger } from '../../src/engine/ledger.js';
import { settlementJson } from '../../src/engine/result.js';
import { rulesetFromDocument } from '../../src/rules/load.js';
import { engineBill, loadCases } from '../helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'onestop.js');

function run(args: string[], input?: string) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input, encoding: 'utf8' });
}

// The cases with the longest history: accumulators must carry from one line to the next.
const withHistory = loadCases().filter((c) => c.history.length >= 2);

describe('onestop settle', () => {
  it.each(withHistory.map((c) => [c.name, c] as const))('%s: CLI output equals the library, line by line', (_n, c) => {
    const dir = mkdtempSync(join(tmpdir(), 'settle-'));
    const rulesFile = join(dir, 'rules.json');
    const billsFile = join(dir, 'bills.jsonl');
    writeFileSync(rulesFile, JSON.stringify(c.rules));
    const bills = [...c.history, c.bill];
    writeFileSync(billsFile, bills.map((b) => JSON.stringify(b)).join('\n') + '\n');

    const res = run(['settle', '--rules', rulesFile, billsFile]);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l));

    const { ruleset } = rulesetFromDocument(c.rules, 'rules.json');
    const ledger = new YearToDateLedger();
    const expected = bills.map((b) => {
      const bill = engineBill(b);
      return { billNo: bill.billNo, personId: bill.person.id, ...settlementJson(ledger.settle(bill, ruleset)) };
    });
    expect(lines).toEqual(expected);
    expect(lines.at(-1).patientPays).toBe(c.expect.patientPays);
  });

  it('reads a pretty-printed bill from standard input', () => {
    const c = loadCases().find((x) => x.name === 'published-shandong-2014')!;
    const dir = mkdtempSync(join(tmpdir(), 'settle-'));
    writeFileSync(join(dir, 'r.json'), JSON.stringify(c.rules));
    const res = run(['settle', '--rules', join(dir, 'r.json'), '-'], JSON.stringify(c.bill, null, 2));
    expect(res.status).toBe(0);
    expect(JSON.parse(res.stdout).funds).toEqual({ basic: '100000.00', seriousIllness: '87000.00' });
  });

  it('a bad bill names its line and field, exits non-zero, and prints no partial result', () => {
    const c = loadCases().find((x) => x.name === 'published-shandong-2014')!;
    const dir = mkdtempSync(join(tmpdir(), 'settle-'));
    writeFileSync(join(dir, 'r.json'), JSON.stringify(c.rules));
    const bad = structuredClone(c.bill) as { billNo: string; items: { amount: string }[] };
    bad.billNo = 'BAD-1';
    bad.items[0]!.amount = '270000.01';
    writeFileSync(join(dir, 'b.jsonl'), `${JSON.stringify(c.bill)}\n${JSON.stringify(bad)}\n`);
    const res = run(['settle', '--rules', join(dir, 'r.json'), join(dir, 'b.jsonl')]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('第 2 行');
    expect(res.stderr).toContain('BAD-1');
    expect(res.stderr).toContain('items[0].amount');
    const out = res.stdout.trim().split('\n');
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0]!).billNo).toBe('SD-2014-1');
  });

  it('a rules file with a wrong field is refused naming the file and the path', () => {
    const c = loadCases()[0]!;
    const dir = mkdtempSync(join(tmpdir(), 'settle-'));
    const rules = structuredClone(c.rules) as { visits: { inpatient: Record<string, unknown>[] } };
    rules.visits.inpatient[0]!.ratoi = '0.5';
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(rules));
    writeFileSync(join(dir, 'b.json'), JSON.stringify(c.bill));
    const res = run(['settle', '--rules', join(dir, 'bad.json'), join(dir, 'b.json')]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('bad.json');
    expect(res.stderr).toContain('visits.inpatient[0]');
    expect(res.stderr).toContain('ratoi');
    expect(res.stdout).toBe('');
  });
});

describe('onestop settle --year-to-date', () => {
  const bill = {
    billNo: 'YTD-1',
    hospital: { code: 'H-1', tier: 'county' },
    person: { id: 'P-0001', populations: ['resident'] },
    visit: { type: 'inpatient', admitted: '2018-03-01', discharged: '2018-03-05' },
    buckets: { outOfCatalog: '0', overLimit: '0', preSelfPay: '0', inPolicy: '10000.00' },
  };
  const settleWith = (ytd: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'ytd-'));
    writeFileSync(join(dir, 'ytd.json'), ytd);
    writeFileSync(join(dir, 'b.json'), JSON.stringify(bill));
    return { file: join(dir, 'ytd.json'), res: run(['settle', '--rules', 'xingan-2018', '--year-to-date', join(dir, 'ytd.json'), join(dir, 'b.json')]) };
  };

  it('takes the shape the README documents, any subset of the fields, and settles from it', () => {
    const { res } = settleWith('{"P-0001": {"2018": {"basic": {"paid": "1000.00"}}}}');
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    const s = JSON.parse(res.stdout);
    expect(s.accumulators.basic.paid.before).toBe('1000.00');
    // the same bill from zero differs only by what the year so far changes
    const { res: fromZero } = settleWith('{}');
    expect(JSON.parse(fromZero.stdout).accumulators.basic.paid.before).toBe('0.00');
    // a fraction of a fen (an adjusted deductible) and JSON numbers are read exactly
    const exact = settleWith('{"P-0001": {"2018": {"basic": {"paid": 1000.125}}}}').res;
    expect(exact.status, exact.stderr).toBe(0);
    expect(JSON.parse(exact.stdout).accumulators.basic.paid.before).toBe('1000.125');
  });

  it('refuses a negative amount, an unknown field and a key written twice, naming the file and the path', () => {
    const negative = settleWith('{"P-0001": {"2018": {"basic": {"paid": "-1.00"}}}}');
    expect(negative.res.status).toBe(1);
    expect(negative.res.stderr).toContain(`${negative.file}：P-0001.2018.basic.paid：不能小于 0`);
    const unknown = settleWith('{"P-0001": {"2018": {"basic": {"payd": "1.00"}}}}');
    expect(unknown.res.status).toBe(1);
    expect(unknown.res.stderr).toContain(`${unknown.file}：P-0001.2018.basic`);
    expect(unknown.res.stderr).toContain('payd');
    const twice = settleWith('{"P-0001": {"2018": {"basic": {"paid": "1.00", "paid": "2.00"}}}}');
    expect(twice.res.status).toBe(1);
    expect(twice.res.stderr).toContain(`${twice.file}：P-0001.2018.basic.paid：键 "paid" 出现了两次`);
    const year = settleWith('{"P-0001": {"18": {"basic": {"paid": "1.00"}}}}');
    expect(year.res.stderr).toContain('四位数字');
    for (const r of [negative, unknown, twice, year]) expect(r.res.stdout).toBe('');
  });
});
