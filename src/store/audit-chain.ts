/**
 * The audit log's chain: every write (settle, reverse and each adjustment it makes, key creation) appends an entry in the same
 * transaction as the write (a write set's `audit` step). Editing, removing or inserting a row breaks the
 * chain at that row; checks/audit-log.ts walks it and names it.
 *
 * An entry has two hashes. Its content digest (`digest`: the sha256 of its time, actor, action, subject
 * and payload) is fixed when the entry is written, by the transaction that writes it. Its chain hash
 * (`hash`, linking `prev_hash`) covers its position and that digest: sha256(prev_hash, seq, digest).
 * The chain hash can therefore be added later, by someone who holds only (seq, digest): on PostgreSQL
 * the entry is written unsealed (no prev_hash, no hash) and one sealer links it into the chain right
 * after its transaction commits (postgres/sealer.ts), so settlements never wait on one lock for the
 * chain's head. SQLite has one writer anyway and writes every entry sealed.
 *
 * Entries written before this design (release 2026-12-03 and earlier) have a chain hash over their
 * content directly ({@link legacyEntryHash}); they keep verifying as they are.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../formats/canonical-json.js';
import type { AuditDigest } from './write-set.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntryInput {
  actor: string;
  /** `settlement.adjust`: one adjustment (应补应退) a reversal made to a later settlement; its subject is the adjustment's id. */
  action: 'settlement.create' | 'settlement.reverse' | 'settlement.adjust' | 'key.create' | 'key.revoke' | 'seed.load' | 'register.import' | 'catalogue.import';
  subject: string;
  payload: unknown;
}

export interface AuditContent {
  at: string;
  actor: string;
  action: string;
  subject: string;
  /** canonical JSON, as stored */
  payload: string;
}

/** The entry's content digest: fixed at insert, re-computed by every check of the row. */
export function contentDigest(e: AuditContent): string {
  return createHash('sha256').update(canonicalJson({ at: e.at, actor: e.actor, action: e.action, subject: e.subject, payload: e.payload })).digest('hex');
}

/** The chain hash of the entry at `seq` with content digest `digest`, following `prevHash`. */
export function sealHash(prevHash: string, seq: number, digest: string): string {
  return createHash('sha256').update(`${prevHash}\n${canonicalJson({ seq, digest })}`).digest('hex');
}

/** The chain hash of an entry, from its content (what the sealer computes from the stored digest). */
export function entryHash(prevHash: string, e: AuditContent & { seq: number }): string {
  return sealHash(prevHash, e.seq, contentDigest(e));
}

/** The chain hash of an entry written before content digests (2026-12-03 and earlier): over the content directly. */
export function legacyEntryHash(prevHash: string, e: AuditContent & { seq: number }): string {
  return createHash('sha256')
    .update(`${prevHash}\n${canonicalJson({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, subject: e.subject, payload: e.payload })}`)
    .digest('hex');
}

/** Whether `hash` is the chain hash of the entry, in either form. */
export function hashMatches(prevHash: string, e: AuditContent & { seq: number }, hash: string): boolean {
  return entryHash(prevHash, e) === hash || legacyEntryHash(prevHash, e) === hash;
}

/** The entry's payload with each digest of a value the set writes (write-set.ts AuditDigest) filled in. */
export function withDigests(entry: AuditEntryInput, digests: readonly AuditDigest[] | undefined, valueOf: (step: number, value: number) => unknown): AuditEntryInput {
  if (!digests?.length) return entry;
  const payload = { ...(entry.payload as Record<string, unknown>) };
  for (const d of digests) payload[d.field] = createHash('sha256').update(String(valueOf(d.step, d.value))).digest('hex');
  return { ...entry, payload };
}

/** An entry as written before it is sealed: its content and content digest. */
export function unsealedAuditRow(entry: AuditEntryInput, at: string): AuditContent & { digest: string } {
  const row = { at, actor: entry.actor, action: entry.action, subject: entry.subject, payload: canonicalJson(entry.payload) };
  return { ...row, digest: contentDigest(row) };
}

/** The entry that follows `last` (the chain's head, read under the write lock), sealed: its seq, digest, links and hash. */
export function nextAuditRow(
  last: { seq: number | string | bigint; hash: string } | undefined,
  entry: AuditEntryInput,
  at: string,
): AuditContent & { seq: number; digest: string; prev_hash: string; hash: string } {
  const seq = Number(last?.seq ?? 0) + 1;
  const row = unsealedAuditRow(entry, at);
  const prev_hash = last?.hash ?? GENESIS_HASH;
  return { seq, ...row, prev_hash, hash: sealHash(prev_hash, seq, row.digest) };
}
