/**
 * The runner: worker threads give exactly the in-thread result; each person's admissions are carried in
 * date order or refused; bad rows are refused with their line; the built worker is found from src/ or dist/.
 * (Thread tests use dist/model/run/worker.js: `npm run build` first, as `npm test` does.)
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputLineError } from '../../../src/formats/line-error.js';
import { DEFAULT_SYNTH } from '../../../src/model/input/synth.js';
import { applyWhatIf } from '../../../src/model/input/whatif.js';
import { runModel, shardOf, workerFile } from '../../../src/model/run/runner.js';
import { resolveRuleset } from '../../../src/rules/resolve.js';
import { ROOT, SEED_BILLS, synthText, tempDir, writeTemp } from '../helpers.js';

const xingan = () => resolveRuleset('xingan-2018');

async function refusedWith(p: Promise<unknown>): Promise<InputLineError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(InputLineError);
    return e as InputLineError;
  }
  throw new Error('the run was not refused');
}

const HEADER = 'billNo,person,population,tier,discharged,outOfCatalog,overLimit,preSelfPay,inPolicy';

describe('model runner', () => {
  it('worker threads (2 and 3 shards) give exactly the in-thread report', async () => {
    const csv = await synthText({ ...DEFAULT_SYNTH, admissions: 3000, seed: 11, admissionsPerPerson: 3 }, 'csv');
    const rules = xingan();
    const variant = applyWhatIf(rules, { 'visits.inpatient.oop.cap': 3000 }, 'w.yaml');
    const source = { kind: 'text', text: csv, format: 'csv' } as const;
    const inline = await runModel({ rules, variant, source, workers: 0 });
    const two = await runModel({ rules, variant, source, workers: 2 });
    const three = await runModel({ rules, variant, source, workers: 3 });
    expect(inline.execution.mode).toBe('inline');
    expect(two.execution).toMatchObject({ mode: 'threads', workers: 2, rows: 3000 });
    expect(three.execution).toMatchObject({ mode: 'threads', workers: 3 });
    expect(JSON.stringify(two.report)).toBe(JSON.stringify(inline.report));
    expect(JSON.stringify(three.report)).toBe(JSON.stringify(inline.report));
  });

  it('carries each person in their own date order, whatever the interleaving of people', async () => {
    const lines = (await synthText({ ...DEFAULT_SYNTH, admissions: 1500, seed: 5, admissionsPerPerson: 4 }, 'csv')).trim().split('\n');
    const [header, ...rows] = lines;
    // Grouped by person (each person's rows still in date order): a different file order, the same year.
    const byPerson = [...rows].sort((a, b) => a.split(',')[1]!.localeCompare(b.split(',')[1]!));
    const rules = xingan();
    const dated = await runModel({ rules, source: { kind: 'text', text: [header, ...rows].join('\n'), format: 'csv' }, workers: 0 });
    const grouped = await runModel({ rules, source: { kind: 'text', text: [header, ...byPerson].join('\n'), format: 'csv' }, workers: 2 });
    expect(grouped.report.baseline).toEqual(dated.report.baseline);
    expect(dated.report.baseline.capPaidAdmissions).toBeGreaterThan(0);
  });

  it('refuses a person whose discharge dates go backwards, naming both lines', async () => {
    const text = [HEADER, 'A1,P1,poverty,county,2018-03-01,0,0,0,1000', 'B1,P2,poverty,county,2018-01-01,0,0,0,1000', 'A2,P1,poverty,county,2018-02-01,0,0,0,1000'].join('\n');
    for (const workers of [0, 2]) {
      const e = await refusedWith(runModel({ rules: xingan(), source: { kind: 'text', text, format: 'csv' }, workers }));
      expect(e.line).toBe(4);
      expect(e.billNo).toBe('A2');
      expect(e.message).toContain('第 4 行');
      expect(e.message).toContain('P1');
      expect(e.message).toContain('第 2 行的 2018-03-01');
    }
  });

  it('refuses a bad row with its line and column, and a bad header before anything runs', async () => {
    const bad = [HEADER, 'A1,P1,poverty,county,2018-03-01,0,0,0,1000', 'A2,P2,poverty,county,2018-03-02,0,0,0,12.345'].join('\n');
    for (const workers of [0, 2]) {
      const e = await refusedWith(runModel({ rules: xingan(), source: { kind: 'text', text: bad, format: 'csv' }, workers }));
      expect(e.line).toBe(3);
      expect(e.problems).toEqual([{ path: 'inPolicy', message: expect.stringContaining('两位小数') }]);
    }
    const header = await refusedWith(runModel({ rules: xingan(), source: { kind: 'text', text: 'person,tier\nP1,county', format: 'csv' }, workers: 0 }));
    expect(header.line).toBe(1);
    expect(header.message).toContain('population');
    expect(header.message).toContain('discharged');
  });

  it('refuses an admission the rules cannot settle, with its line (tier not priced)', async () => {
    const text = [HEADER, 'A1,P1,poverty,clinic,2018-03-01,0,0,0,1000'].join('\n');
    const e = await refusedWith(runModel({ rules: xingan(), source: { kind: 'text', text, format: 'csv' }, workers: 2 }));
    expect(e.line).toBe(2);
    expect(e.message).toContain('clinic');
  });

  it('reads a total with a class mix as the four buckets, rounded half-up per share, in-policy the rest', async () => {
    const dir = tempDir();
    const mix = writeTemp(dir, 'mix.csv', 'person,population,tier,discharged,total,outOfCatalogShare,overLimitShare,preSelfPayShare\nP1,poverty,county,2018-05-01,10000.05,0.1,0.05,0.03\n');
    const buckets = writeTemp(dir, 'b.csv', `${HEADER}\nL2,P1,poverty,county,2018-05-01,1000.01,500.00,300.00,8200.04\n`);
    const a = await runModel({ rules: xingan(), source: { kind: 'file', path: mix }, workers: 0 });
    const b = await runModel({ rules: xingan(), source: { kind: 'file', path: buckets }, workers: 0 });
    expect(a.report.baseline).toEqual(b.report.baseline);
    expect(a.report.baseline.total).toBe('10000.05');
  });

  it('reads JSON Lines of §8 bills and of flat admission rows alike', async () => {
    const flat = '{"person":"P1","population":"poverty","tier":"county","discharged":"2018-05-01","outOfCatalog":"100.00","overLimit":0,"preSelfPay":"50.00","inPolicy":"5000.00"}\n';
    const bill = '{"billNo":"L1","hospital":{"code":"H","tier":"county"},"person":{"id":"P1","populations":["poverty"]},"visit":{"type":"inpatient","admitted":"2018-05-01","discharged":"2018-05-01"},"buckets":{"outOfCatalog":"100.00","overLimit":"0.00","preSelfPay":"50.00","inPolicy":"5000.00"}}\n';
    const a = await runModel({ rules: xingan(), source: { kind: 'text', text: flat, format: 'jsonl' }, workers: 0 });
    const b = await runModel({ rules: xingan(), source: { kind: 'text', text: bill, format: 'jsonl' }, workers: 0 });
    expect(a.report.baseline).toEqual(b.report.baseline);
    expect(a.report.baseline.total).toBe('5150.00');
  });

  it('finds the built worker from src/ and from dist/, and falls back to in-thread without one', async () => {
    const built = pathToFileURL(join(ROOT, 'dist', 'model', 'run', 'worker.js')).href;
    expect(workerFile(pathToFileURL(join(ROOT, 'src', 'model', 'run', 'runner.ts')).href)?.href).toBe(built);
    expect(workerFile(pathToFileURL(join(ROOT, 'dist', 'model', 'run', 'runner.js')).href)?.href).toBe(built);
    expect(workerFile(pathToFileURL(join(tempDir(), 'runner.js')).href)).toBeNull();
    const r = await runModel({ rules: xingan(), source: { kind: 'file', path: SEED_BILLS }, workers: 2 });
    expect(r.execution.mode).toBe('threads');
  });

  it('routes a person always to the same shard', () => {
    expect(shardOf('P-000001', 2)).toBe(shardOf('P-000001', 2));
    const spread = new Set(Array.from({ length: 200 }, (_, i) => shardOf(`P-${i}`, 4)));
    expect(spread).toEqual(new Set([0, 1, 2, 3]));
  });
});
