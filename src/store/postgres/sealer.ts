/**
 * The sealer: links the audit entries that PostgreSQL transactions wrote unsealed into the hash chain
 * (store/audit-chain.ts), in seq order, right after their commits, a small batch at a time.
 *
 * Why no settlement waits on a lock for the chain's head any more: a transaction's `audit` step writes its
 * entry with a seq from a sequence and its content digest, and nothing else (postgres/store.ts). A
 * sequence value is taken inside the transaction, so seqs are not commit order: entry 7 may commit while
 * entry 6 is still running (or is rolled back, leaving a gap for ever). The chain is nevertheless sealed in
 * seq order, and an entry is sealed only once no lower seq can still appear. That is known like this:
 *
 *  1. The audit insert takes the transaction's xid (`pg_current_xact_id()`, in a FROM subquery that
 *     runs before the row's `nextval`), so every transaction holding a seq had an xid before it took it.
 *  2. The sealer reads the sequence's last value B, and then (next statement, so a later snapshot S) the
 *     transactions that may be in progress, X. Every seq ≤ B was taken before B was read, by a transaction
 *     that had its xid then: by the time of S it has either finished or is in X. X is not just S's list
 *     of running xids: PostgreSQL lists there only xids below S's xmax (the latest finished xid + 1), and
 *     a transaction that got its xid after the last one finished is running but not listed. So the same
 *     statement takes an xid of its own, N (later than every xid assigned before it), and X is S's list
 *     plus every xid from xmax up to N. (Without the second part, an entry could commit after its seq was
 *     passed over, and stay unsealed below the head for ever, reported as put there by hand.)
 *  3. Once every transaction of X has finished (a later snapshot sees them all as completed), every entry
 *     with seq ≤ B is committed and visible, or will never exist (rolled back). The sealer then seals the
 *     unsealed entries with seq ≤ B, in seq order, onto the head.
 *
 * No transaction ever waits for the sealer, and the sealer waits for nobody: it only looks again a few
 * milliseconds later. The price is a short unsealed tail (a few ms under load; as long as the longest
 * write transaction in progress at worst), which the checks verify by content digest and report
 * (count, age of the oldest; checks/audit-log.ts).
 *
 * One sealer per database: each process that opens the store runs a candidate on a connection of its own,
 * and only the one that holds the session advisory lock SEALER_LOCK seals. When that process dies, its
 * session ends, the lock is free, and another candidate takes over within its next try. A sealing
 * transaction also takes the transaction lock AUDIT_HEAD_LOCK, so that even a sealer that lost its
 * session without noticing can never extend the chain from the same head as another.
 */
import type pg from 'pg';
import { GENESIS_HASH, sealHash } from '../audit-chain.js';

/** Session advisory lock held by the one sealer of a database. */
export const SEALER_LOCK = 7447003;
/** Transaction advisory lock held while sealing. */
export const AUDIT_HEAD_LOCK = 7447002;

/** The longest an idle sealer sleeps between looks (ms): how late the first entry after a quiet spell is sealed at most. */
const IDLE_MAX_MS = 100;

export interface SealerOptions {
  /** How long the sealer sleeps between looks (ms). */
  intervalMs: number;
  /** How often a candidate that is not the sealer tries for the lock (ms). */
  electionMs: number;
  /** Entries sealed per transaction. */
  batch: number;
}

export interface Sealer {
  /** Seal what is committed now and resolve when it is sealed (tests, the CLI before a check). Only the elected sealer seals. */
  flush(): Promise<boolean>;
  readonly elected: boolean;
  stop(): Promise<void>;
}

