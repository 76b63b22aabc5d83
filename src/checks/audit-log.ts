/**
 * Checking the audit log: walk the hash chain (store/audit-chain.ts) and name every row that is not as
 * it was written, check the unsealed tail (PostgreSQL: entries committed but not yet linked into the
 * chain, store/postgres/sealer.ts) by each entry's content digest, and check the log against the
 * settlements and keys in the store, which catches a removed last row (the chain alone cannot). Shared by
 * `onestop audit verify-log` and `doctor`, on SQLite and PostgreSQL alike.
 */
import { sql, type Kysely } from 'kysely';
import { GENESIS_HASH, contentDigest, hashMatches } from '../store/audit-chain.js';
import type { Database } from '../store/schema.js';
import { onSnapshot } from '../store/snapshot.js';

export interface AuditLogProblem {
  /** The row the problem is about: the edited or inserted row, the first missing seq of a removed run. */
  seq: number;
  problem: 'edited' | 'removed' | 'inserted' | 'renumbered' | 'broken-link' | 'missing-entry' | 'orphan-entry' | 'anchor-mismatch' | 'anchor-missing' | 'unsealed-stale';
  message: string;
}

/** A head of the chain written down elsewhere (a ticket, the finance ledger) at some earlier time. */
export interface AuditAnchor {
  seq: number;
  hash: string;
}

/** `seq:hash`, as `verify-log` prints a head and takes it back with --anchor; undefined if malformed. */
export function parseAnchor(text: string): AuditAnchor | undefined {
  const m = /^\s*(\d{1,15})\s*:\s*([0-9a-fA-F]{64})\s*$/.exec(text);
  return m ? { seq: Number(m[1]), hash: m[2]!.toLowerCase() } : undefined;
}

export interface AuditLogVerification {
  /** Every entry, sealed or not. */
  entries: number;
  /** The last sealed entry: write its hash down elsewhere (a ticket, the finance ledger) to anchor the chain. */
  head: { seq: number; hash: string } | null;
  /** Entries committed but not linked into the chain yet (PostgreSQL, normally a few ms' worth), and the oldest of them. */
  unsealed: { count: number; oldest: { seq: number; at: string; ageMs: number } | null };
  problems: AuditLogProblem[];
}

export interface VerifyOptions {
  /** An unsealed entry older than this (ms) is a problem: no sealer is running. Default 60 s. */
  staleAfterMs?: number;
  now?: Date;
}

/** How far a renumbering is looked for (rows inserted or removed before a row shift its seq by that many). */
const RENUMBER_WINDOW = 16;

/**
 * Walk the chain and name every row that is not as it was written:
 *  - edited: the row no longer matches its own hash; or it matches (the hash was recomputed) but the next
 *    row does not link to it;
 *  - removed: the next row links to a hash no row has, and the seqs (as originally written) leave a gap;
 *  - inserted: a row the chain skips (the next row links to the row before it), or a row whose subject
 *    never existed (a settlement or key that is not in the store);
 *  - renumbered: rows whose seq was shifted to hide an insertion or a removal (their hash matches another seq);
 *  - missing-entry: a settlement, reversal, adjustment, key or revocation in the store with no entry (e.g. the last
 *    rows of the log were removed, which the chain alone cannot show).
 * Appending a forged row with a correctly computed hash for an existing subject is only detectable against
 * a head recorded elsewhere: `head` is returned for that. So is rewriting the chain from some row on with
 * every hash recomputed. Each of `anchors`, a head written down earlier, is checked against the row with its seq:
 *  - anchor-mismatch: that row's hash is not the one written down: it, or a row before it, was rewritten;
 *  - anchor-missing: there is no row with that seq any more.
 */
export async function verifyAuditLog(db: Kysely<Database>, anchors: readonly AuditAnchor[] = [], opts: VerifyOptions = {}): Promise<AuditLogVerification> {
  // One snapshot: the sealer may seal meanwhile, but this read sees the log as it stood.
  return onSnapshot(db, async (snapshot) => (await cleanChain(snapshot, anchors, opts)) ?? verifyOn(snapshot, anchors, opts));
}

/** How many log entries are read at a time. */
const PAGE = 5000;

