/**
 * The demo year's status changes (seeds/people.csv, seeds/README.md): each stay settles on the population
 * the register gives on its admission date, and the trace, the slip and GET /v1/people say so.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../http/fixture.js';

let svc: TestService;
let auditor: string;
beforeAll(async () => {
  svc = await startTestService();
  auditor = await svc.key('auditor');
});
afterAll(async () => svc.close());

const byBill = async (billNo: string) => svc.store.db.selectFrom('settlements').selectAll().where('bill_no', '=', billNo).executeTakeFirstOrThrow();
const get = (path: string) => request(svc.app).get(path).set('Authorization', `Bearer ${auditor}`);

describe('the seeded status changes', () => {
  it('settle each stay on the population in force on its admission date', async () => {
    const expected: Record<string, [string, string]> = {
      'XA18-900003': ['P-000151', 'poverty'], // transition period: still poor in April …
      'XA18-900010': ['P-000151', 'poverty'], // … and in October, after leaving in June
      'XA18-900004': ['P-000152', 'poverty'],
      'XA18-900008': ['P-000152', 'resident'], // left without a transition
      'XA18-900001': ['P-000153', 'resident'],
      'XA18-900007': ['P-000153', 'poverty'], // entered in May
      'XA18-900002': ['P-000154', 'resident'],
      'XA18-900009': ['P-000154', 'poverty'], // registered again in September
      'XA18-900005': ['P-000155', 'poverty'], // admitted 06-25, discharged 07-05: the admission date counts
      'XA18-900006': ['P-000155', 'resident'],
    };
    for (const [billNo, [person, population]] of Object.entries(expected)) {
      const row = await byBill(billNo);
      expect([row.person_id, row.population], billNo).toEqual([person, population]);
      expect(JSON.parse(row.eligibility_json!).memberships.map((m: { population: string }) => m.population), billNo).toEqual([population]);
    }
  });

  it('the trace and the slip say which membership counted, and since when', async () => {
    const row = await byBill('XA18-900005');
    const trace = await get(`/v1/settlements/${row.id}/trace`);
    expect(trace.status).toBe(200);
    expect(trace.body.eligibility).toMatchObject({ date: '2018-06-25', on: 'admitted', memberships: [{ population: 'poverty', from: '2018-01-01', to: '2018-06-30' }] });
    expect(trace.body.eligibilitySentence).toMatch(/^人员类别按入院日期 2018-06-25 的登记认定：建档立卡贫困人口（2018-01-01 起至 2018-06-30，登记批次 RP-/);
    const slip = await get(`/v1/settlements/${row.id}/slip`);
    expect(slip.status).toBe(200);
    expect(slip.text).toContain('2018-01-01 起');
    expect(slip.text).toContain('人员类别按入院日期 2018-06-25 的登记认定');
    expect(slip.text).not.toMatch(/\d{17}[\dX]/);
  });

  it('GET /v1/people shows every period, and what is in force on a visit’s dates', async () => {
    const p = await get('/v1/people/P-000154?on=2018-03-19&on=2018-10-08');
    expect(p.status).toBe(200);
    expect(p.body.memberships.map((m: { population: string; from: string; to: string | null }) => `${m.population} ${m.from}..${m.to ?? ''}`)).toEqual([
      'poverty 2016-01-01..2017-12-31',
      'resident 2018-01-01..2018-08-31',
      'poverty 2018-09-01..',
    ]);
    expect(p.body.inForce['2018-03-19'].map((m: { population: string }) => m.population)).toEqual(['resident']);
    expect(p.body.inForce['2018-10-08'].map((m: { population: string }) => m.population)).toEqual(['poverty']);
    expect(p.body.idNumber).toMatch(/^\d{6}\*{8}[\dX]{4}$/);
    expect((await get('/v1/people/P-NOBODY')).status).toBe(404);
  });
});
