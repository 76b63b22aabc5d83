/**
 * The SQLite transaction runner: write sets (../write-set.ts) in group-commit transactions on one
 * connection. Synchronous, as better-sqlite3 is; run by the writer thread (./writer-worker.ts) for a
 * database file, or in the API thread for an in-memory one (./group-commit.ts queues for both).
 *
 * One batch of write sets is one transaction and one COMMIT, so the sets that arrived while the last
 * COMMIT was being synced share the next fsync. A set whose guard does not hold wrote nothing (guards
 * come first), so the common case needs no savepoints: a savepoint copies every page the set touches
 * into a statement journal, which cost the writer ~8% of its time. Only when a set throws (or a guard
 * fails after its set has written) is the batch run again with a savepoint around each set, so that the
 * failing one rolls back alone and the others commit as if nothing had happened. If COMMIT (or BEGIN)
 * fails, nothing of the batch is kept, and every set of it is told so.
 */
import type SQLite from 'better-sqlite3';
import { nextAuditRow, withDigests } from '../audit-chain.js';
import { bind, compileStatements, type CompiledStatement, type StatementName } from '../statements.js';
import { valueOf, type Statement, type WriteOutcome, type WriteSet } from '../write-set.js';

/** How one write set ended: its outcome, or the error it threw (with SQLite's code, e.g. a unique violation). */
export type Answer = { ok: true; outcome: WriteOutcome } | { ok: false; error: string; code?: string };

/** A set failed in a batch run without savepoints: run the batch again, each set in its own. */
class IsolateSets extends Error {}

/** A guard failed after its set had already written: only its savepoint can take that back. */
interface Ran {
  outcome: WriteOutcome;
  wrote: boolean;
}

/** Most prepared statements kept for writes compiled elsewhere (a small, fixed set of SQL texts in practice). */
const MAX_PREPARED = 500;

export class SqliteWriter {
  private readonly compiled: Record<StatementName, CompiledStatement>;
  private readonly prepared = new Map<string, SQLite.Statement>();

  constructor(private readonly database: SQLite.Database) {
    this.compiled = compileStatements('sqlite');
  }

  private prepare(sql: string): SQLite.Statement {
    let s = this.prepared.get(sql);
    if (!s) {
      s = this.database.prepare(sql);
      if (this.prepared.size >= MAX_PREPARED) this.prepared.delete(this.prepared.keys().next().value!);
      this.prepared.set(sql, s);
    }
    return s;
  }

  /** The prepared statement and its bound values. */
  private statement(s: Statement): [SQLite.Statement, unknown[]] {
    if ('statement' in s) {
      const c = this.compiled[s.statement];
      return [this.prepare(c.sql), bind(c, s.values)];
    }
    return [this.prepare(s.sql), s.parameters as unknown[]];
  }

  private get(s: Statement): Record<string, unknown> | undefined {
    const [stmt, values] = this.statement(s);
    return stmt.get(...values) as Record<string, unknown> | undefined;
  }

  private run(s: Statement): number {
    const [stmt, values] = this.statement(s);
    return stmt.run(...values).changes;
  }

  /** One set's steps, in the open transaction, up to the first guard that does not hold. */
  private runSet(set: WriteSet): Ran {
    let wrote = false;
    const steps = set.steps;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      switch (step.kind) {
        case 'run':
          this.run(step.run);
          wrote = true;
          break;
        case 'absent': {
          const row = this.get(step.run);
          if (row !== undefined) return { outcome: { kind: step.otherwise, step: i, row }, wrote };
          break;
        }
        case 'one': {
          const changes = this.run(step.run);
          if (changes !== 1) {
            const row = step.read ? this.get(step.read) : undefined;
            return { outcome: { kind: step.otherwise, step: i, row }, wrote: wrote || changes > 1 };
          }
          wrote = true;
          break;
        }
        case 'audit': {
          const head = this.get({ statement: 'auditHead', values: [] }) as { seq: number; hash: string } | undefined;
          const r = nextAuditRow(head, withDigests(step.entry, step.digests, (k, v) => valueOf(steps[k]!, v)), step.at);
          this.run({ statement: 'insertAudit', values: [r.seq, r.at, r.actor, r.action, r.subject, r.payload, r.digest, r.prev_hash, r.hash] });
          wrote = true;
          break;
        }
      }
    }
    return { outcome: { kind: 'written' }, wrote };
  }

  /** A batch of write sets in one transaction; an answer for each, in order. */
  runBatch(sets: readonly WriteSet[]): Answer[] {
    try {
      return this.transaction(sets, false);
    } catch (e) {
      this.rollbackQuietly();
      if (!(e instanceof IsolateSets)) return sets.map(() => failed(e));
    }
    try {
      return this.transaction(sets, true);
    } catch (e) {
      this.rollbackQuietly();
      return sets.map(() => failed(e));
    }
  }

  private transaction(sets: readonly WriteSet[], isolate: boolean): Answer[] {
    const answers: Answer[] = [];
    const db = this.database;
    db.exec('begin immediate');
    for (const set of sets) {
      if (!isolate) {
        let ran: Ran;
        try {
          ran = this.runSet(set);
        } catch {
          throw new IsolateSets();
        }
        if (ran.outcome.kind !== 'written' && ran.wrote) throw new IsolateSets();
        answers.push({ ok: true, outcome: ran.outcome });
        continue;
      }
      db.exec('savepoint w');
      try {
        const ran = this.runSet(set);
        if (ran.outcome.kind !== 'written' && ran.wrote) db.exec('rollback to w');
        db.exec('release w');
        answers.push({ ok: true, outcome: ran.outcome });
      } catch (e) {
        db.exec('rollback to w');
        db.exec('release w');
        answers.push(failed(e));
      }
    }
    db.exec('commit');
    return answers;
  }

  private rollbackQuietly(): void {
    try {
      this.database.exec('rollback');
    } catch {
      // No transaction left to roll back (SQLite ends it itself on some errors).
    }
  }
}

function failed(e: unknown): Answer {
  return { ok: false, error: (e as Error)?.message ?? String(e), code: (e as { code?: string })?.code };
}