/** A log entry as the walk keeps it: its payload and actor checked against its hashes as it was read, and dropped. */
interface Entry {
  seq: number;
  at: string;
  action: string;
  subject: string;
  prev_hash: string;
  hash: string | null;
  /** Sealed: whether it matches its own hash. Unsealed: whether its content matches its digest. */
  selfOk: boolean;
  /** Sealed: the seq it was written with, when its hash matches another seq than the one it has now (or null). */
  originalSeq: number | null;
}

/** The log a page at a time in seq order, each entry checked against its own hashes as it is read. */
async function eachEntry(db: Kysely<Database>, visit: (e: Entry) => boolean | void): Promise<void> {
  let after: number | null = null;
  for (;;) {
    let q = db.selectFrom('audit_log').selectAll();
    if (after !== null) q = q.where('seq', '>', after);
    const page = await q.orderBy('seq').limit(PAGE).execute();
    for (const r of page) {
      const seq = Number(r.seq);
      const fields = (at: number) => ({ seq: at, at: r.at, actor: r.actor, action: r.action, subject: r.subject, payload: r.payload });
      const e: Entry = { seq, at: r.at, action: r.action, subject: r.subject, prev_hash: r.prev_hash ?? '', hash: r.hash, selfOk: false, originalSeq: null };
      if (r.hash === null) {
        e.selfOk = r.digest !== null && contentDigest(r) === r.digest;
      } else {
        e.selfOk = hashMatches(e.prev_hash, fields(seq), r.hash);
        if (e.selfOk) e.originalSeq = seq;
        else {
          search: for (let k = 1; k <= RENUMBER_WINDOW; k++) {
            for (const cand of [seq - k, seq + k]) {
              if (cand >= 1 && hashMatches(e.prev_hash, fields(cand), r.hash)) {
                e.originalSeq = cand;
                break search;
              }
            }
          }
        }
      }
      if (visit(e) === false) return;
    }
    if (page.length < PAGE) return;
    after = Number(page[page.length - 1]!.seq);
  }
}

/** Every entry in seq order, held: what the full analysis needs to name what was inserted, removed or renumbered. */
async function readEntries(db: Kysely<Database>): Promise<Entry[]> {
  const out: Entry[] = [];
  await eachEntry(db, (e) => void out.push(e));
  return out;
}

/**
 * The log as it normally is, checked in one pass that holds no entries (a region's log is millions of
 * them): every sealed entry matches its own hash and links to the one before it, and the unsealed tail
 * lies after the head. That is exactly when the full analysis below would find nothing in the chain; at
 * the first entry that is not so, this answers null and the full analysis names what is wrong.
 */
async function cleanChain(db: Kysely<Database>, anchors: readonly AuditAnchor[], opts: VerifyOptions): Promise<AuditLogVerification | null> {
  let clean = true;
  let entries = 0;
  let head: { seq: number; hash: string } | null = null;
  const tail: Entry[] = [];
  const anchored = new Map(anchors.map((a) => [a.seq, a]));
  const anchorProblems: AuditLogProblem[] = [];
  const found = new Set<number>();
  await eachEntry(db, (e) => {
    entries++;
    if (e.hash === null) {
      tail.push(e);
    } else if (!e.selfOk || e.prev_hash !== (head?.hash ?? GENESIS_HASH) || tail.length > 0) {
      clean = false; // edited, renumbered, a broken link, or a sealed entry after an unsealed one
      return false;
    } else head = { seq: e.seq, hash: e.hash };
    const a = anchored.get(e.seq);
    if (a) {
      found.add(e.seq);
      if (e.hash !== a.hash) anchorProblems.push(anchorMismatch(a, e.hash));
    }
  });
  if (!clean || tail.some((r) => !r.selfOk)) return null;
  const problems = [...tailProblems(tail, head, opts), ...(await crossCheck(db)), ...anchorProblems];
  for (const a of anchors) if (!found.has(a.seq)) problems.push(anchorMissing(a));
  problems.sort((a, b) => a.seq - b.seq);
  return { entries, head, unsealed: unsealedOf(tail, opts), problems };
}

