/**
 * A settlement as it now stands (SETTLEMENT.md §4): what it was settled with, corrected by every
 * adjustment (应补应退) a reversal of an earlier settlement of the same person and year has made to it.
 * The original row is never edited; each adjustment carries the settlement as settled again, so the
 * figures as they stand are those of its latest adjustment, or the original's when it has none.
 *
 * Figures are the engine's values (Units): what each fund pays, what the patient pays, and what the
 * settlement adds to each year-to-date field. Differences of figures are what an adjustment records.
 * Pure: no store.
 */
import { accumulatorsFromJson, accumulatorsToJson, deltasOf, type AccumulatorDeltas, type AccumulatorsJson } from '../engine/accumulators.js';
import type { SettlementJson } from '../engine/result.js';
import type { AccumulatorField, Settlement } from '../engine/types.js';
import { parseUnits } from '../money/text.js';
import type { Units } from '../money/units.js';

export interface Figures {
  total: Units;
  funds: Record<string, Units>;
  fundPaysTotal: Units;
  patientPays: Units;
  /** What the settlement adds to the year: per accumulator key and field, after − before. */
  changes: AccumulatorDeltas;
}

/** The figures of an engine settlement. */
export function figuresOfSettlement(s: Settlement): Figures {
  return { total: s.total, funds: { ...s.funds }, fundPaysTotal: s.fundPaysTotal, patientPays: s.patientPays, changes: deltasOf(s.accumulators) };
}

/** The figures of a stored result (a settlement's `result_json`, or an adjustment's). */
export function figuresOfResult(r: SettlementJson): Figures {
  const funds: Record<string, Units> = {};
  for (const [f, v] of Object.entries(r.funds)) funds[f] = parseUnits(v);
  const changes: AccumulatorDeltas = {};
  for (const [key, fields] of Object.entries(r.accumulators)) {
    const entry: Partial<Record<AccumulatorField, Units>> = (changes[key] = {});
    for (const [field, c] of Object.entries(fields) as [AccumulatorField, { before: string; after: string } | undefined][]) {
      if (c) entry[field] = parseUnits(c.after) - parseUnits(c.before);
    }
  }
  return { total: parseUnits(r.total), funds, fundPaysTotal: parseUnits(r.fundPaysTotal), patientPays: parseUnits(r.patientPays), changes };
}

/**
 * What changed from `was` to `now`: per fund (only funds whose payout changed; positive, the fund owes the
 * hospital more, 应补; negative, it recovers an overpayment, 应退), in what the patient pays, and per
 * accumulator field (only fields that changed). The total of a bill never changes, so Σ funds + patient = 0.
 */
export interface Difference {
  funds: Record<string, Units>;
  fundPaysTotal: Units;
  patientPays: Units;
  changes: AccumulatorDeltas;
}

export function difference(now: Figures, was: Figures): Difference {
  const funds: Record<string, Units> = {};
  for (const f of new Set([...Object.keys(was.funds), ...Object.keys(now.funds)])) {
    const d = (now.funds[f] ?? 0n) - (was.funds[f] ?? 0n);
    if (d !== 0n) funds[f] = d;
  }
  const changes: AccumulatorDeltas = {};
  for (const key of new Set([...Object.keys(was.changes), ...Object.keys(now.changes)])) {
    const fields = new Set([...Object.keys(was.changes[key] ?? {}), ...Object.keys(now.changes[key] ?? {})]) as Set<AccumulatorField>;
    for (const field of fields) {
      const d = (now.changes[key]?.[field] ?? 0n) - (was.changes[key]?.[field] ?? 0n);
      if (d !== 0n) (changes[key] ??= {})[field] = d;
    }
  }
  return { funds, fundPaysTotal: now.fundPaysTotal - was.fundPaysTotal, patientPays: now.patientPays - was.patientPays, changes };
}

/**
 * Nothing to record: no payout, no patient share and no year-to-date contribution changed. (The trace
 * of a settlement settled again may still read other "before" values, e.g. a cumulative amount that a
 * later settlement no longer follows; without a change in money or in the year, that is not an adjustment.)
 */
export function isNoDifference(d: Difference): boolean {
  return Object.keys(d.funds).length === 0 && d.patientPays === 0n && d.fundPaysTotal === 0n && Object.keys(d.changes).length === 0;
}

/** Deltas as stored (`changes_json`): signed decimal text. */
export function deltasToJson(d: AccumulatorDeltas): AccumulatorsJson {
  return accumulatorsToJson(d);
}

export function deltasFromJson(json: AccumulatorsJson): AccumulatorDeltas {
  return accumulatorsFromJson(json) as AccumulatorDeltas;
}

/** A stored row of an adjustment, as far as the standing of its settlement goes. */
export interface AdjustmentLike {
  settlement_id: string;
  ledger_version: number;
  result_json: string;
}

/**
 * The result a settlement stands at: that of its latest adjustment (the highest ledger version, up to
 * `upToVersion` when given), else its own. `adjustments` may hold other settlements' too.
 */
export function standingResultJson(settlement: { id: string; result_json: string }, adjustments: readonly AdjustmentLike[], upToVersion = Infinity): string {
  let best: AdjustmentLike | undefined;
  for (const a of adjustments) {
    if (a.settlement_id !== settlement.id || Number(a.ledger_version) > upToVersion) continue;
    if (!best || Number(a.ledger_version) > Number(best.ledger_version)) best = a;
  }
  return best ? best.result_json : settlement.result_json;
}
