/**
 * The register in the pages, in Debian's Chromium against a real seeded service: an admin imports a
 * people file on 登记库导入 (a file with bad rows is refused listing each; a good one is tried, then
 * confirmed), and a window clerk's person lookup shows the memberships in force on the visit dates.
 * Screenshots at 1024 px wide, as pages.test.ts takes them.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idCheckCharacter } from '../../src/register/id-number.js';
import { HAVE_CHROMIUM, IN_CI, CHROMIUM, launchBrowser, login, newPage, screenshot, startWebService, type WebService } from './harness.js';

/** A valid 18-digit ID number: Ulanhot (152201), born `birth`, sequence `seq`, and its check character. */
function idNumber(birth: string, seq: string): string {
  const first17 = `152201${birth}${seq}`;
  return first17 + idCheckCharacter(first17);
}

/** The wrong check character for the same 17 digits. */
function wrongCheck(id: string): string {
  const bad = '10X98765432'.split('').find((c) => c !== id[17])!;
  return id.slice(0, 17) + bad;
}

/** No horizontal scrolling at the width the page is shown. */
async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');
}

describe.runIf(IN_CI && !HAVE_CHROMIUM)('browser', () => {
  it('has Chromium under CI', () => {
    throw new Error(`CI=true but no Chromium at ${CHROMIUM}: scripts/test-env.d/chromium.sh installs it (apt-get install chromium)`);
  });
});

