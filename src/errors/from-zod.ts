/**
 * zod's issues as a 422 a clerk can act on: every field path and what is wrong with it, in Chinese (the
 * messages come from zod's zh-CN locale, ./zod-locale.ts, and from the schemas' own words), the first
 * one in the message.
 */
import type * as z from 'zod';
import { formatPath } from '../engine/errors.js';
import { ApiError, type FieldIssue } from './api-error.js';
import './zod-locale.js';

export interface ZodErrorOptions {
  /** What was wrong, as the message begins: 账单 (a bill), 请求 (any other request). */
  what: '账单' | '请求';
  /** Put in front of every path, e.g. ['query']. */
  prefix?: (string | number)[];
  /** An unknown key at its own path (`query.foo：不支持此字段`) rather than zod's one issue for the object. */
  unknownKeysApart?: boolean;
}

export function fieldIssues(error: z.ZodError, opts: Omit<ZodErrorOptions, 'what'> = {}): FieldIssue[] {
  const prefix = opts.prefix ?? [];
  return error.issues.flatMap((i) =>
    opts.unknownKeysApart && i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ path: formatPath([...prefix, ...(i.path as (string | number)[]), k]), message: '不支持此字段' }))
      : [{ path: formatPath([...prefix, ...(i.path as (string | number)[])]), message: i.message }],
  );
}

export function zodError(error: z.ZodError, opts: ZodErrorOptions): ApiError {
  const issues = fieldIssues(error, opts);
  const first = issues[0];
  const text = first ? `${first.path ? `${first.path}：` : ''}${first.message}${issues.length > 1 ? `（另有 ${issues.length - 1} 处）` : ''}` : '';
  return new ApiError(422, 'VALIDATION_FAILED', `${opts.what}有误${text ? `：${text}` : ''}`, issues);
}

/** Parse `value` with `schema`, or throw the 422. */
export function parseOr422<T extends z.ZodType>(schema: T, value: unknown, opts: ZodErrorOptions): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw zodError(r.error, opts);
  return r.data;
}
