/** Audit, explanation and reconciliation routes (issue 4). */
import type { Express } from 'express';
import type { AppContext } from '../app.js';

export function mountAuditRoutes(_api: Express, _ctx: AppContext): void {}
