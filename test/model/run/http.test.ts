/**
 * POST /v1/models and friends on a real service (seeded store, SQLite). The store run is checked
 * against what the counter recorded: the model re-settles the year and must find the same per-fund sums.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SYNTH } from '../../../src/model/input/synth.js';
import { startTestService, type TestService } from '../../http/fixture.js';
import { cli, synthText, tempDir, writeTemp } from '../helpers.js';

let svc: TestService;
let finance: string;
let admin: string;

beforeAll(async () => {
  svc = await startTestService();
  finance = await svc.key('finance');
  admin = await svc.key('admin');
}, 120_000);
afterAll(() => svc?.close());

const post = (body: unknown, key = finance) => request(svc.app).post('/v1/models').set('Authorization', `Bearer ${key}`).send(body as object);
const get = (path: string, key = finance) => request(svc.app).get(path).set('Authorization', `Bearer ${key}`);

/** Poll until the job is no longer computing (bounded; not a timing assertion). */
async function finished(id: string) {
  for (let i = 0; i < 1200; i++) {
    const r = await get(`/v1/models/${id}`);
    expect(r.status).toBe(200);
    if (r.body.status !== 'computing') return r.body;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`job ${id} still computing`);
}

const yuanOfFen = (fen: number | string | bigint) => {
  const s = BigInt(fen).toString().padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
};

