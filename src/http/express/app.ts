/**
 * The express adapter: every route (../route.ts) served by express, with the request log, the rate
 * limit, the key (401 before the body is read), the body, the role, then the route's handler; the web
 * pages; and one error answer for all of it.
 */
import express, { type Express, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Principal } from '../../access/keys.js';
import { ApiError } from '../../errors/api-error.js';
import { mountPages } from '../../web/index.js';
import { checkRole, principalFor } from '../auth.js';
import { BODY_LIMIT_BYTES, jsonBodyText, parseJsonBody } from '../body.js';
import { errorBody, errorHandler, sendAnswer } from '../errors.js';
import { rateLimit, type RateLimiter } from '../limits.js';
import { requestLog } from '../logger.js';
import type { Route, RouteRequest } from '../route.js';
import type { Store } from '../../store/port.js';

export interface ExpressDeps {
  store: Store;
  logger: Logger;
  limiter: RateLimiter;
  routes: readonly Route[];
  /** Public routes outside /v1 (/healthz, /openapi.json). */
  publicRoutes: readonly { path: string; handle: () => Promise<unknown> }[];
}

const JSON_TYPES = ['application/json', 'application/*+json'];

/** The request as a route sees it. */
async function routeRequest(route: Route, req: Request, res: Response): Promise<RouteRequest> {
  const principal = res.locals.principal as Principal;
  let body: unknown = {};
  const isJson = Boolean(req.is(JSON_TYPES));
  // The body is read before the role is checked (a 400 for bad JSON before a 403), as it always was.
  if (route.body && isJson && Buffer.isBuffer(req.body)) body = parseJsonBody(jsonBodyText(req.body, req.headers['content-type']));
  if (route.roles !== 'any') checkRole(principal, route.roles);
  if (route.body === 'json' && !isJson) throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', route.mediaTypeMessage ?? '请以 Content-Type: application/json 提交');
  const stream = route.body === 'stream' ? req : undefined;
  return { params: req.params as Record<string, string>, query: req.query as Record<string, unknown>, body, principal, headers: req.headers, stream };
}

export function expressApp(deps: ExpressDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETag on API answers: they are not cached or fetched conditionally. The pages' files keep theirs.
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestLog(deps.logger));
  app.use(rateLimit(deps.limiter));

  for (const r of deps.publicRoutes) {
    app.get(r.path, async (_req, res) => {
      sendAnswer(res, { json: await r.handle() });
    });
  }

  const api = express.Router();
  api.use(async (req, res, next) => {
    res.locals.principal = await principalFor(deps.store, req.headers);
    next();
  });
  // Bytes, decoded and parsed by the one JSON body reader (../body.ts) that the counter lane uses too.
  api.use(express.raw({ type: JSON_TYPES, limit: BODY_LIMIT_BYTES }));
  for (const route of deps.routes) {
    const path = route.path.replace(/^\/v1/, '');
    const method = route.method === 'GET' ? api.get.bind(api) : api.post.bind(api);
    method(path, async (req: Request, res: Response) => {
      sendAnswer(res, await route.handle(await routeRequest(route, req, res)));
    });
  }
  api.use(() => {
    throw new ApiError(404, 'NOT_FOUND', '没有这个接口');
  });
  app.use('/v1', api);
  mountPages(app);
  app.use((_req: Request, res: Response) => {
    res.status(404).json(errorBody('NOT_FOUND', '没有这个地址'));
  });
  app.use(errorHandler(deps.logger));
  return app;
}
