/**
 * Zhuozi county (卓资县) 2016, reproduced by the fund model.
 *
 * Published (seed 000, line 55): in 2016 the county's registered poor had 1,277 admissions (住院 1277
 * 人次), 12.28M yuan total cost (医疗总费用 1228万元), 7.27M paid by basic insurance (基本医疗补偿 727万元)
 * and 3.79M by the county health-security fund (医疗保障基金注入 379万元), overall actual ratio over 90%.
 *
 * What is calibrated is the POPULATION, never the rules (rules/150921-zhuozi/2016.yaml is used as is):
 *  1. Fixed assumptions, from the rules file's `notes` (the admission mix its author calibrated the
 *     estimated 新农合 values with): admissions per tier 330 / 650 / 190 / 85 / 22, mean cost per tier
 *     3,100 / 7,200 / 16,500 / 28,500 / 46,000, in-policy share 95% / 90% / 85% / 80% / 75%. Added here:
 *     lognormal spread per tier, and how the non-in-policy part splits (60% out-of-catalogue, 10%
 *     over-limit, 30% pre-self-pay; this split changes no Zhuozi figure, since basic insurance pays on
 *     the in-policy bucket and the fund's floor is on the total).
 *  2. Two scalars fitted to the two published inputs: a cost scale c (every tier's median x c) so
 *     that the total is 12.28M, then an out-of-policy scale k (every non-in-policy share x k) so that
 *     basic insurance pays 7.27M under the Zhuozi rules. The total does not depend on k, so the two
 *     are solved one after the other by bisection (with a fixed seed, both are monotone).
 *  3. The check: the fitted population is written out and modelled by `runModel` (the same engine as
 *     the counter) under zhuozi-2016. The county fund's modelled need must come within 1% of the
 *     published 3.79M, and the overall ratio must be at least 90%. Neither is fitted: both follow from
 *     the rules' floor step (补足到90%) applied admission by admission.
 *
 * Run: npx tsx scripts/zhuozi/calibrate.ts   (writes scripts/zhuozi/output/*; deterministic)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Decimal as DecimalJs } from 'decimal.js';
import { YearToDateLedger } from '../../src/engine/ledger.js';
import { DEFAULT_SYNTH, synthBill, synthesize, writeSynth, type SynthParams } from '../../src/model/input/synth.js';
import { runModel } from '../../src/model/run/runner.js';
import { formatUnits, formatYuan } from '../../src/money/text.js';
import type { Units } from '../../src/money/units.js';
import { rulesetFromDocument, loadRulesFile, type LoadedRuleset } from '../../src/rules/load.js';
import { billInputSchema, toEngineBill } from '../../src/bill/schema.js';

const HERE = resolve(fileURLToPath(new URL('.', import.meta.url)));
const ROOT = resolve(HERE, '..', '..');
export const OUTPUT_DIR = join(HERE, 'output');
export const RULES_FILE = join(ROOT, 'rules', '150921-zhuozi', '2016.yaml');

export const PUBLISHED = {
  source: 'seed 000_bbff5da8cc4a5e87.txt, line 55 (案例2-3 卓资县)',
  admissions: 1277,
  total: '12280000.00',
  basic: '7270000.00',
  countyFund: '3790000.00',
  ratio: '0.90',
};

/** The fixed assumptions (rules file notes), per tier. */
const MIX = [
  { tier: 'township', admissions: 330, mean: 3100, inPolicy: 0.95, spread: 0.5 },
  { tier: 'county', admissions: 650, mean: 7200, inPolicy: 0.9, spread: 0.6 },
  { tier: 'league', admissions: 190, mean: 16500, inPolicy: 0.85, spread: 0.7 },
  { tier: 'province', admissions: 85, mean: 28500, inPolicy: 0.8, spread: 0.7 },
  { tier: 'outOfProvince', admissions: 22, mean: 46000, inPolicy: 0.75, spread: 0.7 },
] as const;
/** How the non-in-policy part splits (assumption; no Zhuozi figure depends on it). */
const SPLIT = { outOfCatalog: 0.6, overLimit: 0.1, preSelfPay: 0.3 };
const SEED = 2016;

/** decimal.js for this script's own comparisons with the published figures (onestop computes in bigint). */
const Decimal = DecimalJs.clone({ precision: 50, rounding: DecimalJs.ROUND_HALF_UP, toExpNeg: -30, toExpPos: 40 });
type Decimal = InstanceType<typeof Decimal>;
const decimalFromUnits = (u: Units): Decimal => new Decimal(formatUnits(u));

