/**
 * PostgreSQL, for a region that outgrows one SQLite file: the same statements (../statements.ts,
 * compiled for PostgreSQL), several API processes on several machines against one database.
 *
 * A write set is one transaction at READ COMMITTED. How a person's settlements stay serial: each write
 * set's compare-and-set on the person's ledger row (`… where version = $read`) takes that row's lock; a
 * second transaction for the same person waits on it, and when the first commits, PostgreSQL evaluates
 * the condition again on the row as now committed: it no longer matches, the set answers `stale`, and
 * the caller computes again on the new year-to-date. So two settlements never count on the same
 * snapshot. Transactions of different people do not wait for each other, not even for the audit log: each
 * writes its entry unsealed (a seq from a sequence, its content digest) and one sealer per database links
 * it into the hash chain right after the commit (./sealer.ts, which argues why that is in order and
 * complete).
 *
 * A write set of the named statements (a settlement, a reversal) goes to the server as one statement that
 * commits on its own, in one round trip, not one per step plus BEGIN and COMMIT (see `joined`); any other
 * set, or one whose guard does not hold, runs step by step in a transaction. ONESTOP_PG_WRITE=steps runs every set step by step, for
 * measuring the two against each other only (benchmarks/counter/pg.mjs).
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { Kysely, OperationNodeTransformer, PostgresDialect, sql, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow, type ValueNode, type PrimitiveValueListNode } from 'kysely';
import { unsealedAuditRow, withDigests } from '../audit-chain.js';
import { CommitUnknown } from '../commit-unknown.js';
import { migrateToLatest } from '../migrations.js';
import { StoreWriteError, type Store } from '../port.js';
import type { Database } from '../schema.js';
import { bind, compileStatements } from '../statements.js';
import { valueOf, type Statement, type WriteOutcome, type WriteSet } from '../write-set.js';
import { startSealer, type Sealer } from './sealer.js';

/**
 * An audit entry, unsealed. The FROM subquery (kept apart by OFFSET 0, and volatile, so never folded
 * into the outer query) gives the transaction its xid before `nextval` numbers the entry: the sealer's
 * argument (./sealer.ts, point 1) rests on it.
 */
const INSERT_UNSEALED = `insert into audit_log (seq, at, actor, action, subject, payload, digest)
  select nextval('audit_log_seq'), $1, $2, $3, $4, $5, $6 from (select pg_current_xact_id() as x offset 0) as t where t.x is not null`;

/** Advisory-lock key that serialises migrations across processes (any constant; 0x71A2D9 = "onestop"). */
const MIGRATION_LOCK = 7447001;

/** The most steps, and parameters, a write set may have to be sent as one statement (`joined`). */
const MAX_JOINED_STEPS = 64;
const MAX_JOINED_PARAMETERS = 4096;

/** SQLSTATEs after which a whole transaction may be run again: serialization failure, deadlock. */
const RETRYABLE = new Set(['40001', '40P01']);

/**
 * Whether a COMMIT that failed with `e` may nevertheless have been committed. Only an error the server
 * itself sent (pg's DatabaseError, which carries a `severity`) says the transaction was rolled back, and
 * not even then when it is the server going away: connection exceptions (SQLSTATE class 08) and
 * "terminating connection" (57P01–57P05). A socket that closed, a reset or a timeout leave no answer at
 * all: the server may have committed before the line went dead.
 */
export function commitOutcomeUnknown(e: unknown): boolean {
  const err = e as { severity?: unknown; code?: unknown } | null;
  if (typeof err?.severity !== 'string' || typeof err.code !== 'string') return true;
  return err.code.startsWith('08') || err.code.startsWith('57P');
}

/**
 * A string PostgreSQL cannot store: `text` refuses the NUL character (SQLSTATE 22021). SQLite stores it,
 * so without this check a bill number or a query parameter carrying "\u0000" would be a 500 on
 * PostgreSQL only. It is refused before the query is sent, as bad input (400), on both reads and writes.
 */
export class UnstorableTextError extends Error {
  readonly status = 400;
  readonly code = 'UNSTORABLE_TEXT';
  constructor() {
    super('text contains a NUL character (U+0000), which PostgreSQL cannot store');
    this.name = 'UnstorableTextError';
  }
}

function checkValue(v: unknown): void {
  if (typeof v === 'string' && v.includes('\u0000')) throw new UnstorableTextError();
}

class RejectNulTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    checkValue(node.value);
    return super.transformValue(node);
  }
  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    for (const v of node.values) checkValue(v);
    return super.transformPrimitiveValueList(node);
  }
}

