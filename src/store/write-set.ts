/**
 * A write set: everything one use case changes, as plain data, committed in one transaction or not at
 * all. The use case decides (it computed the settlement, it read the ledger version); the store only
 * runs the statements in order and reports whether the guards held. That is all the store knows.
 *
 * A step runs one statement: a named one (./statements.ts, compiled once per dialect) with its values,
 * or any other write compiled from kysely where it is made (`sql` and `parameters`). A step may be a
 * guard: it must find no row (the bill number is not settled yet) or change exactly one row (the ledger
 * is still at the version the computation read); when it does not, nothing of the set is written and
 * the outcome says which guard failed, with the row it found or the one its `read` finds. Guards come
 * before the set's other writes. An `audit` step appends an entry to the hash-chained log.
 *
 * Plain data throughout, so a write set crosses to the SQLite writer thread by structured clone.
 */
import type { CompiledQuery } from 'kysely';
import type { AuditEntryInput } from './audit-chain.js';
import { paramsOf, type StatementName } from './statements.js';

export interface NamedStatement {
  statement: StatementName;
  /** Values for the statement's named parameters, in their order. */
  values: readonly unknown[];
}

export interface RawStatement {
  sql: string;
  parameters: readonly unknown[];
}

export type Statement = NamedStatement | RawStatement;

/** What the set goes on with: the guard's outcome kind when it does not hold. */
export type GuardOutcome = 'existing' | 'stale';

export type WriteStep =
  | { kind: 'run'; run: Statement }
  /** A query that must find no row; otherwise the outcome, with the row it found. */
  | { kind: 'absent'; run: Statement; otherwise: GuardOutcome }
  /** A write that must change exactly one row; otherwise the outcome, with the row `read` finds. */
  | { kind: 'one'; run: Statement; otherwise: GuardOutcome; read?: Statement }
  | { kind: 'audit'; entry: AuditEntryInput; at: string; digests?: AuditDigest[] };

/**
 * A digest the audit entry carries of a value the set writes: `payload[field]` becomes the sha256 (hex) of
 * the `value`-th value of step `step`'s statement (a settlement's stored result, say), so that the log can
 * later show that the stored text is the one written. Computed by the store, where the set is written,
 * rather than by the caller: it is the log's own bookkeeping, like the chain's hashes.
 */
export interface AuditDigest {
  field: string;
  step: number;
  value: number;
}

export interface WriteSet {
  steps: WriteStep[];
}

export type WriteOutcome =
  | { kind: 'written' }
  /** A guard did not hold: `step` is its index, `row` what it found (or its `read` found). Nothing was written. */
  | { kind: GuardOutcome; step: number; row: Record<string, unknown> | undefined };

/** A named statement with its values given by name (checked against the definition). */
export function named(statement: StatementName, values: Record<string, unknown>): NamedStatement {
  return { statement, values: paramsOf(statement).map((p) => values[p]) };
}

/** A write compiled from kysely (`store.db.updateTable(…)…compile()`), as a step's statement. */
export function compiled(query: CompiledQuery): RawStatement {
  return { sql: query.sql, parameters: query.parameters };
}

/** The `value`-th value a step's statement writes (what an audit digest is taken of). */
export function valueOf(step: WriteStep, value: number): unknown {
  if (step.kind === 'audit') return undefined;
  return 'statement' in step.run ? step.run.values[value] : step.run.parameters[value];
}
