/**
 * Where re-adjudication shows, over HTTP and in the CLI (issue 23): the reversal's answer (which
 * settlements changed, per fund, the patient's 应补 / 应退, a Chinese notice, another hospital's
 * settlement among them), GET /v1/settlements/{id} with its adjustments and its figures as they now
 * stand, and the person-year statement (年度结算汇总) as JSON, as text and from `onestop statement`.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustmentListSchema, personYearStatementSchema, reversalAnswerSchema, settlementViewSchema } from '../../src/http/schemas.js';
import { ROOT, startTestService, type TestService } from './fixture.js';

let svc: TestService;
let league: string; // H152200-L01
let county: string; // H152201-C01
let auditor: string;
const PERSON = 'P-000002';

const bill = (billNo: string, hospital: string, discharged: string, inPolicy: string, outOfCatalogue?: string) => ({
  billNo,
  hospital: { code: hospital },
  person: { id: PERSON },
  visit: { type: 'inpatient', admitted: discharged, discharged },
  items: [
    { code: 'X1', name: '治疗', class: 'A', unitPrice: inPolicy, quantity: '1', amount: inPolicy },
    ...(outOfCatalogue ? [{ code: 'X2', name: '自费材料', class: 'C', unitPrice: outOfCatalogue, quantity: '1', amount: outOfCatalogue }] : []),
  ],
});

const post = (key: string, body: unknown) => request(svc.app).post('/v1/settlements').set('Authorization', `Bearer ${key}`).send(body as object);
const get = (key: string, path: string) => request(svc.app).get(path).set('Authorization', `Bearer ${key}`);

let ids: { a: string; b: string; c: string };
let reversal: request.Response;

beforeAll(async () => {
  svc = await startTestService({ seed: false });
  league = await svc.key('window', 'H152200-L01');
  county = await svc.key('window', 'H152201-C01');
  auditor = await svc.key('auditor');
  // Settled out of discharge order: C (December) before B (May). The ledger's order is the counter's.
  const a = await post(league, bill('RA-A', 'H152200-L01', '2018-03-10', '40000.00', '20000.00'));
  const c = await post(county, bill('RA-C', 'H152201-C01', '2018-12-01', '8000.00'));
  const b = await post(league, bill('RA-B', 'H152200-L01', '2018-05-10', '10000.00'));
  for (const r of [a, b, c]) expect(r.status).toBe(201);
  ids = { a: a.body.id, b: b.body.id, c: c.body.id };
  reversal = await request(svc.app).post(`/v1/settlements/${ids.a}/reversal`).set('Authorization', `Bearer ${league}`).send({ reason: '录入错误' });
});
afterAll(async () => svc.close());

describe('the reversal’s answer', () => {
  it('names every later settlement that changed, per fund, with the patient’s 应补/应退 and a notice in Chinese', () => {
    expect(reversal.status).toBe(200);
    const r = reversalAnswerSchema.parse(reversal.body);
    expect(r.status).toBe('reversed');
    expect(r.readjudication.settledAgain).toBe(2);
    // Ledger order: C was settled before B.
    expect(r.readjudication.adjustments.map((x) => x.settlementId)).toEqual([ids.c, ids.b]);
    const other = r.readjudication.adjustments.find((x) => x.settlementId === ids.c)!;
    expect(other).toMatchObject({ otherHospital: true, hospital: { code: 'H152201-C01' } });
    for (const x of r.readjudication.adjustments) {
      const sum = Object.values(x.funds).reduce((s, v) => s + Math.round(Number(v) * 100), 0);
      expect(sum + Math.round(Number(x.patientPays) * 100), `${x.settlementId} balances`).toBe(0);
      expect(x.patient).toBe(Number(x.patientPays) > 0 ? '应补' : Number(x.patientPays) < 0 ? '应退' : null);
      expect(x.notice).toMatch(/按更正后的年度累计重新结算：.*(应补付|应追回)/);
    }
    expect(r.readjudication.notice).toContain('应补应退');
    expect(r.readjudication.notice).toContain('由该医院与患者及各基金办理');
  });
});

describe('GET /v1/settlements/{id}', () => {
  it('shows its adjustments and its figures as they now stand, the original untouched', async () => {
    const res = await get(league, `/v1/settlements/${ids.b}`);
    expect(res.status).toBe(200);
    const v = settlementViewSchema.parse(res.body);
    expect(v.adjustments).toHaveLength(1);
    const adj = v.adjustments![0]!;
    expect(adj.reversalOf).toBe(ids.a);
    expect(v.current).toMatchObject({ funds: adj.result.funds, patientPays: adj.result.patientPays, adjustmentId: adj.id });
    expect(v.result.patientPays).not.toBe(adj.result.patientPays);
    for (const [f, d] of Object.entries(adj.funds)) expect((Number(v.result.funds[f] ?? 0) * 100 + Number(d) * 100).toFixed(0)).toBe((Number(adj.result.funds[f]) * 100).toFixed(0));
    // The other hospital sees the adjustment of its own settlement too.
    const own = settlementViewSchema.parse((await get(county, `/v1/settlements/${ids.c}`)).body);
    expect(own.adjustments![0]!.notice).toContain(ids.c);
    // A settlement nobody adjusted has none, and stands as settled.
    const plain = settlementViewSchema.parse((await get(league, `/v1/settlements/${ids.a}`)).body);
    expect(plain.adjustments).toEqual([]);
    expect(plain.current).toMatchObject({ funds: plain.result.funds, adjustmentId: null });
  });

  it('its trace and its NHSA view carry the adjustments too', async () => {
    const v = settlementViewSchema.parse((await get(league, `/v1/settlements/${ids.b}`)).body);
    const adj = v.adjustments![0]!;
    const trace = await get(league, `/v1/settlements/${ids.b}/trace`);
    expect(trace.status).toBe(200);
    expect(trace.body.adjustments.map((a: { id: string }) => a.id)).toEqual([adj.id]);
    expect(trace.body.current).toMatchObject({ adjustmentId: adj.id, patientPays: adj.result.patientPays });
    const nhsa = await get(league, `/v1/settlements/${ids.b}?format=nhsa`);
    expect(nhsa.status).toBe(200);
    expect(nhsa.body.adjustments).toHaveLength(1);
    expect(nhsa.body.adjustments[0]).toMatchObject({ adj_id: adj.id, reversal_of: ids.a, psn_part_amt: adj.patientPays });
    expect(Object.fromEntries(nhsa.body.adjustments[0].detail.map((d: { fund: string; fund_payamt: string }) => [d.fund, d.fund_payamt]))).toEqual(adj.funds);
  });
});

describe('GET /v1/adjustments', () => {
  it('gives a hospital the 应补应退 of its own settlements, also when another hospital reversed', async () => {
    const mine = adjustmentListSchema.parse((await get(county, '/v1/adjustments')).body);
    expect(mine.items.map((a) => a.settlementId)).toEqual([ids.c]);
    expect(mine.items[0]).toMatchObject({ reversal: { id: ids.a, hospital: { code: 'H152200-L01' } }, settlement: { hospital: { code: 'H152201-C01' }, billNo: 'RA-C' } });
    expect(mine.items[0]!.notice).toContain('RA-C');
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    expect(adjustmentListSchema.parse((await get(auditor, `/v1/adjustments?person=${PERSON}&from=${today}&to=${today}`)).body).total).toBe(2);
    expect(adjustmentListSchema.parse((await get(auditor, `/v1/adjustments?to=2018-12-31`)).body).total).toBe(0);
    expect((await get(league, '/v1/adjustments?hospital=H152201-C01')).status).toBe(403);
    const bad = await get(auditor, '/v1/adjustments?from=2018-13-01');
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues[0].path).toBe('query.from');
  });
});

describe('年度结算汇总', () => {
  it('GET /v1/people/{id}/years/{year}: every entry in ledger order with the running year-to-date; totals per fund as the year stands', async () => {
    const res = await get(auditor, `/v1/people/${PERSON}/years/2018`);
    expect(res.status).toBe(200);
    const st = personYearStatementSchema.parse(res.body);
    expect(st.entries.map((e) => [e.kind, e.settlementId])).toEqual([
      ['settlement', ids.a],
      ['settlement', ids.c],
      ['settlement', ids.b],
      ['reversal', ids.a],
      ['adjustment', ids.c],
      ['adjustment', ids.b],
    ]);
    // The running year-to-date ends on the person's ledger.
    const ledger = (await get(auditor, `/v1/people/${PERSON}/accumulators?year=2018`)).body.accumulators as Record<string, Record<string, string>>;
    const last = st.entries[st.entries.length - 1]!.yearToDate;
    for (const [k, fields] of Object.entries(ledger)) for (const [f, v] of Object.entries(fields)) expect(Number(last[k]?.[f as 'paid'] ?? 0), `${k}.${f}`).toBe(Number(v));
    expect(st.ledger.agrees).toBe(true);
    // Totals: B and C as they now stand.
    const b = settlementViewSchema.parse((await get(auditor, `/v1/settlements/${ids.b}`)).body).current!;
    const c = settlementViewSchema.parse((await get(auditor, `/v1/settlements/${ids.c}`)).body).current!;
    for (const f of Object.keys(st.totals.funds)) expect(st.totals.funds[f], f).toBe((Math.round(Number(b.funds[f] ?? 0) * 100 + Number(c.funds[f] ?? 0) * 100) / 100).toFixed(2));
    expect(st.totals.patientPays).toBe((Math.round(Number(b.patientPays) * 100 + Number(c.patientPays) * 100) / 100).toFixed(2));
    expect(st.totals).toMatchObject({ settlements: 3, reversed: 1, adjustments: 2, total: '18000.00' });
    // The patient's 应补/应退, against the person.
    const net = st.entries.filter((e) => e.kind === 'adjustment').reduce((s, e) => s + Math.round(Number(e.patientPays) * 100), 0);
    expect(Math.round(Number(st.totals.patientAdjustments.net) * 100)).toBe(net);
  });

  it('prints as text, and `onestop statement` gives the same JSON and text from the store', async () => {
    const text = await get(league, `/v1/people/${PERSON}/years/2018?format=text`);
    expect(text.status).toBe(200);
    expect(text.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(text.text).toContain('2018 年度结算汇总');
    expect(text.text).toContain('应补应退调整');
    expect(text.text).toContain('✓ 与参保人账本一致');
    const cli = (args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'onestop.js'), 'statement', '--db', svc.dbFile, '--person', PERSON, '--year', '2018', ...args], { cwd: ROOT, encoding: 'utf8' });
    const json = cli(['--json']);
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual((await get(auditor, `/v1/people/${PERSON}/years/2018`)).body);
    const plain = cli([]);
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stdout).toBe(text.text);
  });

  it('refuses a bad year with the field path, and an unknown person with 404', async () => {
    const bad = await get(auditor, `/v1/people/${PERSON}/years/18`);
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues[0].path).toBe('path.year');
    expect((await get(auditor, '/v1/people/P-NOBODY/years/2018')).status).toBe(404);
    const fmt = await get(auditor, `/v1/people/${PERSON}/years/2018?format=pdf`);
    expect(fmt.status).toBe(422);
    expect(fmt.body.error.issues[0].path).toBe('query.format');
  });
});
