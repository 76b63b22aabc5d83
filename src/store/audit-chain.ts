/**
 * The audit log's chain: every write (settle, reverse and each adjustment it makes, key creation) appends an entry carrying the hash
 * of the previous one, in the same transaction as the write (a write set's `audit` step). Editing,
 * removing or inserting a row breaks the chain at that row; checks/audit-log.ts walks it and names it.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../formats/canonical-json.js';
import type { AuditLogTable } from './schema.js';
import type { AuditDigest } from './write-set.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntryInput {
  actor: string;
  /** `settlement.adjust`: one adjustment (应补应退) a reversal made to a later settlement; its subject is the adjustment's id. */
  action: 'settlement.create' | 'settlement.reverse' | 'settlement.adjust' | 'key.create' | 'key.revoke' | 'seed.load' | 'register.import' | 'catalogue.import';
  subject: string;
  payload: unknown;
}

export function entryHash(prevHash: string, e: { seq: number; at: string; actor: string; action: string; subject: string; payload: string }): string {
  return createHash('sha256')
    .update(`${prevHash}\n${canonicalJson({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, subject: e.subject, payload: e.payload })}`)
    .digest('hex');
}

/** The entry's payload with each digest of a value the set writes (write-set.ts AuditDigest) filled in. */
export function withDigests(entry: AuditEntryInput, digests: readonly AuditDigest[] | undefined, valueOf: (step: number, value: number) => unknown): AuditEntryInput {
  if (!digests?.length) return entry;
  const payload = { ...(entry.payload as Record<string, unknown>) };
  for (const d of digests) payload[d.field] = createHash('sha256').update(String(valueOf(d.step, d.value))).digest('hex');
  return { ...entry, payload };
}

/** The entry that follows `last` (the chain's head, read under the write lock): its seq, links and hash. */
export function nextAuditRow(last: { seq: number | string | bigint; hash: string } | undefined, entry: AuditEntryInput, at: string): AuditLogTable {
  const seq = Number(last?.seq ?? 0) + 1;
  const row = { seq, at, actor: entry.actor, action: entry.action, subject: entry.subject, payload: canonicalJson(entry.payload) };
  const prev_hash = last?.hash ?? GENESIS_HASH;
  return { ...row, prev_hash, hash: entryHash(prev_hash, row) };
}

