/**
 * A synthetic population of admissions, for offices that have no bill export yet (`onestop synth`),
 * for the Zhuozi calibration and for the benchmark. Deterministic: the same parameters and seed give
 * the same file, byte for byte.
 *
 * The model of a year:
 *  - admissions are spread evenly over the days of the year and written in discharge-date order (so
 *    the output is in counter order, and each person's admissions are in date order);
 *  - each admission belongs to a person drawn uniformly from a pool of admissions / λ people
 *    (λ = admissionsPerPerson), so each person of the pool has a Poisson(λ) number of admissions; people
 *    drawn zero times do not appear, so the people in the output average λ / (1 − e^−λ) admissions
 *    (λ = 1.3 → 1.8); a person's population is fixed (drawn from the population shares by their index);
 *  - the hospital tier is drawn from the tier mix (or, with exactTierCounts, each tier gets its share
 *    of admissions exactly, largest remainder, in a seeded random order);
 *  - the cost is lognormal per tier, median x exp(spread x Z), kept within [minCost, maxCost], then
 *    turned into whole fen at once: from there on every amount is an exact integer of fen;
 *  - the cost is split into the four buckets by the class mix (shares of out-of-catalogue, over-limit
 *    and pre-self-pay; in-policy is the rest), per tier if the tier gives one, each share varied by
 *    ±classJitter (relative) per admission;
 *  - with `diagnoses`, each admission draws a principal diagnosis (an ICD-10 code) from those shares,
 *    from a random stream of its own, so every other draw is the same with or without it.
 *
 * Random draws are binary floats, as random draws are; amounts are never computed from them with
 * more than one rounding to the fen.
 */
import type { Writable } from 'node:stream';
import { DIAGNOSIS_CODE, DIAGNOSIS_CODE_MESSAGE } from '../../bill/schema.js';
import { csvLine } from '../../formats/csv.js';
import { formatUnits } from '../../money/text.js';
import { fromFen } from '../../money/units.js';

export interface ClassMix {
  outOfCatalog: number;
  overLimit: number;
  preSelfPay: number;
}

export interface TierParams {
  /** Share of admissions at this tier (the shares are normalised to sum to 1). */
  share: number;
  /** Median cost of an admission, yuan. */
  median: number;
  /** σ of log(cost): 0 gives every admission the median. */
  spread: number;
  classMix?: ClassMix;
}

export interface SynthParams {
  admissions: number;
  year: number;
  seed: number;
  visitType: string;
  tiers: Record<string, TierParams>;
  classMix: ClassMix;
  classJitter: number;
  /** Population shares (normalised). */
  populations: Record<string, number>;
  /** λ: the Poisson mean of admissions per person of the pool (see above; the output averages λ / (1 − e^−λ)). */
  admissionsPerPerson: number;
  exactTierCounts: boolean;
  minCost: number;
  maxCost: number;
  /** Length of stay in days, uniform in [min, max]. */
  stay: { min: number; max: number };
  /** Prefix of person ids and bill numbers. */
  prefix: string;
  /** Principal diagnosis shares by ICD-10 code (normalised); absent: admissions carry no diagnosis. */
  diagnoses?: Record<string, number>;
}

/**
 * A principal-diagnosis mix for a league's inpatient poor, for a diagnosis-gated what-if to act on. An
 * estimate: no published case mix for Xing'an's poor was found; these are the conditions the county
 * hospital reports and the 2018 poverty-by-illness surveys name most (stroke, pneumonia, heart disease,
 * COPD, hypertension, diabetes, cancers, kidney disease, fractures, childbirth), with the rest as R69.
 */
