/**
 * The medical catalogue (医保目录) in the pages, in Debian's Chromium against a real seeded service: a
 * small catalogue is imported first (its own codes, for the region of the window's hospital, so the test
 * stands whether or not the seeds bring a catalogue of their own); the window clerk sees, at each item,
 * what the catalogue has for its code on the admission date and a warning for a class declared otherwise;
 * 结算 is refused by the server with CATALOGUE_MISMATCH at that item's row, 按目录改正 puts it right and
 * it settles; the auditor's 目录稽核 lists the refusal for the hospital and downloads the same CSV as the
 * API. Screenshots at 1024 px wide, as pages.test.ts takes them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, IN_CI, CHROMIUM, launchBrowser, login, newPage, screenshot, startWebService, type WebService } from './harness.js';
import { ROOT } from '../http/fixture.js';

const HOSPITAL = 'H152200-L01';
const REGION = '152200';
/** The item rows of the bill table (not the error lines under them). */
const ROWS = '#items tbody tr:not(.row-errors)';

/** The catalogue entries for the codes the bill uses (E2E-CAT-X01 is left out: 目录外). */
const CATALOGUE = [
  'code,name,category,class,selfPayRatio,priceCap,from,to,region',
  `E2E-CAT-A01,床位费（目录测试）,service,A,,,2016-01-01,,${REGION}`,
  `E2E-CAT-B01,头孢曲松钠注射液（目录测试）,drug,B,0.10,,2016-01-01,,${REGION}`,
  `E2E-CAT-B02,一次性使用吻合器（目录测试）,material,B,0.20,980.00,2016-01-01,,${REGION}`,
].join('\n');

/** The bill's items as the clerk enters them: row 2 is declared 甲类 although the catalogue has it as 乙类. */
const ITEMS = [
  { code: 'E2E-CAT-A01', name: '床位费', class: 'A', unitPrice: '26.00', quantity: '3' },
  { code: 'E2E-CAT-B01', name: '头孢曲松钠注射液', class: 'A', unitPrice: '22.50', quantity: '6' },
  { code: 'E2E-CAT-B02', name: '吻合器', class: 'B', selfPayRatio: '0.20', unitPrice: '950.00', quantity: '1', priceCap: '980.00' },
  { code: 'E2E-CAT-X01', name: '院内自制敷料', class: 'C', unitPrice: '12.00', quantity: '2' },
];

/** No horizontal scrolling at the width the page is shown. */
async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');
}

/** The Beijing date of an instant, YYYY-MM-DD (the audit reads refusals by their day in Beijing). */
const beijingDate = (iso: string) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(iso));

describe.runIf(IN_CI && !HAVE_CHROMIUM)('browser', () => {
  it('has Chromium under CI', () => {
    throw new Error(`CI=true but no Chromium at ${CHROMIUM}: scripts/test-env.d/chromium.sh installs it (apt-get install chromium)`);
  });
});