describe.skipIf(!HAVE_CHROMIUM)('register pages in Chromium', () => {
  let web: WebService;
  let browser: Browser;
  const keys = { window: '', admin: '' };
  const get = (key: string, path: string) => request(web.svc.app).get(path).set('Authorization', `Bearer ${key}`);
  const dir = mkdtempSync(join(tmpdir(), 'onestop-e2e-register-'));
  const ids = { a: idNumber('19800101', '001'), b: idNumber('19920715', '012'), c: idNumber('19651130', '023') };

  beforeAll(async () => {
    web = await startWebService();
    keys.window = await web.svc.key('window', 'H152201-C01');
    keys.admin = await web.svc.key('admin');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  it('admin: a people file with 2 bad rows is refused listing both, nothing applied; a good file is tried (counts), confirmed, applied', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.admin, '/window');
    expect(await page.locator('.nav a').allTextContents()).toContain('登记库导入');
    await page.goto('/');
    await page.waitForSelector('body.ready');
    expect(await page.locator('#home-links a').allTextContents()).toContain('登记库导入');
    await page.click('#home-links a:has-text("登记库导入")');
    await page.waitForURL((u) => u.pathname === '/register');
    await page.waitForSelector('body.ready');
    await page.setViewportSize({ width: 1024, height: 900 });
    expect(await page.isDisabled('#apply-btn')).toBe(true);

    // Chinese headers; line 3 has a wrong check character, line 5 an impossible date.
    const bad = join(dir, '人员-有误.csv');
    writeFileSync(
      bad,
      [
        '人员编号,姓名,身份证号,旗县,参保地,人员类别,开始日期,结束日期',
        `E2E-P-001,测试甲,${ids.a},乌兰浩特市,152200,poverty,2018-01-01,2018-06-30`,
        `E2E-P-002,测试乙,${wrongCheck(ids.b)},乌兰浩特市,152200,resident,2016-01-01,`,
        `E2E-P-001,测试甲,${ids.a},乌兰浩特市,152200,resident,2018-07-01,`,
        `E2E-P-003,测试丙,${ids.c},科尔沁右翼前旗,152200,poverty,2018-13-01,`,
        '',
      ].join('\n'),
    );
    await page.setInputFiles('#register-file', bad);
    await expect.poll(() => page.textContent('#file-state')).toContain('人员-有误.csv');
    await page.click('#dry-run-btn');
    await page.waitForSelector('[data-testid=issues]');
    const issueRows = page.locator('[data-testid=issues] tbody tr');
    expect(await issueRows.count()).toBe(2);
    const cells = async (i: number) => issueRows.nth(i).locator('td').allTextContents();
    const [first, second] = [await cells(0), await cells(1)];
    expect(first.slice(0, 2)).toEqual(['3', '身份证号']);
    expect(first[2]).toContain('校验码');
    expect(second.slice(0, 2)).toEqual(['5', '开始日期']);
    expect(second[2]).toContain('不是有效日期');
    expect(await page.textContent('[data-testid=issue-count]')).toContain('共 2 处问题（涉及 2 行）');
    expect(await page.textContent('[data-testid=outcome]')).toBe('未导入');
    expect(await page.isDisabled('#apply-btn')).toBe(true);
    expect((await get(keys.admin, '/v1/people/E2E-P-001')).status).toBe(404);
    expect((await get(keys.admin, '/v1/people/E2E-P-002')).status).toBe(404);
    expect(await fitsWidth(page)).toBe(true);
    await screenshot(page, '13-register-issues');

    // The corrected file, English headers: tried first (nothing changes), then confirmed.
    const good = join(dir, 'people-2018-06.csv');
    writeFileSync(
      good,
      [
        'id,name,idNumber,county,insuredRegion,population,from,to',
        `E2E-P-001,测试甲,${ids.a},乌兰浩特市,152200,poverty,2018-01-01,2018-06-30`,
        `E2E-P-002,测试乙,${ids.b},乌兰浩特市,152200,resident,2016-01-01,`,
        `E2E-P-001,测试甲,${ids.a},乌兰浩特市,152200,resident,2018-07-01,`,
        `E2E-P-003,测试丙,${ids.c},科尔沁右翼前旗,152200,poverty,2018-03-01,`,
        '',
      ].join('\n'),
    );
    await page.setInputFiles('#register-file', good);
    await expect.poll(() => page.textContent('#file-state')).toContain('people-2018-06.csv');
    expect(await page.isVisible('#register-result')).toBe(false);
    await page.fill('#source', '兴安盟 2018 年 6 月建档立卡名单（端到端测试）');
    await page.click('#dry-run-btn');
    await page.waitForSelector('[data-testid=counts]');
    expect(await page.textContent('[data-testid=outcome]')).toBe('试导入 · 未更改');
    expect(await page.textContent('[data-testid=register-message]')).toContain('新增人员 3');
    const count = (key: string) => page.textContent(`[data-testid=counts] td[data-count=${key}]`);
    expect(await count('newPeople')).toBe('3');
    expect(await count('changed')).toBe('0');
    expect(await count('membershipsStarted')).toBe('4');
    expect(await count('membershipsWithdrawn')).toBe('0');
    expect(await page.locator('[data-testid=counts] thead tr:last-child th').allTextContents()).toEqual(['新增', '变更', '未变', '开始', '结束', '撤回']);
    expect(await page.isEnabled('#apply-btn')).toBe(true);
    expect((await get(keys.admin, '/v1/people/E2E-P-001')).status).toBe(404);
    expect(await fitsWidth(page)).toBe(true);
    await screenshot(page, '14-register-dry-run');

    await page.click('#apply-btn');
    await expect.poll(() => page.textContent('[data-testid=outcome]')).toBe('已导入');
    expect(await page.textContent('[data-testid=register-message]')).toMatch(/^已导入 people-2018-06\.csv（4 行），批次 RP-/);
    expect(await count('newPeople')).toBe('3');
    expect(await page.isDisabled('#apply-btn')).toBe(true);
    const person = await get(keys.admin, '/v1/people/E2E-P-001?on=2018-06-30&on=2018-07-01');
    expect(person.status).toBe(200);
    expect(person.body.name).toBe('测试甲');
    expect(person.body.memberships.map((m: { population: string }) => m.population)).toEqual(['poverty', 'resident']);
    expect(person.body.inForce['2018-07-01'][0].population).toBe('resident');
    expect((await get(keys.admin, '/v1/people/E2E-P-003')).status).toBe(200);
    // The page shows only what the API answers: never a whole ID number.
    const html = await page.content();
    for (const id of Object.values(ids)) expect(html).not.toContain(id);
    await screenshot(page, '15-register-applied');

    // The same file again: a dry run finds nothing to change, so there is nothing to confirm.
    await page.setInputFiles('#register-file', good);
    await page.click('#dry-run-btn');
    await expect.poll(() => page.textContent('[data-testid=outcome]')).toBe('无需更改');
    expect(await page.isDisabled('#apply-btn')).toBe(true);

    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('admin: a hospitals file as JSON Lines is tried with its own counts; a file with 620 bad rows lists the first 500 and says how many more', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.admin, '/window');
    await page.goto('/register');
    await page.waitForSelector('body.ready');
    await page.setViewportSize({ width: 1024, height: 900 });
    await page.check('input[name=kind][value=hospitals]');
    expect(await page.textContent('#columns-hint')).toContain('code,name,regionCode,regionName,county,tier,from,to');
    const hospitals = join(dir, 'hospitals.jsonl');
    writeFileSync(
      hospitals,
      [
        { code: 'E2E-H-01', name: '测试镇卫生院', regionCode: '152201', regionName: '乌兰浩特市', county: '乌兰浩特市', tier: 'township', from: '2016-01-01', to: '2018-06-30' },
        { code: 'E2E-H-01', name: '测试镇卫生院', regionCode: '152201', regionName: '乌兰浩特市', county: '乌兰浩特市', tier: 'county', from: '2018-07-01' },
      ]
        .map((o) => JSON.stringify(o))
        .join('\n'),
    );
    await page.setInputFiles('#register-file', hospitals);
    await expect.poll(() => page.textContent('#file-state')).toContain('JSON Lines');
    await page.click('#dry-run-btn');
    await page.waitForSelector('[data-testid=counts]');
    expect(await page.textContent('[data-testid=outcome]')).toBe('试导入 · 未更改');
    expect(await page.locator('[data-testid=counts] thead tr:last-child th').allTextContents()).toEqual(['新增', '变更', '未变', '记录等级期间']);
    expect(await page.textContent('[data-testid=counts] td[data-count=newHospitals]')).toBe('1');
    expect(await page.textContent('[data-testid=counts] td[data-count=tiersRecorded]')).toBe('2');
    expect(await page.isEnabled('#apply-btn')).toBe(true);
    // Another kind forgets the dry run: confirming needs a dry run of this file as this kind.
    await page.check('input[name=kind][value=people]');
    expect(await page.isDisabled('#apply-btn')).toBe(true);

    // 620 rows, each with an unknown population: all 620 are counted, 500 drawn, the rest said.
    const many = join(dir, 'people-many.csv');
    const rows = Array.from({ length: 620 }, (_, i) => {
      const id = idNumber('19700101', String(100 + i).padStart(3, '0'));
      return `E2E-M-${i},测试${i},${id},乌兰浩特市,152200,martian,2018-01-01,`;
    });
    writeFileSync(many, ['id,name,idNumber,county,insuredRegion,population,from,to', ...rows].join('\n'));
    await page.setInputFiles('#register-file', many);
    await page.click('#dry-run-btn');
    await page.waitForSelector('[data-testid=issues]');
    expect(await page.locator('[data-testid=issues] tbody tr').count()).toBe(500);
    expect(await page.textContent('[data-testid=issue-count]')).toBe('共 620 处问题（涉及 620 行），下表列出前 500 处，另有 120 处未列出');
    expect(await page.textContent('[data-testid=issues-more]')).toContain('另有 120 处');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#issues-csv')]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.replace(/^\uFEFF/, '').split('\r\n')).toHaveLength(621);
    expect((await get(keys.admin, '/v1/people/E2E-M-0')).status).toBe(404);

    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('window: the person lookup shows the register entry and what is in force on the admission and discharge dates', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.window, '/window');
    expect(await page.locator('.nav a').allTextContents()).toEqual(['结算窗口']);
    await page.setViewportSize({ width: 1024, height: 900 });
    await page.fill('#personId', 'P-000155');
    await page.fill('#admitted', '2018-06-25');
    await page.fill('#discharged', '2018-07-05');
    await page.click('#find-person');
    await page.waitForSelector('#person-info [data-testid=in-force]');
    expect(await page.textContent('#person-info [data-testid=person-name]')).toMatch(/^胡海军（/);
    const entry = await get(keys.window, '/v1/people/P-000155');
    expect(await page.textContent('#person-info [data-testid=person-name]')).toBe(`胡海军（${entry.body.idNumber}）`);
    expect(await page.textContent('#person-info')).not.toContain('152201197512049996');
    expect(await page.textContent('#person-info [data-testid=person-region]')).toContain('参保地 152200');
    expect(await page.locator('#person-info [data-testid=memberships] tbody tr').count()).toBe(3);
    expect(await page.locator('#person-info [data-testid=memberships] tbody tr:last-child td').allTextContents()).toEqual(['城乡居民', '2018-07-01', '至今']);
    const inForce = page.locator('#person-info [data-testid=in-force]');
    expect(await inForce.allTextContents()).toEqual([
      '入院日期 2018-06-25：建档立卡贫困人口（2018-01-01 至 2018-06-30）',
      '出院日期 2018-07-05：城乡居民（2018-07-01 至今）',
    ]);
    // The accumulators are still shown, and the year's statement prints from here.
    expect(await page.textContent('#person-info dl')).toContain('2018 年度累计');
    await page.evaluate('window.print = () => {}');
    await page.click('#person-info [data-testid=print-statement]');
    await page.waitForSelector('#statement-print pre');
    const statement = (await page.textContent('#statement-print pre')) ?? '';
    expect(statement).toContain('2018 年度结算汇总　参保人 胡海军（P-000155');
    expect(statement).not.toContain('152201197512049996');
    await page.evaluate("dispatchEvent(new Event('afterprint'))");
    expect(await fitsWidth(page)).toBe(true);
    await page.locator('#h-visit').scrollIntoViewIfNeeded();
    await screenshot(page, '16-window-person-register', { fullPage: false });

    // A changed date follows: before the first membership, nothing is in force (a warning).
    await page.fill('#admitted', '2015-06-01');
    await expect.poll(() => inForce.first().textContent()).toBe('入院日期 2015-06-01：无有效参保身份');
    expect(await inForce.first().getAttribute('class')).toContain('banner-warn');

    // The register page is the admin's.
    await page.goto('/register');
    await expect.poll(() => page.textContent('main')).toContain('此密钥不能使用「登记库导入」');

    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
