/**
 * The end-to-end harness: a real seeded service listening on 127.0.0.1, and Debian's Chromium driven
 * headless by playwright-core. Screenshots go to docs/screenshots/ (linked from the README) with `npm run docs:images`, to a temp folder otherwise.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT, docsImages, startTestService, type TestService } from '../http/fixture.js';

export const CHROMIUM = process.env.ONESTOP_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Without Chromium the suite skips locally; under CI=true it fails (see pages.test.ts). */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

export interface WebService {
  svc: TestService;
  base: string;
  close(): Promise<void>;
}

export async function startWebService(): Promise<WebService> {
  const svc = await startTestService();
  const server: Server = await new Promise((resolve) => {
    const s = createServer(svc.app).listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    svc,
    base: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await svc.close();
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
}

/** A fresh context (empty storage) and page; browser errors and requests to other origins go to `errors`. */
export async function newPage(browser: Browser, base: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1360, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // A failed fetch logs a console error for expected 4xx answers (404 probes, 422 field errors): those are not page errors.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  // Offline by construction: a page that asks anything of another origin (a CDN, a web font) fails its test.
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(base) && !/^(data|blob|about):/.test(url)) errors.push(`external request: ${url}`);
  });
  page.setDefaultTimeout(15_000);
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
  const dir = join(docsImages(), 'screenshots');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: opts.fullPage ?? true, animations: 'disabled' });
  return path;
}

/**
 * What printing would put on paper: the page's text under print media, taken when print() is called
 * (once, or this throws). The page stays in print media: set it back with emulateMedia({ media: 'screen' }).
 */
export async function printedText(page: Page, click: () => Promise<void>): Promise<string> {
  await page.evaluate('window.printed = 0; window.print = () => void window.printed++;');
  await click();
  const printed = await page.evaluate('window.printed');
  if (printed !== 1) throw new Error(`print() was called ${String(printed)} times, not once`);
  await page.emulateMedia({ media: 'print' });
  return (await page.evaluate('document.body.innerText')) as string;
}

export async function login(page: Page, key: string, expectPath: string): Promise<void> {
  await page.goto('/login');
  await page.fill('#key', key);
  await Promise.all([page.waitForURL((u) => u.pathname === expectPath), page.click('#login-btn')]);
  await page.waitForSelector('body.ready');
}

export interface SeededBill {
  billNo: string;
  hospital: { code: string; tier?: string };
  person: { id: string; populations?: string[] };
  visit: { type: string; admitted: string; discharged: string };
  items: Record<string, string>[];
  diagnoses: { code: string; name?: string }[];
  [field: string]: unknown;
}

/** A seeded bill (seeds/bills.jsonl) by its number. */
export function seededBill(billNo: string): SeededBill {
  const line = readFileSync(join(ROOT, 'seeds', 'bills.jsonl'), 'utf8')
    .split('\n')
    .find((l) => l.includes(`"billNo":"${billNo}"`));
  if (!line) throw new Error(`no seeded bill ${billNo}`);
  return JSON.parse(line) as SeededBill;
}

/** The API's amount string as the pages print it: thousands separators, two decimals. */
export function grouped(amount: string): string {
  const [int, frac] = amount.split('.');
  return `${int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}