export const DEFAULT_DIAGNOSES: Record<string, number> = {
  'I63.900': 0.12, // cerebral infarction 脑梗死
  'J18.900': 0.1, // pneumonia 肺炎
  'I25.100': 0.08, // coronary heart disease 冠心病
  'J44.100': 0.07, // COPD with acute exacerbation 慢阻肺急性加重
  'I10.x00': 0.06, // hypertension 高血压
  'E11.900': 0.05, // type 2 diabetes 2型糖尿病
  'C34.900': 0.03, // lung cancer 肺恶性肿瘤
  'C16.900': 0.02, // stomach cancer 胃恶性肿瘤
  'N18.500': 0.02, // chronic kidney disease stage 5 慢性肾脏病5期
  'I50.900': 0.03, // heart failure 心力衰竭
  'K80.100': 0.04, // gallstones with cholecystitis 胆囊结石伴胆囊炎
  'S72.000': 0.02, // fracture of the femoral neck 股骨颈骨折
  'O80.000': 0.04, // normal delivery 顺产
  'K29.700': 0.04, // gastritis 胃炎
  'M17.900': 0.03, // knee osteoarthritis 膝关节病
  'R69.x00': 0.25, // everything else 其他
};

export const DEFAULT_SYNTH: SynthParams = {
  admissions: 1000,
  year: 2018,
  seed: 1,
  visitType: 'inpatient',
  tiers: {
    township: { share: 0.3, median: 1800, spread: 0.5 },
    county: { share: 0.45, median: 5500, spread: 0.6 },
    league: { share: 0.15, median: 14000, spread: 0.7 },
    province: { share: 0.07, median: 40000, spread: 0.7 },
    outOfProvince: { share: 0.03, median: 90000, spread: 0.8 },
  },
  classMix: { outOfCatalog: 0.08, overLimit: 0.02, preSelfPay: 0.05 },
  classJitter: 0.3,
  populations: { poverty: 0.65, resident: 0.35 },
  admissionsPerPerson: 1.3,
  exactTierCounts: false,
  minCost: 50,
  maxCost: 2_000_000,
  stay: { min: 1, max: 14 },
  prefix: 'SY',
};

export interface SynthAdmission {
  billNo: string;
  /** The principal diagnosis, when the parameters give a mix. */
  diagnosis?: string;
  person: string;
  populations: string[];
  tier: string;
  visitType: string;
  admitted: string;
  discharged: string;
  /** Buckets in whole fen. */
  fen: { outOfCatalog: number; overLimit: number; preSelfPay: number; inPolicy: number };
}

