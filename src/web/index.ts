/** The web pages (issue 8): served at the site root, outside /v1; they call the API with the key the user logs in with. */
import type { Express } from 'express';
import type { AppContext } from '../http/app.js';

export function mountPages(_app: Express, _ctx: AppContext): void {}
