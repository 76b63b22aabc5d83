/**
 * Structured logs (pino: JSON lines, cheap on the hot path). Request logs carry method, path, status,
 * time and the key id, never a body; anything that looks like a resident ID number is masked.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { pino, type Logger } from 'pino';
import { maskIdNumbersIn } from '../register/mask.js';

/**
 * The service's logger, writing to stdout asynchronously: lines that arrive while a write is under way go
 * out together in the next one, instead of one blocking write() per request on the API thread. pino flushes
 * what is buffered when the process exits (signals and uncaught errors included); a kill -9 or a power cut
 * can lose the last lines. Nothing that concerns money depends on these lines: settlements and their audit
 * trail are in the database.
 */
export function createLogger(): Logger {
  return pino({
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
    base: { service: 'onestop' },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? maskIdNumbersIn(a) : a)) as Parameters<typeof method>);
      },
    },
  }, pino.destination({ dest: 1, sync: false }));
}

/** The one request log line, written when the answer has gone out (express and the counter lane alike). */
export function logWhenFinished(logger: Logger, req: IncomingMessage, res: ServerResponse, path: string, keyId: () => string | undefined): void {
  const start = process.hrtime.bigint();
  res.on('finish', () => {
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    logger.info({ method: req.method, path: maskIdNumbersIn(path), status: res.statusCode, ms: Math.round(ms * 10) / 10, key: keyId() }, 'request');
  });
}

export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    logWhenFinished(logger, req, res, req.path, () => res.locals.principal?.keyId);
    next();
  };
}
