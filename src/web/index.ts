/**
 * The web pages (issue 8): plain HTML, CSS and ES modules from the top-level `web/` folder, served at the
 * site root, outside /v1. The pages hold no data of their own: they call the API with the key the user
 * logs in with (kept in sessionStorage, never in a URL), so everything a page shows is behind that key.
 *
 * No bundler, no CDN, no web fonts: the pages work on a hospital intranet with no internet.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type Response } from 'express';

/** `web/` beside `src/` and `dist/`: the same path from src/web (vitest, tsx) and dist/web (npm start). */
export const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

/** The pages, by clean path. */
export const PAGES = {
  '/': 'index.html',
  '/login': 'login.html',
  '/window': 'window.html',
  '/audit': 'audit.html',
  '/model': 'model.html',
  '/register': 'register.html',
  '/office': 'office.html',
} as const;

/**
 * The pages load scripts and styles from this origin only. Inline styles are allowed because the slip
 * and the modelling report (HTML from the API, shown in a sandboxed frame that inherits this policy)
 * carry their own <style>.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

function secureHeaders(res: Response, path: string): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  // Revalidate every time (ETag): a clerk never runs yesterday's script against today's API.
  res.setHeader('Cache-Control', 'no-cache');
  if (path.endsWith('.html')) {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Frame-Options', 'SAMEORIGIN');
  }
}

export function mountPages(app: Express): void {
  if (!existsSync(WEB_ROOT)) return;
  const files = express.static(join(WEB_ROOT, 'assets'), {
    index: false,
    redirect: false,
    dotfiles: 'ignore',
    fallthrough: true,
    setHeaders: secureHeaders,
  });
  for (const [route, file] of Object.entries(PAGES)) {
    app.get(route, (_req, res, next) => {
      secureHeaders(res, file);
      res.sendFile(file, { root: WEB_ROOT, headers: { 'Content-Type': 'text/html; charset=utf-8' } }, (err) => err && next(err));
    });
  }
  app.use('/assets', files);
}
