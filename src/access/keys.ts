/**
 * API keys. The secret is shown once when created and only its sha256 is stored (the secret is 192
 * random bits, so a fast hash is enough: there is nothing to brute-force).
 */
import { createHash, randomBytes } from 'node:crypto';
import { unprocessable } from '../errors/api-error.js';
import type { Store } from '../store/port.js';
import type { ApiKeyTable } from '../store/schema.js';
import { compiled } from '../store/write-set.js';

export type Role = ApiKeyTable['role'];
export const ROLES: readonly Role[] = ['window', 'office', 'auditor', 'finance', 'admin'];

export interface Principal {
  keyId: string;
  role: Role;
  /** The one hospital a window key may post and read for. */
  hospitalCode: string | null;
  /** The region an office (经办) key settles for: people insured there (or in a region below it). */
  regionCode?: string | null;
}

export function hashKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export async function createKey(
  store: Store,
  opts: { role: Role; hospitalCode?: string | null; regionCode?: string | null; label?: string | null; actor?: string },
  now: Date = new Date(),
): Promise<{ id: string; secret: string }> {
  if (!ROLES.includes(opts.role)) throw unprocessable('INVALID_ROLE', `角色应为 ${ROLES.join('、')} 之一`);
  if (opts.role === 'window' && !opts.hospitalCode) throw unprocessable('HOSPITAL_REQUIRED', '窗口（window）密钥必须绑定一家医院：--hospital CODE');
  if (opts.role !== 'window' && opts.hospitalCode) throw unprocessable('HOSPITAL_NOT_ALLOWED', '只有窗口（window）密钥绑定医院');
  if (opts.role === 'office' && !/^\d{6}$/.test(opts.regionCode ?? '')) throw unprocessable('REGION_REQUIRED', '经办（office）密钥必须绑定一个地区：--region 6 位行政区划代码，如 152200');
  if (opts.role !== 'office' && opts.regionCode) throw unprocessable('REGION_NOT_ALLOWED', '只有经办（office）密钥绑定地区');
  const id = `k_${randomBytes(6).toString('hex')}`;
  const secret = `os_${opts.role}_${randomBytes(24).toString('base64url')}`;
  if (opts.hospitalCode) {
    // Hospitals are never removed, so the key's foreign key holds once this finds the hospital.
    const h = await store.db.selectFrom('hospitals').select('code').where('code', '=', opts.hospitalCode).executeTakeFirst();
    if (!h) throw unprocessable('UNKNOWN_HOSPITAL', `医院编码 ${opts.hospitalCode} 未登记`);
  }
  const at = now.toISOString();
  const insert = store.db
    .insertInto('api_keys')
    .values({ id, key_hash: hashKey(secret), role: opts.role, hospital_code: opts.hospitalCode ?? null, region_code: opts.regionCode ?? null, label: opts.label ?? null, created_at: at, revoked_at: null })
    .compile();
  await store.write({
    steps: [
      { kind: 'run', run: compiled(insert) },
      { kind: 'audit', at, entry: { actor: opts.actor ?? 'cli', action: 'key.create', subject: id, payload: { role: opts.role, hospitalCode: opts.hospitalCode ?? null, ...(opts.regionCode ? { regionCode: opts.regionCode } : {}), label: opts.label ?? null } } },
    ],
  });
  return { id, secret };
}

/** A key as `onestop keys list` shows it: never its secret (only the secret's hash is stored). */
export interface KeyListing {
  id: string;
  role: Role;
  hospitalCode: string | null;
  hospitalName: string | null;
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
}

/** Every key, oldest first. */
export async function listKeys(store: Store): Promise<KeyListing[]> {
  const rows = await store.db
    .selectFrom('api_keys')
    .leftJoin('hospitals', 'hospitals.code', 'api_keys.hospital_code')
    .select(['api_keys.id', 'api_keys.role', 'api_keys.hospital_code', 'hospitals.name as hospital_name', 'api_keys.label', 'api_keys.created_at', 'api_keys.revoked_at'])
    .orderBy('api_keys.created_at')
    .orderBy('api_keys.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    role: r.role,
    hospitalCode: r.hospital_code,
    hospitalName: r.hospital_name ?? null,
    label: r.label,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  }));
}

/**
 * A key id as a list shows it, `k_5b01…f543`: enough to tell keys apart and to match the id printed when
 * the key was made, not enough to copy into a revocation by mistake from a screenshot of the list.
 */
export function maskKeyId(id: string): string {
  return id.length > 10 ? `${id.slice(0, 6)}…${id.slice(-4)}` : id;
}

export async function revokeKey(store: Store, id: string, actor = 'cli', now: Date = new Date()): Promise<boolean> {
  const at = now.toISOString();
  const revoke = store.db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).compile();
  const outcome = await store.write({
    steps: [
      { kind: 'one', run: compiled(revoke), otherwise: 'existing' },
      { kind: 'audit', at, entry: { actor, action: 'key.revoke', subject: id, payload: {} } },
    ],
  });
  if (outcome.kind !== 'written') return false;
  cacheFor(store).clear();
  return true;
}

/**
 * Keys just checked, for one second: every request carries a key, and looking it up was one query per
 * request. A revocation in this process takes effect at once (the cache is cleared); one made by another
 * process (the CLI, another API process) within a second.
 */
const KEY_CACHE_MS = 1000;
const keyCache = new WeakMap<Store, Map<string, { principal: Principal | null; until: number }>>();

function cacheFor(store: Store) {
  let c = keyCache.get(store);
  if (!c) keyCache.set(store, (c = new Map()));
  return c;
}

export async function authenticate(store: Store, secret: string): Promise<Principal | null> {
  const hash = hashKey(secret);
  const cache = cacheFor(store);
  const now = Date.now();
  const hit = cache.get(hash);
  if (hit && hit.until > now) return hit.principal;
  const principal = await lookupKey(store, hash);
  // Only known keys are kept: unknown secrets must not grow the map.
  if (principal) {
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, { principal, until: now + KEY_CACHE_MS });
  } else cache.delete(hash);
  return principal;
}

async function lookupKey(store: Store, hash: string): Promise<Principal | null> {
  const row = await store.db
    .selectFrom('api_keys')
    .select(['id', 'role', 'hospital_code', 'region_code', 'revoked_at'])
    .where('key_hash', '=', hash)
    .executeTakeFirst();
  if (!row || row.revoked_at) return null;
  return { keyId: row.id, role: row.role, hospitalCode: row.hospital_code, regionCode: row.region_code };
}