export function startSealer(connect: () => Promise<pg.Client>, opts: SealerOptions, onError: (e: unknown) => void): Sealer {
  let client: pg.Client | null = null;
  let elected = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  /** A bound B waiting for the transactions X in progress when it was read to finish. */
  let pending: { bound: number; xips: string[] } | null = null;
  let sealedTo = 0;
  /** Looks in a row that found nothing to seal. */
  let idle = 0;

  async function elect(): Promise<boolean> {
    if (!client) {
      client = await connect();
      client.on('error', () => undefined);
      elected = false;
    }
    if (!elected) {
      const r = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [SEALER_LOCK]);
      elected = r.rows[0]!.ok;
      if (elected) {
        pending = null;
        sealedTo = 0;
      }
    }
    return elected;
  }

  /** The sequence's last value: every seq taken so far is at most this. */
  async function bound(c: pg.Client): Promise<number> {
    const r = await c.query<{ last_value: string; is_called: boolean }>('select last_value, is_called from audit_log_seq');
    const row = r.rows[0]!;
    return row.is_called ? Number(row.last_value) : Number(row.last_value) - 1;
  }

  /**
   * Every xid that may be in progress now (point 2): the snapshot's running list, and the xids from its
   * xmax up to one this statement takes (which the statement's own end finishes).
   */
  async function inProgress(c: pg.Client): Promise<string[]> {
    const r = await c.query<{ x: string }>(
      `select x::text from (select pg_current_snapshot() as s, pg_current_xact_id() as n offset 0) as t,
         lateral (select x from pg_snapshot_xip(t.s) as x
                  union all
                  select g::text::xid8 from generate_series(pg_snapshot_xmax(t.s)::text::bigint, t.n::text::bigint - 1) as g) as u`,
    );
    return r.rows.map((row) => row.x);
  }

  async function finished(c: pg.Client, xips: string[]): Promise<boolean> {
    if (xips.length === 0) return true;
    const r = await c.query<{ ok: boolean }>('select bool_and(pg_visible_in_snapshot(x::xid8, pg_current_snapshot())) as ok from unnest($1::text[]) as x', [xips]);
    return r.rows[0]!.ok === true;
  }

  /** Seal every unsealed entry with seq ≤ bound onto the head, `opts.batch` per transaction. */
  async function sealUpTo(c: pg.Client, upTo: number): Promise<void> {
    for (;;) {
      await c.query('begin');
      try {
        await c.query('select pg_advisory_xact_lock($1)', [AUDIT_HEAD_LOCK]);
        const head = (await c.query<{ seq: string; hash: string }>('select seq, hash from audit_log where hash is not null order by seq desc limit 1')).rows[0];
        const headSeq = head ? Number(head.seq) : 0;
        // Only entries after the head: a row someone put below it can never be linked in, and is reported.
        const rows = (
          await c.query<{ seq: string; digest: string | null }>('select seq, digest from audit_log where hash is null and seq > $1 and seq <= $2 order by seq limit $3', [headSeq, upTo, opts.batch])
        ).rows;
        if (rows.length === 0) {
          await c.query('commit');
          return;
        }
        let prev = head?.hash ?? GENESIS_HASH;
        const seqs: number[] = [];
        const prevs: string[] = [];
        const hashes: string[] = [];
        for (const r of rows) {
          const seq = Number(r.seq);
          // An entry without a digest (written by hand) is linked on the digest of nothing: it shows as edited.
          const hash = sealHash(prev, seq, r.digest ?? '');
          seqs.push(seq);
          prevs.push(prev);
          hashes.push(hash);
          prev = hash;
        }
        await c.query(
          `update audit_log as a set prev_hash = v.prev_hash, hash = v.hash
             from unnest($1::bigint[], $2::text[], $3::text[]) as v(seq, prev_hash, hash)
            where a.seq = v.seq and a.hash is null`,
          [seqs, prevs, hashes],
        );
        await c.query('commit');
        if (rows.length < opts.batch) return;
      } catch (e) {
        await c.query('rollback').catch(() => undefined);
        throw e;
      }
    }
  }

  /** One look: seal up to a bound whose transactions have finished; take the next bound. Says whether there was anything to do. */
  async function tick(): Promise<boolean> {
    if (!(await elect())) return false;
    const c = client!;
    let busy = pending !== null;
    if (pending && (await finished(c, pending.xips))) {
      await sealUpTo(c, pending.bound);
      sealedTo = pending.bound;
      pending = null;
    }
    if (!pending) {
      const b = await bound(c);
      if (b > sealedTo) {
        busy = true;
        const xips = await inProgress(c);
        pending = { bound: b, xips };
        if (await finished(c, xips)) {
          await sealUpTo(c, b);
          sealedTo = b;
          pending = null;
        }
      }
    }
    return busy;
  }

  function runTick(): Promise<void> {
    running = running.then(async () => {
      if (stopped) return;
      try {
        idle = (await tick()) ? 0 : idle + 1;
      } catch (e) {
        onError(e);
        // The connection (and with it the lock) may be gone: start again from the election.
        const c = client;
        client = null;
        elected = false;
        pending = null;
        await c?.end().catch(() => undefined);
      }
    });
    return running;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(
      () => {
        void runTick().then(schedule);
      },
      // While nothing is written the looks thin out (doubling up to IDLE_MAX_MS), so an idle database is
      // not asked 200 times a second; the first entry written brings them back to every intervalMs.
      elected ? Math.min(opts.intervalMs * 2 ** Math.min(idle, 10), Math.max(opts.intervalMs, IDLE_MAX_MS)) : opts.electionMs,
    );
    timer.unref?.();
  }
  void runTick().then(schedule);

  return {
    get elected() {
      return elected;
    },
    async flush() {
      // Two full looks: the first may only take a bound, the second seals it once its transactions are done.
      for (let i = 0; i < 50; i++) {
        await runTick();
        if (!elected) return false;
        if (!pending && client) {
          const b = await bound(client);
          if (b <= sealedTo) return true;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      return false;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      const c = client;
      client = null;
      // Ending the session releases the lock: another process takes over.
      await c?.end().catch(() => undefined);
    },
  };
}
