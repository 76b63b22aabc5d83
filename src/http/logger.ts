/**
 * Structured logs (pino: JSON lines, cheap on the hot path). Request logs carry method, path, status,
 * time and the key id, never a body; anything that looks like a resident ID number is masked.
 */
import type { NextFunction, Request, Response } from 'express';
import { pino, type Logger } from 'pino';
import { maskIdNumbersIn } from '../service/mask.js';

export function createLogger(): Logger {
  return pino({
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
    base: { service: 'onestop' },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? maskIdNumbersIn(a) : a)) as Parameters<typeof method>);
      },
    },
  });
}

export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      logger.info(
        { method: req.method, path: maskIdNumbersIn(req.path), status: res.statusCode, ms: Math.round(ms * 10) / 10, key: res.locals.principal?.keyId },
        'request',
      );
    });
    next();
  };
}
