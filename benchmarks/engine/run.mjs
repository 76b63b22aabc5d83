// npm run bench:engine — the pure engine on one core: 20-item bills and bucket-level admissions
// through the Xing'an 2018 pipelines (poor people's six layers and residents' two), with year-to-date
// accumulators carried per person as at the counter. Bills are parsed before the clock starts: this
// measures settle(), not JSON or zod. Writes its table at the top of benchmarks/RESULTS.md (newest first).
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { billInputSchema, toEngineBill } from '../../dist/bill/schema.js';
import { YearToDateLedger } from '../../dist/engine/ledger.js';
import { parseUnits } from '../../dist/money/text.js';
import { loadRulesFile } from '../../dist/rules/load.js';
import { billFor, loadRegistry } from '../counter/bills.mjs';
import { recordResult } from '../record.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const N = 20_000;

const ruleset = loadRulesFile(join(ROOT, 'rules', '152200-xingan', '2018.yaml')).ruleset;
const { hospitals, people } = loadRegistry(join(ROOT, 'seeds'));
const tierOf = Object.fromEntries(hospitals.map((h) => [h.code, h.tier]));
const popsOf = Object.fromEntries(people.map((p) => [p.id, p.populations]));

// 20-item bills (the counter benchmark's bills), parsed.
const itemBills = Array.from({ length: N }, (_, i) => {
  const input = billInputSchema.parse(JSON.parse(billFor(i, 'engine', hospitals, people).body));
  return toEngineBill(input, tierOf[input.hospital.code], popsOf[input.person.id]);
});
// Bucket-level admissions: the same people, tiers and dates, with the four buckets given directly.
const fen = (x) => parseUnits((x / 100).toFixed(2));
const bucketBills = itemBills.map((b, i) => ({
  ...b,
  items: undefined,
  buckets: { outOfCatalog: fen(20_000 + ((i * 7919) % 400_000)), overLimit: fen((i * 31) % 5_000), preSelfPay: fen(5_000 + ((i * 131) % 30_000)), inPolicy: fen(150_000 + ((i * 104_729) % 6_000_000)) },
}));

function measure(bills) {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    const ledger = new YearToDateLedger(); // a fresh year each pass, so caps and the 5,000 cap bind as in life
    for (const b of bills) {
      ledger.settle(b, ruleset);
      n++;
    }
  }
  return n / ((performance.now() - t0) / 1000);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
measure(itemBills.slice(0, 2000)); // warm up
const rows = [];
for (const [name, bills, target] of [
  ['20-item bills', itemBills, 50_000],
  ['bucket-level admissions', bucketBills, 200_000],
]) {
  const rounds = Array.from({ length: ROUNDS }, () => measure(bills));
  const rate = median(rounds);
  console.log(`${name.padEnd(26)} ${rate.toFixed(0).padStart(8)} /s  (rounds: ${rounds.map((r) => r.toFixed(0)).join(', ')}; target ${target})`);
  rows.push(`| ${name} | ${rate.toFixed(0)} | ${target} | ${rate >= target ? 'met' : 'not met'} |`);
}

const cpu = cpus();
recordResult(
  join(ROOT, 'benchmarks', 'RESULTS.md'),
  [
    `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — engine benchmark (one core)`,
    '',
    `Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores; Node ${process.version}; ${SECONDS} s per round, ${ROUNDS} rounds (median); ${N} distinct bills through xingan-2018 with year-to-date carried per person. Command: \`npm run bench:engine\``,
    '',
    '| input | settled per second | target | |',
    '| --- | ---: | ---: | --- |',
    ...rows,
  ].join('\n'),
  '# Benchmark results\n\nWritten by `npm run bench:counter` and `npm run bench:engine`, newest first.\n',
);
console.log('written to benchmarks/RESULTS.md');
