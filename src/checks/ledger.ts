/**
 * The ledger against the settlements (SETTLEMENT.md §4): a person's year-to-date accumulators (the ledger
 * row) are exactly the sum of the changes (after − before) their unreversed settlements of the year
 * recorded, field by field; and each settlement's recorded "before" values are the snapshot stored with
 * it (ytd_before_json).
 */
import { addChanges, type MutableAccumulators } from '../engine/accumulators.js';
import type { AccumulatorChanges, AccumulatorField } from '../engine/types.js';
import type { Units } from '../money/units.js';
import { amountOf } from './stored-result.js';

const FIELDS: readonly AccumulatorField[] = ['paid', 'deductibleMet', 'cumulative'];

export type ChangeFinding =
  | { kind: 'snapshotNotJson' }
  /** A recorded change whose before or after is not decimal text. */
  | { kind: 'changeUnreadable'; key: string; field: AccumulatorField }
  /** The recorded "before" is not the value in the snapshot stored with the settlement (absent = 0). */
  | { kind: 'snapshotDiffers'; key: string; field: AccumulatorField; before: Units; snapshot: Units };

/**
 * A stored settlement's recorded accumulator changes (`result.accumulators`), each checked against the
 * snapshot stored with it. The readable changes are returned to be added up.
 */
export function recordedChanges(accumulators: unknown, ytdBeforeJson: string): { changes: AccumulatorChanges; findings: ChangeFinding[] } {
  const findings: ChangeFinding[] = [];
  let snapshot: Record<string, Partial<Record<string, unknown>> | undefined> = {};
  try {
    snapshot = (JSON.parse(ytdBeforeJson) ?? {}) as typeof snapshot;
  } catch {
    findings.push({ kind: 'snapshotNotJson' });
  }
  const changes: AccumulatorChanges = {};
  const recorded = (accumulators ?? {}) as Record<string, Partial<Record<AccumulatorField, { before?: unknown; after?: unknown }>> | undefined>;
  for (const [key, fields] of Object.entries(recorded)) {
    for (const field of FIELDS) {
      const c = fields?.[field];
      if (!c) continue;
      const before = amountOf(c.before);
      const after = amountOf(c.after);
      if (before === null || after === null) {
        findings.push({ kind: 'changeUnreadable', key, field });
        continue;
      }
      const stored = amountOf(snapshot[key]?.[field] ?? '0') ?? 0n;
      if (stored !== before) findings.push({ kind: 'snapshotDiffers', key, field, before, snapshot: stored });
      (changes[key] ??= {})[field] = { before, after };
    }
  }
  return { changes, findings };
}

/** Year-to-date sums of recorded changes, to compare with a ledger. */
export class ChangeSums {
  readonly sums: MutableAccumulators = {};

  add(changes: AccumulatorChanges): void {
    addChanges(this.sums, changes);
  }

  /** What an adjustment (应补应退) moved one field by: a re-adjudicated settlement's new contribution less its old. */
  addDelta(key: string, field: AccumulatorField, delta: Units): void {
    const fields = (this.sums[key] ??= {});
    fields[field] = (fields[field] ?? 0n) + delta;
  }
}

/**
 * An adjustment's recorded changes (`changes_json`: by accumulator, the delta of each field, decimal
 * text), added to `sums`; what cannot be read is returned as "key.field" (or "" for the whole).
 */
export function addAdjustmentChanges(sums: ChangeSums, changesJson: string): string[] {
  let changes: Record<string, Partial<Record<string, unknown>> | undefined>;
  try {
    changes = (JSON.parse(changesJson) ?? {}) as typeof changes;
  } catch {
    return [''];
  }
  const unreadable: string[] = [];
  for (const [key, fields] of Object.entries(changes)) {
    for (const field of FIELDS) {
      const v = fields?.[field];
      if (v === undefined) continue;
      const d = amountOf(v);
      if (d === null) unreadable.push(`${key}.${field}`);
      else sums.addDelta(key, field, d);
    }
  }
  return unreadable;
}

export type LedgerFinding =
  | { kind: 'ledgerNotJson' }
  | { kind: 'valueUnreadable'; key: string; field: string; value: unknown }
  /** `key` is "accumulator.field"; `ledger` null when the person has no ledger row for the year. */
  | { kind: 'differs'; key: string; ledger: Units | null; sum: Units };

/**
 * A ledger row (null: none) against the sums of its settlements' changes. Returns the ledger's values by
 * "accumulator.field" (for the caps) and what disagrees, by key in sorted order.
 */
export function ledgerAgainstChanges(ledgerJson: string | null, sums: ChangeSums): { values: Map<string, Units>; findings: LedgerFinding[] } {
  const findings: LedgerFinding[] = [];
  let ledger: Record<string, Record<string, unknown> | undefined> = {};
  if (ledgerJson !== null) {
    try {
      ledger = (JSON.parse(ledgerJson) ?? {}) as typeof ledger;
    } catch {
      findings.push({ kind: 'ledgerNotJson' });
    }
  }
  const values = new Map<string, Units>();
  for (const [key, fields] of Object.entries(ledger)) {
    for (const [field, v] of Object.entries(fields ?? {})) {
      const u = amountOf(v);
      if (u === null) findings.push({ kind: 'valueUnreadable', key, field, value: v });
      else values.set(`${key}.${field}`, u);
    }
  }
  const want = new Map<string, Units>();
  for (const [key, fields] of Object.entries(sums.sums)) for (const [field, v] of Object.entries(fields)) want.set(`${key}.${field}`, v);
  for (const k of [...new Set([...values.keys(), ...want.keys()])].sort()) {
    const have = values.get(k) ?? 0n;
    const sum = want.get(k) ?? 0n;
    if (have !== sum) findings.push({ kind: 'differs', key: k, ledger: ledgerJson === null ? null : have, sum });
  }
  return { values, findings };
}