async function verifyOn(db: Kysely<Database>, anchors: readonly AuditAnchor[], opts: VerifyOptions): Promise<AuditLogVerification> {
  const all = await readEntries(db);
  type Row = Entry & { hash: string };
  const rows = all.filter((r): r is Row => r.hash !== null);
  const tail = all.filter((r) => r.hash === null);
  const problems: AuditLogProblem[] = [];
  const where = whereOf;

  const hashAt = new Map<string, number>();
  rows.forEach((r, i) => hashAt.set(r.hash, i));
  const seqs = rows.map((r) => r.seq);
  const selfOk = rows.map((r) => r.selfOk);
  const originalSeq = rows.map((r) => r.originalSeq);
  const inserted = new Set<number>();
  const editedRehashed = new Set<number>();

  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const seq = seqs[i]!;
    const orig = originalSeq[i];
    if (!selfOk[i] && orig === null) {
      problems.push({ seq, problem: 'edited', message: `第 ${seq} 条记录${where(r)}的内容与其哈希不符：被修改（或伪造）` });
    }
    const expectedPrev = i === 0 ? GENESIS_HASH : rows[i - 1]!.hash;
    if (r.prev_hash === expectedPrev) {
      const prevOrig = i === 0 ? 0 : (originalSeq[i - 1] ?? seqs[i - 1]!);
      // PostgreSQL numbers entries from a sequence: a rolled-back transaction leaves a gap, so seqs only
      // have to increase along the chain (a removal shows as a broken link, not as the gap).
      if (orig != null && selfOk[i] && orig <= prevOrig) {
        problems.push({ seq, problem: 'renumbered', message: `第 ${seq} 条记录${where(r)}的序号不大于上一条（上一条为第 ${prevOrig} 条），但哈希链相连：记录被重新编号并重算了哈希` });
      }
      continue;
    }
    const linked = r.prev_hash === GENESIS_HASH ? -1 : hashAt.get(r.prev_hash);
    if (linked !== undefined && linked < i - 1) {
      // The row links past the rows before it: those rows were not in the chain when it was written.
      for (let k = linked + 1; k < i; k++) {
        if (inserted.has(k)) continue;
        inserted.add(k);
        problems.push({ seq: seqs[k]!, problem: 'inserted', message: `第 ${seqs[k]} 条记录${where(rows[k]!)}不在哈希链上（第 ${seq} 条记录链接的是它之前的记录）：被插入` });
      }
      continue;
    }
    if (linked === undefined) {
      const prevOrig = i === 0 ? 0 : (originalSeq[i - 1] ?? seqs[i - 1]!);
      const myOrig = orig ?? seq;
      if (myOrig > prevOrig + 1) {
        const a = prevOrig + 1;
        const b = myOrig - 1;
        problems.push({ seq: a, problem: 'removed', message: `${a === b ? `第 ${a} 条记录` : `第 ${a}～${b} 条记录`}被删除（第 ${seq} 条记录链接的上一条记录已不存在）` });
      } else if (i > 0 && selfOk[i - 1]) {
        editedRehashed.add(i - 1);
        const p = rows[i - 1]!;
        problems.push({ seq: seqs[i - 1]!, problem: 'edited', message: `第 ${seqs[i - 1]} 条记录${where(p)}被修改并重算了哈希（第 ${seq} 条记录链接的是它原来的哈希）` });
      } else {
        problems.push({ seq, problem: 'broken-link', message: `第 ${seq} 条记录${where(r)}的前序哈希与上一条不符：链条断开` });
      }
      continue;
    }
    problems.push({ seq, problem: 'broken-link', message: `第 ${seq} 条记录${where(r)}链接到后面的记录：记录顺序被改动` });
  }

  // Renumbered rows, one problem per run shifted by the same amount.
  for (let i = 0; i < rows.length; ) {
    const orig = originalSeq[i];
    if (selfOk[i] || orig === null || orig === undefined) {
      i++;
      continue;
    }
    const shift = seqs[i]! - orig;
    let j = i;
    while (j + 1 < rows.length && !selfOk[j + 1] && originalSeq[j + 1] !== null && seqs[j + 1]! - originalSeq[j + 1]! === shift) j++;
    const a = seqs[i]!;
    const b = seqs[j]!;
    problems.push({
      seq: a,
      problem: 'renumbered',
      message: `${a === b ? `第 ${a} 条记录` : `第 ${a}～${b} 条记录`}的序号被${shift > 0 ? '后移' : '前移'} ${Math.abs(shift)} 位（原为第 ${orig}${a === b ? '' : `～${originalSeq[j]}`} 条）：为掩盖${shift > 0 ? '插入' : '删除'}而重新编号`,
    });
    i = j + 1;
  }

  const last = rows[rows.length - 1];
  problems.push(...tailProblems(tail, last ?? null, opts));
  problems.push(...(await crossCheck(db)));
  const anchored = new Set(anchors.map((a) => a.seq));
  const bySeq = new Map(all.filter((r) => anchored.has(r.seq)).map((r) => [r.seq, r]));
  for (const a of anchors) {
    const r = bySeq.get(a.seq);
    if (!r) problems.push(anchorMissing(a));
    else if (r.hash !== a.hash) problems.push(anchorMismatch(a, r.hash));
  }
  problems.sort((a, b) => a.seq - b.seq);
  return { entries: all.length, head: last ? { seq: last.seq, hash: last.hash } : null, unsealed: unsealedOf(tail, opts), problems };
}

