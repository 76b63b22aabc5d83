/**
 * Every page at 1024 px (a window clerk's small screen) and 1440 px, in Debian's Chromium against a real
 * seeded service, logged in with the role that uses it and with its result areas filled: the window
 * page with a seeded bill previewed, the audit page with a trace, an audit, the receivables and the
 * catalogue audit, the model page with a finished run, the register page with a dry run, the settlement
 * office's page with a Beijing stay previewed and settled, the home page
 * of an admin and the login page. At each width: no sideways scrolling, no field or cell that cuts its
 * value off, no English a user reads (checks.ts). Pictures of each page at both widths go to
 * docs/screenshots/ (20-window-1024.png …) with ONESTOP_UPDATE_DOCS=1, to a temp folder otherwise.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../src/access/keys.js';
import { ROOT } from '../http/fixture.js';
import { WIDTHS, englishProblems, layoutProblems, pageProblems } from './checks.js';
import { HAVE_CHROMIUM, IN_CI, CHROMIUM, launchBrowser, login, newPage, screenshot, seededBill, startWebService, type WebService } from './harness.js';

const HOSPITAL = 'H152200-L01';

describe.runIf(IN_CI && !HAVE_CHROMIUM)('browser', () => {
  it('has Chromium under CI', () => {
    throw new Error(`CI=true but no Chromium at ${CHROMIUM}: scripts/test-env.d/chromium.sh installs it (apt-get install chromium)`);
  });
});

describe.skipIf(!HAVE_CHROMIUM)('every page at 1024 and 1440 px', () => {
  let web: WebService;
  let browser: Browser;
  const keys = { window: '', auditor: '', finance: '', admin: '' };
  const dir = mkdtempSync(join(tmpdir(), 'onestop-e2e-widths-'));

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

  /** The page's problems at each width (pictured as `${shot}-${width}` when shot is given). */
  async function atWidths(page: Page, label: string, shot?: string): Promise<string[]> {
    const problems: string[] = [];
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      // Let the layout settle (the result column moves under the form below 1100 px).
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
      problems.push(...(await pageProblems(page, `${label} at ${width} px`)));
      if (shot) {
        await page.evaluate('window.scrollTo(0, 0)');
        await screenshot(page, `${shot}-${width}`);
      }
    }
    return problems;
  }

  it('结算窗口 (window key): a seeded bill imported, the person looked up, previewed', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.window, '/window');
    const bill = { ...seededBill('XA18-000039'), billNo: 'E2E-W-000039' };
    const file = join(dir, 'bill.json');
    writeFileSync(file, JSON.stringify(bill, null, 2));
    await page.click('#import summary');
    await page.setInputFiles('#import-file', file);
    await expect.poll(() => page.locator('#items tbody tr:not(.row-errors)').count()).toBe(bill.items.length);
    await page.click('#find-person');
    await expect.poll(() => page.textContent('#person-info')).toContain('已登记');
    await page.click('#preview-btn');
    await page.waitForSelector('[data-testid=waterfall]');
    await expect.poll(() => page.locator('#recent-table tbody tr').count()).toBeGreaterThan(0);
    expect(await atWidths(page, '结算窗口', '20-window')).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('稽核 (auditor key): a trace open, an audit run, the receivables and the catalogue audit shown', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.auditor, '/audit');
    const problems: string[] = [];
    await page.fill('#s-hospital', HOSPITAL);
    await page.fill('#s-person', 'P-000002');
    await page.fill('#s-from', '2018-01-01');
    await page.fill('#s-to', '2018-12-31');
    await page.click('#search-btn');
    await page.click('#results-table tbody tr:first-child');
    await page.waitForSelector('[data-testid=trace]');
    problems.push(...(await atWidths(page, '稽核 结算查询与追溯', '21-audit')));

    await page.click('#tab-audit');
    await page.fill('#a-from', '2018-01-01');
    await page.fill('#a-to', '2018-12-31');
    await page.click('#audit-btn');
    await page.waitForSelector('[data-testid=audit-verdict]');
    problems.push(...(await atWidths(page, '稽核 运行稽核')));

    await page.click('#tab-receivables');
    await page.fill('#r-from', '2018-01-01');
    await page.fill('#r-to', '2018-12-31');
    await page.click('#rec-btn');
    await page.waitForSelector('#rec-result table');
    problems.push(...(await atWidths(page, '稽核 应收款报表')));

    await page.click('#tab-catalogue');
    await page.click('#cat-btn');
    await page.waitForSelector('[data-testid=catalogue-verdict]');
    problems.push(...(await atWidths(page, '稽核 目录稽核')));
    expect(problems).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('测算 (finance key): a run on the store year with a what-if, finished', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.finance, '/model');
    await page.selectOption('#rules', 'xingan-2018');
    await page.click('#add-whatif');
    await page.fill('.whatif-row .wi-path', 'visits.inpatient.floor.floor');
    await page.fill('.whatif-row .wi-value', '0.95');
    await expect.poll(() => page.textContent('.whatif-row .current')).toContain('0.9');
    await page.click('#run-btn');
    await page.waitForSelector('[data-testid=share-chart]', { timeout: 120_000 });
    const problems = await atWidths(page, '测算', '22-model');
    // The other source: a file of bills.
    await page.check('input[name=source][value=file]');
    await page.waitForSelector('#file-box:not([hidden])');
    problems.push(...(await atWidths(page, '测算（上传账单文件）')));
    expect(problems).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it('登记库导入 (admin key): a people file tried', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.admin, '/window');
    await page.goto('/register');
    await page.waitForSelector('body.ready');
    const file = join(dir, '人员.csv');
    writeFileSync(file, readFileSync(join(ROOT, 'seeds', 'people.csv'), 'utf8').split('\n').slice(0, 4).join('\n'));
    await page.setInputFiles('#register-file', file);
    await expect.poll(() => page.textContent('#file-state')).toContain('人员.csv');
    await page.click('#dry-run-btn');
    await page.waitForSelector('[data-testid=outcome]');
    expect(await atWidths(page, '登记库导入', '23-register')).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('经办结算 (office key): a Beijing stay with a payout made elsewhere imported, previewed, settled, the payment list shown', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    const key = (await createKey(web.svc.store, { role: 'office', regionCode: '152200' })).secret;
    await login(page, key, '/office');
    const bill = {
      billNo: 'E2E-OF-W-0016',
      hospital: { code: 'BJ-FW01', tier: 'outOfProvince' },
      person: { id: 'P-000016' },
      visit: { type: 'inpatient', admitted: '2018-09-01', discharged: '2018-09-15' },
      diagnoses: [{ code: 'I25.103', name: '冠状动脉粥样硬化性心脏病' }],
      paidElsewhere: { basic: { payout: '20000.00' } },
      items: [
        { code: 'Z001', name: '床位费', class: 'A', unitPrice: '120.00', quantity: '14', amount: '1680.00' },
        { code: 'S201', name: '冠状动脉旁路移植术', class: 'A', unitPrice: '38000.00', quantity: '1', amount: '38000.00' },
        { code: 'D101', name: '头孢曲松钠注射液', class: 'B', selfPayRatio: '0.10', unitPrice: '25.50', quantity: '20', amount: '510.00', priceCap: '24.00' },
        { code: 'M301', name: '进口心脏瓣膜', class: 'C', unitPrice: '12000.00', quantity: '1', amount: '12000.00' },
      ],
    };
    const file = join(dir, 'office-bill.json');
    writeFileSync(file, JSON.stringify(bill, null, 2));
    await page.click('#import summary');
    await page.setInputFiles('#import-file', file);
    await expect.poll(() => page.locator('#items tbody tr:not(.row-errors)').count()).toBe(bill.items.length);
    await expect.poll(() => page.locator('#elsewhere [data-pe=step] option:checked').textContent()).toBe('基本医保');
    await page.fill('#hospitalName', '中国医学科学院阜外医院');
    await page.fill('#regionCode', '110000');
    await page.check('#payee-patient');
    await page.fill('#applicant', '吕桂芬');
    await page.fill('#relation', '本人');
    for (const d of ['异地就医结算单', '住院发票', '出院小结']) {
      await page.fill('#doc-input', d);
      await page.click('#add-document');
    }
    await page.fill('#approvedBy', '兴安盟医保经办 王某');
    await page.fill('#approvedOn', '2018-09-20');
    await page.fill('#reference', 'XAM-JB-2018-0915');
    await page.fill('#bankAccount', '农业银行 6228****1234');
    await page.click('#preview-btn');
    await page.waitForSelector('[data-testid=owed]');
    const problems = await atWidths(page, '经办结算', '34-office');
    await page.click('#settle-btn');
    await page.waitForSelector('[data-testid=settlement-id]');
    await expect.poll(() => page.locator('#payments-table [data-testid=payment]').count()).toBe(1);
    problems.push(...(await atWidths(page, '经办结算（已结算，支付清单）')));
    expect(problems).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the checks find what they look for: a page too wide, a field or select too narrow for its value, English words', async () => {
    const { context, page } = await newPage(browser, web.base);
    await page.goto('/login');
    await page.setViewportSize({ width: 1024, height: 900 });
    expect(await layoutProblems(page)).toEqual([]);
    expect(await englishProblems(page)).toEqual([]);
    const html =
      '<input id="narrow" style="width:60px" value="一次性使用腔镜切割吻合器">' +
      '<select id="tight" style="width:40px"><option>家庭医生签约服务包</option></select>' +
      '<p title="Open it">结算 Settlement done，账单 XA18-000039，<code>code,name,class</code>，<kbd>Alt</kbd>+P</p>' +
      '<div style="width:1400px">宽</div>';
    await page.evaluate(`document.querySelector('main').insertAdjacentHTML('beforeend', ${JSON.stringify(html)})`);
    const layout = await layoutProblems(page);
    expect(layout.some((p) => p.startsWith('the page scrolls sideways'))).toBe(true);
    expect(layout.some((p) => p.includes('<input#narrow>'))).toBe(true);
    expect(layout.some((p) => p.includes('<select#tight>'))).toBe(true);
    const english = await englishProblems(page);
    expect(english.map((p) => /“([^”]+)” in/.exec(p)![1]).sort()).toEqual(['Open', 'Settlement', 'done', 'it']);
    await context.close();
  });

  it('首页 (admin key: the choice of pages) and 登录', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.admin, '/window');
    await page.goto('/');
    await page.waitForSelector('body.ready');
    await expect.poll(() => page.locator('#home-links a').count()).toBe(5);
    const problems = await atWidths(page, '首页', '24-home');
    await page.click('.who button');
    await page.waitForURL((u) => u.pathname === '/login');
    await page.goto('/login');
    await page.fill('#key', keys.window);
    problems.push(...(await atWidths(page, '登录', '25-login')));
    // Shown as text (显示), the key fits its field too.
    await page.click('#show');
    expect(await page.getAttribute('#key', 'type')).toBe('text');
    problems.push(...(await atWidths(page, '登录（显示密钥）')));
    expect(problems).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
