/**
 * Routers beyond the settlement core plug in here with the same deps. One module per feature, each
 * owning its own routes: audit and explanation (issue 4), fund modelling (issue 5), pages (issue 8).
 */
import type { Express } from 'express';
import type { AppContext } from './app.js';
import { mountAuditRoutes } from './routes/audit.js';
import { mountModelRoutes } from './routes/models.js';

/** Routes under /v1, behind the API key. */
export function mountExtensions(api: Express, ctx: AppContext): void {
  mountAuditRoutes(api, ctx);
  mountModelRoutes(api, ctx);
}
