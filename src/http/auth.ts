/**
 * API keys on every request but /healthz: `Authorization: Bearer <key>` or `X-API-Key: <key>`.
 * Roles: window (one hospital: posts and reads its own settlements), auditor and finance (read
 * everything, post nothing), admin (everything).
 *
 * The checks are plain functions over node's request, so express (./express/app.ts) and the counter
 * lane (./node/counter-lane.ts) run the very same ones.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { authenticate, type Principal, type Role } from '../access/keys.js';
import { ApiError } from '../errors/api-error.js';
import type { Store } from '../store/port.js';

/** The key a request presents in either header, or undefined. */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  const secret = header?.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : firstHeader(headers['x-api-key'])?.trim();
  return secret || undefined;
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Who presents this key; a 401 if nobody does. */
export async function principalFor(store: Store, headers: IncomingHttpHeaders): Promise<Principal> {
  const secret = presentedKey(headers);
  if (!secret) throw new ApiError(401, 'UNAUTHENTICATED', '缺少 API 密钥：请在请求头 Authorization: Bearer <密钥> 中提供');
  const principal = await authenticate(store, secret);
  if (!principal) throw new ApiError(401, 'UNAUTHENTICATED', 'API 密钥无效或已停用');
  return principal;
}

/** A 403 unless the principal has one of these roles (admin always has). */
export function checkRole(p: Principal, roles: readonly Role[]): void {
  if (p.role !== 'admin' && !roles.includes(p.role)) {
    throw new ApiError(403, 'FORBIDDEN', `角色 ${p.role} 无权执行此操作（需要：${roles.join('、')}）`);
  }
}
