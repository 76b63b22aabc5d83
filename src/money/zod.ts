/**
 * A zod field for an exact decimal written as a JSON string or number, read by `read` (./text.ts, which
 * throws MoneyFormatError with a message for people). Shared by the bill and the rules schemas.
 */
import * as z from 'zod';
import { MoneyFormatError } from './text.js';

export function decimalField<T>(read: (v: unknown) => T) {
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    try {
      return read(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: e instanceof MoneyFormatError ? e.message : String(e) });
      return z.NEVER;
    }
  });
}
