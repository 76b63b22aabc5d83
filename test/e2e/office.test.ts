/**
 * 经办结算 in the pages, in Debian's Chromium against a real seeded service: an office key of Xing'an
 * League (152200) enters a Beijing stay of P-000016 (no seeded settlements) at a hospital outside the
 * register (BJ-FW01 中国医学科学院阜外医院, 110000 北京市, 区外医院) whose basic insurance the cross-region
 * platform already paid: the application's missing fields and a payout larger than the step allows are
 * shown at their fields; 预结算 shows each layer, what was paid elsewhere and what each fund owes, as the
 * API computes them; 结算 stores it; the 二次补偿结算单 prints the paid-elsewhere line, the approval and a
 * line to sign; the 支付清单 lists it and downloads as CSV. An office key of another league is refused
 * the person, said at the person's field. Assistance on application (依申请救助) by the bill's four buckets
 * (no items) with what basic, serious-illness and commercial cover already paid: settled as the API
 * computes it, and its slip prints the buckets and the application as the server recorded them (not as
 * the form says after). 撤销 of an office settlement from the page (P-000049, no seeded settlements):
 * the reason asked for, 已撤销 shown, and the 应补应退 of the person's later window settlement, as the
 * API keeps it, in a notice that prints alone; a refusal of the server said under the button.
 * Screenshots at 1024 px wide, as pages.test.ts takes them.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../src/access/keys.js';
import { WIDTHS, pageProblems } from './checks.js';
import { HAVE_CHROMIUM, IN_CI, CHROMIUM, grouped, launchBrowser, login, newPage, printedText, screenshot, startWebService, type WebService } from './harness.js';

const PERSON = 'P-000016';

/** The checks of checks.ts at both widths, back at 1024 px after. */
async function problemsAtWidths(page: Page, label: string): Promise<string[]> {
  const out: string[] = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    out.push(...(await pageProblems(page, `${label} at ${width} px`)));
  }
  await page.setViewportSize({ width: 1024, height: 900 });
  return out;
}
const ROWS = '#items tbody tr:not(.row-errors)';
const VISIT = { type: 'inpatient', admitted: '2018-09-01', discharged: '2018-09-15' };
const DIAGNOSIS = { code: 'I25.103', name: '冠状动脉粥样硬化性心脏病' };
const ITEMS = [
  { code: 'Z001', name: '床位费', class: 'A', unitPrice: '120.00', quantity: '14', amount: '1680.00' },
  { code: 'S201', name: '冠状动脉旁路移植术', class: 'A', unitPrice: '38000.00', quantity: '1', amount: '38000.00' },
  { code: 'D101', name: '头孢曲松钠注射液', class: 'B', selfPayRatio: '0.10', unitPrice: '25.50', quantity: '20', amount: '510.00' },
  { code: 'M301', name: '进口心脏瓣膜', class: 'C', unitPrice: '12000.00', quantity: '1', amount: '12000.00' },
];
const HOSPITAL = { code: 'BJ-FW01', name: '中国医学科学院阜外医院', regionCode: '110000', regionName: '北京市' };
const APPLICATION = {
  applicant: '吕桂芬',
  relation: '本人',
  documents: ['异地就医结算单', '住院发票', '出院小结'],
  approvedBy: '兴安盟医保经办 王某',
  approvedOn: '2018-09-20',
  reference: 'XAM-JB-2018-0915',
  bankAccount: '农业银行 6228****1234',
};

/** The request the page should post, for the API's own answer to compare with. */
function officeRequest(billNo: string, basicPaid?: string) {
  return {
    bill: {
      billNo,
      hospital: { code: HOSPITAL.code, tier: 'outOfProvince' },
      person: { id: PERSON },
      visit: VISIT,
      diagnoses: [DIAGNOSIS],
      items: ITEMS,
      ...(basicPaid ? { paidElsewhere: { basic: { payout: basicPaid } } } : {}),
    },
    hospital: { name: HOSPITAL.name, regionCode: HOSPITAL.regionCode, regionName: HOSPITAL.regionName },
    payee: 'patient',
    application: APPLICATION,
  };
}

/** The visit, the hospital outside the register and the items, typed in as a clerk would. */
async function enterBill(page: Page, billNo: string): Promise<void> {
  await page.fill('#billNo', billNo);
  await page.fill('#personId', PERSON);
  await page.selectOption('#visitType', VISIT.type);
  await page.fill('#admitted', VISIT.admitted);
  await page.fill('#discharged', VISIT.discharged);
  await page.fill('#diagnoses tbody tr:first-child [data-dx=code]', DIAGNOSIS.code);
  await page.fill('#diagnoses tbody tr:first-child [data-dx=name]', DIAGNOSIS.name);
  await page.fill('#hospitalCode', HOSPITAL.code);
  await page.fill('#hospitalName', HOSPITAL.name);
  await page.fill('#regionCode', HOSPITAL.regionCode);
  for (const [i, item] of ITEMS.entries()) {
    if (i > 0) await page.click('#add-row');
    const row = page.locator(ROWS).nth(i);
    await row.locator('[data-field=code]').fill(item.code);
    await row.locator('[data-field=name]').fill(item.name);
    await row.locator('[data-field=class]').selectOption(item.class);
    if (item.selfPayRatio) await row.locator('[data-field=selfPayRatio]').fill(item.selfPayRatio);
    await row.locator('[data-field=unitPrice]').fill(item.unitPrice);
    await row.locator('[data-field=quantity]').fill(item.quantity);
  }
}

