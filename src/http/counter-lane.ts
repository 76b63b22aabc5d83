/**
 * The counter lane: the two routes a settlement window calls for every bill, POST /v1/settlements and
 * POST /v1/settlements/preview, served on node's own request and response objects instead of express.
 *
 * Why: on this service's 2-core reference machine express costs ~175 µs of CPU per request before a
 * route runs (an express echo answers ~4,300 requests a second, the same echo on node:http ~12,600);
 * on the busiest route that was a third of the API thread's time (benchmarks/RESULTS.md).
 *
 * What stays the same: the lane runs the very functions the express stack runs, in the same order:
 * request log, rate limit, key (401 before the body is read), JSON body, role, then the settlement
 * service; errors are answered by the same errorAnswer. test/http/counter-lane.test.ts sends the same
 * requests, good and bad, through the lane and through express alone and compares the answers.
 *
 * What the lane does not take: anything it is not sure about goes to express untouched (the lane looks
 * only at the method, the URL and the headers before deciding): another path or a query string, a body
 * without Content-Length, compressed bodies, a media type other than application/json, a charset other
 * than UTF-8, a body over the limit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { settlementBody, type SettlementService } from '../service/settlements.js';
import type { Store } from '../store/db.js';
import { checkRole, principalFor } from './auth.js';
import { sendError, sendJson } from './errors.js';
import type { RateLimiter } from './limits.js';
import { logWhenFinished } from './logger.js';

/** The largest request body any route accepts (1 MB, express.json's limit too). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

type Route = 'settle' | 'preview';
const ROUTES: Readonly<Record<string, Route>> = { '/v1/settlements': 'settle', '/v1/settlements/preview': 'preview' };

export interface CounterLaneDeps {
  store: Store;
  settlements: SettlementService;
  limiter: RateLimiter;
  logger: Logger;
}

/** Returns a handler that serves the request and returns true, or returns false having touched nothing. */
export function counterLane(deps: CounterLaneDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const taken = takes(req);
    if (!taken) return false;
    const path = req.url!;
    let keyId: string | undefined;
    logWhenFinished(deps.logger, req, res, path, () => keyId);
    if (!deps.limiter.admit(req, res, path)) return true;
    serve(deps, req, res, taken, (id) => (keyId = id)).catch((e: unknown) => sendError(deps.logger, req, path, res, e));
    return true;
  };
}

async function serve(deps: CounterLaneDeps, req: IncomingMessage, res: ServerResponse, taken: { route: Route; length: number }, identified: (keyId: string) => void) {
  const principal = await principalFor(deps.store, req.headers);
  identified(principal.keyId);
  const body = parseJsonBody(await readBody(req, taken.length));
  checkRole(principal, ['window']);
  if (taken.route === 'settle') {
    const { replay, view } = await deps.settlements.post(body, principal);
    sendJson(res, replay ? 200 : 201, settlementBody(view, { replay }));
  } else {
    sendJson(res, 200, JSON.stringify(await deps.settlements.preview(body, principal)));
  }
}

/** The route, if the lane takes this request; decided from the request line and headers alone. */
function takes(req: IncomingMessage): { route: Route; length: number } | undefined {
  if (req.method !== 'POST') return undefined;
  const route = ROUTES[req.url ?? ''];
  if (!route) return undefined;
  const h = req.headers;
  const declared = h['content-length'];
  if (declared === undefined || h['transfer-encoding'] !== undefined) return undefined;
  const length = Number(declared);
  if (!Number.isSafeInteger(length) || length > BODY_LIMIT_BYTES) return undefined;
  if (h['content-encoding'] !== undefined && h['content-encoding'].toLowerCase() !== 'identity') return undefined;
  if (!isUtf8Json(h['content-type'])) return undefined;
  return { route, length };
}

const UTF8_JSON = new Set(['application/json', 'application/json;charset=utf-8', 'application/json;charset="utf-8"']);

/** application/json, with no parameter but charset=utf-8. */
export function isUtf8Json(contentType: string | undefined): boolean {
  return contentType !== undefined && UTF8_JSON.has(contentType.toLowerCase().replace(/[ \t]/g, ''));
}

/** The body as text, exactly `length` bytes (node's parser holds the client to its Content-Length). */
function readBody(req: IncomingMessage, length: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const bytes = Buffer.allocUnsafe(length);
    let received = 0;
    let done = false;
    // The error is built only when it is the answer: 'close' fires after every request, and an Error
    // captures a stack trace (~10 µs) whether or not anyone reads it.
    const fail = (message: string, type: string) => {
      if (done) return;
      done = true;
      req.resume();
      reject(Object.assign(new Error(message), { status: 400, type }));
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      if (received + chunk.length > length) return fail('request size did not match content length', 'request.size.invalid');
      chunk.copy(bytes, received);
      received += chunk.length;
    });
    req.on('end', () => {
      if (done) return;
      if (received !== length) return fail('request size did not match content length', 'request.size.invalid');
      done = true;
      // body-parser decodes with iconv-lite, which drops a byte-order mark; so does the lane.
      const text = bytes.toString('utf8');
      resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    });
    req.on('error', () => fail('request aborted', 'request.aborted'));
    req.on('close', () => fail('request aborted', 'request.aborted'));
  });
}

/** express.json({ strict: true }): an empty body is {}, anything else must be an object or an array. */
function parseJsonBody(text: string): unknown {
  if (text.length === 0) return {};
  if (text[0] !== '{' && text[0] !== '[') {
    const first = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d]|$)/.exec(text)![1];
    if (first !== '{' && first !== '[') throw jsonParseFailed();
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw jsonParseFailed();
  }
}

function jsonParseFailed() {
  return Object.assign(new SyntaxError('request body is not valid JSON'), { status: 400, type: 'entity.parse.failed' });
}
