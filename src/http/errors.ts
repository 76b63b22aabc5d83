/**
 * Every error answer has one shape: { error: { code, message, issues? } }, message in Chinese for the
 * clerk. Bad input is 4xx with the field path; a 500 says only that the server failed (the stack goes to
 * the log, never to the client).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { formatPath } from '../engine/errors.js';
import { ApiError } from '../errors/api-error.js';
import { JsonInputError } from '../formats/json.js';
import { CommitUnknown } from '../store/commit-unknown.js';
import type { RouteAnswer } from './route.js';

export function errorBody(code: string, message: string, issues?: { path: string; message: string }[]) {
  return { error: { code, message, ...(issues && issues.length ? { issues } : {}) } };
}

export type ErrorAnswer = { status: number; body: ReturnType<typeof errorBody> };

/** The answer to an error: what the client is told, and whether it is the server's fault (500). */
export function errorAnswer(err: unknown): ErrorAnswer & { internal: boolean } {
  const answer = (status: number, body: ReturnType<typeof errorBody>) => ({ status, body, internal: false });
  if (err instanceof ApiError) return answer(err.status, errorBody(err.code, err.message, err.issues));
  if (err instanceof JsonInputError && err.key !== undefined) {
    const path = formatPath([...err.path, err.key]);
    return answer(400, errorBody('DUPLICATE_KEY', `请求体有误：${path}：键 "${err.key}" 在同一对象中出现了两次，无法确定以哪个为准`, [{ path, message: '键重复' }]));
  }
  const e = err as { type?: string; status?: number; statusCode?: number; message?: string; where?: string };
  // body-parser's errors carry a `type`; the counter lane raises the same ones.
  switch (e?.type) {
    case 'entity.parse.failed':
      return answer(400, errorBody('INVALID_JSON', `请求体不是有效的 JSON${e.where ? `（${e.where}）` : ''}，请检查括号、引号和逗号`));
    case 'entity.too.large':
      return answer(413, errorBody('PAYLOAD_TOO_LARGE', '请求体过大（上限 1 MB）；一张账单请分开提交'));
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return answer(415, errorBody('UNSUPPORTED_ENCODING', '请求体编码不受支持，请使用 UTF-8 的 JSON'));
    case 'request.aborted':
      return answer(400, errorBody('REQUEST_ABORTED', '请求在传输中被中断'));
  }
  // A write whose COMMIT got no answer (the settle route says this in its own words; this is every other
  // write, e.g. a reversal): "did not take effect" would be untrue, so the clerk is told to look first.
  if (err instanceof CommitUnknown) {
    return answer(503, errorBody('WRITE_UNCONFIRMED', '操作结果未能确认（提交时与数据库的连接中断）：请先查询当前状态，再决定是否重新提交'));
  }
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return answer(status, errorBody('BAD_REQUEST', '请求无效'));
  return { status: 500, body: errorBody('INTERNAL', '服务器内部错误，本次请求未生效；请稍后重试，或联系管理员'), internal: true };
}

/**
 * A JSON answer on node's own response, with exactly the headers express's res.json() would send
 * (Content-Type with charset, Content-Length, no ETag on API answers).
 */
export function sendJson(res: ServerResponse, status: number, json: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(json)) });
  res.end(json);
}

/** A route's answer on node's response (express's too): JSON unless the route says otherwise. */
export function sendAnswer(res: ServerResponse, a: RouteAnswer): void {
  const body = a.text ?? JSON.stringify(a.json);
  res.writeHead(a.status ?? 200, { ...a.headers, 'Content-Type': a.type ?? 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** Answer an error (express's handler and the counter lane alike); the 500s go to the log with their stack. */
export function sendError(logger: Logger, req: IncomingMessage, path: string, res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const a = errorAnswer(err);
  // A 503 is the server's trouble too (e.g. the SQLite writer thread stopped): the log must have it.
  if (a.internal || a.status >= 500) logger.error({ err, method: req.method, path }, a.internal ? 'unhandled error' : 'server error');
  sendJson(res, a.status, JSON.stringify(a.body));
}

export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => sendError(logger, req, req.path, res, err);
}