/** xoshiro128** seeded through splitmix32: fast, good, and the same on every platform. */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  constructor(seed: number) {
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }
  /** Uniform in [0, 1). */
  next(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r / 4294967296;
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A uniform number from (seed, index) alone: a person's population must not depend on draw order. */
function hashUnit(seed: number, index: number): number {
  let z = (Math.imul(index, 0x9e3779b1) ^ Math.imul(seed >>> 0, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d);
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b);
  return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
}

function pick<T>(entries: readonly (readonly [T, number])[], u: number): T {
  let acc = 0;
  for (const [k, w] of entries) {
    acc += w;
    if (u < acc) return k;
  }
  return entries[entries.length - 1]![0];
}

function normalised<T>(entries: [T, number][]): [T, number][] {
  const sum = entries.reduce((s, [, w]) => s + w, 0);
  if (!(sum > 0)) throw new Error('shares must add up to more than 0');
  return entries.map(([k, w]) => [k, w / sum]);
}

function isoDay(year: number, dayOfYear: number): string {
  return new Date(Date.UTC(year, 0, 1 + dayOfYear)).toISOString().slice(0, 10);
}

export function checkSynthParams(p: SynthParams): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(p.admissions) || p.admissions < 1) problems.push('admissions 应为正整数');
  if (!Number.isInteger(p.year) || p.year < 1900 || p.year > 2999) problems.push('year 应为四位年份');
  if (!Number.isInteger(p.seed)) problems.push('seed 应为整数');
  if (!Object.keys(p.tiers).length) problems.push('tiers 不能为空');
  for (const [t, v] of Object.entries(p.tiers)) {
    if (!(v.share >= 0)) problems.push(`tiers.${t}.share 应 ≥ 0`);
    if (!(v.median > 0)) problems.push(`tiers.${t}.median 应 > 0`);
    if (!(v.spread >= 0)) problems.push(`tiers.${t}.spread 应 ≥ 0`);
  }
  for (const mix of [p.classMix, ...Object.values(p.tiers).map((t) => t.classMix).filter((m): m is ClassMix => !!m)]) {
    const s = mix.outOfCatalog + mix.overLimit + mix.preSelfPay;
    if ([mix.outOfCatalog, mix.overLimit, mix.preSelfPay].some((x) => !(x >= 0)) || s > 1) problems.push('费用构成 classMix 各项应 ≥ 0 且合计不超过 1');
  }
  if (!(p.classJitter >= 0 && p.classJitter <= 1)) problems.push('classJitter 应在 0 到 1 之间');
  if (!Object.keys(p.populations).length) problems.push('populations 不能为空');
  if (!(p.admissionsPerPerson >= 1)) problems.push('admissionsPerPerson 应 ≥ 1');
  if (!(p.minCost > 0 && p.maxCost >= p.minCost && p.maxCost <= 10_000_000)) problems.push('minCost/maxCost 应满足 0 < minCost ≤ maxCost ≤ 10,000,000');
  if (p.diagnoses) {
    const codes = Object.entries(p.diagnoses);
    if (!codes.length) problems.push('diagnoses 不能为空');
    for (const [code, share] of codes) {
      if (!DIAGNOSIS_CODE.test(code)) problems.push(`diagnoses 中 "${code}"：${DIAGNOSIS_CODE_MESSAGE}`);
      if (!(share >= 0)) problems.push(`diagnoses.${code} 应 ≥ 0`);
    }
  }
  if (!(Number.isInteger(p.stay.min) && Number.isInteger(p.stay.max) && p.stay.min >= 0 && p.stay.max >= p.stay.min)) problems.push('stay 应为 0 ≤ min ≤ max 的整数天数');
  return problems;
}