/** The population for a cost scale c and out-of-policy scale k. Medians are whole yuan, shares 6 places. */
export function population(c: number, k: number): SynthParams {
  const tiers: SynthParams['tiers'] = {};
  for (const m of MIX) {
    const out = (1 - m.inPolicy) * k;
    const r6 = (x: number) => Math.round(x * 1e6) / 1e6;
    tiers[m.tier] = {
      share: m.admissions / PUBLISHED.admissions,
      // The mean of a lognormal is median x exp(σ²/2).
      median: Math.round(m.mean * Math.exp((-m.spread * m.spread) / 2) * c),
      spread: m.spread,
      classMix: { outOfCatalog: r6(out * SPLIT.outOfCatalog), overLimit: r6(out * SPLIT.overLimit), preSelfPay: r6(out * SPLIT.preSelfPay) },
    };
  }
  return {
    ...DEFAULT_SYNTH,
    admissions: PUBLISHED.admissions,
    year: 2016,
    seed: SEED,
    visitType: 'inpatient',
    tiers,
    classJitter: 0.2,
    populations: { poverty: 1 },
    admissionsPerPerson: 1.2,
    exactTierCounts: true,
    minCost: 200,
    maxCost: 400_000,
    stay: { min: 3, max: 15 },
    prefix: 'ZZ',
  };
}

function totalFen(p: SynthParams): number {
  let t = 0;
  for (const a of synthesize(p)) t += a.fen.outOfCatalog + a.fen.overLimit + a.fen.preSelfPay + a.fen.inPolicy;
  return t;
}

/** Basic insurance under the rules for a population: the engine, bill by bill (search only). */
function basicPaid(p: SynthParams, rules: LoadedRuleset): Decimal {
  const ledger = new YearToDateLedger();
  let basic = 0n;
  for (const a of synthesize(p)) {
    const input = billInputSchema.parse(synthBill(a));
    const s = ledger.settle(toEngineBill(input, input.hospital.tier!, input.person.populations!), rules.ruleset);
    basic += s.funds.basic ?? 0n;
  }
  return decimalFromUnits(basic);
}

