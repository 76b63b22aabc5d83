/**
 * Request bodies: the one reader of a JSON body, for express and the counter lane alike. The text has
 * been read and decoded by then (express's body-parser or the lane: UTF-8, at most BODY_LIMIT_BYTES);
 * here it becomes a value, with express.json's strict rules (an empty body is `{}`, anything else must be
 * an object or an array), read by formats/json.ts: numbers exactly, a key written twice refused.
 */
import { JsonInputError, parseJson } from '../formats/json.js';

/** The largest request body any route accepts (1 MB). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export function parseJsonBody(text: string): unknown {
  if (text.length === 0) return {};
  if (text[0] !== '{' && text[0] !== '[') {
    const first = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d]|$)/.exec(text)![1];
    if (first !== '{' && first !== '[') throw jsonParseFailed(first ? `开头应为 { 或 [，收到“${first}”` : '只有空白字符');
  }
  try {
    return parseJson(text);
  } catch (e) {
    // A key written twice is answered as what it is (http/errors.ts); a syntax error as express answers it.
    if (e instanceof JsonInputError && e.key !== undefined) throw e;
    throw jsonParseFailed(e instanceof JsonInputError ? e.message : undefined);
  }
}

/** body-parser's error for a body that is not JSON, with where and what in Chinese when it is known. */
function jsonParseFailed(where?: string) {
  return Object.assign(new SyntaxError('request body is not valid JSON'), { status: 400, type: 'entity.parse.failed', ...(where ? { where } : {}) });
}

/**
 * The text of a JSON body as received (bytes), in its declared charset: UTF-8 by default, any other
 * Unicode encoding (`utf-16le`…) decoded, anything else refused as express.json refuses it (415).
 * A byte-order mark is dropped.
 */
export function jsonBodyText(bytes: Buffer, contentType: string | undefined): string {
  const charset = (/;\s*charset\s*=\s*"?([^";]+)"?/i.exec(contentType ?? '')?.[1] ?? 'utf-8').trim().toLowerCase();
  let text: string;
  if (charset === 'utf-8' || charset === 'utf8') text = bytes.toString('utf8');
  else {
    if (!charset.startsWith('utf-')) throw Object.assign(new Error(`unsupported charset "${charset.toUpperCase()}"`), { status: 415, type: 'charset.unsupported' });
    try {
      text = new TextDecoder(charset).decode(bytes);
    } catch {
      throw Object.assign(new Error(`unsupported charset "${charset.toUpperCase()}"`), { status: 415, type: 'encoding.unsupported' });
    }
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
