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
    expect(slip.text).toContain('<td class="k">类别起始</td><td>2018-01-01</td>');
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

describe('the audit against the register', () => {
  it('reports a later correction of a membership a settlement used, without re-settling it; a forged record is a breach', async () => {
    const { runAudit } = await import('../../src/audit/audit.js');
    const { importRegister } = await import('../../src/register/import.js');
    const { Readable } = await import('node:stream');
    const before = await runAudit(svc.store, { from: '2018-01-01', to: '2018-12-31' });
    expect(before.registerBreaches).toEqual([]);
    expect(before.registerChanges).toEqual([]);
    expect(before.clean).toBe(true);

    // The poverty office corrects P-000152: poor only until 2018-04-30 (the May stay was settled as poor).
    const row = (await svc.store.db.selectFrom('people').selectAll().where('id', '=', 'P-000152').executeTakeFirstOrThrow());
    const csv = `id,name,idNumber,county,insuredRegion,population,from,to\nP-000152,${row.name},${row.id_number},${row.county},152200,poverty,2016-01-01,2018-04-30\n`;
    const report = await importRegister(svc.store, svc.rules.vocabulary(), { kind: 'people', input: Readable.from([csv]), format: 'csv', file: 'correction.csv', dryRun: false, actor: 'test', at: new Date().toISOString() });
    expect(report).toMatchObject({ outcome: 'applied', counts: { changed: 1, membershipsEnded: 1 } });
    const may = await byBill('XA18-900004');
    const after = await runAudit(svc.store, { from: '2018-01-01', to: '2018-12-31' });
    expect(after.registerBreaches).toEqual([]);
    expect(after.registerChanges).toEqual([expect.objectContaining({ id: may.id, personId: 'P-000152', date: '2018-05-14', used: ['poverty'], now: [], changesPopulation: true, by: [report.outcome === 'applied' ? report.batch : ''] })]);
    expect(after.clean).toBe(true);
    // Not re-settled: the stored settlement is as it was.
    expect(await byBill('XA18-900004')).toEqual(may);

    // A settlement whose recorded membership the register never had.
    const forged = JSON.parse(may.eligibility_json!);
    forged.memberships[0].batch = 'RP-NEVER';
    await svc.store.db.updateTable('settlements').set({ eligibility_json: JSON.stringify(forged) }).where('id', '=', may.id).execute();
    try {
      const tampered = await runAudit(svc.store, { from: '2018-01-01', to: '2018-12-31' });
      expect(tampered.registerBreaches).toEqual([expect.objectContaining({ id: may.id, message: expect.stringContaining('批次 RP-NEVER）在登记库中不存在') })]);
      expect(tampered.clean).toBe(false);
    } finally {
      await svc.store.db.updateTable('settlements').set({ eligibility_json: may.eligibility_json }).where('id', '=', may.id).execute();
    }
  });
});
