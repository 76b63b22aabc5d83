/**
 * GET /v1/reports/receivables over the seeded year, after reversing a few settlements: each settlement
 * counts in its month of discharge whatever became of it since (a reported month never moves), and each
 * reversal is a negative row of its own in the month it happened (撤销冲回), taking back what the
 * settlement stood at; worked out here from the stored results. The CSV carries the same numbers.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receivablesSchema } from '../../src/audit/schemas.js';
import type { SettlementJson } from '../../src/engine/result.js';
import { Decimal } from '../helpers.js';
import { startTestService, type TestService } from '../http/fixture.js';

let svc: TestService;
let financeKey: string;
let reversedIds: string[];
const HOSPITAL = 'H152200-L01';

const get = (key: string, path: string) => request(svc.app).get(path).set('Authorization', `Bearer ${key}`);

/** hospital|fund|month → { amount, settlements } from the stored results of every settlement discharged in the period. */
async function expected(from: string, to: string, hospital?: string) {
  const rows = await svc.store.db.selectFrom('settlements').selectAll().execute();
  const out = new Map<string, { amount: Decimal; settlements: number }>();
  for (const r of rows) {
    if (r.discharged < from || r.discharged > to || (hospital && r.hospital_code !== hospital)) continue;
    const result = JSON.parse(r.result_json) as SettlementJson;
    for (const [fund, v] of Object.entries(result.funds)) {
      const k = `${r.hospital_code}|${fund}|${r.discharged.slice(0, 7)}`;
      const e = out.get(k) ?? { amount: new Decimal(0), settlements: 0 };
      out.set(k, { amount: e.amount.plus(v), settlements: e.settlements + 1 });
    }
  }
  return out;
}

beforeAll(async () => {
  svc = await startTestService();
  financeKey = await svc.key('finance');
  // Reverse three April settlements of the league hospital.
  const april = await svc.store.db.selectFrom('settlements').select('id').where('hospital_code', '=', HOSPITAL).where('discharged', '>=', '2018-04-01').where('discharged', '<=', '2018-04-30').orderBy('id').limit(3).execute();
  expect(april).toHaveLength(3);
  reversedIds = april.map((r) => r.id);
  for (const id of reversedIds) await svc.settlements.reverse(id, null, '对账测试撤销', 'test');
});
afterAll(async () => svc.close());

