/**
 * Year-to-date accumulators during one settlement (§4). Steps read and add through this book;
 * it keeps the value each field had before the visit and the value after, which is exactly
 * what the settlement records and what a reversal takes back.
 */
import { formatUnits, parseUnits } from '../money/text.js';
import type { Units } from '../money/units.js';
import type { AccumulatorChange, AccumulatorChanges, AccumulatorField, Accumulators } from './types.js';

export class AccumulatorBook {
  private readonly changes: AccumulatorChanges = {};

  constructor(private readonly ytd: Accumulators) {}

  /** The current value (year-to-date plus what earlier steps of this visit added). */
  read(key: string, field: AccumulatorField): Units {
    const changed = this.changes[key]?.[field];
    if (changed) return changed.after;
    return this.ytd[key]?.[field] ?? 0n;
  }

  /** Add to a field (a zero delta still records that the step used it). */
  add(key: string, field: AccumulatorField, delta: Units): void {
    const entry = (this.changes[key] ??= {});
    const current = entry[field];
    if (current) current.after += delta;
    else {
      const before = this.ytd[key]?.[field] ?? 0n;
      entry[field] = { before, after: before + delta };
    }
  }

  result(): AccumulatorChanges {
    return this.changes;
  }
}

/** Year-to-date values that a ledger holds and updates in place. */
export type MutableAccumulators = Record<string, Partial<Record<AccumulatorField, Units>>>;

/**
 * What a recorded change adds to its year-to-date field: `after - before`, or its negation with
 * `direction` -1 (a reversal takes back exactly what its settlement recorded, §4). The one rule by
 * which a settlement's changes are applied to a year-to-date: {@link addChanges} here, and the
 * compact ledger (./ledger.ts).
 */
export function changeDelta(change: AccumulatorChange, direction: 1 | -1 = 1): Units {
  const delta = change.after - change.before;
  return direction === 1 ? delta : -delta;
}

/** Add recorded changes to year-to-date values, in place, by {@link changeDelta}. */
export function addChanges(target: MutableAccumulators, changes: AccumulatorChanges, direction: 1 | -1 = 1): void {
  for (const key in changes) {
    const fields = changes[key]!;
    const entry = (target[key] ??= {});
    for (const field in fields) {
      entry[field as AccumulatorField] = (entry[field as AccumulatorField] ?? 0n) + changeDelta(fields[field as AccumulatorField]!, direction);
    }
  }
}

/**
 * What a settlement adds to each year-to-date field, `after - before` by {@link changeDelta}: the form in
 * which a settlement's contribution is compared, summed and corrected (an adjustment carries the
 * difference of two of these, SETTLEMENT.md §4).
 */
export type AccumulatorDeltas = Record<string, Partial<Record<AccumulatorField, Units>>>;

export function deltasOf(changes: AccumulatorChanges): AccumulatorDeltas {
  const out: AccumulatorDeltas = {};
  for (const key in changes) {
    const fields = changes[key]!;
    const entry: Partial<Record<AccumulatorField, Units>> = (out[key] = {});
    for (const field in fields) entry[field as AccumulatorField] = changeDelta(fields[field as AccumulatorField]!);
  }
  return out;
}

/** Add deltas to year-to-date values, in place (`direction` -1 takes them back). */
export function addDeltas(target: MutableAccumulators, deltas: AccumulatorDeltas, direction: 1 | -1 = 1): void {
  for (const key in deltas) {
    const fields = deltas[key]!;
    const entry = (target[key] ??= {});
    for (const field in fields) {
      const d = fields[field as AccumulatorField]!;
      entry[field as AccumulatorField] = (entry[field as AccumulatorField] ?? 0n) + (direction === 1 ? d : -d);
    }
  }
}

/** A copy of year-to-date values with recorded changes applied ({@link addChanges}). */
export function applyChanges(ytd: Accumulators, changes: AccumulatorChanges, direction: 1 | -1 = 1): Accumulators {
  const out: MutableAccumulators = {};
  for (const [k, v] of Object.entries(ytd)) out[k] = { ...v };
  addChanges(out, changes, direction);
  return out;
}

/** Accumulators as stored and shown: { key: { field: "decimal text" } }. */
export type AccumulatorsJson = Record<string, Partial<Record<AccumulatorField, string>>>;

export function accumulatorsToJson(acc: Accumulators): AccumulatorsJson {
  const out: AccumulatorsJson = {};
  for (const [key, fields] of Object.entries(acc)) {
    const entry: Partial<Record<AccumulatorField, string>> = {};
    for (const [f, v] of Object.entries(fields) as [AccumulatorField, Units][]) entry[f] = formatUnits(v);
    out[key] = entry;
  }
  return out;
}

export function accumulatorsFromJson(json: AccumulatorsJson): Accumulators {
  const out: Record<string, Partial<Record<AccumulatorField, Units>>> = {};
  for (const [key, fields] of Object.entries(json)) {
    const entry: Partial<Record<AccumulatorField, Units>> = {};
    for (const [f, v] of Object.entries(fields) as [AccumulatorField, string][]) entry[f] = parseUnits(v);
    out[key] = entry;
  }
  return out;
}