function bisect(lo: number, hi: number, f: (x: number) => number, target: number, increasing: boolean, steps = 40): number {
  for (let i = 0; i < steps; i++) {
    const mid = (lo + hi) / 2;
    const below = f(mid) < target;
    if (below === increasing) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface Calibration {
  published: typeof PUBLISHED;
  rulesFile: string;
  rulesHash: string;
  fitted: { costScale: number; outOfPolicyScale: number };
  population: SynthParams;
  modelled: { admissions: number; total: string; basic: string; countyFund: string; patientPays: string; actualRatio: string; floorPaidAdmissions: number };
  check: { countyFundDeviation: string; withinOnePercent: boolean; ratioAtLeast90: boolean };
}

export async function calibrate(): Promise<Calibration> {
  const rules = loadRulesFile(RULES_FILE, 'rules/150921-zhuozi/2016.yaml');
  const targetTotal = Number(PUBLISHED.total) * 100;
  const c = Math.round(bisect(0.3, 3, (x) => totalFen(population(x, 1)), targetTotal, true) * 1e4) / 1e4;
  const targetBasic = Number(PUBLISHED.basic);
  const k = Math.round(bisect(0, 3, (x) => basicPaid(population(c, x), rules).toNumber(), targetBasic, false, 30) * 1e4) / 1e4;
  const params = population(c, k);

  // The check: the population as a CSV, modelled by the fund model under the unchanged rules file.
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (b: Buffer) => chunks.push(b));
  await writeSynth(params, 'csv', sink);
  sink.end();
  const csv = Buffer.concat(chunks).toString('utf8');
  const { report } = await runModel({ rules: rulesetFromDocument(rules.document, rules.file), source: { kind: 'text', text: csv, format: 'csv', name: 'zhuozi-2016-population.csv' }, workers: 0 });
  const b = report.baseline;
  const fund = new Decimal(b.funds.backstop ?? '0');
  const deviation = fund.minus(PUBLISHED.countyFund).div(PUBLISHED.countyFund);
  return {
    published: PUBLISHED,
    rulesFile: 'rules/150921-zhuozi/2016.yaml',
    rulesHash: rules.hash,
    fitted: { costScale: c, outOfPolicyScale: k },
    population: params,
    modelled: {
      admissions: report.admissions,
      total: b.total,
      basic: b.funds.basic ?? '0.00',
      countyFund: fund.toFixed(2),
      patientPays: b.patientPays,
      actualRatio: b.actualRatio,
      floorPaidAdmissions: b.floorPaidAdmissions,
    },
    check: { countyFundDeviation: deviation.toFixed(4), withinOnePercent: deviation.abs().lte('0.01'), ratioAtLeast90: new Decimal(b.actualRatio).gte(PUBLISHED.ratio) },
  };
}

const million = (s: string) => `${new Decimal(s).div(1e6).toFixed(2)}M`;
const pct = (a: string, b: string) => {
  const d = new Decimal(new Decimal(a).minus(b).div(b).mul(100).toFixed(3));
  return `${d.isZero() ? '' : d.isNegative() ? '' : '+'}${d.isZero() ? '0.000' : d.toFixed(3)}%`;
};

export function markdown(r: Calibration): string {
  const m = r.modelled;
  const p = r.published;
  const patientPublished = new Decimal(p.total).minus(p.basic).minus(p.countyFund).toFixed(2);
  const lines = [
    '# Zhuozi 2016 reproduced by the fund model',
    '',
    `Generated by \`npx tsx scripts/zhuozi/calibrate.ts\` (deterministic). Rules: \`${r.rulesFile}\` (unchanged, sha256 \`${r.rulesHash.slice(0, 12)}…\`). Published figures: ${p.source}.`,
    '',
    '| 2016, registered poor, inpatient | published | modelled | difference | how it is obtained |',
    '| --- | ---: | ---: | ---: | --- |',
    `| admissions 住院人次 | ${p.admissions.toLocaleString('en-US')} | ${m.admissions.toLocaleString('en-US')} | 0 | population size (input) |`,
    `| total cost 医疗总费用 | ${million(p.total)} | ${formatYuan(m.total)} | ${pct(m.total, p.total)} | fitted: cost scale c = ${r.fitted.costScale} |`,
    `| basic insurance 基本医疗补偿 | ${million(p.basic)} | ${formatYuan(m.basic)} | ${pct(m.basic, p.basic)} | fitted: out-of-policy scale k = ${r.fitted.outOfPolicyScale} |`,
    `| **county fund 医疗保障基金** | **${million(p.countyFund)}** | **${formatYuan(m.countyFund)}** | **${pct(m.countyFund, p.countyFund)}** | **modelled** (floor 90% of total, admission by admission) |`,
    `| patient pays 个人自付 | ${million(patientPublished)} (the rest) | ${formatYuan(m.patientPays)} | ${pct(m.patientPays, patientPublished)} | modelled |`,
    `| overall actual ratio 实际报销比例 | over 90% | ${new Decimal(m.actualRatio).mul(100).toFixed(2)}% | | **modelled** |`,
    '',
    `Check: county fund within 1% of the published 3.79M: **${r.check.withinOnePercent ? 'yes' : 'NO'}** (${new Decimal(r.check.countyFundDeviation).mul(100).toFixed(2)}%); overall ratio ≥ 90%: **${r.check.ratioAtLeast90 ? 'yes' : 'NO'}**. The floor paid on ${m.floorPaidAdmissions.toLocaleString('en-US')} of ${m.admissions.toLocaleString('en-US')} admissions.`,
    '',
    'Why the fund lands where it does: the floor tops every admission up to 90% of its total, and under these rules basic insurance alone never reaches 90% of an admission (at most 90% of the in-policy part, less half the deductible), so the fund pays 0.9 × total − basic, admission by admission, rounded up to the fen: 0.9 × 12.28M − 7.27M = 3.782M. The published 3.79M (ratio 90.1%) is 0.2% above that, consistent with "补足到90%以上".',
    '',
    '## The population (assumptions, then the two fitted scalars)',
    '',
    '| tier | admissions | mean cost (assumed) | median after c | σ of log cost | in-policy share (assumed) | out-of-catalogue / over-limit / pre-self-pay after k |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...MIX.map((x) => {
      const t = r.population.tiers[x.tier]!;
      const mix = t.classMix!;
      return `| ${x.tier} | ${x.admissions} | ${x.mean.toLocaleString('en-US')} | ${t.median.toLocaleString('en-US')} | ${t.spread} | ${(x.inPolicy * 100).toFixed(0)}% | ${mix.outOfCatalog} / ${mix.overLimit} / ${mix.preSelfPay} |`;
    }),
    '',
    `Admissions per tier, mean costs and in-policy shares are the rules file's calibration mix (its \`notes\`); the spreads, the 60/10/30 split of the out-of-policy part, a ±${r.population.classJitter * 100}% per-admission variation of the class mix, costs kept within ${r.population.minCost}–${r.population.maxCost.toLocaleString('en-US')} yuan, and seed ${r.population.seed} are this script's. Everyone is \`poverty\`; the 2016 Zhuozi rules have no annual accumulator that these admissions reach, so admissions per person (${r.population.admissionsPerPerson}) do not change any figure.`,
    '',
    'Regenerate the population and model it with the CLI (same numbers):',
    '',
    '```sh',
    'npx onestop synth --params scripts/zhuozi/output/population.json --admissions 1277 --year 2016 --seed 2016 --exact-tier-counts --out zhuozi-2016.csv',
    'npx onestop model --rules zhuozi-2016 --bills zhuozi-2016.csv --out zhuozi-report',
    '```',
    '',
  ];
  return lines.join('\n');
}

export function writeOutputs(r: Calibration, dir = OUTPUT_DIR): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'zhuozi-2016.json'), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(join(dir, 'zhuozi-2016.md'), markdown(r));
  writeFileSync(join(dir, 'population.json'), `${JSON.stringify(r.population, null, 2)}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await calibrate();
  writeOutputs(r);
  process.stdout.write(markdown(r));
  if (!r.check.withinOnePercent || !r.check.ratioAtLeast90) process.exitCode = 1;
}