const whereOf = (r: { action: string; subject: string; at: string }) => `（${r.action} ${r.subject}，${r.at}）`;

/**
 * The unsealed tail: each entry must still have the content its digest was taken of when it was written,
 * and lie after the chain's head (the sealer links only entries after it; one below was put there by hand);
 * and it must not be old (a sealer is running).
 */
function tailProblems(tail: readonly Entry[], head: { seq: number } | null, opts: VerifyOptions): AuditLogProblem[] {
  const problems: AuditLogProblem[] = [];
  const headSeq = head?.seq ?? 0;
  for (const r of tail) {
    if (!r.selfOk) {
      problems.push({ seq: r.seq, problem: 'edited', message: `第 ${r.seq} 条记录${whereOf(r)}（尚未封存）的内容与写入时的摘要不符：被修改（或伪造）` });
    }
    if (r.seq < headSeq) {
      problems.push({ seq: r.seq, problem: 'inserted', message: `第 ${r.seq} 条记录${whereOf(r)}未封存，却排在已封存的第 ${headSeq} 条之前：被插入` });
    }
  }
  const { oldest } = unsealedOf(tail, opts);
  const staleAfterMs = opts.staleAfterMs ?? 60_000;
  if (oldest && oldest.ageMs > staleAfterMs) {
    problems.push({ seq: oldest.seq, problem: 'unsealed-stale', message: `有 ${tail.length} 条记录尚未封存入哈希链，最早的第 ${oldest.seq} 条写于 ${oldest.at}（${Math.round(oldest.ageMs / 1000)} 秒前）：没有进程在封存审计日志` });
  }
  return problems;
}

function unsealedOf(tail: readonly Entry[], opts: VerifyOptions): AuditLogVerification['unsealed'] {
  const now = (opts.now ?? new Date()).getTime();
  const first = tail[0];
  return { count: tail.length, oldest: first ? { seq: first.seq, at: first.at, ageMs: Math.max(0, now - Date.parse(first.at)) } : null };
}

const anchorMissing = (a: AuditAnchor): AuditLogProblem => ({ seq: a.seq, problem: 'anchor-missing', message: `第 ${a.seq} 条已不存在，无法与另行记录的哈希 ${a.hash} 核对：日志被删减过` });
const anchorMismatch = (a: AuditAnchor, hash: string | null): AuditLogProblem => ({
  seq: a.seq,
  problem: 'anchor-mismatch',
  message: `第 ${a.seq} 条的哈希为 ${hash}，与另行记录的 ${a.hash} 不同：此条或此前的记录被改写过（哈希链被重新计算）`,
});

/**
 * The store and the log must tell the same story: every write has its entry, every entry its write. Asked
 * of the database (the log is indexed by subject), so that a region's log is not held in sets here.
 */
