/**
 * The settlement view over HTTP (issue 24): an office settlement's answer and GET /v1/settlements/{id} carry
 * the payee, the application as recorded, the bill's form and the hospital's region by name (what the
 * 二次补偿结算单 prints from), as
 * /openapi.json documents them; a window's carry none of them. An office key reads the settlements of people
 * insured in its region only. A window key posting a bill by its buckets is 403, said at `buckets`.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../src/access/keys.js';
import { settlementViewSchema } from '../../src/http/schemas.js';
import { inpatientBill, startTestService, type TestService } from '../http/fixture.js';

const PERSON = 'P-000012';
const HOSPITAL = 'H152200-L01';
const application = { applicant: '程殿臣', documents: ['医疗救助申请表', '基本医保结算单'], approvedBy: '兴安盟医保经办 赵某', approvedOn: '2018-05-20', reference: 'XAM-JZ-2018-0520' };
const bucketsBill = {
  billNo: 'YSQ-VIEW-1',
  hospital: { code: HOSPITAL },
  person: { id: PERSON },
  visit: { type: 'inpatient', admitted: '2018-05-02', discharged: '2018-05-12' },
  buckets: { outOfCatalog: '800.00', overLimit: '0.00', preSelfPay: '120.50', inPolicy: '21000.00' },
};

let svc: TestService;
const keys = { office: '', otherLeague: '', window: '' };
beforeAll(async () => {
  svc = await startTestService({ seed: false });
  keys.office = (await createKey(svc.store, { role: 'office', regionCode: '152200' })).secret;
  keys.otherLeague = (await createKey(svc.store, { role: 'office', regionCode: '150900' })).secret;
  keys.window = await svc.key('window', HOSPITAL);
});
afterAll(() => svc?.close());

const as = (key: string) => ({
  get: (path: string) => request(svc.app).get(path).set('Authorization', `Bearer ${key}`),
  post: (path: string, body: object) => request(svc.app).post(path).set('Authorization', `Bearer ${key}`).send(body),
});

describe('the settlement view of an office settlement', () => {
  it('carries payee, application and billForm, in the answer and when read back, as documented; a window’s carries none', async () => {
    const posted = await as(keys.office).post('/v1/office/settlements', { bill: bucketsBill, payee: 'hospital', application });
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    expect(posted.body).toMatchObject({ payee: 'hospital', application, billForm: 'buckets', hospital: { code: HOSPITAL, regionCode: '152200', regionName: '兴安盟' } });
    expect(settlementViewSchema.safeParse(posted.body).error).toBeUndefined();

    const read = await as(keys.office).get(`/v1/settlements/${posted.body.id}`);
    expect(read.status).toBe(200);
    expect(settlementViewSchema.safeParse(read.body).error).toBeUndefined();
    expect(read.body).toMatchObject({ id: posted.body.id, payee: 'hospital', application, billForm: 'buckets', result: posted.body.result });
    // An auditor reads the same; an office key of another league does not learn the id exists.
    const auditor = await svc.key('auditor');
    expect((await as(auditor).get(`/v1/settlements/${posted.body.id}`)).body).toMatchObject({ payee: 'hospital', application });
    expect((await as(keys.otherLeague).get(`/v1/settlements/${posted.body.id}`)).status).toBe(404);
    // A bill without items has its NHSA view (the buckets as 全自费/超限价/先行自付/政策范围内), trace and slip.
    const nhsa = await as(auditor).get(`/v1/settlements/${posted.body.id}?format=nhsa`);
    expect(nhsa.status, JSON.stringify(nhsa.body)).toBe(200);
    expect(nhsa.body.setlinfo).toMatchObject({ fulamt_ownpay_amt: '800.00', preselfpay_amt: '120.50', inscp_scp_amt: '21000.00' });
    expect((await as(auditor).get(`/v1/settlements/${posted.body.id}/trace`)).status).toBe(200);
    expect((await as(auditor).get(`/v1/settlements/${posted.body.id}/slip`)).status).toBe(200);

    // A hospital outside the register: its region's name as the office gave it, kept with it.
    const beijing = { ...bucketsBill, billNo: 'YSQ-VIEW-BJ', hospital: { code: 'BJ-VIEW-01', tier: 'outOfProvince' } };
    const outside = await as(keys.office).post('/v1/office/settlements', { bill: beijing, hospital: { name: '北京某医院', regionCode: '110000', regionName: '北京市' }, payee: 'patient', application });
    expect(outside.status, JSON.stringify(outside.body)).toBe(201);
    expect((await as(keys.office).get(`/v1/settlements/${outside.body.id}`)).body.hospital).toEqual({ code: 'BJ-VIEW-01', name: '北京某医院', tier: 'outOfProvince', regionCode: '110000', regionName: '北京市' });

    const windowed = await as(keys.window).post('/v1/settlements', inpatientBill({ billNo: 'W-VIEW-1', hospital: HOSPITAL, person: PERSON, discharged: '2018-11-12' }));
    expect(windowed.status).toBe(201);
    const windowRead = await as(keys.window).get(`/v1/settlements/${windowed.body.id}`);
    for (const body of [windowed.body, windowRead.body]) for (const k of ['payee', 'application', 'billForm']) expect(body).not.toHaveProperty(k);

    const doc = (await request(svc.app).get('/openapi.json')).body as { components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
    expect(Object.keys(doc.components.schemas.Settlement!.properties)).toEqual(expect.arrayContaining(['payee', 'application', 'billForm']));
  });

  it('a window key posting a bill by its buckets: 403, at buckets, in Chinese', async () => {
    for (const path of ['/v1/settlements', '/v1/settlements/preview']) {
      const r = await as(keys.window).post(path, { ...bucketsBill, billNo: 'W-BUCKETS' });
      expect(r.status, path).toBe(403);
      expect(r.body.error.code).toBe('BUCKETS_FORBIDDEN');
      expect(r.body.error.issues).toEqual([{ path: 'buckets', message: expect.stringContaining('费用明细') }]);
      expect(r.body.error.message).toMatch(/^医院窗口须逐项提交费用明细/);
    }
  });
});

describe('reversing an office settlement', () => {
  it('the office reverses what it settled (later settlements settled again), not a window’s; a window may not reverse the office’s', async () => {
    const person = 'P-000015';
    const bill = { ...bucketsBill, billNo: 'YSQ-REV-1', person: { id: person } };
    const posted = await as(keys.office).post('/v1/office/settlements', { bill, payee: 'patient', application });
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    const later = await as(keys.window).post('/v1/settlements', inpatientBill({ billNo: 'W-REV-1', hospital: HOSPITAL, person, discharged: '2018-11-12' }));
    expect(later.status).toBe(201);

    // Each takes back only what it made; the office of another league does not learn the id exists.
    const byWindow = await as(keys.window).post(`/v1/settlements/${posted.body.id}/reversal`, { reason: '窗口误操作' });
    expect([byWindow.status, byWindow.body.error.code]).toEqual([403, 'REVERSAL_BY_OFFICE']);
    expect(byWindow.body.error.message).toContain('只能由经办机构撤销');
    const ofWindow = await as(keys.office).post(`/v1/office/settlements/${later.body.id}/reversal`, { reason: '经办误操作' });
    expect([ofWindow.status, ofWindow.body.error.code]).toEqual([403, 'REVERSAL_BY_WINDOW']);
    expect((await as(keys.otherLeague).post(`/v1/office/settlements/${posted.body.id}/reversal`, {})).status).toBe(404);
    expect((await as(keys.window).get(`/v1/settlements/${posted.body.id}`)).body.status).toBe('settled');

    const reversed = await as(keys.office).post(`/v1/office/settlements/${posted.body.id}/reversal`, { reason: '申请材料有误' });
    expect(reversed.status, JSON.stringify(reversed.body)).toBe(200);
    expect(reversed.body.readjudication.settledAgain).toBe(1);
    // The window's later settlement now stands as if the office one had never been: settled alone.
    const alone = await as(keys.window).post('/v1/settlements/preview', { ...inpatientBill({ billNo: 'W-REV-2', hospital: HOSPITAL, person: 'P-000014', discharged: '2018-11-12' }) });
    const now = await as(keys.window).get(`/v1/settlements/${later.body.id}`);
    expect(now.body.current.patientPays).toBe(alone.body.result.patientPays);
    expect((await as(keys.office).post(`/v1/office/settlements/${posted.body.id}/reversal`, {})).status).toBe(409);
  });
});
