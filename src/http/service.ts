/**
 * The HTTP service, composed: the routes of every area, served by express, with the counter lane in
 * front for the two counter routes (node:http, over the same route objects).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { AuditJobs } from '../audit/jobs.js';
import type { AuditThreadOptions } from '../audit/audit-thread.js';
import { ModelJobs } from '../model/run/jobs.js';
import type { RuleBook } from '../rules/select.js';
import { SettlementService } from '../settle/service.js';
import type { Store } from '../store/port.js';
import { expressApp } from './express/app.js';
import { RateLimiter } from './limits.js';
import { counterLane } from './node/counter-lane.js';
import { openApiDocument } from './openapi.js';
import type { Route } from './route.js';
import { auditRoutes } from './routes/audit.js';
import { auditJobRoutes } from './routes/audit-jobs.js';
import { modelRoutes, workersFromEnv } from './routes/models.js';
import { officeRoutes } from './routes/office.js';
import { registerRoutes } from './routes/register.js';
import { settlementRoutes } from './routes/settlements.js';

export interface ServiceDeps {
  store: Store;
  rules: RuleBook;
  logger: Logger;
  now?: () => Date;
  /** Serve the counter routes on the lane (default); false: express only (tests compare the two). */
  lane?: boolean;
  /** Options of the audit jobs' threads (tests: a pause after each settlement, to watch and cancel a job). */
  auditThread?: AuditThreadOptions;
}

export interface Service {
  /** What node's HTTP server runs. */
  handler: RequestListener;
  /** The express app alone: every route, the counter's too. */
  app: Express;
  routes: readonly Route[];
  settlements: SettlementService;
  models: ModelJobs;
  audits: AuditJobs;
}

export function createService(deps: ServiceDeps): Service {
  const settlements = new SettlementService({ store: deps.store, rules: deps.rules, now: deps.now });
  const models = new ModelJobs({ store: deps.store, rules: deps.rules, logger: deps.logger, workers: workersFromEnv(), now: deps.now });
  const audits = new AuditJobs({ store: deps.store, logger: deps.logger, now: deps.now, thread: deps.auditThread });
  const routes: Route[] = [
    ...settlementRoutes({ store: deps.store, rules: deps.rules, settlements }),
    ...auditRoutes({ store: deps.store, settlements, jobs: audits }),
    ...auditJobRoutes(audits),
    ...modelRoutes(models),
    ...registerRoutes({ store: deps.store, rules: deps.rules, now: deps.now }),
    ...officeRoutes({ store: deps.store, settlements }),
  ];
  const limiter = new RateLimiter();
  const publicRoutes = [
    {
      path: '/healthz',
      handle: async () => {
        await deps.store.db.selectFrom('hospitals').select('code').limit(1).execute();
        return { ok: true, store: deps.store.dialect, rulesets: deps.rules.all.length };
      },
    },
    { path: '/openapi.json', handle: async () => openApiDocument() },
  ];
  const app = expressApp({ store: deps.store, logger: deps.logger, limiter, routes, publicRoutes });
  if (deps.lane === false) return { handler: app, app, routes, settlements, models, audits };
  const lane = counterLane({ store: deps.store, limiter, logger: deps.logger, routes });
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (!lane(req, res)) app(req, res);
  };
  return { handler, app, routes, settlements, models, audits };
}