/** The admissions, one at a time, in discharge-date order. */
export function* synthesize(params: SynthParams): Generator<SynthAdmission> {
  const problems = checkSynthParams(params);
  if (problems.length) throw new Error(problems.join('；'));
  const p = params;
  const rng = new Random(p.seed);
  const tiers = normalised(Object.entries(p.tiers).map(([k, v]) => [k, v.share]));
  const populations = normalised(Object.entries(p.populations));
  const people = Math.max(1, Math.round(p.admissions / p.admissionsPerPerson));
  const width = String(people).length;
  const days = (Date.UTC(p.year + 1, 0, 1) - Date.UTC(p.year, 0, 1)) / 86_400_000;
  const diagnoses = p.diagnoses ? normalised(Object.entries(p.diagnoses)) : null;
  const diagnosisRandom = new Random(p.seed ^ 0x2c1b3c6d);

  // Exact tier counts: largest remainder, then a seeded shuffle (one byte per admission).
  let order: Uint8Array | null = null;
  if (p.exactTierCounts) {
    const raw = tiers.map(([, s]) => s * p.admissions);
    const counts = raw.map(Math.floor);
    let left = p.admissions - counts.reduce((a, b) => a + b, 0);
    const byRemainder = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    for (const [, i] of byRemainder) if (left-- > 0) counts[i]!++;
    order = new Uint8Array(p.admissions);
    let k = 0;
    counts.forEach((c, i) => order!.fill(i, k, (k += c)));
    const shuffle = new Random(p.seed ^ 0x5bd1e995);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(shuffle.next() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
  }

  for (let i = 0; i < p.admissions; i++) {
    const day = Math.floor((i * days) / p.admissions);
    const discharged = isoDay(p.year, day);
    const stay = p.stay.min + Math.floor(rng.next() * (p.stay.max - p.stay.min + 1));
    const admitted = isoDay(p.year, Math.max(0, day - stay));
    const personIndex = Math.floor(rng.next() * people);
    const population = pick(populations, hashUnit(p.seed, personIndex));
    const tier = order ? tiers[order[i]!]![0] : pick(tiers, rng.next());
    const t = p.tiers[tier]!;
    const cost = Math.min(p.maxCost, Math.max(p.minCost, t.median * Math.exp(t.spread * rng.normal())));
    const totalFen = Math.round(cost * 100);
    const mix = t.classMix ?? p.classMix;
    const vary = (share: number) => share * (1 + p.classJitter * (2 * rng.next() - 1));
    let shares = [vary(mix.outOfCatalog), vary(mix.overLimit), vary(mix.preSelfPay)];
    const sum = shares[0]! + shares[1]! + shares[2]!;
    if (sum > 1) shares = shares.map((s) => s / sum);
    let left = totalFen;
    const [outOfCatalog, overLimit, preSelfPay] = shares.map((s) => {
      const part = Math.min(left, Math.round(totalFen * s));
      left -= part;
      return part;
    }) as [number, number, number];
    yield {
      billNo: `${p.prefix}${p.year}-${String(i + 1).padStart(7, '0')}`,
      ...(diagnoses ? { diagnosis: pick(diagnoses, diagnosisRandom.next()) } : {}),
      person: `${p.prefix}P-${String(personIndex + 1).padStart(width, '0')}`,
      populations: [population],
      tier,
      visitType: p.visitType,
      admitted,
      discharged,
      fen: { outOfCatalog, overLimit, preSelfPay, inPolicy: left },
    };
  }
}

const yuan = (fen: number) => formatUnits(fromFen(fen));

export const SYNTH_CSV_HEADER = ['billNo', 'person', 'population', 'tier', 'hospital', 'visitType', 'admitted', 'discharged', 'outOfCatalog', 'overLimit', 'preSelfPay', 'inPolicy'];

/** The CSV header: SYNTH_CSV_HEADER, and a diagnoses column when the parameters give a mix. */
export function synthCsvHeader(params: Pick<SynthParams, 'diagnoses'>): string[] {
  return params.diagnoses ? [...SYNTH_CSV_HEADER, 'diagnoses'] : SYNTH_CSV_HEADER;
}

export function synthCsvLine(a: SynthAdmission): string {
  const fields = [a.billNo, a.person, a.populations.join('|'), a.tier, `H-${a.tier}`, a.visitType, a.admitted, a.discharged, yuan(a.fen.outOfCatalog), yuan(a.fen.overLimit), yuan(a.fen.preSelfPay), yuan(a.fen.inPolicy)];
  if (a.diagnosis !== undefined) fields.push(a.diagnosis);
  return csvLine(fields);
}

/** A §8 bill with buckets: what `onestop settle` reads. */
export function synthBill(a: SynthAdmission) {
  return {
    billNo: a.billNo,
    hospital: { code: `H-${a.tier}`, tier: a.tier },
    person: { id: a.person, populations: a.populations },
    visit: { type: a.visitType, admitted: a.admitted, discharged: a.discharged },
    buckets: { outOfCatalog: yuan(a.fen.outOfCatalog), overLimit: yuan(a.fen.overLimit), preSelfPay: yuan(a.fen.preSelfPay), inPolicy: yuan(a.fen.inPolicy) },
    ...(a.diagnosis !== undefined ? { diagnoses: [{ code: a.diagnosis }] } : {}),
  };
}

/** Write the population as CSV or JSON Lines, respecting back-pressure. Returns the number of rows. */
export async function writeSynth(params: SynthParams, format: 'csv' | 'jsonl', out: Writable): Promise<number> {
  let n = 0;
  let buf = format === 'csv' ? `${synthCsvHeader(params).join(',')}\n` : '';
  for (const a of synthesize(params)) {
    buf += `${format === 'csv' ? synthCsvLine(a) : JSON.stringify(synthBill(a))}\n`;
    n++;
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await new Promise((r) => out.once('drain', r));
      buf = '';
    }
  }
  if (buf) out.write(buf);
  return n;
}
