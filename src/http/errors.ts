/**
 * Every error answer has one shape: { error: { code, message, issues? } }, message in Chinese for the
 * clerk. Bad input is 4xx with the field path; a 500 says only that the server failed (the stack goes to
 * the log, never to the client).
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { ApiError } from '../service/errors.js';

export function errorBody(code: string, message: string, issues?: { path: string; message: string }[]) {
  return { error: { code, message, ...(issues && issues.length ? { issues } : {}) } };
}

export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      res.end();
      return;
    }
    if (err instanceof ApiError) {
      res.status(err.status).json(errorBody(err.code, err.message, err.issues));
      return;
    }
    const e = err as { type?: string; status?: number; statusCode?: number; message?: string };
    // body-parser's errors carry a `type`.
    switch (e?.type) {
      case 'entity.parse.failed':
        res.status(400).json(errorBody('INVALID_JSON', '请求体不是有效的 JSON，请检查括号、引号和逗号'));
        return;
      case 'entity.too.large':
        res.status(413).json(errorBody('PAYLOAD_TOO_LARGE', '请求体过大（上限 1 MB）；一张账单请分开提交'));
        return;
      case 'encoding.unsupported':
      case 'charset.unsupported':
        res.status(415).json(errorBody('UNSUPPORTED_ENCODING', '请求体编码不受支持，请使用 UTF-8 的 JSON'));
        return;
      case 'request.aborted':
        res.status(400).json(errorBody('REQUEST_ABORTED', '请求在传输中被中断'));
        return;
    }
    const status = e?.status ?? e?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json(errorBody('BAD_REQUEST', '请求无效'));
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
    res.status(500).json(errorBody('INTERNAL', '服务器内部错误，本次请求未生效；请稍后重试，或联系管理员'));
  };
}
