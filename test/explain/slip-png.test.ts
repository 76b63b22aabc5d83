/**
 * The settlement slip rendered in headless Chromium, checked to be a real A4-shaped PNG and to print on
 * exactly one page; written to docs/slip.png (the picture in the README) by `npm run docs:images`, to a
 * temp folder by `npm test`.
 *
 * Chromium: $ONESTOP_CHROMIUM or /usr/bin/chromium (scripts/test-env.d/chromium.sh installs Debian's).
 * Without it the test is skipped locally and fails under CI=true.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettlementJson } from '../../src/engine/result.js';
import { Decimal } from '../helpers.js';
import { docsImages, startTestService, type TestService } from '../http/fixture.js';

const EXECUTABLE = process.env.ONESTOP_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(EXECUTABLE);
const CI = process.env.CI === 'true';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The little of the page's DOM the checks read (the test tsconfig has no DOM library). */
interface PageGlobals {
  innerHeight: number;
  document: {
    documentElement: { scrollHeight: number };
    querySelector(selector: string): { getBoundingClientRect(): { top: number; bottom: number } } | null;
    fonts: { check(font: string): boolean };
  };
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe.skipIf(!HAVE_CHROMIUM && !CI)('the settlement slip in Chromium', () => {
  let svc: TestService;
  let browser: Browser;
  let key: string;

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`没有找到 Chromium（${EXECUTABLE}）：CI 中必须安装（scripts/test-env.d/chromium.sh），或设置 ONESTOP_CHROMIUM`);
    svc = await startTestService();
    key = await svc.key('window', 'H110102-X01');
    browser = await chromium.launch({ executablePath: EXECUTABLE, args: ARGS, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
  });

  /** The seeded year's first settlement (by bill number) where all five layers and both backstop steps paid. */
  async function showcase(): Promise<string> {
    const rows = await svc.store.db.selectFrom('settlements').select(['id', 'result_json', 'hospital_code']).where('population', '=', 'poverty').where('visit_type', '=', 'inpatient').orderBy('bill_no').execute();
    const hit = rows.find((r) => r.hospital_code === 'H110102-X01' && (JSON.parse(r.result_json) as SettlementJson).steps.every((s) => !new Decimal(s.payout).isZero()));
    expect(hit).toBeDefined();
    return hit!.id;
  }

  async function render(html: string, out: string): Promise<{ png: Buffer; pdfPages: number; overflow: number; cjkFont: boolean }> {
    const page = await browser.newPage({ viewport: { width: 794, height: 1123 }, deviceScaleFactor: 1.5 });
    try {
      await page.emulateMedia({ media: 'print' });
      // No request may leave the page: the slip is self-contained.
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.setContent(html, { waitUntil: 'load' });
      expect(requests.filter((u) => !u.startsWith('data:') && u !== 'about:blank')).toEqual([]);
      const overflow = await page.evaluate(() => {
        const w = globalThis as unknown as PageGlobals;
        return w.document.documentElement.scrollHeight - w.innerHeight;
      });
      // Nothing overlaps: the footer (signatures, rules version) starts below the last content block and
      // ends inside the page.
      const layout = await page.evaluate(() => {
        const { document } = globalThis as unknown as PageGlobals;
        const box = (sel: string) => document.querySelector(sel)!.getBoundingClientRect();
        const blocks = ['header', 'table.info', 'table.buckets', 'table.steps', '.pay', '.summary', '.reversal'].filter((s) => document.querySelector(s));
        return { contentBottom: Math.max(...blocks.map((s) => box(s).bottom)), footerTop: box('footer').top, footerBottom: box('footer').bottom, pageBottom: box('.page').bottom };
      });
      expect(layout.contentBottom).toBeLessThanOrEqual(layout.footerTop);
      expect(layout.footerBottom).toBeLessThanOrEqual(layout.pageBottom);
      const cjkFont = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.fonts.check('16px "Noto Sans CJK SC"'));
      const png = await page.screenshot({ fullPage: true, type: 'png' });
      mkdirSync(join(out, '..'), { recursive: true });
      writeFileSync(out, png);
      const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
      const pdfPages = (pdf.toString('latin1').match(/\/Type\s*\/Page\b/g) ?? []).length;
      return { png, pdfPages, overflow, cjkFont };
    } finally {
      await page.close();
    }
  }

  it('renders a five-layer settlement on one A4 page and writes it as a PNG', async () => {
    const id = await showcase();
    const res = await request(svc.app).get(`/v1/settlements/${id}/slip`).set('Authorization', `Bearer ${key}`);
    expect(res.status).toBe(200);
    const { png, pdfPages, overflow, cjkFont } = await render(res.text, join(docsImages(), 'slip.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const { width, height } = pngSize(png);
    // 210 × 297 mm at 96 dpi × 1.5.
    expect(width).toBe(1191);
    expect(Math.abs(height - 1684)).toBeLessThanOrEqual(2);
    // A page of text and tables, not a blank or an error page.
    expect(png.length).toBeGreaterThan(80_000);
    expect(overflow).toBeLessThanOrEqual(1);
    expect(pdfPages).toBe(1);
    if (!cjkFont) console.warn('Noto Sans CJK SC is not installed: the PNG uses a fallback font');
  });

  it('a reversed settlement prints with the 已撤销 stamp, still on one page', async () => {
    const rows = await svc.store.db.selectFrom('settlements').select('id').where('hospital_code', '=', 'H110102-X01').where('status', '=', 'settled').orderBy('bill_no', 'desc').limit(1).execute();
    const id = rows[0]!.id;
    await request(svc.app).post(`/v1/settlements/${id}/reversal`).set('Authorization', `Bearer ${key}`).send({ reason: '患者信息录入错误，重新结算' });
    const html = (await request(svc.app).get(`/v1/settlements/${id}/slip`).set('Authorization', `Bearer ${key}`)).text;
    expect(html).toContain('<div class="stamp-main">已撤销</div>');
    const { png, pdfPages } = await render(html, join(tmpdir(), 'onestop-slip-reversed.png'));
    expect(png.length).toBeGreaterThan(50_000);
    expect(pdfPages).toBe(1);
  });
});
