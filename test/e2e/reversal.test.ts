/**
 * 应补应退 in the pages, in Debian's Chromium against a real seeded service. One poor person with no
 * settlement of her own in the seeds (P-000016) has three bills in 2018: A (60,000.00, 兴安盟人民医院),
 * then B (乌兰浩特市人民医院) and C (兴安盟人民医院 again). Reversing A settles B and C again on the
 * corrected year-to-date, and both change (issue 23's example). On A's window page the reversal shows a
 * printable notice: each changed settlement, per fund the change, and for the patient 应补 or 应退 and
 * how much, as the API answered; it prints alone. B's window page lists B's adjustment under 应补应退通知
 * although A reversed. The auditor's receivables show the month's 撤销冲回 and 应补应退 rows, the CSV the
 * API's. Screenshots at 1024 px.
 */
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageProblems } from './checks.js';
import { HAVE_CHROMIUM, IN_CI, CHROMIUM, grouped, launchBrowser, login, newPage, printedText, screenshot, startWebService, type WebService } from './harness.js';

const A = 'H152200-L01';
const B = 'H152201-C01';
const PERSON = 'P-000016';
const FUNDS: Record<string, string> = { basic: '基本医保', seriousIllness: '大病保险', commercial: '商业补充保险', assistance: '医疗救助', backstop: '政府兜底' };

const bill = (billNo: string, hospital: string, discharged: string, inPolicy: string, outOfCatalogue?: string) => ({
  billNo,
  hospital: { code: hospital },
  person: { id: PERSON },
  visit: { type: 'inpatient', admitted: discharged, discharged },
  items: [
    { code: 'X1', name: '手术及治疗', class: 'A', unitPrice: inPolicy, quantity: '1', amount: inPolicy },
    ...(outOfCatalogue ? [{ code: 'X2', name: '自费材料', class: 'C', unitPrice: outOfCatalogue, quantity: '1', amount: outOfCatalogue }] : []),
  ],
});

/** Amounts as the notice writes them: no sign, thousands separators. */
const unsigned = (v: string) => grouped(v.replace(/^-/, ''));
const fundChange = (v: string) => (v.startsWith('-') ? `应追回 ${unsigned(v)} 元` : `应补付 ${unsigned(v)} 元`);
const patientChange = (direction: string | null, v: string) =>
  direction === '应补' ? `应补缴 ${unsigned(v)} 元（应补）` : direction === '应退' ? `应退还患者 ${unsigned(v)} 元（应退）` : '个人支付不变';

interface Adjustment {
  id: string;
  settlementId: string;
  reversalOf: string;
  funds: Record<string, string>;
  patientPays: string;
  patient: '应补' | '应退' | null;
  notice: string;
}

describe.runIf(IN_CI && !HAVE_CHROMIUM)('browser', () => {
  it('has Chromium under CI', () => {
    throw new Error(`CI=true but no Chromium at ${CHROMIUM}: scripts/test-env.d/chromium.sh installs it (apt-get install chromium)`);
  });
});