class RejectNulPlugin implements KyselyPlugin {
  private readonly transformer = new RejectNulTransformer();
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.transformer.transformNode(args.node);
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

function envInt(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v >= 0 ? v : fallback;
}

export async function openPostgresStore(url: string): Promise<Store> {
  let pg: typeof import('pg');
  try {
    pg = (await import('pg')).default as unknown as typeof import('pg');
  } catch {
    throw new Error('ONESTOP_DB is a PostgreSQL URL but the "pg" package is not installed (npm install pg)');
  }
  // bigint (int8) columns hold integer fen, and count(*) is int8 too: read them as numbers. Fen amounts fit
  // a JS number exactly below 2^53 (90 trillion yuan); past that, refuse rather than round silently.
  pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${v} does not fit a JS number exactly`);
    return n;
  });
  const pool = new pg.Pool({
    connectionString: url,
    max: envInt('ONESTOP_PG_POOL', 10),
    application_name: 'onestop',
    // A request waits at most this long for a free connection, instead of queueing forever.
    connectionTimeoutMillis: envInt('ONESTOP_PG_CONNECT_TIMEOUT_MS', 15_000),
    // No statement, and no wait for a person's ledger lock, may hang a request without end.
    statement_timeout: envInt('ONESTOP_PG_STATEMENT_TIMEOUT_MS', 30_000),
    lock_timeout: envInt('ONESTOP_PG_LOCK_TIMEOUT_MS', 20_000),
    // A process that stalls inside a transaction (frozen, swapped out) must not hold a person's lock for
    // ever: the server ends such a session, rolling its transaction back.
    idle_in_transaction_session_timeout: envInt('ONESTOP_PG_IDLE_TX_TIMEOUT_MS', 60_000),
  });
  // An idle pooled connection that the server closes (restart, failover, timeout) is reported here; without
  // a listener Node would treat it as an uncaught error and stop the process. The pool drops that client
  // and opens a new one on the next query.
  pool.on('error', (err) => {
    process.stderr.write(`onestop: PostgreSQL connection lost (${err.message}); it will be reopened\n`);
  });
  // The pool listens only to idle connections. A connection lost while a request holds it (in the middle
  // of a transaction, or at its COMMIT) is reported on the connection itself, and with nobody listening
  // Node would stop the whole process: every window down because one line dropped. The request's own
  // query fails with the same error, so here it only needs to be heard; the pool drops the connection
  // when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new RejectNulPlugin()] });

  try {
    // One connection holds the session-level advisory lock for the whole migration, so processes started
    // together (several API servers, a CLI) migrate one after the other; kysely's own lock covers the
    // migrations themselves, this one also covers creating its bookkeeping tables.
    await db.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(${sql.lit(MIGRATION_LOCK)})`.execute(conn);
      try {
        await migrateToLatest(conn);
      } finally {
        await sql`select pg_advisory_unlock(${sql.lit(MIGRATION_LOCK)})`.execute(conn);
      }
    });
  } catch (e) {
    await db.destroy();
    throw e;
  }

  const statements = compileStatements('postgres');
  const joinSets = process.env.ONESTOP_PG_WRITE !== 'steps';
  // Every process that opens the store is a candidate sealer; one of them seals (./sealer.ts).
  let sealer: Sealer | null = null;
  if (process.env.ONESTOP_PG_SEALER !== '0') {
    sealer = startSealer(
      async () => {
        const c = new pg.Client({ connectionString: url, application_name: 'onestop-sealer', statement_timeout: envInt('ONESTOP_PG_STATEMENT_TIMEOUT_MS', 30_000) });
        await c.connect();
        return c;
      },
      { intervalMs: envInt('ONESTOP_PG_SEAL_INTERVAL_MS', 5), electionMs: envInt('ONESTOP_PG_SEAL_ELECTION_MS', 500), batch: envInt('ONESTOP_PG_SEAL_BATCH', 500) || 500 },
      (e) => process.stderr.write(`onestop: audit sealer: ${(e as Error)?.message ?? String(e)}; trying again\n`),
    );
  }

  /**
   * A statement as the pg client runs it. A named statement is prepared once per connection (its `name`),
   * so PostgreSQL parses and plans it once rather than at every settlement.
   */
  function toQuery(st: Statement): PgQuery {
    let text: string;
    let values: readonly unknown[];
    let name: string | undefined;
    if ('statement' in st) {
      const c = statements[st.statement];
      text = c.sql;
      values = bind(c, st.values);
      name = `onestop_${st.statement}`;
    } else {
      text = st.sql;
      values = st.parameters;
    }
    // Statements compiled ahead skip kysely's plugins: the NUL check is made here instead.
    for (const v of values) checkValue(v);
    return { name, text, values: values as unknown[] };
  }

  /** The set's audit entry, unsealed, as a statement (sealer mode). */
  function unsealedInsert(set: WriteSet, step: Extract<WriteSet['steps'][number], { kind: 'audit' }>): PgQuery {
    const entry = withDigests(step.entry, step.digests, (k, v) => valueOf(set.steps[k]!, v));
    const r = unsealedAuditRow(entry, step.at);
    const values = [r.at, r.actor, r.action, r.subject, r.payload, r.digest];
    for (const v of values) checkValue(v);
    return { text: INSERT_UNSEALED, values };
  }

  /** The steps one at a time, in one transaction: each guard's outcome read from its own statement. */
  async function runSet(run: Run, set: WriteSet): Promise<WriteOutcome> {
    const steps = set.steps;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      switch (step.kind) {
        case 'run':
          await run(toQuery(step.run));
          break;
        case 'absent': {
          const row = (await run(toQuery(step.run))).rows[0] as Record<string, unknown> | undefined;
          if (row !== undefined) return { kind: step.otherwise, step: i, row };
          break;
        }
        case 'one': {
          const r = await run(toQuery(step.run));
          if ((r.rowCount ?? 0) !== 1) {
            const row = step.read ? ((await run(toQuery(step.read))).rows[0] as Record<string, unknown> | undefined) : undefined;
            throw new GuardFailed({ kind: step.otherwise, step: i, row });
          }
          break;
        }
        case 'audit': {
          await run(unsealedInsert(set, step));
          break;
        }
      }
    }
    return { kind: 'written' };
  }

  /**
   * A write set as ONE statement, committed on its own (no BEGIN, no COMMIT): each step a data-modifying
   * (or, for an `absent` guard, a plain) WITH query of the same statement. PostgreSQL runs every
   * sub-statement of a WITH on one snapshot, checks the foreign keys at the statement's end, and commits
   * or rolls back the statement whole. The main query divides by whether every guard held, so a guard
   * that did not hold (the bill number found, the ledger moved) is a division by zero (22012) and nothing
   * of the set is written. The settlement, its funds, the ledger and the audit entry thus cost one round
   * trip instead of ten (benchmarks/SCALE.md). Only sets of named statements (and the unsealed audit
   * entry) are joined: their text is compiled here, so renumbering the placeholders is safe. Null for
   * any other set.
   */
  function joined(set: WriteSet): PgQuery | null {
    // A large set (a register import: thousands of rows) stays step by step: one statement may carry at
    // most 65,535 parameters, and a statement that long gains nothing from being one.
    if (!joinSets || set.steps.length > MAX_JOINED_STEPS) return null;
    const parts: string[] = [];
    const values: unknown[] = [];
    const held: string[] = [];
    for (let i = 0; i < set.steps.length; i++) {
      const step = set.steps[i]!;
      if (step.kind !== 'audit' && !('statement' in step.run)) return null;
      const q = step.kind === 'audit' ? unsealedInsert(set, step) : toQuery(step.run);
      const offset = values.length;
      const text = q.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
      values.push(...q.values);
      if (step.kind === 'absent') {
        parts.push(`s${i} as (${text})`);
        held.push(`not exists (select 1 from s${i})`);
      } else if (step.kind === 'one') {
        parts.push(`s${i} as (${text} returning 1)`);
        held.push(`(select count(*) from s${i}) = 1`);
      } else {
        parts.push(`s${i} as (${text})`);
      }
    }
    if (values.length > MAX_JOINED_PARAMETERS) return null;
    const text = `with ${parts.join(', ')} select ${held.length ? `1 / (${held.join(' and ')})::int` : '1'} as written`;
    return { name: `onestop_set_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, text, values };
  }

  /**
   * A joined set, sent once (and again, at most twice, when PostgreSQL asks for it). When a guard did not
   * hold, or the bill number's unique index refused the row (a settlement committed in between), nothing
   * was written and {@link NotInOneGo} is thrown: the set is then run step by step, which finds and
   * answers the outcome. A statement that gets no answer from the server may have committed: CommitUnknown.
   */
  async function writeJoined(q: PgQuery): Promise<WriteOutcome> {
    return retried(async () => {
      try {
        await pool.query(q as pg.QueryConfig);
        return { kind: 'written' };
      } catch (e) {
        const code = (e as { code?: string })?.code;
        if (code === '22012' || code === '23505') throw new NotInOneGo();
        if (commitOutcomeUnknown(e)) throw new CommitUnknown(`PostgreSQL did not confirm the write: ${(e as Error)?.message ?? String(e)}`);
        throw e;
      }
    });
  }

  /**
   * One transaction on one pooled connection, with its COMMIT told apart from what ran before it: an
   * error before COMMIT rolls everything back (the server also rolls back a session that ends inside a
   * transaction), but a COMMIT that gets no answer may have been committed, and is reported as
   * {@link CommitUnknown} instead of as a failure. Posting the same bill again settles the question (a
   * replay if it was committed). The one transaction runner of this store.
   */
  async function transaction<T>(fn: (run: Run) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    // A connection whose state is unknown (a failed ROLLBACK, a lost line) is closed, not pooled again.
    let broken: Error | undefined;
    const rollback = () => client.query('ROLLBACK').then(() => undefined, (e: Error) => void (broken = e));
    try {
      try {
        await client.query('BEGIN');
      } catch (e) {
        broken = e as Error;
        throw e;
      }
      let value: T;
      try {
        value = await fn((q) => client.query(q as pg.QueryConfig));
      } catch (e) {
        await rollback();
        throw e;
      }
      try {
        await client.query('COMMIT');
      } catch (e) {
        await rollback();
        if (commitOutcomeUnknown(e)) throw new CommitUnknown(`PostgreSQL did not confirm the COMMIT: ${(e as Error)?.message ?? String(e)}`);
        throw e;
      }
      return value;
    } finally {
      client.release(broken);
    }
  }

  /** A transaction run again (at most three times) when PostgreSQL asks for it; its errors in the store's terms. */
  async function attempt(fn: (run: Run) => Promise<WriteOutcome>): Promise<WriteOutcome> {
    return retried(() => transaction(fn));
  }

  /** A write run again (at most three times) when PostgreSQL asks for it; its errors in the store's terms. */
  async function retried(write: () => Promise<WriteOutcome>): Promise<WriteOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (e) {
        // A guard that did not hold: the transaction was rolled back, nothing of the set was written.
        if (e instanceof GuardFailed) return e.outcome;
        if (e instanceof NotInOneGo) throw e;
        // The transaction was rolled back whole, so running it again cannot apply anything twice.
        if (attempt < 3 && RETRYABLE.has((e as { code?: string })?.code ?? '')) continue;
        if (e instanceof CommitUnknown || e instanceof UnstorableTextError) throw e;
        const err = e as { message?: string; code?: string };
        throw new StoreWriteError(err?.message ?? String(e), err?.code);
      }
    }
  }

  async function write(set: WriteSet): Promise<WriteOutcome> {
    const j = joined(set);
    if (j) {
      try {
        return await writeJoined(j);
      } catch (e) {
        if (!(e instanceof NotInOneGo)) throw e;
      }
    }
    return attempt((run) => runSet(run, set));
  }

  /** A read outside any transaction, prepared by name where the statement has one. */
  async function read(s: Statement): Promise<Record<string, unknown>[]> {
    return (await pool.query(toQuery(s) as pg.QueryConfig)).rows as Record<string, unknown>[];
  }

  return {
    db,
    dialect: 'postgres',
    location: redactUrl(url),
    reopen: url,
    async get(s) {
      return (await read(s))[0] as never;
    },
    async all(s) {
      return (await read(s)) as never;
    },
    write,
    async sealAudit() {
      return sealer ? sealer.flush() : false;
    },
    async close() {
      await sealer?.stop();
      await db.destroy();
    },
  };
}

/** A statement for the pg client: prepared once per connection under `name`, when it has one. */
interface PgQuery {
  name?: string;
  text: string;
  values: unknown[];
}

/** Runs a statement in the transaction at hand. */
type Run = (q: PgQuery) => Promise<pg.QueryResult>;

/** A joined write set found a guard that did not hold: run it again step by step to learn the outcome. */
class NotInOneGo extends Error {
  constructor() {
    super('the write set is run step by step');
  }
}

/** A guard of a write set did not hold: the transaction is rolled back and the outcome answered. */
class GuardFailed extends Error {
  constructor(readonly outcome: WriteOutcome) {
    super('a guard of the write set did not hold');
  }
}