/** Assistance on application: P-000101 (no seeded settlements) at a league hospital in the register, by buckets. */
const APPLICANT = 'P-000101';
const BUCKET_VISIT = { type: 'inpatient', admitted: '2018-06-11', discharged: '2018-06-25' };
const BUCKETS = { outOfCatalog: '1500.00', overLimit: '18.00', preSelfPay: '28.80', inPolicy: '38659.20' };
const ASSISTANCE = { ...APPLICATION, applicant: '魏素梅', documents: ['医疗救助申请表', '住院发票', '基本医保结算单'], reference: 'XAM-JZ-2018-0702', approvedOn: '2018-07-02' };
function bucketsRequest(billNo: string, paid?: Record<string, { payout: string }>) {
  return {
    bill: { billNo, hospital: { code: 'H152200-L01' }, person: { id: APPLICANT }, visit: BUCKET_VISIT, buckets: BUCKETS, ...(paid ? { paidElsewhere: paid } : {}) },
    payee: 'patient',
    application: ASSISTANCE,
  };
}

/** 撤销: P-000049 (no seeded settlements), an office bill, then a window's later the same year at another hospital. */
const REVERSED = 'P-000049';
const LEAGUE = 'H152200-L01';
const LATER_AT = 'H152201-C01';
const stay = (billNo: string, hospital: string, discharged: string, inPolicy: string, outOfCatalogue?: string) => ({
  billNo,
  hospital: { code: hospital },
  person: { id: REVERSED },
  visit: { type: 'inpatient', admitted: discharged, discharged },
  items: [
    { code: 'X1', name: '手术及治疗', class: 'A', unitPrice: inPolicy, quantity: '1', amount: inPolicy },
    ...(outOfCatalogue ? [{ code: 'X2', name: '自费材料', class: 'C', unitPrice: outOfCatalogue, quantity: '1', amount: outOfCatalogue }] : []),
  ],
});
const REVERSAL_APPLICATION = { ...APPLICATION, applicant: '鲍额尔和木', reference: 'XAM-JB-2018-0312', approvedOn: '2018-03-20' };
const FUND_NAMES: Record<string, string> = { basic: '基本医保', seriousIllness: '大病保险', commercial: '商业补充保险', assistance: '医疗救助', backstop: '政府兜底' };
/** A change as the notice writes it: no sign, thousands separators. */
const unsigned = (v: string) => grouped(v.replace(/^-/, ''));
const fundChange = (v: string) => (Number(v) === 0 ? '不变' : v.startsWith('-') ? `应追回 ${unsigned(v)} 元` : `应补付 ${unsigned(v)} 元`);
const patientChange = (direction: string | null, v: string) =>
  direction === '应补' ? `应补缴 ${unsigned(v)} 元（应补）` : direction === '应退' ? `应退还患者 ${unsigned(v)} 元（应退）` : '个人支付不变';

async function enterApplication(page: Page, application: typeof APPLICATION = APPLICATION): Promise<void> {
  await page.fill('#applicant', application.applicant);
  await page.fill('#relation', application.relation);
  // One document by Enter, the others by the button.
  await page.fill('#doc-input', application.documents[0]!);
  await page.press('#doc-input', 'Enter');
  for (const d of application.documents.slice(1)) {
    await page.fill('#doc-input', d);
    await page.click('#add-document');
  }
  await page.fill('#approvedBy', application.approvedBy);
  await page.fill('#approvedOn', application.approvedOn);
  await page.fill('#reference', application.reference);
  await page.fill('#bankAccount', application.bankAccount);
}

describe.runIf(IN_CI && !HAVE_CHROMIUM)('browser', () => {
  it('has Chromium under CI', () => {
    throw new Error(`CI=true but no Chromium at ${CHROMIUM}: scripts/test-env.d/chromium.sh installs it (apt-get install chromium)`);
  });
});

