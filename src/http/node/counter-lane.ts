/**
 * The counter lane: a thin adapter that serves the two routes a settlement window calls for every bill,
 * POST /v1/settlements and POST /v1/settlements/preview, on node's own request and response instead of
 * through express. It holds no route of its own: it runs the very Route objects express serves
 * (../routes/settlements.ts), through the same request log, rate limit, key check (401 before the body
 * is read), JSON body reader, role check and answer writer, in the same order.
 *
 * Why: express's own work before a route runs is a large share of the API thread's time on the
 * busiest route (benchmarks/FAST-PATHS.md measures the lane against the same routes through express
 * alone).
 *
 * What the lane does not take: anything it is not sure about goes to express untouched (the lane looks
 * only at the method, the URL and the headers before deciding): another path or a query string, a body
 * without Content-Length, compressed bodies, a media type other than application/json, a charset other
 * than UTF-8, a body over the limit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Store } from '../../store/port.js';
import { checkRole, principalFor } from '../auth.js';
import { BODY_LIMIT_BYTES, parseJsonBody } from '../body.js';
import { sendAnswer, sendError } from '../errors.js';
import type { RateLimiter } from '../limits.js';
import { logWhenFinished } from '../logger.js';
import type { Route } from '../route.js';

/** The paths the lane serves (POST only). */
const LANE_PATHS = ['/v1/settlements', '/v1/settlements/preview'];

export interface CounterLaneDeps {
  store: Store;
  limiter: RateLimiter;
  logger: Logger;
  /** The routes, the same objects express serves: the lane takes those for its two paths. */
  routes: readonly Route[];
}

/** Returns a handler that serves the request and returns true, or returns false having touched nothing. */
export function counterLane(deps: CounterLaneDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const routes = new Map<string, Route>();
  for (const path of LANE_PATHS) {
    const route = deps.routes.find((r) => r.method === 'POST' && r.path === path);
    if (!route) throw new Error(`the counter lane has no route for POST ${path}`);
    routes.set(path, route);
  }
  return (req, res) => {
    const taken = takes(req, routes);
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
  const { route } = taken;
  if (route.roles !== 'any') checkRole(principal, route.roles);
  sendAnswer(res, await route.handle({ params: {}, query: {}, body, principal, headers: req.headers }));
}

/** The route, if the lane takes this request; decided from the request line and headers alone. */
function takes(req: IncomingMessage, routes: ReadonlyMap<string, Route>): { route: Route; length: number } | undefined {
  if (req.method !== 'POST') return undefined;
  const route = routes.get(req.url ?? '');
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