describe.skipIf(!HAVE_CHROMIUM)('应补应退 in the pages, in Chromium', () => {
  let web: WebService;
  let browser: Browser;
  const keys = { a: '', b: '', auditor: '' };
  const api = (key: string) => ({
    get: (path: string) => request(web.svc.app).get(path).set('Authorization', `Bearer ${key}`),
    post: (path: string, body: object) => request(web.svc.app).post(path).set('Authorization', `Bearer ${key}`).send(body),
  });
  const ids = { a: '', b: '', c: '' };
  /** The adjustment each of B and C got, as the API keeps it. */
  const adjustmentOf = async (id: string): Promise<Adjustment> => {
    const view = await api(keys.auditor).get(`/v1/settlements/${id}`);
    expect(view.status).toBe(200);
    expect(view.body.adjustments).toHaveLength(1);
    return view.body.adjustments[0] as Adjustment;
  };

  beforeAll(async () => {
    web = await startWebService();
    keys.a = await web.svc.key('window', A);
    keys.b = await web.svc.key('window', B);
    keys.auditor = await web.svc.key('auditor');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  it('hospital A: settles A, later B (hospital B) and C are settled; reversing A shows the notice of B and C with 应补/应退 per fund, as the API has them, and prints it alone', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.a, '/window');
    await page.setViewportSize({ width: 1024, height: 900 });
    // Bill A, pasted as JSON and settled at the window.
    await page.click('#import summary');
    await page.fill('#import-text', JSON.stringify(bill('E2E-RV-A', A, '2018-03-10', '40000.00', '20000.00')));
    await page.click('#import-paste');
    await expect.poll(() => page.inputValue('#billNo')).toBe('E2E-RV-A');
    await page.click('#settle-btn');
    await page.waitForSelector('[data-testid=settlement-id]');
    ids.a = (await page.textContent('[data-testid=settlement-id]'))!;
    // Later the same year: B at the other hospital, C here again.
    const b = await api(keys.b).post('/v1/settlements', bill('E2E-RV-B', B, '2018-05-10', '10000.00'));
    const c = await api(keys.a).post('/v1/settlements', bill('E2E-RV-C', A, '2018-06-10', '8000.00'));
    expect([b.status, c.status]).toEqual([201, 201]);
    ids.b = b.body.id;
    ids.c = c.body.id;

    // Reverse A.
    expect(await page.isVisible('[data-testid=reversal-notice]')).toBe(false);
    await page.click('#reverse-btn');
    await page.fill('#reverse-reason', '端到端测试：金额录入错误');
    await page.click('#reverse-confirm');
    await page.waitForSelector('[data-testid=reversed]');
    const notice = page.locator('[data-testid=reversal-notice]');
    await notice.waitFor();
    expect(await notice.locator('[data-testid=readjudication-outcome]').textContent()).toBe('其后 2 笔结算已按更正后的年度累计重新结算，其中 2 笔金额变化：');

    // Each changed settlement, in the ledger's order, with per fund the change and the patient's 应补/应退, as stored.
    const listed = notice.locator('[data-testid=adjusted-settlement]');
    expect(await listed.evaluateAll((els) => els.map((e) => e.getAttribute('data-settlement')))).toEqual([ids.b, ids.c]);
    let owes = 0;
    for (const [id, billNo, hospital] of [
      [ids.b, 'E2E-RV-B', '乌兰浩特市人民医院（其他医院）'],
      [ids.c, 'E2E-RV-C', '兴安盟人民医院'],
    ] as const) {
      const adj = await adjustmentOf(id);
      expect(adj.reversalOf).toBe(ids.a);
      expect(adj.patient).not.toBeNull();
      const block = notice.locator(`[data-testid=adjusted-settlement][data-settlement="${id}"]`);
      expect(await block.locator('h3').textContent()).toContain(`账单 ${billNo}`);
      expect(await block.locator('h3').textContent()).toContain(hospital);
      for (const [fund, amount] of Object.entries(adj.funds)) {
        expect(await block.locator(`tr[data-fund=${fund}] td`).allTextContents()).toEqual([FUNDS[fund], fundChange(amount)]);
      }
      expect(await block.locator('tr[data-fund]').count()).toBe(Object.keys(adj.funds).length);
      expect(await block.locator('[data-testid=patient-change]').textContent()).toBe(patientChange(adj.patient, adj.patientPays));
      owes += Math.round(Number(adj.patientPays) * 100);
    }
    // The patient's total: 应补 here (both settlements lost the deductible A had met).
    const total = (owes / 100).toFixed(2);
    expect(await notice.locator('.card-head [data-testid=patient-direction]').textContent()).toBe(`患者应补 ${grouped(total)} 元`);
    expect(await notice.locator('[data-testid=readjudication-patient]').textContent()).toBe(`合计：患者应补缴 ${grouped(total)} 元（应补）。`);
    expect(await notice.textContent()).toContain('涉及其他医院（乌兰浩特市人民医院）的结算，由该医院与患者及各基金办理');
    // This hospital's own adjusted settlement (C) is in its 应补应退通知 list too; B's is not.
    await expect.poll(() => page.locator('#adjustments-list [data-testid=adjustment]').evaluateAll((els) => els.map((e) => e.getAttribute('data-settlement')))).toEqual([ids.c]);

    // At 1440 px too (the notice in the result column beside the form), and there it scrolls into view.
    await page.setViewportSize({ width: 1440, height: 900 });
    expect(await pageProblems(page, '结算窗口（撤销后）at 1440 px')).toEqual([]);
    await notice.locator('#notice-print').scrollIntoViewIfNeeded();
    expect(await notice.locator('#notice-print').isVisible()).toBe(true);
    await page.setViewportSize({ width: 1024, height: 900 });
    expect(await pageProblems(page, '结算窗口（撤销后）at 1024 px')).toEqual([]);
    await notice.scrollIntoViewIfNeeded();
    await screenshot(page, '26-window-reversal-notice', { fullPage: false });

    // 打印 prints the notice alone: its title and lines to sign, none of the form.
    const paper = await printedText(page, () => notice.locator('#notice-print').click());
    expect(paper).toContain('应补应退通知');
    expect(paper).toContain('E2E-RV-B');
    expect(paper).toContain('患者（家属）签字');
    for (const other of ['费用明细', '最近结算', '结算单', '打印']) expect(paper, other).not.toContain(other);
    await screenshot(page, '26-window-reversal-notice-print');
    await page.emulateMedia({ media: 'screen' });

    // 关闭 puts it away.
    await notice.locator('#notice-close').click();
    expect(await notice.isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('hospital B: its 应补应退通知 lists the adjustment of its settlement made by A’s reversal, with the API’s notice, and prints it', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.b, '/window');
    await page.setViewportSize({ width: 1024, height: 900 });
    const adj = await adjustmentOf(ids.b);
    const mine = await api(keys.b).get('/v1/adjustments');
    expect(mine.body.items.map((x: { id: string }) => x.id)).toEqual([adj.id]);

    const item = page.locator('#adjustments-list [data-testid=adjustment]');
    await expect.poll(() => item.count()).toBe(1);
    expect(await item.getAttribute('data-settlement')).toBe(ids.b);
    // The list's notice names the hospital, the bill and the discharge date too.
    const listedNotice = mine.body.items[0].notice as string;
    expect(listedNotice).toContain('乌兰浩特市人民医院，账单 E2E-RV-B');
    expect(await item.locator('[data-testid=adjustment-notice]').textContent()).toBe(listedNotice);
    expect(await item.locator('[data-testid=patient-direction]').textContent()).toBe(
      adj.patient === '应补' ? `患者应补 ${unsigned(adj.patientPays)} 元` : `应退患者 ${unsigned(adj.patientPays)} 元`,
    );
    expect(await item.textContent()).toContain(`因兴安盟人民医院撤销结算 ${ids.a}（账单 E2E-RV-A）而重新结算`);
    expect(await page.textContent('#adjustments-state')).toContain('共 1 条');
    expect(await pageProblems(page, '结算窗口（其他医院）')).toEqual([]);
    await page.locator('#adjustments').scrollIntoViewIfNeeded();
    await screenshot(page, '27-window-adjustment-notices', { fullPage: false });

    // On paper: the notice with per fund the change, nothing else of the page.
    const paper = await printedText(page, () => item.locator('.adjustment-print').click());
    expect(paper).toContain(listedNotice);
    for (const fund of Object.keys(adj.funds)) expect(paper).toContain(FUNDS[fund]);
    expect(paper).toContain('患者（家属）签字');
    for (const other of ['费用明细', '最近结算', '查看结算']) expect(paper, other).not.toContain(other);
    await page.emulateMedia({ media: 'screen' });

    // 查看结算 opens it: its figures have moved since, and the page says so.
    await item.getByRole('button', { name: '查看结算' }).click();
    await page.waitForSelector('[data-testid=adjusted]');
    expect(await page.textContent('[data-testid=settlement-id]')).toBe(ids.b);
    const now = await api(keys.b).get(`/v1/settlements/${ids.b}`);
    expect(await page.textContent('[data-testid=adjusted]')).toContain(`个人支付 ${grouped(now.body.current.patientPays)} 元`);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('auditor: the month of the reversal has 撤销冲回 and 应补应退 rows in the receivables (类型 column, negative amounts), and the CSV is the API’s', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.auditor, '/audit');
    await page.setViewportSize({ width: 1024, height: 900 });
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const from = `${today.slice(0, 8)}01`;
    const rec = await api(keys.auditor).get(`/v1/reports/receivables?from=${from}&to=${today}`);
    expect(rec.status).toBe(200);
    const kinds = new Set((rec.body.rows as { kind: string }[]).map((r) => r.kind));
    expect(kinds).toEqual(new Set(['reversal', 'adjustment']));

    await page.click('#tab-receivables');
    await page.fill('#r-from', from);
    await page.fill('#r-to', today);
    await page.click('#rec-btn');
    await page.waitForSelector('#rec-result table[data-testid=receivables]');
    const rows = page.locator('[data-testid=receivables] tbody tr');
    expect(await page.locator('[data-testid=receivables] thead th').nth(2).textContent()).toBe('类型');
    const shown = await rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-kind'), tr.children[2]!.textContent]));
    // Per hospital and kind: A's reversal and its adjustment (C), B's adjustment.
    expect(shown).toEqual([
      ['reversal', '撤销冲回'],
      ['adjustment', '应补应退'],
      ['adjustment', '应补应退'],
    ]);
    // A reversal takes back what the settlement stood at: its amounts are negative, in red.
    const reversal = rows.first();
    expect((await reversal.locator('td').last().textContent())!.startsWith('-')).toBe(true);
    expect(await reversal.locator('td.neg').count()).toBeGreaterThan(0);
    expect(await pageProblems(page, '稽核 应收款报表（撤销当月）')).toEqual([]);
    await screenshot(page, '28-audit-receivables-kinds', { fullPage: false });

    const csv = await api(keys.auditor).get(`/v1/reports/receivables?from=${from}&to=${today}&format=csv`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#rec-csv')]);
    expect(readFileSync((await download.path())!, 'utf8')).toBe(csv.text);
    expect(csv.text).toContain('撤销冲回');
    expect(csv.text).toContain('应补应退');
    expect(errors).toEqual([]);
    await context.close();
  });
});