describe.skipIf(!HAVE_CHROMIUM)('the catalogue in the pages, in Chromium', () => {
  let web: WebService;
  let browser: Browser;
  const keys = { window: '', auditor: '', admin: '' };
  const get = (key: string, path: string) => request(web.svc.app).get(path).set('Authorization', `Bearer ${key}`);
  /** The bill number the window test was refused for. */
  let refusedBillNo = '';

  beforeAll(async () => {
    web = await startWebService();
    keys.window = await web.svc.key('window', HOSPITAL);
    keys.auditor = await web.svc.key('auditor');
    keys.admin = await web.svc.key('admin');
    // The catalogue through the API, as an admin imports it (a later import of a code replaces its periods).
    const imported = await request(web.svc.app).post('/v1/catalogue').set('Authorization', `Bearer ${keys.admin}`).set('Content-Type', 'text/csv').send(CATALOGUE);
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect(['applied', 'unchanged']).toContain(imported.body.outcome);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  it('window: each code shows its catalogue entry; a class declared otherwise is marked before posting; 结算 is refused at that row; 按目录改正 settles it', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    const lookups: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/v1/catalogue/')) lookups.push(r.url());
    });
    await login(page, keys.window, '/window');
    await page.setViewportSize({ width: 1024, height: 900 });
    expect(await page.inputValue('#hospitalCode')).toBe(HOSPITAL);

    await page.fill('#personId', 'P-000001');
    await page.fill('#admitted', '2018-06-01');
    await page.fill('#discharged', '2018-06-03');
    const row = (i: number) => page.locator(ROWS).nth(i);
    for (const [i, item] of ITEMS.entries()) {
      if (i > 0) await page.click('#add-row');
      const r = row(i);
      await r.locator('[data-field=code]').fill(item.code);
      // Leaving the code cell looks the code up.
      await r.locator('[data-field=name]').fill(item.name);
      await r.locator('[data-field=class]').selectOption(item.class);
      if (item.selfPayRatio) await r.locator('[data-field=selfPayRatio]').fill(item.selfPayRatio);
      await r.locator('[data-field=unitPrice]').fill(item.unitPrice);
      await r.locator('[data-field=quantity]').fill(item.quantity);
      if (item.priceCap) await r.locator('[data-field=priceCap]').fill(item.priceCap);
    }
    const info = (i: number) => row(i).locator('[data-testid=catalogue-info]').textContent();
    await expect.poll(() => info(0)).toBe('目录：床位费（目录测试） · 甲类 · 不限价');
    await expect.poll(() => info(1)).toBe('目录：头孢曲松钠注射液（目录测试） · 乙类 · 先行自付 10% · 不限价');
    await expect.poll(() => info(2)).toBe('目录：一次性使用吻合器（目录测试） · 乙类 · 先行自付 20% · 限价 980.00 元');
    await expect.poll(() => info(3)).toBe('目录外（只能按丙类结算）');

    // Only row 2 is marked: declared 甲类, the catalogue has 乙类 with 10% paid first.
    const warning = (i: number) => row(i).locator('[data-testid=catalogue-warning]');
    await expect.poll(() => warning(1).locator('span').textContent()).toBe('与医保目录不符：目录为乙类，先行自付 10%');
    expect(await row(1).getAttribute('class')).toContain('cat-mismatch');
    expect(await row(1).locator('td.c-class').getAttribute('class')).toContain('cat-diff');
    for (const i of [0, 2, 3]) expect(await warning(i).count()).toBe(0);
    expect(await page.textContent('#catalogue-state')).toBe('有 1 项申报与医保目录不符（已在行内标出），结算时会被拒绝或按目录计算。');

    // A code the catalogue lacks, declared 甲类, is marked too; declared 丙类 again, it is not.
    await row(3).locator('[data-field=class]').selectOption('A');
    await expect.poll(() => warning(3).locator('span').textContent()).toBe('与医保目录不符：目录外项目只能按丙类结算，申报为甲类');
    await row(3).locator('[data-field=class]').selectOption('C');
    await expect.poll(() => warning(3).count()).toBe(0);

    // Each lookup is for the admission date and the hospital's region, and asked once per code however often the cell is left.
    for (const i of [0, 1, 0, 1]) {
      await row(i).locator('[data-field=code]').focus();
      await row(i).locator('[data-field=name]').focus();
    }
    await page.waitForTimeout(300);
    for (const item of ITEMS) {
      const asked = lookups.filter((u) => new URL(u).pathname === `/v1/catalogue/${item.code}`);
      expect(asked, item.code).toHaveLength(1);
      expect(new URL(asked[0]!).searchParams.get('on')).toBe('2018-06-01');
      expect(new URL(asked[0]!).searchParams.get('region')).toBe(REGION);
    }
    expect(await page.isVisible('#catalogue-state')).toBe(true);
    expect(await page.textContent('#catalogue-state')).toBe('有 1 项申报与医保目录不符（已在行内标出），结算时会被拒绝或按目录计算。');
    // The catalogue lines live inside the rows: no extra rows in the table.
    expect(await page.locator('#items tbody tr').count()).toBe(ITEMS.length);
    expect(await fitsWidth(page)).toBe(true);
    await page.locator('#items-card').scrollIntoViewIfNeeded();
    await screenshot(page, '17-window-catalogue', { fullPage: false });

    // Posting is not blocked: the server refuses it, and its issue items[1].class shows at row 2's class cell.
    refusedBillNo = await page.inputValue('#billNo');
    await page.click('#settle-btn');
    await page.waitForSelector('#form-summary:not([hidden])');
    expect(await page.textContent('#form-summary')).toContain('与医保目录不符，未结算');
    expect(await page.textContent('#form-summary')).toContain('明细第 2 行 类别：目录类别与医保目录不符');
    await expect.poll(() => row(1).locator('td.c-class select').getAttribute('aria-invalid')).toBe('true');
    const errorLine = page.locator('#items tbody tr.row-errors');
    expect(await errorLine.count()).toBe(1);
    expect(await errorLine.textContent()).toContain('类别：目录类别与医保目录不符：目录中 E2E-CAT-B01（头孢曲松钠注射液（目录测试））为 乙类（B），申报为 甲类（A）');
    expect(await page.evaluate('document.querySelector("#items tbody tr.row-errors").previousElementSibling.cells[0].textContent')).toBe('2');
    expect(await page.locator('[data-testid=settlement-id]').count()).toBe(0);
    expect(await page.locator(ROWS).count()).toBe(ITEMS.length);
    // The server recorded the attempt for the audit.
    const recorded = await get(keys.auditor, `/v1/audits/catalogue?hospital=${HOSPITAL}`);
    expect(recorded.body.refusals.map((x: { billNo: string }) => x.billNo)).toContain(refusedBillNo);
    expect(await fitsWidth(page)).toBe(true);
    await screenshot(page, '18-window-catalogue-refused');

    // 按目录改正 takes the catalogue's class and ratio; the warning and the server's error go; 结算 succeeds.
    await warning(1).locator('button.cat-fix').click();
    expect(await row(1).locator('[data-field=class]').inputValue()).toBe('B');
    expect(await row(1).locator('[data-field=selfPayRatio]').inputValue()).toBe('0.1');
    expect(await warning(1).count()).toBe(0);
    expect(await page.locator('#items tbody tr.row-errors').count()).toBe(0);
    expect(await page.isHidden('#catalogue-state')).toBe(true);
    await page.click('#settle-btn');
    await page.waitForSelector('[data-testid=settlement-id]');
    const id = (await page.textContent('[data-testid=settlement-id]'))!;
    const stored = await get(keys.window, `/v1/settlements/${id}`);
    expect(stored.status).toBe(200);
    expect(stored.body.billNo).toBe(refusedBillNo);

    expect(errors).toEqual([]);
    await context.close();
  });

  it('auditor: 目录稽核 lists the refusal for the hospital, the summary per hospital as the API counts, and downloads the API’s CSV', async () => {
    expect(refusedBillNo, 'the window test ran first').not.toBe('');
    const all = await get(keys.auditor, `/v1/audits/catalogue?hospital=${HOSPITAL}`);
    const refusal = all.body.refusals.find((x: { billNo: string }) => x.billNo === refusedBillNo);
    expect(refusal).toBeTruthy();
    const day = beijingDate(refusal.at);
    const query = `from=${day}&to=${day}&hospital=${HOSPITAL}`;
    const report = await get(keys.auditor, `/v1/audits/catalogue?${query}`);
    expect(report.status).toBe(200);

    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.auditor, '/audit');
    await page.setViewportSize({ width: 1024, height: 900 });
    await page.click('#tab-catalogue');
    expect(await page.isVisible('#panel-catalogue')).toBe(true);
    await page.fill('#c-from', day);
    await page.fill('#c-to', day);
    await page.fill('#c-hospital', HOSPITAL);
    await page.click('#cat-btn');
    await page.waitForSelector('[data-testid=catalogue-refusals]');

    // Per hospital, as the API counts.
    const mine = report.body.byHospital.find((x: { hospitalCode: string }) => x.hospitalCode === HOSPITAL);
    expect(mine.refusals).toBeGreaterThanOrEqual(1);
    expect(await page.textContent(`[data-testid=catalogue-hospitals] tr[data-hospital="${HOSPITAL}"]`)).toBe(`${HOSPITAL}按目录结算 ${mine.differences} 项，拒绝结算 ${mine.refusals} 笔`);
    // Every refusal is listed (fewer than a page of them here), ours with its issue at the item.
    expect(await page.locator('[data-testid=catalogue-refusals] tbody tr[data-refusal]').count()).toBe(report.body.refusals.length);
    const ours = page.locator(`[data-testid=catalogue-refusals] tr[data-refusal="${refusal.id}"]`);
    const cells = await ours.locator('td').allTextContents();
    expect(cells[0]).toBe(HOSPITAL);
    expect(cells[1]).toBe(refusedBillNo);
    expect(cells[3]).toContain('第 2 项：目录类别与医保目录不符：目录中 E2E-CAT-B01');
    expect(await page.locator('[data-testid=catalogue-differences] tbody tr[data-settlement]').count()).toBe(report.body.differences.length);
    expect(await fitsWidth(page)).toBe(true);
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, '19-audit-catalogue');

    // 下载 CSV: the API's CSV, byte for byte, fetched with the key.
    const csv = await get(keys.auditor, `/v1/audits/catalogue?${query}&format=csv`);
    expect(csv.status).toBe(200);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#cat-csv')]);
    expect(download.suggestedFilename()).toBe(`catalogue_${day}_${day}_${HOSPITAL}.csv`);
    const saved = readFileSync((await download.path())!, 'utf8');
    expect(saved).toBe(csv.text);
    expect(saved).toContain(refusedBillNo);

    expect(errors).toEqual([]);
    await context.close();
  });

  it('demo: 目录稽核 with no filter shows the seeded attempts (seeds/attempts.jsonl), refused at 科右中旗’s hospitals, as the API reports them', async () => {
    const seeded = readFileSync(join(ROOT, 'seeds', 'attempts.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { billNo: string; hospital: { code: string } });
    expect(seeded.length).toBeGreaterThanOrEqual(3);
    const report = await get(keys.auditor, '/v1/audits/catalogue');
    expect(report.status).toBe(200);

    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.auditor, '/audit');
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.click('#tab-catalogue');
    await page.fill('#c-from', '');
    await page.fill('#c-to', '');
    await page.fill('#c-hospital', '');
    await page.click('#cat-btn');
    await page.waitForSelector('[data-testid=catalogue-refusals]');
    const rows = page.locator('[data-testid=catalogue-refusals] tbody tr[data-refusal]');
    expect(await rows.count()).toBe(report.body.refusals.length);
    const shown = new Map<string, string[]>();
    for (const row of await rows.all()) {
      const cells = await row.locator('td').allTextContents();
      shown.set(cells[1]!, cells);
    }
    for (const attempt of seeded) {
      const cells = shown.get(attempt.billNo);
      expect(cells, `${attempt.billNo} on the page`).toBeTruthy();
      expect(cells![0]).toBe(attempt.hospital.code);
      expect(cells![3]).toMatch(/与医保目录不符|不在医保目录中/);
    }
    for (const code of new Set(seeded.map((a) => a.hospital.code))) {
      const counts = report.body.byHospital.find((x: { hospitalCode: string }) => x.hospitalCode === code);
      expect(counts.refusals).toBe(seeded.filter((a) => a.hospital.code === code).length);
      expect(await page.textContent(`[data-testid=catalogue-hospitals] tr[data-hospital="${code}"]`)).toBe(`${code}按目录结算 ${counts.differences} 项，拒绝结算 ${counts.refusals} 笔`);
    }
    expect(await fitsWidth(page)).toBe(true);
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, '19-audit-catalogue-seeded');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('目录稽核 shows every row, 500 at a time: an answer of 1,203 differences (made here in the API’s shape, as only a catalogueWins ruleset settles such items) pages through all of them', async () => {
    const differences = Array.from({ length: 1203 }, (_, n) => ({
      settlementId: `JS-E2E-${n}`,
      status: n % 100 === 0 ? 'reversed' : 'settled',
      hospitalCode: 'H152200-L02',
      billNo: `E2E-DIFF-${String(n).padStart(4, '0')}`,
      discharged: '2018-06-03',
      index: n % 4,
      code: 'E2E-CAT-B01',
      name: '头孢曲松钠注射液（目录测试）',
      amount: '135.00',
      declared: { class: 'A' },
      catalogue: { class: 'B', selfPayRatio: '0.1' },
    }));
    const answer = { period: { from: null, to: null }, hospital: null, differences, refusals: [], byHospital: [{ hospitalCode: 'H152200-L02', differences: 1203, refusals: 0 }] };
    const { context, page, errors } = await newPage(browser, web.base);
    await page.route((u) => u.pathname === '/v1/audits/catalogue', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(answer) }));
    await login(page, keys.auditor, '/audit');
    await page.setViewportSize({ width: 1024, height: 900 });
    await page.click('#tab-catalogue');
    await page.click('#cat-btn');
    await page.waitForSelector('[data-testid=catalogue-differences] tbody tr[data-settlement]');
    const rows = page.locator('[data-testid=catalogue-differences] tbody tr[data-settlement]');
    const pager = page.locator('[data-testid=catalogue-differences-pager]');
    expect(await rows.count()).toBe(500);
    expect(await pager.locator('span').textContent()).toBe('第 1–500 条，共 1203 条');
    expect(await pager.locator('button:has-text("上一页")').isDisabled()).toBe(true);
    const first = await rows.first().locator('td').allTextContents();
    expect(first).toEqual(['H152200-L02', `E2E-DIFF-0000 已撤销`, '第 1 项 E2E-CAT-B01 头孢曲松钠注射液（目录测试）', '135.00', '甲类', '乙类 · 先行自付 10%']);
    await pager.locator('button:has-text("下一页")').click();
    expect(await pager.locator('span').textContent()).toBe('第 501–1000 条，共 1203 条');
    expect(await rows.first().getAttribute('data-settlement')).toBe('JS-E2E-500');
    await pager.locator('button:has-text("下一页")').click();
    expect(await rows.count()).toBe(203);
    expect(await pager.locator('span').textContent()).toBe('第 1001–1203 条，共 1203 条');
    expect(await rows.last().getAttribute('data-settlement')).toBe('JS-E2E-1202');
    expect(await pager.locator('button:has-text("下一页")').isDisabled()).toBe(true);
    expect(await page.textContent('[data-testid=catalogue-hospitals]')).toContain('按目录结算 1203 项，拒绝结算 0 笔');
    expect(await page.textContent('[data-testid=catalogue-refusals]')).toContain('没有被拒绝结算的账单');
    expect(await fitsWidth(page)).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });
});
