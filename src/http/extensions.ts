/**
 * Routers beyond the settlement core (audit, reports, models, pages) plug in here, with the same deps.
 */
import type { Express } from 'express';
import type { AppContext } from './app.js';

export function mountExtensions(_api: Express, _ctx: AppContext): void {}
