/**
 * The express app. Routes are thin: validate with zod, call the service, answer. Everything that moves
 * money is in src/service; everything that computes it is in src/engine. The server runs the counter
 * lane (counter-lane.ts) in front of it for the two counter routes; express keeps those routes too, for
 * every request the lane hands on.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type Express, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import * as z from 'zod';
import { ApiError, notFound } from '../service/errors.js';
import { SettlementService, settlementBody, validationError } from '../service/settlements.js';
import type { RuleBook } from '../rules/select.js';
import type { Store } from '../store/db.js';
import { allow, principalOf, requireKey } from './auth.js';
import { errorBody, errorHandler } from './errors.js';
import { counterLane, BODY_LIMIT_BYTES } from './counter-lane.js';
import { RateLimiter, rateLimit } from './limits.js';
import { requestLog } from './logger.js';
import { openApiDocument } from './openapi.js';
import { mountPages } from '../web/index.js';
import { listQuerySchema, reversalBodySchema, yearQuerySchema } from './schemas.js';

export interface AppDeps {
  store: Store;
  rules: RuleBook;
  logger: Logger;
  now?: () => Date;
  /** Mount extra routers (audit, reports, models, pages) that need the same deps. */
  extend?: (app: Express, ctx: AppContext) => void;
}

export interface AppContext extends AppDeps {
  settlements: SettlementService;
}

function parse<T extends z.ZodType>(schema: T, value: unknown, where: 'query' | 'body'): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(r.error, where === 'query' ? ['query'] : []);
  return r.data;
}

export interface Service {
  /** What node's HTTP server runs: the counter lane for the two hot routes, express for everything else. */
  handler: RequestListener;
  /** The express app alone: every route, the counter's too (the lane's answers are held to its answers). */
  app: Express;
}

export function createService(deps: AppDeps): Service {
  const settlements = new SettlementService({ store: deps.store, rules: deps.rules, now: deps.now });
  const limiter = new RateLimiter();
  const app = expressApp({ ...deps, settlements }, limiter);
  const lane = counterLane({ store: deps.store, settlements, limiter, logger: deps.logger });
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (!lane(req, res)) app(req, res);
  };
  return { handler, app };
}

function expressApp(deps: AppContext, limiter: RateLimiter): Express {
  const { settlements } = deps;
  const app = express();
  app.disable('x-powered-by');
  // No ETag on API answers: they are not cached or fetched conditionally, and hashing every response body
  // costs the counter time. The pages' files keep theirs (express.static and sendFile make their own).
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestLog(deps.logger));
  app.use(rateLimit(limiter));

  app.get('/healthz', async (_req, res) => {
    await deps.store.db.selectFrom('hospitals').select('code').limit(1).execute();
    res.json({ ok: true, store: deps.store.dialect, rulesets: deps.rules.all.length });
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });

  const api = express.Router();
  api.use(requireKey(deps.store));
  api.use(express.json({ limit: BODY_LIMIT_BYTES, strict: true, type: ['application/json', 'application/*+json'] }));

  const needsJson = (req: Request) => {
    if (!req.is('application/json') && !req.is('application/*+json')) {
      throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', '请以 Content-Type: application/json 提交账单');
    }
  };

  // Who the key belongs to: the pages show each role its own work.
  api.get('/whoami', async (_req, res) => {
    const p = principalOf(res);
    const hospital = p.hospitalCode
      ? await deps.store.db.selectFrom('hospitals').select(['code', 'name', 'tier']).where('code', '=', p.hospitalCode).executeTakeFirst()
      : undefined;
    res.json({ keyId: p.keyId, role: p.role, hospital: hospital ?? null });
  });

  api.post('/settlements/preview', allow('window'), async (req, res) => {
    needsJson(req);
    res.json(await settlements.preview(req.body, principalOf(res)));
  });

  api.post('/settlements', allow('window'), async (req, res) => {
    needsJson(req);
    const { replay, view } = await settlements.post(req.body, principalOf(res));
    res.status(replay ? 200 : 201).type('application/json').send(settlementBody(view, { replay }));
  });

  api.get('/settlements', allow('window', 'auditor', 'finance'), async (req, res) => {
    const q = parse(listQuerySchema, req.query, 'query');
    res.json(await settlements.list(q, principalOf(res)));
  });

  api.get('/settlements/:id', allow('window', 'auditor', 'finance'), async (req, res, next) => {
    if (req.query.format !== undefined) return next();
    res.json(await settlements.get(String(req.params.id), principalOf(res)));
  });

  api.post('/settlements/:id/reversal', allow('window'), async (req, res) => {
    const body = parse(reversalBodySchema, req.body ?? {}, 'body');
    res.json(await settlements.reverse(String(req.params.id), principalOf(res), body.reason));
  });

  api.get('/people/:id/accumulators', allow('window', 'auditor', 'finance'), async (req, res) => {
    const { year } = parse(yearQuerySchema, req.query, 'query');
    res.json(await settlements.accumulators(String(req.params.id), year));
  });

  api.get('/rulesets', async (_req, res) => {
    res.json(
      deps.rules.all.map((l) => ({
        id: l.ruleset.id,
        title: l.ruleset.title,
        region: l.ruleset.region,
        effective: l.ruleset.effective,
        hash: l.hash,
        file: l.file,
        visitTypes: Object.keys(l.ruleset.visits),
      })),
    );
  });

  api.get('/rulesets/:id', async (req, res) => {
    const l = deps.rules.get(String(req.params.id));
    if (!l) throw notFound(`规则 ${req.params.id} `);
    res.json({ id: l.ruleset.id, hash: l.hash, file: l.file, document: l.document });
  });

  deps.extend?.(api as unknown as Express, deps);

  api.use((_req: Request, _res: Response) => {
    throw new ApiError(404, 'NOT_FOUND', '没有这个接口');
  });
  app.use('/v1', api);
  mountPages(app, deps);
  app.use((_req: Request, res: Response) => {
    res.status(404).json(errorBody('NOT_FOUND', '没有这个地址'));
  });
  app.use(errorHandler(deps.logger));
  return app;
}