describe('POST /v1/models', () => {
  it('models the store\'s settled year and finds exactly what the counter recorded, per fund', async () => {
    const start = await post({ rules: 'xingan-2018', source: { store: { year: 2018 } } });
    expect(start.status).toBe(202);
    expect(start.body).toEqual({ id: expect.stringMatching(/^MJ\d{8}[0-9A-F]{10}$/), status: 'computing' });
    const job = await finished(start.body.id);
    expect(job.status).toBe('ok');

    const db = svc.store.db;
    const funds = await db
      .selectFrom('settlement_funds')
      .innerJoin('settlements', 'settlements.id', 'settlement_funds.settlement_id')
      .select((eb) => ['settlement_funds.fund', eb.fn.sum<number>('settlement_funds.amount_fen').as('fen')])
      .where('settlements.year', '=', 2018)
      .where('settlements.status', '=', 'settled')
      .groupBy('settlement_funds.fund')
      .execute();
    const totals = await db
      .selectFrom('settlements')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('total_fen').as('total'), eb.fn.sum<number>('patient_pays_fen').as('patient'), eb.fn.sum<number>('fund_pays_fen').as('fundPays')])
      .where('year', '=', 2018)
      .where('status', '=', 'settled')
      .executeTakeFirstOrThrow();
    const r = job.report;
    expect(r.admissions).toBe(Number(totals.n));
    expect(r.input).toEqual({ source: 'store', year: 2018, rows: Number(totals.n) });
    for (const f of funds) expect(r.baseline.funds[f.fund], f.fund).toBe(yuanOfFen(f.fen));
    expect(r.baseline.total).toBe(yuanOfFen(totals.total));
    expect(r.baseline.patientPays).toBe(yuanOfFen(totals.patient));
    expect(r.baseline.fundPaysTotal).toBe(yuanOfFen(totals.fundPays));
    expect(r.variant).toBeNull();
  });

  it('runs an upload with a what-if and growth; its HTML and CSV are the pages the CLI writes', async () => {
    const csv = await synthText({ ...DEFAULT_SYNTH, admissions: 400, seed: 12 }, 'csv');
    const whatIf = { 'visits.inpatient.floor.floor': 0.95 };
    const start = await post({ rules: 'xingan-2018', whatIf, source: { csv }, growth: { cost: '1.05', admissions: 1.02 } });
    expect(start.status).toBe(202);
    const job = await finished(start.body.id);
    expect(job.status).toBe('ok');
    expect(job.report.variant.whatIf.changes).toEqual([{ path: 'visits.inpatient.floor.floor', description: '住院 第 5 步「政府兜底（保底90%）」的保底比例', before: '0.90', after: 0.95 }]);
    // Named by its change in words, not "whatIf" (issue 25).
    expect(job.report.whatIf.label).toBe('住院 第 5 步「政府兜底（保底90%）」的保底比例改为 0.95');
    expect(job.report.growth).toEqual({ cost: '1.05', admissions: '1.02' });

    const dir = tempDir();
    const file = writeTemp(dir, 'upload.csv', csv);
    // Without a label the API and the CLI both name the variant by its changes.
    const w = writeTemp(dir, 'what-if.json', JSON.stringify(whatIf));
    const out = join(dir, 'out');
    const run = cli(['model', '--rules', 'xingan-2018', '--bills', file, '--what-if', w, '--growth', 'cost=1.05,admissions=1.02', '--out', out]);
    expect(run.status).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).toEqual(job.report);

    const html = await get(`/v1/models/${start.body.id}/report.html`);
    expect(html.status).toBe(200);
    expect(html.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
    expect(html.text).toBe(readFileSync(join(out, 'report.html'), 'utf8'));
    const table = await get(`/v1/models/${start.body.id}/report.csv`, admin);
    expect(table.status).toBe(200);
    expect(table.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(table.text).toBe(readFileSync(join(out, 'report.csv'), 'utf8'));
  });

  it('refuses a misspelt what-if path with 422, naming it', async () => {
    const r = await post({ rules: 'xingan-2018', whatIf: { 'visits.inpatient.floor.floor': 0.95, 'visits.inpatient.flor.floor': 0.95 }, source: { store: { year: 2018 } } });
    expect(r.status).toBe(422);
    expect(r.body.error.message).toContain('visits.inpatient.flor.floor');
    expect(r.body.error.issues).toEqual([{ path: 'whatIf.visits.inpatient.flor.floor', message: expect.stringContaining('没有 id 为 “flor” 的步骤') }]);
  });

  it.each([
    ['an unknown ruleset', { rules: 'nowhere-2018', source: { store: { year: 2018 } } }, 'rules'],
    ['no source', { rules: 'xingan-2018' }, 'source'],
    ['two sources', { rules: 'xingan-2018', source: { store: { year: 2018 }, csv: 'a' } }, 'source'],
    ['a bad growth factor', { rules: 'xingan-2018', source: { store: { year: 2018 } }, growth: { cost: 'fast' } }, 'growth.cost'],
    ['weights with the store', { rules: 'xingan-2018', source: { store: { year: 2018 } }, weights: 'w' }, 'weights'],
    ['an unknown field', { rules: 'xingan-2018', source: { store: { year: 2018 } }, colour: 'red' }, ''],
  ])('refuses %s with 422 and the field path', async (_what, body, path) => {
    const r = await post(body);
    expect(r.status).toBe(422);
    expect(r.body.error.issues.map((i: { path: string }) => i.path)).toContain(path);
  });

  it('refuses a bad uploaded row with 422 naming its line and column, before accepting the job', async () => {
    const csv = 'person,population,tier,discharged,outOfCatalog,overLimit,preSelfPay,inPolicy\nP1,poverty,county,2018-03-01,0,0,0,100\nP2,poverty,county,2018-13-01,0,0,0,100\n';
    const r = await post({ rules: 'xingan-2018', source: { csv } });
    expect(r.status).toBe(422);
    expect(r.body.error.issues).toEqual([{ path: 'source.csv[第 3 行].discharged', message: expect.stringContaining('不是有效日期') }]);
  });

  it('ends a job the rules cannot settle with status error and the reason in Chinese; its report is 409', async () => {
    const csv = 'person,population,tier,discharged,outOfCatalog,overLimit,preSelfPay,inPolicy\nP1,poverty,clinic,2018-03-01,0,0,0,100\n';
    const start = await post({ rules: 'xingan-2018', source: { csv } });
    expect(start.status).toBe(202);
    const job = await finished(start.body.id);
    expect(job.status).toBe('error');
    expect(job.error).toContain('第 2 行');
    expect(job.error).toContain('clinic');
    expect(job.report).toBeUndefined();
    expect((await get(`/v1/models/${start.body.id}/report.html`)).status).toBe(409);
  });

  it('is for finance and admin keys only; an unknown job is 404', async () => {
    const window = await svc.key('window', 'H152200-L01');
    const auditor = await svc.key('auditor');
    expect((await post({ rules: 'xingan-2018', source: { store: { year: 2018 } } }, window)).status).toBe(403);
    expect((await post({ rules: 'xingan-2018', source: { store: { year: 2018 } } }, auditor)).status).toBe(403);
    expect((await request(svc.app).post('/v1/models').send({})).status).toBe(401);
    expect((await get('/v1/models/MJ2018NOPE', window)).status).toBe(403);
    expect((await get('/v1/models/MJ2018NOPE')).status).toBe(404);
  });
});
