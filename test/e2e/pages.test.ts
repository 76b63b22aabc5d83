/**
 * The pages end to end (issue 8), in Debian's Chromium against a real seeded service: a window clerk
 * previews, settles, prints and reverses a seeded bill; an auditor opens a settlement's trace; a
 * finance officer runs a model and sees its chart. Each page is saved as a screenshot (docs/screenshots/ with `npm run docs:images`).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, revokeKey } from '../../src/access/keys.js';
import { ROOT } from '../http/fixture.js';
import { HAVE_CHROMIUM, IN_CI, CHROMIUM, grouped, launchBrowser, login, newPage, screenshot, seededBill, startWebService, type WebService } from './harness.js';

const HOSPITAL = 'H152200-L01';
/** The item rows of the bill table (not the error lines under them). */
const ROWS = '#items tbody tr:not(.row-errors)';

describe.runIf(IN_CI && !HAVE_CHROMIUM)('browser', () => {
  it('has Chromium under CI', () => {
    throw new Error(`CI=true but no Chromium at ${CHROMIUM}: scripts/test-env.d/chromium.sh installs it (apt-get install chromium)`);
  });
});

describe.skipIf(!HAVE_CHROMIUM)('pages in Chromium', () => {
  let web: WebService;
  let browser: Browser;
  const keys = { window: '', auditor: '', finance: '', admin: '' };
  const api = (key: string) => ({
    get: (path: string) => request(web.svc.app).get(path).set('Authorization', `Bearer ${key}`),
    post: (path: string, body: object) => request(web.svc.app).post(path).set('Authorization', `Bearer ${key}`).send(body),
  });
  /** The settlement the window test makes, for the auditor to open. */
  let settledId = '';

  beforeAll(async () => {
    web = await startWebService();
    keys.window = await web.svc.key('window', HOSPITAL);
    keys.auditor = await web.svc.key('auditor');
    keys.finance = await web.svc.key('finance');
    keys.admin = await web.svc.key('admin');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  it('window: log in, import a seeded bill, see a field error in place, preview, settle (patient amount = API), print, reverse', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    // Log in with a window key: it lands on 结算窗口 and sees only that page.
    await page.goto('/login');
    await page.fill('#key', keys.window);
    await screenshot(page, '01-login');
    await Promise.all([page.waitForURL('**/window'), page.click('#login-btn')]);
    await page.waitForSelector('body.ready');
    expect(await page.locator('.nav a').allTextContents()).toEqual(['结算窗口']);
    expect(await page.inputValue('#hospitalCode')).toBe(HOSPITAL);
    expect(page.url()).not.toContain('os_');

    // Upload a seeded bill as JSON (a new bill number: the seeded one is already settled).
    const bill = { ...seededBill('XA18-000018'), billNo: 'E2E-000018' };
    const dir = mkdtempSync(join(tmpdir(), 'onestop-e2e-'));
    const file = join(dir, 'bill.json');
    writeFileSync(file, JSON.stringify(bill, null, 2));
    await page.click('#import summary');
    await page.setInputFiles('#import-file', file);
    await expect.poll(() => page.locator(ROWS).count()).toBe(bill.items.length);
    expect(await page.inputValue('#billNo')).toBe('E2E-000018');
    expect(await page.inputValue('#personId')).toBe('P-000062');
    expect(await page.textContent('#items-sum')).toBe('15,807.45');

    // A class-B item without its ratio: the API's issue items[1].selfPayRatio shows in row 2's ratio cell.
    const row2 = page.locator(ROWS).nth(1);
    const oldClass = await row2.locator('[data-field=class]').inputValue();
    const oldRatio = await row2.locator('[data-field=selfPayRatio]').inputValue();
    await row2.locator('[data-field=class]').selectOption('B');
    await row2.locator('[data-field=selfPayRatio]').fill('');
    await page.click('#preview-btn');
    await page.waitForSelector('#form-summary:not([hidden])');
    // The cell turns red and its message sits on a line right under the row.
    await expect.poll(() => row2.locator('td.c-ratio input').getAttribute('aria-invalid')).toBe('true');
    const errorLine = page.locator('#items tbody tr.row-errors');
    expect(await errorLine.count()).toBe(1);
    expect(await errorLine.textContent()).toContain('先行自付比例');
    expect(await page.evaluate('document.querySelector("#items tbody tr.row-errors").previousElementSibling.cells[0].textContent')).toBe('2');
    expect(await page.textContent('#form-summary')).toContain('明细第 2 行');
    // Nothing lost: every row and the bill number are still there.
    expect(await page.locator(ROWS).count()).toBe(bill.items.length);
    expect(await page.inputValue('#billNo')).toBe('E2E-000018');
    await page.setViewportSize({ width: 1360, height: 1150 });
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, '02-window-field-error', { fullPage: false });
    await page.setViewportSize({ width: 1360, height: 900 });
    await row2.locator('[data-field=class]').selectOption(oldClass);
    if (oldRatio) await row2.locator('[data-field=selfPayRatio]').fill(oldRatio);

    // The diagnoses came with the bill, principal first; a malformed code is shown at its own field.
    const dxRows = page.locator('#diagnoses tbody tr');
    expect(await dxRows.count()).toBe(bill.diagnoses.length);
    expect(await dxRows.first().locator('td').first().textContent()).toBe('主要诊断');
    const code = dxRows.first().locator('[data-dx=code]');
    expect(await code.inputValue()).toBe(bill.diagnoses[0]!.code);
    await code.fill('I10.1.2');
    await page.click('#preview-btn');
    await expect.poll(() => code.getAttribute('aria-invalid')).toBe('true');
    expect(await page.textContent('#form-summary')).toContain('主要诊断 疾病编码');
    await code.fill(bill.diagnoses[0]!.code);

    // 预结算: the waterfall, and the patient amount equal to the API's preview of the same bill.
    await page.click('#preview-btn');
    await page.waitForSelector('[data-testid=waterfall]');
    await page.evaluate('window.scrollTo(0, 0)');
    const { tier: _t, ...hospital } = bill.hospital;
    const preview = await api(keys.window).post('/v1/settlements/preview', { ...bill, hospital, person: { id: 'P-000062' } });
    expect(preview.status).toBe(200);
    expect(await page.textContent('[data-testid=patient-pays] .value')).toBe(grouped(preview.body.result.patientPays));
    expect(await page.textContent('[data-testid=total]')).toBe(grouped(preview.body.result.total));
    expect(await page.locator('.wf-row.layer').count()).toBe(5);
    await screenshot(page, '03-window-preview');

    // 结算: stored; the page shows the settlement id and the API's patient amount.
    await page.click('#settle-btn');
    await page.waitForSelector('[data-testid=settlement-id]');
    settledId = (await page.textContent('[data-testid=settlement-id]'))!;
    const stored = await api(keys.window).get(`/v1/settlements/${settledId}`);
    expect(stored.status).toBe(200);
    expect(stored.body.billNo).toBe('E2E-000018');
    expect(await page.textContent('[data-testid=patient-pays] .value')).toBe(grouped(stored.body.result.patientPays));
    for (const [fund, amount] of Object.entries(stored.body.result.funds as Record<string, string>)) {
      expect(await page.textContent(`[data-testid=fund-${fund}]`)).toBe(grouped(amount));
    }
    expect(await page.getAttribute('#billNo', 'readonly')).not.toBeNull();
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, '04-window-settled');

    // Settling again is a replay: the same settlement, nothing counted twice.
    await page.click('#settle-btn');
    await expect.poll(() => page.textContent('#banners')).toContain('没有重复记账');
    expect(await page.textContent('[data-testid=settlement-id]')).toBe(settledId);

    // Print view: the slip renders in a frame with the patient amount.
    await page.click('#print-btn');
    const frame = page.frameLocator('iframe.slip-frame');
    await expect.poll(() => frame.locator('body').textContent({ timeout: 10_000 })).toContain(grouped(stored.body.result.patientPays));
    expect(await page.isEnabled('#slip-print')).toBe(true);
    await screenshot(page, '05-window-slip', { fullPage: false });
    await page.click('dialog button[value=close]');

    // Reversal with a confirmation: a reason is required, then the settlement is reversed.
    await page.click('#reverse-btn');
    await page.click('#reverse-confirm');
    await expect.poll(() => page.locator('dialog .field-error').textContent()).toContain('撤销原因');
    await page.fill('#reverse-reason', '端到端测试：录入错误');
    await screenshot(page, '06-window-reverse-confirm', { fullPage: false });
    await page.click('#reverse-confirm');
    await page.waitForSelector('[data-testid=reversed]');
    expect(await page.textContent('[data-testid=status]')).toBe('已撤销');
    const after = await api(keys.window).get(`/v1/settlements/${settledId}`);
    expect(after.body.status).toBe('reversed');
    expect(after.body.reversalReason).toBe('端到端测试：录入错误');
    await screenshot(page, '07-window-reversed');

    expect(errors).toEqual([]);
    await context.close();
  });

  it('window by keyboard: Enter walks the item cells and adds rows, amounts are exact, a reload keeps the draft, other pages are refused, logout forgets the key', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.window, '/window');
    await page.click('#new-bill');
    await page.focus('#personId');
    await page.keyboard.type('P-000001');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#person-info')).toContain('已登记');
    await page.fill('#admitted', '2018-06-01');
    await page.fill('#discharged', '2018-06-03');

    await page.focus('#items tbody tr:nth-child(1) [data-field=code]');
    for (const text of ['X001', '测试药品', null, '8.34', '2.5', '']) {
      if (text) await page.keyboard.type(text);
      await page.keyboard.press('Enter');
    }
    // Enter in the last cell of the last row added row 2 and moved there.
    expect(await page.locator(ROWS).count()).toBe(2);
    expect(await page.evaluate('document.activeElement.dataset.field')).toBe('code');
    await page.keyboard.type('X002');
    await page.keyboard.press('Enter');
    await page.keyboard.type('乙类耗材');
    await page.keyboard.press('Enter');
    await page.selectOption('#items tbody tr:nth-child(2) [data-field=class]', 'B');
    await page.fill('#items tbody tr:nth-child(2) [data-field=selfPayRatio]', '10%');
    await page.focus('#items tbody tr:nth-child(2) [data-field=unitPrice]');
    expect(await page.inputValue('#items tbody tr:nth-child(2) [data-field=selfPayRatio]')).toBe('0.10');
    await page.keyboard.type('0.10');
    await page.keyboard.press('Enter');
    await page.keyboard.type('3');
    // 8.34 × 2.5 = 20.85 and 0.10 × 3 = 0.30, on integer fen.
    expect(await page.locator('#items tbody tr [data-field=amount]').allTextContents()).toEqual(['20.85', '0.30']);
    expect(await page.textContent('#items-sum')).toBe('21.15');

    // A reload (or a lost session and a new login) keeps everything typed.
    const billNo = await page.inputValue('#billNo');
    await page.reload();
    await page.waitForSelector('body.ready');
    expect(await page.inputValue('#billNo')).toBe(billNo);
    expect(await page.inputValue('#personId')).toBe('P-000001');
    expect(await page.locator('#items tbody tr [data-field=amount]').allTextContents()).toEqual(['20.85', '0.30']);

    // Ctrl+Enter previews from anywhere in the form.
    await page.focus('#diagnoses [data-dx=code]');
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('[data-testid=waterfall]');
    expect(await page.textContent('[data-testid=total]')).toBe('21.15');

    // A window key may not use the bureau's pages.
    await page.goto('/audit');
    await expect.poll(() => page.textContent('main')).toContain('此密钥不能使用「稽核」');
    // Logging out forgets the key: the pages send you to the login page.
    await page.click('.who button');
    await page.waitForURL((u) => u.pathname === '/login');
    expect(await page.evaluate("Object.keys(sessionStorage).filter((k) => k.startsWith('onestop.'))")).toEqual([]);
    await page.goto('/window');
    await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('next') === '/window');

    expect(errors).toEqual([]);
    await context.close();
  });

  it('admin: sees every page, the register import too, the hospital field is free, / offers the choice', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.admin, '/window');
    expect(await page.locator('.nav a').allTextContents()).toEqual(['结算窗口', '经办结算', '稽核', '测算', '登记库导入']);
    expect(await page.getAttribute('#hospitalCode', 'readonly')).toBeNull();
    await page.goto('/');
    await page.waitForSelector('body.ready');
    expect(await page.locator('#home-links a').allTextContents()).toEqual(['结算窗口', '经办结算', '稽核', '测算', '登记库导入']);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a key revoked mid-entry: 预结算 gets 401, the page says to log in again, the form is kept', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    const { id, secret } = await createKey(web.svc.store, { role: 'window', hospitalCode: HOSPITAL });
    await login(page, secret, '/window');
    await page.selectOption('#sample', '1');
    await page.click('#load-sample');
    const rows = await page.locator(ROWS).count();
    const billNo = await page.inputValue('#billNo');
    await revokeKey(web.svc.store, id);
    await page.click('#preview-btn');
    await expect.poll(() => page.textContent('#banners')).toContain('重新登录');
    expect(await page.locator(ROWS).count()).toBe(rows);
    expect(await page.inputValue('#billNo')).toBe(billNo);
    // The banner may come from a background lookup's 401 before the preview's own answer is shown.
    await expect.poll(() => page.textContent('#form-summary')).toContain('密钥');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('auditor: sees only 稽核, searches settlements, opens the trace with citations, runs an audit, downloads receivables CSV', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.auditor, '/audit');
    expect(await page.locator('.nav a').allTextContents()).toEqual(['稽核']);

    await page.fill('#s-hospital', HOSPITAL);
    await page.fill('#s-from', '2018-01-01');
    await page.fill('#s-to', '2018-12-31');
    await page.click('#search-btn');
    await page.waitForSelector('#results-table tbody tr');
    const listed = await api(keys.auditor).get(`/v1/settlements?hospital=${HOSPITAL}&from=2018-01-01&to=2018-12-31`);
    expect(await page.textContent('#results-state')).toContain(`共 ${listed.body.total} 笔`);
    await screenshot(page, '08-audit-search', { fullPage: false });

    // Open a seeded settlement of a registered poor person: all five layers, each step with its source.
    const poor = await api(keys.auditor).get(`/v1/settlements?hospital=${HOSPITAL}&person=P-000002&status=settled`);
    const id = poor.body.items[0].id as string;
    await page.fill('#s-person', 'P-000002');
    await page.click('#search-btn');
    await page.click(`#results-table tbody tr[data-id="${id}"]`);
    await page.waitForSelector('[data-testid=trace]');
    const stored = await api(keys.auditor).get(`/v1/settlements/${id}`);
    const steps = stored.body.result.steps as { id: string }[];
    expect(await page.locator('.steps-table tbody tr').count()).toBe(steps.length);
    expect(await page.textContent('[data-testid=trace] [data-testid=patient-pays] .value')).toBe(grouped(stored.body.result.patientPays));
    // Every step cites its source document.
    expect(await page.locator('.steps-table .citation').count()).toBeGreaterThanOrEqual(steps.length);
    expect(await page.textContent('.steps-table')).toContain('健康扶贫破解因病致贫之');
    const trace = await api(keys.auditor).get(`/v1/settlements/${id}/trace`);
    if (trace.status === 200) {
      expect(await page.textContent('[data-testid=trace-summary]')).toBe(trace.body.summary);
      expect(await page.locator('[data-testid=trace] .banner-warn').count()).toBe(0);
    }
    // Each citation quotes the clause its step's values come from, in that step's row, as the trace gives it;
    // a field with a clause of its own (the floor's denominator, from seed 000) quotes that one too.
    const traced = (trace.status === 200 ? trace.body.steps : []) as { id: string; citation: { clause?: string[] } | null; fieldCitations: Record<string, { clause?: string[] }> | null }[];
    expect(traced.length).toBe(steps.length);
    for (const s of traced) {
      const shown = await page.locator(`.steps-table tr[data-step="${s.id}"] [data-testid=clause]`).allTextContents();
      const quoted = [...(s.citation?.clause ?? []), ...Object.values(s.fieldCitations ?? {}).flatMap((c) => c.clause ?? [])];
      expect(quoted.length, s.id).toBeGreaterThan(0);
      expect(shown, s.id).toEqual(quoted.map((q) => `“${q}”`));
    }
    const basicRow = await page.textContent('.steps-table tr[data-step="basic"]');
    expect(basicRow).toContain('“基本医保起付线降低50%,且报销比例提高10%”');
    expect(await page.textContent('.steps-table tr[data-step="floor"]')).toContain('比例的分母依据');
    // A value no clause gives (an estimate) still shows its estimate note.
    expect(await page.locator('.steps-table tr[data-step="basic"] details.estimate').count()).toBe(1);
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, '09-audit-trace');

    // Run an audit over the seeded year.
    await page.click('#tab-audit');
    await page.fill('#a-from', '2018-01-01');
    await page.fill('#a-to', '2018-12-31');
    await page.click('#audit-btn');
    const audits = await api(keys.auditor).post('/v1/audits', { from: '2018-01-01', to: '2018-12-31' });
    if (audits.status === 200) {
      await page.waitForSelector('[data-testid=audit-verdict]');
      expect(await page.textContent('#audit-result .stat-row')).toContain(String(audits.body.count));
      // It ran as a job on the server: its progress card says done, and the list of jobs holds it.
      expect(await page.textContent('#audit-progress-text')).toBe('稽核完成。');
      expect(await page.isVisible('#audit-cancel')).toBe(false);
      await expect.poll(() => page.textContent('#audit-jobs-table tbody tr:first-child')).toContain('已完成');
      expect(await page.textContent('#audit-jobs-table tbody tr:first-child')).toContain(`${audits.body.count} / ${audits.body.count}`);
    } else {
      await expect.poll(() => page.textContent('#audit-summary')).toContain('稽核接口');
    }
    await screenshot(page, '10-audit-run');

    // Receivables: the table and the CSV download.
    await page.click('#tab-receivables');
    await page.fill('#r-from', '2018-01-01');
    await page.fill('#r-to', '2018-03-31');
    const rec = await api(keys.auditor).get('/v1/reports/receivables?from=2018-01-01&to=2018-03-31&format=csv');
    if (rec.status === 200) {
      await page.click('#rec-btn');
      await page.waitForSelector('#rec-result table');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#rec-csv')]);
      const path = await download.path();
      expect(readFileSync(path!, 'utf8')).toBe(rec.text);
    } else {
      await page.click('#rec-btn');
      await expect.poll(() => page.textContent('#rec-summary')).toContain('应收款报表接口');
    }
    await screenshot(page, '11-audit-receivables', { fullPage: false });

    expect(errors).toEqual([]);
    await context.close();
  });

  it('finance: runs a model on the store year with a what-if, watches it finish, sees the chart, tables and HTML report; runs again on uploaded bills', async (ctx) => {
    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.finance, '/model');
    expect(await page.locator('.nav a').allTextContents()).toEqual(['测算']);
    await page.selectOption('#rules', 'xingan-2018');
    await page.click('#add-whatif');
    await page.fill('.whatif-row .wi-path', 'visits.inpatient.floor.floor');
    await page.fill('.whatif-row .wi-value', '0.95');
    await expect.poll(() => page.textContent('.whatif-row .current')).toContain('0.9');
    await page.click('#run-btn');
    const probe = await api(keys.finance).get('/v1/models/none');
    if (probe.status === 404 && probe.body?.error?.message === '没有这个接口') {
      await expect.poll(() => page.textContent('#model-summary')).toContain('测算接口');
      await screenshot(page, '12-model-unavailable');
      expect(errors).toEqual([]);
      await context.close();
      ctx.skip('POST /v1/models is not on this server yet (issue 5): the page says so');
      return;
    }
    await page.waitForSelector('[data-testid=share-chart]', { timeout: 120_000 });
    // Two bars (现行规则 and 测算方案), each split by fund.
    expect(await page.locator('[data-testid=share-chart] rect').count()).toBeGreaterThan(4);
    expect(await page.locator('[data-testid=fund-table] tbody tr').count()).toBeGreaterThanOrEqual(5);
    const runId = (await page.textContent('#run-id'))!.replace('测算编号 ', '');
    const done = await api(keys.finance).get(`/v1/models/${runId}`);
    expect(done.body.status).toBe('ok');
    expect(await page.textContent('[data-testid=fund-table]')).toContain(grouped(done.body.report.baseline.fundPaysTotal));
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, '12-model-report');
    // The server's HTML report shows in its frame.
    await expect.poll(() => page.frameLocator('iframe.report-frame').locator('svg').count(), { timeout: 10_000 }).toBeGreaterThan(0);

    // Uploaded bills (JSON Lines) instead of the store: a second run with its own report.
    const dir = mkdtempSync(join(tmpdir(), 'onestop-e2e-'));
    const file = join(dir, 'bills.jsonl');
    writeFileSync(file, readFileSync(join(ROOT, 'seeds', 'bills.jsonl'), 'utf8').split('\n').slice(0, 40).join('\n'));
    await page.check('input[name=source][value=file]');
    await page.setInputFiles('#bills-file', file);
    await expect.poll(() => page.textContent('#file-state')).toContain('bills.jsonl');
    await page.click('#run-btn');
    await expect.poll(() => page.textContent('#run-id'), { timeout: 10_000 }).not.toContain(runId);
    await expect.poll(() => page.textContent('#report-input'), { timeout: 120_000 }).toContain('人次 40');
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});