describe('GET /v1/reports/receivables', () => {
  it('equals, per hospital × fund × month, the sum of the settlements discharged then; a later reversal does not move the month', async () => {
    const res = await get(financeKey, '/v1/reports/receivables?from=2018-01-01&to=2018-12-31');
    expect(res.status).toBe(200);
    const report = receivablesSchema.parse(res.body);
    const want = await expected('2018-01-01', '2018-12-31');
    // The reversals happened today, outside 2018: 2018 holds settlement rows only.
    expect(report.rows.every((r) => r.kind === 'settlement')).toBe(true);
    expect(report.rows).toHaveLength(want.size);
    for (const row of report.rows) {
      const e = want.get(`${row.hospitalCode}|${row.fund}|${row.month}`);
      expect(e, `${row.hospitalCode} ${row.fund} ${row.month}`).toBeDefined();
      expect(row.amount).toBe(e!.amount.toFixed(2));
      expect(row.settlements).toBe(e!.settlements);
    }
    // Totals per fund.
    const byFund = new Map<string, Decimal>();
    for (const [k, v] of want) {
      const fund = k.split('|')[1]!;
      byFund.set(fund, (byFund.get(fund) ?? new Decimal(0)).plus(v.amount));
    }
    expect(Object.fromEntries(Object.entries(report.totalsByFund).sort())).toEqual(Object.fromEntries([...byFund].sort().map(([f, v]) => [f, v.toFixed(2)])));
  });

  it('shows each reversal as a negative row in its own month, taking back what the settlement stood at', async () => {
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const report = receivablesSchema.parse((await get(financeKey, `/v1/reports/receivables?from=${today}&to=${today}&hospital=${HOSPITAL}`)).body);
    const reversals = report.rows.filter((r) => r.kind === 'reversal');
    expect(reversals.length).toBeGreaterThan(0);
    expect(new Set(reversals.map((r) => r.month))).toEqual(new Set([today.slice(0, 7)]));
    const views = await Promise.all(reversedIds.map((id) => svc.settlements.get(id, null)));
    const stood = new Map<string, { amount: Decimal; n: number }>();
    for (const v of views) {
      for (const [f, x] of Object.entries(v.current?.funds ?? v.result.funds)) {
        const e = stood.get(f) ?? { amount: new Decimal(0), n: 0 };
        stood.set(f, { amount: e.amount.plus(x), n: e.n + 1 });
      }
    }
    for (const r of reversals) {
      expect(r.amount, r.fund).toBe(stood.get(r.fund)!.amount.neg().toFixed(2));
      expect(r.settlements, r.fund).toBe(stood.get(r.fund)!.n);
    }
  });

  it('limits to the period (month of discharge) and keeps months apart', async () => {
    const report = receivablesSchema.parse((await get(financeKey, '/v1/reports/receivables?from=2018-03-01&to=2018-04-30')).body);
    expect(new Set(report.rows.map((r) => r.month))).toEqual(new Set(['2018-03', '2018-04']));
    const want = await expected('2018-03-01', '2018-04-30');
    expect(report.rows.map((r) => [`${r.hospitalCode}|${r.fund}|${r.month}`, r.amount]).sort()).toEqual([...want].map(([k, v]) => [k, v.amount.toFixed(2)]).sort());
    expect(report).toMatchObject({ from: '2018-03-01', to: '2018-04-30' });
  });

  it('as CSV: UTF-8 with a BOM, Chinese headers, the same rows and amounts, then totals', async () => {
    const json = receivablesSchema.parse((await get(financeKey, '/v1/reports/receivables?from=2018-01-01&to=2018-06-30')).body);
    const res = await get(financeKey, '/v1/reports/receivables?from=2018-01-01&to=2018-06-30&format=csv').buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="receivables_2018-01-01_2018-06-30.csv"');
    const bytes = res.body as Buffer;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString('utf8').slice(1).split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('医院编码,医院名称,基金,基金名称,月份,类型,应收金额（元）,笔数');
    const body = lines.slice(1, 1 + json.rows.length).map((l) => l.split(','));
    expect(body.map((c) => [c[0], c[2], c[4], c[5], c[6], Number(c[7])])).toEqual(json.rows.map((r) => [r.hospitalCode, r.fund, r.month, { settlement: '结算', reversal: '撤销冲回', adjustment: '应补应退' }[r.kind], r.amount, r.settlements]));
    const totals = lines.slice(1 + json.rows.length).map((l) => l.split(','));
    expect(totals.map((c) => [c[0], c[2], c[6]])).toEqual(Object.entries(json.totalsByFund).map(([f, v]) => ['合计', f, v]));
  });

  it('a window key sees its own hospital only; another hospital is 403', async () => {
    const windowKey = await svc.key('window', HOSPITAL);
    const report = receivablesSchema.parse((await get(windowKey, '/v1/reports/receivables?from=2018-01-01&to=2018-12-31')).body);
    expect(report.rows.length).toBeGreaterThan(0);
    expect(new Set(report.rows.map((r) => r.hospitalCode))).toEqual(new Set([HOSPITAL]));
    expect(report.hospital).toBe(HOSPITAL);
    const want = await expected('2018-01-01', '2018-12-31', HOSPITAL);
    expect(report.rows).toHaveLength(want.size);
    expect((await get(windowKey, '/v1/reports/receivables?hospital=H152221-C01')).status).toBe(403);
  });

  it('validates the query: 422 with the field path', async () => {
    const bad = await get(financeKey, '/v1/reports/receivables?from=2018-13-01');
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues[0]).toEqual({ path: 'query.from', message: '不是有效日期' });
    const fmt = await get(financeKey, '/v1/reports/receivables?format=xlsx');
    expect(fmt.status).toBe(422);
    expect(fmt.body.error.issues[0].path).toBe('query.format');
    expect((await get(financeKey, '/v1/reports/receivables?from=2018-05-01&to=2018-04-01')).body.error.issues[0].path).toBe('query.to');
    // Empty values mean "not given".
    expect((await get(financeKey, '/v1/reports/receivables?from=&to=')).status).toBe(200);
  });
});
