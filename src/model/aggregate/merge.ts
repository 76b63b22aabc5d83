/**
 * The merge of every shard's aggregate: sums add exactly, per-admission columns concatenate with their
 * codes mapped to one set of dimension names.
 */
import { UNIT_WEIGHT } from '../input/weights.js';
import type { Dimensions, PartialData } from './shard-aggregate.js';
import { WeightedSums } from './weighted-sums.js';

/** The merged aggregate of every shard, with one set of dimension names. */
export interface Merged {
  rows: number;
  width: number;
  dims: Dimensions;
  scenarios: { all: WeightedSums; population: WeightedSums[]; tier: WeightedSums[]; month: WeightedSums[] }[];
  patient: Float64Array[];
  population: Uint8Array[];
  tier: Uint8Array;
  month: Uint16Array;
  weight: Float64Array | null;
}

/** Merge shards: sums add exactly, columns concatenate with their codes mapped to shared names. */
export function mergePartials(parts: readonly PartialData[], scenarios: number, width: number): Merged {
  const dims: Dimensions = { populations: [], tiers: [], months: [] };
  const codeOf = (names: string[], name: string) => {
    let c = names.indexOf(name);
    if (c === -1) c = names.push(name) - 1;
    return c;
  };
  const remaps = parts.map((p) => ({
    population: p.dims.populations.map((n) => codeOf(dims.populations, n)),
    tier: p.dims.tiers.map((n) => codeOf(dims.tiers, n)),
    month: p.dims.months.map((n) => codeOf(dims.months, n)),
  }));
  // Months in calendar order, populations and tiers in order of first appearance.
  const monthOrder = [...dims.months].sort();
  const monthRank = dims.months.map((m) => monthOrder.indexOf(m));
  dims.months = monthOrder;
  for (const r of remaps) r.month = r.month.map((c) => monthRank[c]!);

  const rows = parts.reduce((n, p) => n + p.rows, 0);
  const weighted = parts.some((p) => p.weight);
  const out: Merged = {
    rows,
    width,
    dims,
    scenarios: Array.from({ length: scenarios }, () => ({
      all: new WeightedSums(width),
      population: dims.populations.map(() => new WeightedSums(width)),
      tier: dims.tiers.map(() => new WeightedSums(width)),
      month: dims.months.map(() => new WeightedSums(width)),
    })),
    patient: Array.from({ length: scenarios }, () => new Float64Array(rows)),
    population: Array.from({ length: scenarios }, () => new Uint8Array(rows)),
    tier: new Uint8Array(rows),
    month: new Uint16Array(rows),
    weight: weighted ? new Float64Array(rows) : null,
  };
  let offset = 0;
  parts.forEach((p, k) => {
    const m = remaps[k]!;
    for (let s = 0; s < scenarios; s++) {
      const src = p.scenarios[s]!;
      const dst = out.scenarios[s]!;
      dst.all.merge(src.all);
      src.population.forEach((d, c) => dst.population[m.population[c]!]!.merge(d));
      src.tier.forEach((d, c) => dst.tier[m.tier[c]!]!.merge(d));
      src.month.forEach((d, c) => dst.month[m.month[c]!]!.merge(d));
      out.patient[s]!.set(p.patient[s]!, offset);
      const pop = p.population[s]!;
      const dstPop = out.population[s]!;
      for (let i = 0; i < p.rows; i++) dstPop[offset + i] = m.population[pop[i]!]!;
    }
    for (let i = 0; i < p.rows; i++) {
      out.tier[offset + i] = m.tier[p.tier[i]!]!;
      out.month[offset + i] = m.month[p.month[i]!]!;
    }
    if (out.weight) {
      if (p.weight) out.weight.set(p.weight, offset);
      else out.weight.fill(UNIT_WEIGHT, offset, offset + p.rows);
    }
    offset += p.rows;
  });
  return out;
}
