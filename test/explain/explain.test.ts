/**
 * GET /v1/settlements/{id}/trace, ?format=nhsa and /slip on a real service, for a five-layer settlement
 * whose every figure is worked out by hand below (Xing'an 2018, league hospital, a registered poor person,
 * nothing earlier in the year):
 *
 *   total 70,000 = 60,000 in-policy (class A) + 10,000 out of catalogue (class C)
 *   basic        deductible 1,000 × 0.5 = 500, ratio 0.65 + 0.10 = 0.75: 0.75 × 59,500   = 44,625.00
 *   serious      base 60,000 − 44,625 = 15,375; deductible 12,000 × 0.5 = 6,000;
 *                0.60 + 0.10 = 0.70 on 6,000 → 15,375:                    0.70 × 9,375 =  6,562.50
 *   commercial   base 15,375 − 6,562.50 = 8,812.50 × 0.55 = 4,846.875   →                  4,846.88
 *   assistance   only above the serious-illness deductible (aboveDeductibleOf: serious): what is left,
 *                8,812.50 − 4,846.88 = 3,965.62, × (15,375 − 6,562.50 − 6,000) / (15,375 − 6,562.50)
 *                = 1,265.6234…; × 0.90 = 1,139.061… →                                        1,139.06
 *   floor        0.90 × 70,000 = 63,000 − (44,625 + 6,562.50 + 4,846.88 + 1,139.06 = 57,173.44) = 5,826.56
 *   oop          the patient would pay 70,000 − 63,000 = 7,000; 5,000 cap, none paid before:     2,000.00
 *   funds 65,000.00, patient 5,000.00, actual ratio 0.9285
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nhsaSchema, traceSchema } from '../../src/audit/schemas.js';
import { startTestService, type TestService } from '../http/fixture.js';

let svc: TestService;
let windowKey: string;
let otherWindowKey: string;
let auditorKey: string;
let financeKey: string;
let id: string;
const HOSPITAL = 'H152200-L01';
const OTHER = 'H152221-C01';
const POOR = 'P-000001';

const get = (key: string, path: string) => request(svc.app).get(path).set('Authorization', `Bearer ${key}`);

function fiveLayerBill(billNo: string, person = POOR) {
  return {
    billNo,
    hospital: { code: HOSPITAL },
    person: { id: person },
    visit: { type: 'inpatient', admitted: '2018-04-20', discharged: '2018-04-30' },
    items: [
      { code: 'S001', name: '手术及治疗', class: 'A', unitPrice: '60000.00', quantity: '1', amount: '60000.00' },
      { code: 'M001', name: '进口耗材<自费>', class: 'C', unitPrice: '10000.00', quantity: '1', amount: '10000.00' },
    ],
  };
}

beforeAll(async () => {
  svc = await startTestService({ seed: false });
  windowKey = await svc.key('window', HOSPITAL);
  otherWindowKey = await svc.key('window', OTHER);
  auditorKey = await svc.key('auditor');
  financeKey = await svc.key('finance');
  const res = await request(svc.app).post('/v1/settlements').set('Authorization', `Bearer ${windowKey}`).send(fiveLayerBill('EX-0001'));
  expect(res.status).toBe(201);
  id = res.body.id;
});
afterAll(async () => svc.close());

describe('GET /v1/settlements/{id}/trace', () => {
  it('explains a five-layer settlement step by step, in sentences a patient understands', async () => {
    const res = await get(windowKey, `/v1/settlements/${id}/trace`);
    expect(res.status).toBe(200);
    const t = traceSchema.parse(res.body);
    expect(t.settlementId).toBe(id);
    expect(t.status).toBe('settled');
    expect(t.steps.map((s) => [s.id, s.payout])).toEqual([
      ['basic', '44625.00'],
      ['serious', '6562.50'],
      ['commercial', '4846.88'],
      ['assistance', '1139.06'],
      ['floor', '5826.56'],
      ['oop', '2000.00'],
    ]);
    expect(t.steps.map((s) => s.sentence)).toEqual([
      '基本医保：政策范围内费用 60,000.00 元，扣除起付线 500.00 元后按 75% 报销 44,625.00 元',
      '大病保险：政策范围内尚未报销的 15,375.00 元计入本年累计，其中起付线 6,000.00 元以下的 6,000.00 元不予报销；累计 6,000.00 至 15,375.00 元的部分按 70% 报销 6,562.50 元',
      '商业补充保险：政策范围内尚未报销的费用 8,812.50 元，不设起付线，按 55% 报销 4,846.88 元',
      // only the part above the serious-illness deductible (rules/152200-xingan/2018.yaml, aboveDeductibleOf):
      // 3,965.62 x (15,375.00 - 6,562.50 - 6,000.00) / (15,375.00 - 6,562.50) = 1,265.62…; 90% of it
      '医疗救助：政策范围内尚未报销的费用 3,965.62 元中，大病保险起付线以上的部分 1,265.62 元，不设起付线，按 90% 报销 1,139.06 元',
      '政府兜底：确保实际报销比例不低于 90%，补足 5,826.56 元（总费用 70,000.00 元的 90% 为 63,000.00 元，前面各项已报销 57,173.44 元）',
      '政府兜底：本次需自付 7,000.00 元，年度自付已达 7,000.00 元，超过 5,000.00 元的部分 2,000.00 元由政府兜底全额报销',
    ]);
    expect(t.summary).toBe('本次住院总费用 70,000.00 元，其中政策范围内 60,000.00 元；基本医保、大病保险、商业补充保险、医疗救助和政府兜底共报销 65,000.00 元，实际报销比例 92.85%，个人支付 5,000.00 元。');
    expect(t.total).toBe('70000.00');
    expect(t.fundPaysTotal).toBe('65000.00');
    expect(t.patientPays).toBe('5000.00');
    // The stored trace fields stay: base, deductible, ratio, bands, cap room.
    expect(t.steps[0]).toMatchObject({ base: '60000.00', deductible: '500.00', ratio: '0.75', capRoom: '150000.00' });
    expect(t.steps[1]!.segments).toEqual([{ from: '6000.00', to: '15375.00', ratio: '0.70', payout: '6562.50' }]);
    expect(t.steps[3]).toMatchObject({ capRoom: '50000.00' });
  });

  it('cites the rules file and clause each step came from, and marks estimates', async () => {
    const t = traceSchema.parse((await get(auditorKey, `/v1/settlements/${id}/trace`)).body);
    const loaded = svc.rules.get('xingan-2018')!;
    expect(t).toMatchObject({ rulesetId: 'xingan-2018', rulesetHash: loaded.hash, rulesetFile: loaded.file, rulesetTitle: loaded.ruleset.title });
    for (const s of t.steps) expect(s.citation).toMatchObject({ sourceId: 's003', title: '健康扶贫破解因病致贫之"痛"', file: '003_c382273b127accdc.txt' });
    // Each citation quotes the clause of seed 003 its step's values come from (the rules file's clause).
    expect(t.steps.map((s) => s.citation!.clause)).toEqual([
      ['基本医保起付线降低50%,且报销比例提高10%', '两降低即健康扶贫对象住院医疗费基本医保起付线降低50%……四提高即健康扶贫对象住院医疗费基本医保支付比例和大病保险支付比例分别提高10%'],
      ['大病保险起付线降低50%,且报销比例提高10%', '两降低即健康扶贫对象住院医疗费基本医保起付线降低50%……四提高即健康扶贫对象住院医疗费基本医保支付比例和大病保险支付比例分别提高10%'],
      ['商业补充保险报销55%', '两不限即健康扶贫对象住院医疗费在商业补充保险支付不限定起付线,按55%支付'],
      ['民政医疗救助报销90%,封顶线5万元', '经基本医保、大病保险、商业补充保险支付后,政府再给予大病保险起付线以上医保目录内部分90%医疗救助'],
      ['政府兜底救助确保实际医疗费报销比例不低于90%', '并保证住院医疗费实际报销比例不低于90%'],
      ['且年度累计自付医疗费超5000元部分全部报销'],
    ]);
    // A field from another source cites that source with its own clause (the floor's denominator: the Zhuozi totals).
    expect(t.steps[4]!.fieldCitations).toEqual({
      denominator: {
        sourceId: 's000',
        title: loaded.ruleset.sources.find((x) => x.id === 's000')!.title,
        file: '000_bbff5da8cc4a5e87.txt',
        clause: ['2016年,全县贫困人口累计住院治疗1277人次,医疗总费用1228万元,基本医疗补偿727万元,医疗保障基金注入379万元,贫困人口整体医疗费用实际报销比例达到了90%以上'],
      },
    });
    for (const s of [0, 1, 2, 3, 5]) expect(t.steps[s]!.fieldCitations).toBeNull();
    // basic and serious carry estimated base values; the layers seed 003 gives in full do not.
    expect(Object.keys(t.steps[0]!.estimates ?? {}).sort()).toEqual(['annualCap', 'deductible', 'ratio']);
    expect(Object.keys(t.steps[1]!.estimates ?? {}).sort()).toEqual(['annualCap', 'deductible', 'segments']);
    for (const s of t.steps.slice(2)) expect(s.estimates).toBeNull();
  });

  it('takes citations from the ruleset version the settlement used, not from today’s file', async () => {
    // Another version of the rules (the source retitled) recorded under its own hash; a settlement that
    // used it must cite it, even though the loaded rules file still says otherwise.
    const current = svc.rules.get('xingan-2018')!;
    const { rulesetFromDocument } = await import('../../src/rules/load.js');
    const { canonicalJson } = await import('../../src/formats/canonical-json.js');
    const doc = structuredClone(current.document) as { sources: { id: string; title: string }[] };
    doc.sources[0]!.title = '旧版来源标题';
    // …and the basic step quoted another clause then: the trace quotes that version's, not today's.
    (doc as unknown as { visits: { inpatient: { clause?: unknown }[] } }).visits.inpatient[0]!.clause = '旧版条文';
    const old = rulesetFromDocument(doc, '152200-xingan/2018.yaml');
    await svc.store.db.insertInto('ruleset_versions').values({ hash: old.hash, id: 'xingan-2018', file: old.file, document_json: canonicalJson(doc), first_seen_at: new Date().toISOString() }).execute();
    const res = await request(svc.app).post('/v1/settlements').set('Authorization', `Bearer ${windowKey}`).send(fiveLayerBill('EX-OLD', 'P-000002'));
    await svc.store.db.updateTable('settlements').set({ ruleset_hash: old.hash }).where('id', '=', res.body.id).execute();
    const t = traceSchema.parse((await get(auditorKey, `/v1/settlements/${res.body.id}/trace`)).body);
    expect(t.rulesetHash).toBe(old.hash);
    expect(t.steps[0]!.citation!.title).toBe('旧版来源标题');
    expect(t.steps[0]!.citation!.clause).toEqual(['旧版条文']);
    // The stored result holds no clause: it is read from the version's document when the trace is shown.
    const row = await svc.store.db.selectFrom('settlements').select('result_json').where('id', '=', res.body.id).executeTakeFirstOrThrow();
    expect(row.result_json).not.toContain('旧版条文');
    expect(row.result_json).not.toContain('clause');
  });

  it('a window sees only its own hospital’s settlements (404 otherwise); finance may read', async () => {
    expect((await get(otherWindowKey, `/v1/settlements/${id}/trace`)).status).toBe(404);
    expect((await get(financeKey, `/v1/settlements/${id}/trace`)).status).toBe(200);
    const missing = await get(auditorKey, '/v1/settlements/JS-NOPE/trace');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/不存在/);
    expect((await request(svc.app).get(`/v1/settlements/${id}/trace`)).status).toBe(401);
  });
});

describe('GET /v1/settlements/{id}?format=nhsa', () => {
  it('maps the buckets and funds to NHSA fields; the fund parts and the patient part add up to the total', async () => {
    const res = await get(windowKey, `/v1/settlements/${id}?format=nhsa`);
    expect(res.status).toBe(200);
    const n = nhsaSchema.parse(res.body);
    expect(n.setlinfo).toMatchObject({
      setl_id: id,
      mdtrt_id: 'EX-0001',
      psn_no: POOR,
      med_type: '21',
      medfee_sumamt: '70000.00',
      fulamt_ownpay_amt: '10000.00',
      overlmt_selfpay: '0.00',
      preselfpay_amt: '0.00',
      inscp_scp_amt: '60000.00',
      act_pay_dedc: '500.00',
      hifp_pay: '44625.00',
      hifmi_pay: '6562.50',
      maf_pay: '1139.06',
      // commercial 4,846.88 + backstop 5,826.56 + 2,000.00
      oth_pay: '12673.44',
      fund_pay_sumamt: '65000.00',
      psn_part_amt: '5000.00',
      psn_cash_pay: '5000.00',
      vali_flag: '1',
    });
    expect(n.setlinfo.certno).toMatch(/^\d{6}\*{8}[\dX]{4}$/);
    const fen = (s: string) => BigInt(s.replace('.', ''));
    expect(fen(n.setlinfo.fund_pay_sumamt!) + fen(n.setlinfo.psn_part_amt!)).toBe(fen(n.setlinfo.medfee_sumamt!));
    expect(fen(n.setlinfo.hifp_pay!) + fen(n.setlinfo.hifmi_pay!) + fen(n.setlinfo.maf_pay!) + fen(n.setlinfo.oth_pay!)).toBe(fen(n.setlinfo.fund_pay_sumamt!));
    expect(n.setldetail.reduce((s, d) => s + fen(d.fund_payamt), 0n)).toBe(fen(n.setlinfo.fund_pay_sumamt!));
    expect(n.setldetail.map((d) => [d.fund_pay_type, d.fund_payamt])).toEqual([
      ['390100', '44625.00'],
      ['390200', '6562.50'],
      ['999901', '4846.88'],
      ['610100', '1139.06'],
      ['640100', '7826.56'],
    ]);
    expect(n.setldetail[4]!.setl_proc_info).toContain('补足 5,826.56 元');
  });

  it('refuses an unknown format with the field path (422), and hides other hospitals (404)', async () => {
    const bad = await get(auditorKey, `/v1/settlements/${id}?format=xml`);
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues[0].path).toBe('query.format');
    expect(bad.body.error.message).toMatch(/nhsa/);
    expect((await get(otherWindowKey, `/v1/settlements/${id}?format=nhsa`)).status).toBe(404);
  });
});

describe('GET /v1/settlements/{id}/slip', () => {
  it('is a complete, self-contained printable page in Chinese with the patient’s ID masked', async () => {
    const res = await get(windowKey, `/v1/settlements/${id}/slip`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    const html = res.text;
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('@media print');
    expect(html).toContain('size: A4');
    const person = await svc.store.db.selectFrom('people').selectAll().where('id', '=', POOR).executeTakeFirstOrThrow();
    expect(html).toContain(person.name);
    expect(html).not.toContain(person.id_number);
    expect(html).toContain(`${person.id_number.slice(0, 6)}********${person.id_number.slice(-4)}`);
    expect(html).toContain('兴安盟人民医院');
    for (const text of ['2018-04-20', '2018-04-30', '70,000.00', '60,000.00', '10,000.00', '44,625.00', '6,562.50', '4,846.88', '1,139.06', '5,826.56', '2,000.00', '5,000.00', '伍仟元整', '个人支付', 'xingan-2018', id, '已结算']) {
      expect(html).toContain(text);
    }
    expect(html).toContain(svc.rules.get('xingan-2018')!.hash.slice(0, 12));
    expect(html).not.toContain('已撤销</div>');
    // Nothing from anywhere else: no scripts, no external stylesheets, images or fonts.
    expect(html).not.toMatch(/<script|<link|src=|url\(|@import/i);
  });

  it('escapes what the bill carried, and stamps a reversed settlement 已撤销', async () => {
    const bill = fiveLayerBill('EX-<b>2</b>', 'P-000003');
    const posted = await request(svc.app).post('/v1/settlements').set('Authorization', `Bearer ${windowKey}`).send(bill);
    expect(posted.status).toBe(201);
    await request(svc.app).post(`/v1/settlements/${posted.body.id}/reversal`).set('Authorization', `Bearer ${windowKey}`).send({ reason: '重复结算 <测试>' });
    const html = (await get(auditorKey, `/v1/settlements/${posted.body.id}/slip`)).text;
    expect(html).toContain('EX-&lt;b&gt;2&lt;/b&gt;');
    expect(html).not.toContain('<b>2</b>');
    expect(html).toContain('<div class="stamp-main">已撤销</div>');
    expect(html).toContain('重复结算 &lt;测试&gt;');
    expect((await get(otherWindowKey, `/v1/settlements/${posted.body.id}/slip`)).status).toBe(404);
  });
});
