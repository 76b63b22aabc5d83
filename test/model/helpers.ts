/**
 * Helpers for the fund-model tests. The expected figures are derived independently of src/model:
 * from `onestop settle` output (or the engine's own YearToDateLedger), summed here with Decimal.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { writeSynth, type SynthParams } from '../../src/model/input/synth.js';
import { Decimal } from '../helpers.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'onestop.js');
export const SEED_BILLS = join(ROOT, 'seeds', 'bills.jsonl');

/** The built CLI, as a user runs it. */
export function cli(args: string[], opts: { input?: string; env?: Record<string, string> } = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input: opts.input, encoding: 'utf8', env: { ...process.env, ...opts.env }, maxBuffer: 256 << 20 });
}

export function tempDir(prefix = 'model-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeTemp(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

export async function synthText(params: SynthParams, format: 'csv' | 'jsonl'): Promise<string> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (b: Buffer) => chunks.push(b));
  await writeSynth(params, format, sink);
  sink.end();
  return Buffer.concat(chunks).toString('utf8');
}

export interface SettledLine {
  billNo: string;
  personId: string;
  population: string;
  total: string;
  funds: Record<string, string>;
  fundPaysTotal: string;
  patientPays: string;
  steps: { id: string; kind: string; payout: string }[];
}

/** Independent totals of a list of settlements (what a finance officer would add up by hand). */
export interface Totals {
  admissions: number;
  total: string;
  funds: Record<string, string>;
  fundAdmissions: Record<string, number>;
  fundPaysTotal: string;
  patientPays: string;
  floorPaidAdmissions: number;
  capPaidAdmissions: number;
  mean: string;
  p95: string;
}

/** Nearest-rank 95th percentile by sorting: the ⌈0.95 n⌉-th smallest. */
export function nearestRank95(values: Decimal[]): Decimal {
  const sorted = [...values].sort((a, b) => a.comparedTo(b));
  return sorted[Math.ceil(0.95 * sorted.length) - 1]!;
}

export function totalsOf(lines: SettledLine[], fundNames: string[]): Totals {
  const z = () => new Decimal(0);
  const funds = Object.fromEntries(fundNames.map((f) => [f, z()]));
  const fundAdmissions: Record<string, number> = Object.fromEntries(fundNames.map((f) => [f, 0]));
  let total = z();
  let fundPays = z();
  let patient = z();
  let floor = 0;
  let cap = 0;
  for (const l of lines) {
    total = total.plus(l.total);
    fundPays = fundPays.plus(l.fundPaysTotal);
    patient = patient.plus(l.patientPays);
    for (const [f, v] of Object.entries(l.funds)) {
      funds[f] = (funds[f] ?? z()).plus(v);
      if (!new Decimal(v).isZero()) fundAdmissions[f] = (fundAdmissions[f] ?? 0) + 1;
    }
    if (l.steps.some((s) => s.kind === 'floor' && !new Decimal(s.payout).isZero())) floor++;
    if (l.steps.some((s) => s.kind === 'outOfPocketCap' && !new Decimal(s.payout).isZero())) cap++;
  }
  return {
    admissions: lines.length,
    total: total.toFixed(2),
    funds: Object.fromEntries(Object.entries(funds).map(([k, v]) => [k, v.toFixed(2)])),
    fundAdmissions,
    fundPaysTotal: fundPays.toFixed(2),
    patientPays: patient.toFixed(2),
    floorPaidAdmissions: floor,
    capPaidAdmissions: cap,
    mean: patient.div(lines.length).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2),
    p95: nearestRank95(lines.map((l) => new Decimal(l.patientPays))).toFixed(2),
  };
}

/** The same figures from a report group. */
export function totalsFromReport(g: {
  admissions: number;
  total: string;
  funds: Record<string, string>;
  fundAdmissions: Record<string, number>;
  fundPaysTotal: string;
  patientPays: string;
  floorPaidAdmissions: number;
  capPaidAdmissions: number;
  patient: { mean: string | null; p95: string | null };
}): Totals {
  return {
    admissions: g.admissions,
    total: g.total,
    funds: g.funds,
    fundAdmissions: g.fundAdmissions,
    fundPaysTotal: g.fundPaysTotal,
    patientPays: g.patientPays,
    floorPaidAdmissions: g.floorPaidAdmissions,
    capPaidAdmissions: g.capPaidAdmissions,
    mean: g.patient.mean!,
    p95: g.patient.p95!,
  };
}

export function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(x);
  }
  return m;
}