describe.skipIf(!HAVE_CHROMIUM)('经办结算 in Chromium', () => {
  let web: WebService;
  let browser: Browser;
  const keys = { office: '', otherLeague: '', window: '' };
  const api = (key: string) => ({
    get: (path: string) => request(web.svc.app).get(path).set('Authorization', `Bearer ${key}`),
    post: (path: string, body: object) => request(web.svc.app).post(path).set('Authorization', `Bearer ${key}`).send(body),
  });

  beforeAll(async () => {
    web = await startWebService();
    keys.office = (await createKey(web.svc.store, { role: 'office', regionCode: '152200' })).secret;
    keys.otherLeague = (await createKey(web.svc.store, { role: 'office', regionCode: '150900' })).secret;
    keys.window = await web.svc.key('window', LATER_AT);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  it('a Beijing stay with basic paid elsewhere: errors at their fields, preview with what each fund owes, settle, print the 二次补偿结算单, listed for payment', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.office, '/office');
    expect(await page.locator('.nav a').allTextContents()).toEqual(['经办结算']);
    expect(await page.textContent('.who-role')).toBe('医保经办');
    await page.setViewportSize({ width: 1024, height: 900 });
    await expect.poll(() => page.textContent('#payments-state')).toContain('没有应付给参保人的款项');

    await enterBill(page, 'E2E-OF-0016');
    // A region code the page knows names its region; outside Inner Mongolia the hospital is 区外.
    expect(await page.inputValue('#regionName')).toBe(HOSPITAL.regionName);
    expect(await page.inputValue('#hospitalTier')).toBe('outOfProvince');
    expect(await page.textContent('#items-sum')).toBe('52,190.00');

    // The payee is asked for here; the application's missing fields are the API's to name, each at its field.
    await page.click('#preview-btn');
    await expect.poll(() => page.textContent('#payee-field .field-error')).toContain('请选择收款方');
    await page.check('#payee-patient');
    await page.fill('#approvedOn', APPLICATION.approvedOn);
    await page.click('#preview-btn');
    await expect.poll(() => page.textContent('#form-summary')).toContain('处需要修改');
    expect(await page.getAttribute('#applicant', 'aria-invalid')).toBe('true');
    expect(await page.textContent('#applicant ~ .field-error')).toContain('不能为空');
    expect(await page.getAttribute('#approvedBy', 'aria-invalid')).toBe('true');
    expect(await page.textContent('#documents-field .field-error')).toContain('至少列出一份已查验的材料');
    expect(await page.textContent('#form-summary')).toContain('已查验材料：');
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, '29-office-field-errors');
    expect(await problemsAtWidths(page, '经办结算（申请有误）')).toEqual([]);

    await enterApplication(page);
    expect(await page.locator('#documents li').evaluateAll((els) => els.map((e) => e.getAttribute('data-doc')))).toEqual(APPLICATION.documents);
    // The same stay previewed without anything paid elsewhere: the basic step's payout is what the platform paid.
    await page.click('#preview-btn');
    await page.waitForSelector('[data-testid=waterfall]');
    expect(await page.locator('.field-error').count()).toBe(0);
    const alone = await api(keys.office).post('/v1/office/settlements/preview', officeRequest('E2E-OF-API'));
    expect(alone.status).toBe(200);
    const basicPaid = alone.body.result.steps.find((s: { id: string }) => s.id === 'basic').payout as string;
    expect(await page.textContent('[data-testid=fund-basic]')).toBe(grouped(basicPaid));
    expect(await page.textContent('[data-testid=patient-pays] .value')).toBe(grouped(alone.body.result.patientPays));

    // 已由他处支付: the steps of the ruleset, by their names; the out-of-pocket cap is the patient's own.
    await page.click('#add-elsewhere');
    const pe = page.locator('#elsewhere tbody tr:not(.row-errors)').first();
    expect(await pe.locator('[data-pe=step]').inputValue()).toBe('basic');
    const steps = await pe.locator('[data-pe=step] option').allTextContents();
    expect(steps).toEqual(['基本医保', '大病保险', '商业补充保险', '医疗救助', '政府兜底（保底90%）']);
    expect(await page.textContent('#elsewhere-rules')).toContain('兴安盟 2018');
    // More than the step could pay: the API's issue on the row, named by its column.
    await pe.locator('[data-pe=payout]').fill('99999.00');
    await page.click('#preview-btn');
    await expect.poll(() => page.textContent('#elsewhere tr.row-errors')).toContain('已付金额（元）：');
    expect(await page.textContent('#elsewhere tr.row-errors')).toContain('超过了该步骤结算时尚未支付的政策范围内费用');
    expect(await pe.locator('[data-pe=payout]').getAttribute('aria-invalid')).toBe('true');
    expect(await page.textContent('#form-summary')).toContain('已由他处支付（基本医保） 已付金额');
    // The API's message names the step by its id: the page says its name, and nothing in English.
    expect(await page.textContent('#elsewhere tr.row-errors')).toContain('已由他处支付中步骤「基本医保」的已付金额 99999.00');
    expect(await problemsAtWidths(page, '经办结算（他处支付有误）')).toEqual([]);
    await pe.locator('[data-pe=payout]').fill(basicPaid);
    expect(await page.locator('#elsewhere tr.row-errors').count()).toBe(0);

    await page.click('#preview-btn');
    await expect.poll(() => page.textContent('#h-result')).toBe('预结算结果');
    await page.waitForSelector('[data-testid=owed]');
    const preview = await api(keys.office).post('/v1/office/settlements/preview', officeRequest('E2E-OF-API', basicPaid));
    expect(preview.status).toBe(200);
    const owed = preview.body.result.owed as Record<string, string>;
    expect(owed.basic).toBe('0.00');
    // The page may still show the previous preview (without what was paid elsewhere) for a moment.
    await expect.poll(() => page.textContent('[data-testid=owed-basic]')).toBe(grouped(owed.basic!));
    for (const [fund, amount] of Object.entries(owed)) {
      expect(await page.textContent(`[data-testid=owed-${fund}]`), fund).toBe(grouped(amount));
      expect(await page.textContent(`[data-testid=fund-${fund}]`), fund).toBe(grouped(preview.body.result.funds[fund]));
    }
    expect(await page.textContent('[data-testid=elsewhere-basic]')).toBe(grouped(basicPaid));
    const owedTotal = Object.values(owed).reduce((a, v) => a + Math.round(Number(v) * 100), 0);
    expect(await page.textContent('[data-testid=owed-total]')).toBe(grouped((owedTotal / 100).toFixed(2)));
    expect(await page.textContent('[data-testid=paid-elsewhere]')).toBe(`基本医保 已由他处支付 ${grouped(basicPaid)} 元`);
    expect(await page.textContent('[data-fund=basic] .wf-reason')).toContain('已由他处支付');
    expect(await page.textContent('[data-testid=patient-pays] .value')).toBe(grouped(preview.body.result.patientPays));
    expect(await page.textContent('[data-testid=actual-ratio]')).toBe(`${(Number(preview.body.result.actualRatio) * 100).toFixed(2)}%`);
    expect(await page.textContent('[data-testid=payee-line]')).toContain('参保人本人（收款账户 农业银行 6228****1234）');
    expect(await page.isVisible('#compensation-btn')).toBe(false);
    await page.locator('#result').scrollIntoViewIfNeeded();
    await screenshot(page, '30-office-preview');

    // 结算: stored as the office's, paid to the patient.
    await page.click('#settle-btn');
    await page.waitForSelector('[data-testid=settlement-id]');
    expect(await page.textContent('#banners')).toContain('结算成功');
    const id = (await page.textContent('[data-testid=settlement-id]'))!;
    const row = (await web.svc.settlements.getRow(id))!;
    expect(row).toMatchObject({ channel: 'office', payee: 'patient', person_id: PERSON, hospital_code: HOSPITAL.code });
    expect(JSON.parse(row.application_json!)).toEqual(APPLICATION);
    expect(await page.textContent('[data-testid=status]')).toBe('已结算');
    expect(await page.textContent('#result .status-line')).toContain('吕桂芬（152224********2529）');
    expect(await page.textContent(`[data-testid=owed-seriousIllness]`)).toBe(grouped(owed.seriousIllness!));
    expect(await page.getAttribute('#billNo', 'readonly')).not.toBeNull();
    await screenshot(page, '31-office-settled');

    // The 二次补偿结算单: who, where, what was paid elsewhere, what each fund pays now, the approval, a line to sign.
    await page.click('#compensation-btn');
    const frame = page.frameLocator('iframe.slip-frame');
    await expect.poll(() => frame.locator('body').textContent({ timeout: 10_000 })).toContain('健康扶贫二次补偿结算单');
    const paper = (await frame.locator('body').innerText())!;
    expect(paper).toContain(`基本医保 已由他处支付 ${grouped(basicPaid)} 元`);
    expect(paper).toContain(APPLICATION.reference);
    expect(paper).toContain(APPLICATION.approvedBy);
    expect(paper).toContain(APPLICATION.bankAccount);
    expect(paper).toContain('参保人本人（吕桂芬）');
    expect(paper).toContain('中国医学科学院阜外医院（BJ-FW01）');
    expect(paper).toContain('北京市（110000）');
    expect(paper).toContain('152224********2529');
    expect(paper).not.toContain('152224195302092529');
    expect(paper).toContain('52,190.00');
    expect(paper).toContain(grouped((owedTotal / 100).toFixed(2)));
    expect(paper).toContain(grouped(preview.body.result.patientPays));
    expect(paper).toContain('申请人（签字）');
    expect(await page.isEnabled('#compensation-print')).toBe(true);
    await screenshot(page, '32-office-compensation-slip', { fullPage: false });
    await page.click('dialog button[value=close]');

    // Settling again is a replay: nothing counted twice.
    await page.click('#settle-btn');
    await expect.poll(() => page.textContent('#banners')).toContain('没有重复记账');
    expect(await page.textContent('[data-testid=settlement-id]')).toBe(id);

    // 支付清单: the settlement, what the funds pay the patient, to the account the application gave.
    await page.fill('#pay-from', '2018-09-01');
    await page.fill('#pay-to', '2018-09-30');
    await page.click('#pay-refresh');
    const payment = page.locator(`#payments-table [data-testid=payment][data-settlement="${id}"]`);
    await expect.poll(() => payment.count()).toBe(1);
    const report = await api(keys.office).get('/v1/reports/payments?from=2018-09-01&to=2018-09-30');
    expect(report.body.rows).toHaveLength(1);
    expect(await payment.locator('[data-testid=payment-total]').textContent()).toBe(grouped(report.body.rows[0].total));
    expect(report.body.rows[0].total).toBe((owedTotal / 100).toFixed(2));
    expect(await payment.textContent()).toContain(APPLICATION.bankAccount);
    expect(await payment.textContent()).toContain('152224********2529');
    expect(await page.locator('#payments-table thead th').allTextContents()).toContain('大病保险');
    expect(await page.textContent('#payments-state')).toContain('共 1 条');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#pay-csv')]);
    expect(download.suggestedFilename()).toBe('支付清单_2018-09-01_2018-09-30.csv');
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv).toContain(id);
    expect(csv).toContain(APPLICATION.bankAccount);
    await page.locator('#payments').scrollIntoViewIfNeeded();
    await screenshot(page, '33-office-payments', { fullPage: false });

    // Another period: not listed.
    await page.fill('#pay-from', '2018-10-01');
    await page.fill('#pay-to', '2018-10-31');
    await page.click('#pay-refresh');
    await expect.poll(() => page.locator('#payments-table [data-testid=payment]').count()).toBe(0);

    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('assistance on application by the four buckets, with what the other layers paid: entered as text, previewed, settled, the slip printed from what the server recorded', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.office, '/office');
    await page.setViewportSize({ width: 1024, height: 900 });
    // What basic, serious-illness and commercial cover paid: their steps of the same stay, as the API computes them.
    const alone = await api(keys.office).post('/v1/office/settlements/preview', bucketsRequest('E2E-YSQ-API'));
    expect(alone.status, JSON.stringify(alone.body)).toBe(200);
    const payout = (id: string) => (alone.body.result.steps as { id: string; payout: string }[]).find((s) => s.id === id)!.payout;
    const paid = { basic: { payout: payout('basic') }, serious: { payout: payout('serious') }, commercial: { payout: payout('commercial') } };
    const expected = await api(keys.office).post('/v1/office/settlements/preview', bucketsRequest('E2E-YSQ-API', paid));
    expect(expected.status).toBe(200);

    await page.fill('#billNo', 'E2E-YSQ-0101');
    await page.fill('#personId', APPLICANT);
    await page.selectOption('#visitType', BUCKET_VISIT.type);
    await page.fill('#admitted', BUCKET_VISIT.admitted);
    await page.fill('#discharged', BUCKET_VISIT.discharged);
    await page.fill('#hospitalCode', 'H152200-L01');
    // 分类金额: the items give way to the four buckets.
    await page.check('#entry-buckets');
    expect(await page.isVisible('#items-panel')).toBe(false);
    expect(await page.isVisible('#buckets-panel')).toBe(true);
    expect(await page.locator('#buckets-fields label').allTextContents()).toEqual(['目录外全自费', '超限价自费', '乙类先行自付', '政策范围内']);
    // Typed as a clerk copies them: full-width digits and a thousands separator read exactly, an unreadable one said at its field.
    await page.fill('#bucket-outOfCatalog', '１,５００.００');
    await page.fill('#bucket-overLimit', '18');
    await page.fill('#bucket-preSelfPay', '28.8');
    await page.fill('#bucket-inPolicy', '38659.2x');
    expect(await page.textContent('#buckets-sum')).toBe('—');
    await page.check('#payee-patient');
    await enterApplication(page, ASSISTANCE);
    await page.click('#preview-btn');
    await expect.poll(() => page.textContent('#bucket-inPolicy ~ .field-error')).toContain('金额应为元');
    expect(await page.getAttribute('#bucket-inPolicy', 'aria-invalid')).toBe('true');
    await page.fill('#bucket-inPolicy', '38,659.20');
    expect(await page.getAttribute('#bucket-inPolicy', 'aria-invalid')).toBeNull();
    expect(await page.textContent('#buckets-sum')).toBe('40,206.00');

    // 已由他处支付: basic, serious-illness and commercial cover, in the rules' order.
    for (const [i, [, p]] of Object.entries(paid).entries()) {
      await page.click('#add-elsewhere');
      await page.locator('#elsewhere tbody tr:not(.row-errors)').nth(i).locator('[data-pe=payout]').fill(p.payout);
    }
    expect(await page.locator('#elsewhere [data-pe=step]').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value))).toEqual(Object.keys(paid));

    // A reload keeps the buckets and the way they were entered.
    await expect.poll(async () => JSON.parse(String(await page.evaluate('sessionStorage.getItem("onestop.office.draft")')))?.elsewhere?.[2]?.payout).toBe(paid.commercial.payout);
    await page.reload();
    await page.waitForSelector('body.ready');
    expect(await page.isChecked('#entry-buckets')).toBe(true);
    expect(await page.inputValue('#bucket-inPolicy')).toBe('38,659.20');
    expect(await page.textContent('#buckets-sum')).toBe('40,206.00');

    await page.click('#preview-btn');
    await expect.poll(() => page.textContent('#h-result')).toBe('预结算结果');
    await expect.poll(() => page.textContent('[data-testid=owed-total]')).not.toBeNull();
    const result = expected.body.result as { funds: Record<string, string>; owed: Record<string, string>; patientPays: string; buckets: Record<string, string> };
    await expect.poll(() => page.textContent('[data-testid=owed-assistance]')).toBe(grouped(result.owed.assistance!));
    for (const [fund, amount] of Object.entries(result.owed)) expect(await page.textContent(`[data-testid=owed-${fund}]`), fund).toBe(grouped(amount));
    expect(await page.textContent('[data-testid=patient-pays] .value')).toBe(grouped(result.patientPays));
    expect(await page.locator('[data-testid=paid-elsewhere] li').count()).toBe(3);
    expect(await problemsAtWidths(page, '经办结算（分类金额）')).toEqual([]);
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, '35-office-buckets-preview');

    // 结算: the server's answer names the payee and the application; the page shows them from it.
    await page.click('#settle-btn');
    await page.waitForSelector('[data-testid=settlement-id]');
    const id = (await page.textContent('[data-testid=settlement-id]'))!;
    const stored = await api(keys.office).get(`/v1/settlements/${id}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ payee: 'patient', application: ASSISTANCE, billForm: 'buckets', result: { buckets: BUCKETS, owed: result.owed } });
    expect(JSON.parse((await web.svc.settlements.getRow(id))!.bill_json)).toMatchObject({ buckets: BUCKETS, paidElsewhere: paid });
    expect(await page.textContent('[data-testid=payee-line]')).toContain(`收款账户 ${ASSISTANCE.bankAccount}`);
    expect(await problemsAtWidths(page, '经办结算（分类金额已结算）')).toEqual([]);
    await page.locator('#result').scrollIntoViewIfNeeded();
    await screenshot(page, '36-office-buckets-settled');

    // The form edited after settling does not change what the slip says: it prints what was recorded.
    await page.fill('#reference', 'XAM-JZ-EDITED');
    await page.click('#compensation-btn');
    const frame = page.frameLocator('iframe.slip-frame');
    await expect.poll(() => frame.locator('body').textContent({ timeout: 10_000 })).toContain('健康扶贫二次补偿结算单');
    const paper = (await frame.locator('body').innerText())!;
    expect(paper).toContain('医疗费用构成（按申请填报的分类金额，无费用明细）');
    for (const [name, amount] of [['目录外全自费', '1,500.00'], ['超限价自费', '18.00'], ['乙类先行自付', '28.80'], ['政策范围内', '38,659.20'], ['医疗费总额', '40,206.00']]) expect(paper).toMatch(new RegExp(`${name}\\s+${amount}`));
    expect(paper).toContain(ASSISTANCE.reference);
    expect(paper).not.toContain('XAM-JZ-EDITED');
    expect(paper).toContain('参保人本人（魏素梅）');
    expect(paper).toContain(`大病保险 已由他处支付 ${grouped(paid.serious.payout)} 元`);
    expect(paper).toContain(grouped(result.patientPays));
    await screenshot(page, '37-office-buckets-slip', { fullPage: false });
    await page.click('dialog button[value=close]');

    // A bill by its buckets pasted as JSON: the page takes the buckets and what was paid elsewhere, by buckets.
    await page.click('#new-bill');
    await page.check('#entry-items');
    await page.click('#import summary');
    await page.fill('#import-text', JSON.stringify(bucketsRequest('E2E-YSQ-0102', paid).bill));
    await page.click('#import-paste');
    await expect.poll(() => page.textContent('#import-state')).toContain('导入分类金额');
    expect(await page.isChecked('#entry-buckets')).toBe(true);
    expect(await page.inputValue('#bucket-inPolicy')).toBe(BUCKETS.inPolicy);
    expect(await page.textContent('#buckets-sum')).toBe('40,206.00');
    expect(await page.locator('#elsewhere [data-pe=payout]').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value))).toEqual(Object.values(paid).map((p) => p.payout));
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('an office key of another league: the person insured in 152200 is refused, said at the person field; a hospital outside the register without a name is asked for one', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.otherLeague, '/office');
    await page.setViewportSize({ width: 1024, height: 900 });
    await enterBill(page, 'E2E-OF-OTHER');
    await page.check('#payee-hospital');
    await enterApplication(page);
    await page.click('#preview-btn');
    await expect.poll(() => page.textContent('#personId ~ .field-error')).toContain('参保地');
    expect(await page.getAttribute('#personId', 'aria-invalid')).toBe('true');
    expect(await page.textContent('#form-summary')).toContain('150900');
    expect(await problemsAtWidths(page, '经办结算（参保地不符）')).toEqual([]);

    // The 152200 key, the hospital outside the register left unnamed: the page asks for its name.
    await page.click('.who button');
    await page.waitForURL((u) => u.pathname === '/login');
    await login(page, keys.office, '/office');
    // Logging out forgot the draft: a new bill.
    expect(await page.inputValue('#personId')).toBe('');
    await enterBill(page, 'E2E-OF-NONAME');
    // A code nobody has settled at yet (the first test's hospital is known now, as settled outside the register).
    await page.fill('#hospitalCode', 'BJ-XX99');
    await page.fill('#hospitalName', '');
    await page.fill('#regionCode', '');
    await page.fill('#regionName', '');
    await page.check('#payee-hospital');
    await enterApplication(page);
    await page.click('#preview-btn');
    await expect.poll(() => page.textContent('#hospitalCode ~ .field-error')).toContain('医院未登记');
    expect(await page.textContent('#hospitalName ~ .field-error')).toContain('须填写名称');
    expect(await page.textContent('#form-summary')).toContain('登记库以外的医院请填写医院名称');
    expect(await problemsAtWidths(page, '经办结算（医院未登记）')).toEqual([]);
    // A step the rules do not have for another visit type: the API's message, in the page's words.
    await page.fill('#hospitalName', HOSPITAL.name);
    await page.fill('#regionCode', HOSPITAL.regionCode);
    await page.click('#add-elsewhere');
    await page.locator('#elsewhere [data-pe=payout]').fill('100.00');
    await page.selectOption('#visitType', 'chronicOutpatient');
    // The step chosen for the stay stays chosen, said to be outside the rules now in force.
    await expect.poll(() => page.locator('#elsewhere [data-pe=step] option:checked').textContent()).toBe('基本医保（不在当前规则中）');
    await page.click('#preview-btn');
    await expect.poll(() => page.textContent('#elsewhere tr.row-errors')).toContain('不在规则「兴安盟 2018');
    expect(await page.textContent('#elsewhere tr.row-errors')).toContain('“门诊特慢性病”');
    expect(await problemsAtWidths(page, '经办结算（步骤不适用）')).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
  it('撤销 an office settlement: the reason asked for, 已撤销, the later window settlement settled again with its 应补应退 as the API keeps it, the notice printed; a refusal said under the button', async () => {
    const { context, page, errors } = await newPage(browser, web.base);
    await login(page, keys.office, '/office');
    await page.setViewportSize({ width: 1024, height: 900 });
    // The office bill, pasted as JSON, paid to the patient, and settled.
    await page.click('#import summary');
    await page.fill('#import-text', JSON.stringify(stay('E2E-OF-RV-A', LEAGUE, '2018-03-10', '40000.00', '20000.00')));
    await page.click('#import-paste');
    await expect.poll(() => page.inputValue('#billNo')).toBe('E2E-OF-RV-A');
    await page.check('#payee-patient');
    await enterApplication(page, REVERSAL_APPLICATION);
    await page.click('#settle-btn');
    await page.waitForSelector('[data-testid=settlement-id]');
    const officeId = (await page.textContent('[data-testid=settlement-id]'))!;
    expect((await web.svc.settlements.getRow(officeId))!.channel).toBe('office');
    // Later the same year, at a window of another hospital.
    const later = await api(keys.window).post('/v1/settlements', stay('E2E-OF-RV-B', LATER_AT, '2018-05-10', '10000.00'));
    expect(later.status, JSON.stringify(later.body)).toBe(201);
    const before = later.body.result as { patientPays: string };

    // 撤销: the reason is required, in the window's dialog.
    expect(await page.isVisible('[data-testid=reversal-notice]')).toBe(false);
    await page.click('#reverse-btn');
    await page.click('#reverse-confirm');
    await expect.poll(() => page.locator('dialog .field-error').textContent()).toContain('请填写撤销原因');
    expect(await page.textContent('dialog')).toContain(`将撤销结算 ${officeId}（鲍额尔和木，账单号 E2E-OF-RV-A`);
    await page.fill('#reverse-reason', '端到端测试：经办录入错误');
    await page.click('#reverse-confirm');
    await page.waitForSelector('[data-testid=reversed]');
    expect(await page.textContent('[data-testid=status]')).toBe('已撤销');
    expect(await page.textContent('[data-testid=reversed]')).toContain('撤销：端到端测试：经办录入错误');
    expect(await page.isVisible('#reverse-btn')).toBe(false);
    expect(await page.textContent('#banners')).toContain(`结算 ${officeId} 已撤销`);
    expect((await web.svc.settlements.getRow(officeId))!.status).toBe('reversed');

    // The notice: the later window settlement settled again, per fund and for the patient as the API keeps it.
    const notice = page.locator('[data-testid=reversal-notice]');
    await notice.waitFor();
    expect(await notice.locator('[data-testid=readjudication-outcome]').textContent()).toBe('其后 1 笔结算已按更正后的年度累计重新结算，其中 1 笔金额变化：');
    const stored = await api(keys.window).get(`/v1/settlements/${later.body.id}`);
    expect(stored.status).toBe(200);
    expect(stored.body.adjustments).toHaveLength(1);
    const adj = stored.body.adjustments[0] as { reversalOf: string; funds: Record<string, string>; patientPays: string; patient: string | null };
    expect(adj.reversalOf).toBe(officeId);
    expect(adj.patient).not.toBeNull();
    const block = notice.locator(`[data-testid=adjusted-settlement][data-settlement="${later.body.id}"]`);
    expect(await block.locator('h3').textContent()).toContain('账单 E2E-OF-RV-B');
    expect(await block.locator('h3').textContent()).toContain('乌兰浩特市人民医院（其他医院）');
    for (const [fund, amount] of Object.entries(adj.funds)) expect(await block.locator(`tr[data-fund=${fund}] td`).allTextContents(), fund).toEqual([FUND_NAMES[fund], fundChange(amount)]);
    expect(await block.locator('tr[data-fund]').count()).toBe(Object.keys(adj.funds).length);
    expect(await block.locator('[data-testid=patient-change]').textContent()).toBe(patientChange(adj.patient, adj.patientPays));
    // The later settlement's patient pays now what it paid before, plus (应补) or less (应退) the change.
    const fen = (v: string) => Math.round(Number(v) * 100);
    expect(fen(stored.body.current.patientPays) - fen(before.patientPays)).toBe(fen(adj.patientPays));
    expect(await notice.textContent()).toContain('此笔由乌兰浩特市人民医院与患者及各基金办理');
    expect(await problemsAtWidths(page, '经办结算（撤销后）')).toEqual([]);
    // Pictured tall enough for the settlement, stamped 已撤销, and the notice under it.
    await page.setViewportSize({ width: 1024, height: 2400 });
    await page.evaluate('document.querySelector("#result").scrollIntoView({ block: "start" })');
    await screenshot(page, '38-office-reversed', { fullPage: false });
    await page.setViewportSize({ width: 1024, height: 900 });

    // 打印 prints the notice alone: issued by the office, lines to sign, none of the form or the settlement.
    const paper = await printedText(page, () => notice.locator('#notice-print').click());
    expect(paper).toContain('应补应退通知');
    expect(paper).toContain('医保经办机构（就诊医院 兴安盟人民医院）');
    expect(paper).toContain('E2E-OF-RV-B');
    expect(paper).toContain('患者（家属）签字');
    for (const other of ['已查验材料', '支付清单', '经办结算单', '打印']) expect(paper, other).not.toContain(other);
    await screenshot(page, '38-office-reversal-notice-print');
    await page.emulateMedia({ media: 'screen' });

    // The 支付清单 lists the reversal; its row opens the settlement, reversed, with nothing left to reverse.
    const reversal = page.locator(`#payments-table [data-testid=payment][data-settlement="${officeId}"][data-kind=reversal]`);
    await expect.poll(() => reversal.count()).toBe(1);
    await notice.locator('#notice-close').click();
    expect(await notice.isVisible()).toBe(false);

    // Another office settlement, opened from the 支付清单 and reversed elsewhere meanwhile: the server's refusal under the button.
    const other = await api(keys.office).post('/v1/office/settlements', { bill: stay('E2E-OF-RV-C', LEAGUE, '2018-07-10', '3000.00'), payee: 'patient', application: REVERSAL_APPLICATION });
    expect(other.status, JSON.stringify(other.body)).toBe(201);
    await page.click('#pay-refresh');
    const row = page.locator(`#payments-table [data-testid=payment][data-settlement="${other.body.id}"][data-kind=settlement]`);
    await row.click();
    await expect.poll(() => page.textContent('[data-testid=settlement-id]')).toBe(other.body.id);
    expect(await page.textContent('[data-testid=status]')).toBe('已结算');
    const elsewhere = await api(keys.office).post(`/v1/office/settlements/${other.body.id}/reversal`, { reason: '另一窗口已撤销' });
    expect(elsewhere.status).toBe(200);
    await page.click('#reverse-btn');
    await page.fill('#reverse-reason', '端到端测试：重复撤销');
    await page.click('#reverse-confirm');
    await expect.poll(() => page.textContent('#result [data-testid=reverse-error]')).toContain('不能重复撤销');
    expect(await page.textContent('#result [data-testid=reverse-error]')).toContain(`撤销失败：结算 ${other.body.id} 已于`);
    expect(await problemsAtWidths(page, '经办结算（撤销被拒）')).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});
