/**
 * The audit log: every write (settle, reverse, key creation) appends an entry carrying the hash of the
 * previous one, in the same transaction as the write. Editing, removing or inserting a row breaks the
 * chain at that row, and `verifyAuditLog` names it.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { canonicalJson } from '../rules/load.js';
import type { Database } from '../store/schema.js';
import type { Store } from '../store/db.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntryInput {
  actor: string;
  action: 'settlement.create' | 'settlement.reverse' | 'key.create' | 'key.revoke' | 'seed.load';
  subject: string;
  payload: unknown;
}

export function entryHash(prevHash: string, e: { seq: number; at: string; actor: string; action: string; subject: string; payload: string }): string {
  return createHash('sha256')
    .update(`${prevHash}\n${canonicalJson({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, subject: e.subject, payload: e.payload })}`)
    .digest('hex');
}

export async function appendAudit(store: Store, trx: Kysely<Database>, entry: AuditEntryInput, at: string): Promise<void> {
  // Appends are serialised: SQLite's IMMEDIATE transaction already holds the write lock; PostgreSQL takes a
  // transaction-scoped advisory lock so two API processes cannot both extend the chain from the same head.
  if (store.dialect === 'postgres') await sql`select pg_advisory_xact_lock(7447002)`.execute(trx);
  const last = await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const seq = Number(last?.seq ?? 0) + 1;
  const payload = canonicalJson(entry.payload);
  const row = { seq, at, actor: entry.actor, action: entry.action, subject: entry.subject, payload };
  const prev_hash = last?.hash ?? GENESIS_HASH;
  await trx.insertInto('audit_log').values({ ...row, prev_hash, hash: entryHash(prev_hash, row) }).execute();
}

export interface AuditLogProblem {
  seq: number;
  problem: 'edited' | 'removed-before' | 'inserted' | 'broken-link';
  message: string;
}

/**
 * Walk the chain. An edited row no longer matches its own hash; a removed row leaves a gap in `seq` and a
 * `prev_hash` that points at nothing; an inserted row either duplicates a seq or cannot carry a hash that
 * the next row links to.
 */
export async function verifyAuditLog(db: Kysely<Database>): Promise<{ entries: number; problems: AuditLogProblem[] }> {
  const rows = await db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
  const problems: AuditLogProblem[] = [];
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  for (const r of rows) {
    const seq = Number(r.seq);
    if (seq > expectedSeq) {
      problems.push({ seq, problem: 'removed-before', message: `第 ${expectedSeq}～${seq - 1} 条记录缺失（被删除）` });
    } else if (seq < expectedSeq) {
      problems.push({ seq, problem: 'inserted', message: `第 ${seq} 条记录序号重复或倒序（被插入）` });
    }
    const own = entryHash(r.prev_hash, { seq, at: r.at, actor: r.actor, action: r.action, subject: r.subject, payload: r.payload });
    if (own !== r.hash) {
      problems.push({ seq, problem: 'edited', message: `第 ${seq} 条记录（${r.action} ${r.subject}）内容与其哈希不符（被修改）` });
    } else if (r.prev_hash !== prevHash) {
      problems.push({ seq, problem: seq > expectedSeq ? 'removed-before' : 'broken-link', message: `第 ${seq} 条记录的前序哈希与上一条不符（链条断开：有记录被删除、插入或修改）` });
    }
    prevHash = r.hash;
    expectedSeq = seq + 1;
  }
  return { entries: rows.length, problems };
}