async function crossCheck(db: Kysely<Database>): Promise<AuditLogProblem[]> {
  const out: AuditLogProblem[] = [];
  const lastSeq = Number((await db.selectFrom('audit_log').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst())?.seq ?? 0);
  // Where a missing entry would have been: right after the last row written before it (or at the start).
  const pending: { at: string; what: string }[] = [];
  const missing = (at: string, what: string) => void pending.push({ at, what });
  const place = async ({ at, what }: { at: string; what: string }) => {
    const before = await db.selectFrom('audit_log').select((eb) => eb.fn.max('seq').as('seq')).where('at', '<=', at).executeTakeFirst();
    const seq = Number(before?.seq ?? 0) + 1;
    out.push({
      seq,
      problem: 'missing-entry',
      message: `${what}（${at}）在审计日志中没有记录（应在第 ${seq} 条${seq > lastSeq ? '，即日志末尾' : '附近'}）：记录被删除，或数据未经系统直接写入数据库`,
    });
  };
  /** The row (its id at `idRef`) has no entry of `action` in the log. */
  const lacks = (action: string, idRef: string) => sql<boolean>`not exists (select 1 from audit_log as a where a.subject = ${sql.ref(idRef)} and a.action = ${action})`;

  const settlements = db.selectFrom('settlements as w').orderBy('w.created_at').orderBy('w.id');
  for (const s of await settlements.select(['w.id', 'w.created_at']).where(lacks('settlement.create', 'w.id')).execute()) missing(s.created_at, `结算 ${s.id}`);
  for (const s of await settlements.select(['w.id', 'w.created_at', 'w.reversed_at']).where('w.status', '=', 'reversed').where(lacks('settlement.reverse', 'w.id')).execute()) {
    missing(s.reversed_at ?? s.created_at, `结算 ${s.id} 的撤销`);
  }
  const adjustments = await db.selectFrom('adjustments as w').select(['w.id', 'w.created_at', 'w.settlement_id']).where(lacks('settlement.adjust', 'w.id')).orderBy('w.created_at').orderBy('w.id').execute();
  for (const a of adjustments) missing(a.created_at, `结算 ${a.settlement_id} 的调整 ${a.id}`);
  const keys = db.selectFrom('api_keys as w').orderBy('w.created_at').orderBy('w.id');
  for (const k of await keys.select(['w.id', 'w.created_at']).where(lacks('key.create', 'w.id')).execute()) missing(k.created_at, `密钥 ${k.id}`);
  for (const k of await keys.select(['w.id', 'w.revoked_at']).where('w.revoked_at', 'is not', null).where(lacks('key.revoke', 'w.id')).execute()) missing(k.revoked_at!, `密钥 ${k.id} 的停用`);

  for (const m of pending) await place(m);

  // Settlements, reversals, adjustments, keys and revocations each happen once: a second entry for the same was inserted.
  const once = ['settlement.create', 'settlement.reverse', 'settlement.adjust', 'key.create', 'key.revoke'];
  const again = await db
    .selectFrom('audit_log as r')
    .select(['r.seq', 'r.action', 'r.subject'])
    .where('r.action', 'in', once)
    .where((eb) => eb.exists(eb.selectFrom('audit_log as b').select('b.seq').whereRef('b.subject', '=', 'r.subject').whereRef('b.action', '=', 'r.action').whereRef('b.seq', '<', 'r.seq')))
    .orderBy('r.seq')
    .execute();
  for (const r of again) out.push({ seq: Number(r.seq), problem: 'inserted', message: `第 ${r.seq} 条记录（${r.action} ${r.subject}）重复了前面的一条记录：被插入` });
  const orphans = await db
    .selectFrom('audit_log as r')
    .select(['r.seq', 'r.action', 'r.subject'])
    .where((eb) =>
      eb.or([
        eb.and([eb('r.action', 'in', ['settlement.create', 'settlement.reverse']), eb.not(eb.exists(eb.selectFrom('settlements as s').select('s.id').whereRef('s.id', '=', 'r.subject')))]),
        eb.and([eb('r.action', '=', 'settlement.adjust'), eb.not(eb.exists(eb.selectFrom('adjustments as x').select('x.id').whereRef('x.id', '=', 'r.subject')))]),
        eb.and([eb('r.action', 'in', ['key.create', 'key.revoke']), eb.not(eb.exists(eb.selectFrom('api_keys as k').select('k.id').whereRef('k.id', '=', 'r.subject')))]),
      ]),
    )
    .orderBy('r.seq')
    .execute();
  for (const r of orphans) {
    out.push({ seq: Number(r.seq), problem: 'orphan-entry', message: `第 ${r.seq} 条记录（${r.action} ${r.subject}）所指的${r.action.startsWith('key') ? '密钥' : r.action === 'settlement.adjust' ? '调整' : '结算'}不存在：记录被插入，或数据被删除` });
  }
  return out;
}
