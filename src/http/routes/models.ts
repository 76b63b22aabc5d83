/** Fund-needs modelling routes (issue 5). */
import type { Express } from 'express';
import type { AppContext } from '../app.js';

export function mountModelRoutes(_api: Express, _ctx: AppContext): void {}
