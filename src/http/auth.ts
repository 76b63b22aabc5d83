/**
 * API keys on every request but /healthz: `Authorization: Bearer <key>` or `X-API-Key: <key>`.
 * Roles: window (one hospital: posts and reads its own settlements), auditor and finance (read
 * everything, post nothing), admin (everything).
 */
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../service/errors.js';
import { authenticate, type Principal, type Role } from '../service/keys.js';
import type { Store } from '../store/db.js';

export function requireKey(store: Store) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    const secret = header?.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : req.get('x-api-key')?.trim();
    if (!secret) throw new ApiError(401, 'UNAUTHENTICATED', '缺少 API 密钥：请在请求头 Authorization: Bearer <密钥> 中提供');
    const principal = await authenticate(store, secret);
    if (!principal) throw new ApiError(401, 'UNAUTHENTICATED', 'API 密钥无效或已停用');
    res.locals.principal = principal;
    next();
  };
}

export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}

/** Only these roles may use the route (admin always may). */
export function allow(...roles: Role[]) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const p = principalOf(res);
    if (p.role !== 'admin' && !roles.includes(p.role)) {
      throw new ApiError(403, 'FORBIDDEN', `角色 ${p.role} 无权执行此操作（需要：${roles.join('、')}）`);
    }
    next();
  };
}
