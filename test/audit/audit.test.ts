/**
 * POST /v1/audits and `onestop audit` over the seeded demo year (410 bills posted through the real
 * service): a clean year reports nothing; each kind of tampering with the stored money is reported for
 * exactly the settlement tampered with. Every tamper is undone after its test.
 */
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toNhsa } from '../../src/explain/nhsa.js';
import { auditReportSchema } from '../../src/audit/schemas.js';
import type { SettlementJson } from '../../src/engine/result.js';
import { Decimal } from '../helpers.js';
import type { SettlementFundTable, SettlementTable } from '../../src/store/schema.js';
import { cliOn, startTestService, type TestService } from '../http/fixture.js';

let svc: TestService;
let auditorKey: string;
let adminKey: string;
const restores: (() => Promise<void>)[] = [];

const audit = (body: unknown, key = auditorKey) => request(svc.app).post('/v1/audits').set('Authorization', `Bearer ${key}`).send(body as object);
const YEAR = { from: '2018-01-01', to: '2018-12-31' };

async function rows(): Promise<SettlementTable[]> {
  return svc.store.db.selectFrom('settlements').selectAll().orderBy('id').execute();
}
const resultOf = (r: SettlementTable) => JSON.parse(r.result_json) as SettlementJson;

/** Keep a settlement's row and fund rows as they are now, and put them back after the test. */
async function snapshot(id: string): Promise<void> {
  const row = await svc.store.db.selectFrom('settlements').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const funds: SettlementFundTable[] = await svc.store.db.selectFrom('settlement_funds').selectAll().where('settlement_id', '=', id).execute();
  restores.push(async () => {
    const { id: _id, ...rest } = row;
    await svc.store.db.updateTable('settlements').set(rest).where('id', '=', id).execute();
    await svc.store.db.deleteFrom('settlement_funds').where('settlement_id', '=', id).execute();
    await svc.store.db.insertInto('settlement_funds').values(funds).execute();
  });
}

async function editResult(id: string, edit: (r: SettlementJson) => void): Promise<void> {
  const row = await svc.store.db.selectFrom('settlements').select('result_json').where('id', '=', id).executeTakeFirstOrThrow();
  const r = JSON.parse(row.result_json) as SettlementJson;
  edit(r);
  await svc.store.db.updateTable('settlements').set({ result_json: JSON.stringify(r) }).where('id', '=', id).execute();
}

/** A poor person's inpatient settlement where every one of the five layers paid. */
async function fiveLayer(): Promise<SettlementTable> {
  const all = await rows();
  const hit = all.find((r) => r.status === 'settled' && r.population === 'poverty' && r.visit_type === 'inpatient' && resultOf(r).steps.every((s) => s.id === 'oop' || !new Decimal(s.payout).isZero()));
  expect(hit).toBeDefined();
  return hit!;
}

beforeAll(async () => {
  svc = await startTestService();
  auditorKey = await svc.key('auditor');
  adminKey = await svc.key('admin');
});
afterEach(async () => {
  while (restores.length) await restores.pop()!();
});
afterAll(async () => svc.close());

describe('an audit over the seeded year', () => {
  it('recomputes every settlement and reports zero mismatches, floor, cap, sum or log breaches', async () => {
    const res = await audit(YEAR);
    expect(res.status).toBe(200);
    const report = auditReportSchema.parse(res.body);
    const all = await rows();
    expect(all.length).toBeGreaterThanOrEqual(400);
    expect(report.count).toBe(all.length);
    expect(report.mismatches).toEqual([]);
    expect(report.floorBreaches).toEqual([]);
    expect(report.capBreaches).toEqual([]);
    expect(report.sumBreaches).toEqual([]);
    expect(report.anchorBreaches).toEqual([]);
    expect(report.clean).toBe(true);
    // The floor check had something to check: many poor people's settlements have a floor step that paid.
    const floors = all.filter((r) => resultOf(r).steps.some((s) => s.kind === 'floor' && !new Decimal(s.payout).isZero()));
    expect(floors.length).toBeGreaterThan(50);
  });

  it('totals per fund are the sums of the stored results of the unreversed settlements', async () => {
    const report = auditReportSchema.parse((await audit(YEAR)).body);
    const byFund = new Map<string, Decimal>();
    let total = new Decimal(0);
    let patient = new Decimal(0);
    for (const r of await rows()) {
      if (r.status !== 'settled') continue;
      const res = resultOf(r);
      total = total.plus(res.total);
      patient = patient.plus(res.patientPays);
      for (const [f, v] of Object.entries(res.funds)) byFund.set(f, (byFund.get(f) ?? new Decimal(0)).plus(v));
    }
    expect(Object.fromEntries(Object.entries(report.totalsByFund).sort())).toEqual(Object.fromEntries([...byFund.entries()].sort().map(([f, v]) => [f, v.toFixed(2)])));
    expect(report.totals.total).toBe(total.toFixed(2));
    expect(report.totals.patientPays).toBe(patient.toFixed(2));
    expect(new Decimal(report.totals.fundPaysTotal).plus(report.totals.patientPays).toFixed(2)).toBe(report.totals.total);
  });

  it('scopes by period and hospital (discharge date, inclusive)', async () => {
    const scope = { from: '2018-04-01', to: '2018-06-30', hospital: 'H152200-L01' };
    const report = auditReportSchema.parse((await audit(scope)).body);
    const expected = (await rows()).filter((r) => r.hospital_code === scope.hospital && r.discharged >= scope.from && r.discharged <= scope.to);
    expect(expected.length).toBeGreaterThan(0);
    expect(report.count).toBe(expected.length);
    expect(report.hospital).toEqual({ code: 'H152200-L01', name: '兴安盟人民医院' });
    expect(report.period).toEqual({ from: scope.from, to: scope.to });
  });

  it('the NHSA form of every seeded settlement adds up: fund_pay_sumamt + psn_part_amt = medfee_sumamt, detail = fund_pay_sumamt', async () => {
    const fen = (s: string) => BigInt(s.replace('.', ''));
    for (const r of await rows()) {
      const result = resultOf(r);
      const n = toNhsa({
        id: r.id,
        status: r.status,
        billNo: r.bill_no,
        person: { id: r.person_id, name: 'x', idNumber: 'x' },
        hospital: { code: r.hospital_code, name: 'x', regionCode: '152200' },
        visit: { type: r.visit_type, admitted: r.admitted, discharged: r.discharged },
        createdAt: r.created_at,
        result,
        sentences: result.steps.map(() => ''),
      });
      const i = n.setlinfo;
      expect(fen(i.fund_pay_sumamt!) + fen(i.psn_part_amt!)).toBe(fen(i.medfee_sumamt!));
      expect(n.setldetail.reduce((s, d) => s + fen(d.fund_payamt), 0n)).toBe(fen(i.fund_pay_sumamt!));
      expect(fen(i.hifp_pay!) + fen(i.hifmi_pay!) + fen(i.maf_pay!) + fen(i.oth_pay!)).toBe(fen(i.fund_pay_sumamt!));
      expect(fen(i.fulamt_ownpay_amt!) + fen(i.overlmt_selfpay!) + fen(i.preselfpay_amt!) + fen(i.inscp_scp_amt!)).toBe(fen(i.medfee_sumamt!));
      expect(BigInt(r.total_fen)).toBe(fen(i.medfee_sumamt!));
    }
  });
});

describe('tampering with stored money is reported for exactly that settlement', () => {
  it('an edited payout in result_json: exactly that mismatch, with both results and the path', async () => {
    const victim = await fiveLayer();
    await snapshot(victim.id);
    const before = resultOf(victim).steps[0]!.payout;
    const edited = new Decimal(before).plus(100).toFixed(2);
    await editResult(victim.id, (r) => (r.steps[0]!.payout = edited));

    const report = auditReportSchema.parse((await audit(YEAR)).body);
    expect(report.mismatches.map((m) => m.id)).toEqual([victim.id]);
    const m = report.mismatches[0]!;
    expect(m.billNo).toBe(victim.bill_no);
    expect(m.differences).toEqual([{ path: 'steps[0].payout', stored: edited, recomputed: before }]);
    expect((m.stored as SettlementJson).steps[0]!.payout).toBe(edited);
    expect((m.recomputed as SettlementJson).steps[0]!.payout).toBe(before);
    // The stored record no longer adds up, and it is not what the audit log recorded.
    expect(report.sumBreaches.map((s) => s.id)).toEqual([victim.id]);
    expect(report.anchorBreaches).toEqual([expect.objectContaining({ id: victim.id, problem: 'result-edited' })]);
    expect(report.floorBreaches).toEqual([]);
  });

  it('an edited payout column (settlement_funds.amount_fen): exactly that mismatch', async () => {
    const victim = await fiveLayer();
    await snapshot(victim.id);
    const fund = await svc.store.db.selectFrom('settlement_funds').selectAll().where('settlement_id', '=', victim.id).where('fund', '=', 'assistance').executeTakeFirstOrThrow();
    await svc.store.db.updateTable('settlement_funds').set({ amount_fen: Number(fund.amount_fen) + 10000 }).where('settlement_id', '=', victim.id).where('fund', '=', 'assistance').execute();

    const report = auditReportSchema.parse((await audit(YEAR)).body);
    const stored = new Decimal(Number(fund.amount_fen) + 10000).div(100).toFixed(2);
    expect(report.mismatches.map((m) => [m.id, m.differences])).toEqual([[victim.id, [{ path: 'settlement_funds.assistance', stored, recomputed: resultOf(victim).funds.assistance }]]]);
    expect(report.sumBreaches.map((s) => s.id)).toEqual([victim.id]);
    expect(report.anchorBreaches).toEqual([expect.objectContaining({ id: victim.id, problem: 'funds-differ' })]);
    // Totals are what the funds are claimed for (the stored fund rows), so they show the edited amount.
    const claimed = await svc.store.db
      .selectFrom('settlement_funds')
      .innerJoin('settlements', 'settlements.id', 'settlement_funds.settlement_id')
      .select(['settlement_funds.amount_fen'])
      .where('settlements.status', '=', 'settled')
      .where('settlement_funds.fund', '=', 'assistance')
      .execute();
    expect(report.totalsByFund.assistance).toBe(new Decimal(claimed.reduce((s, x) => s + Number(x.amount_fen), 0)).div(100).toFixed(2));
  });

  it('an edited patient-pays column: exactly that mismatch', async () => {
    const victim = await fiveLayer();
    await snapshot(victim.id);
    await svc.store.db.updateTable('settlements').set({ patient_pays_fen: Number(victim.patient_pays_fen) - 1 }).where('id', '=', victim.id).execute();
    const report = auditReportSchema.parse((await audit(YEAR)).body);
    expect(report.mismatches.map((m) => [m.id, m.differences.map((d) => d.path)])).toEqual([[victim.id, ['settlements.patient_pays_fen']]]);
  });

  it('a poor person left below the 90% floor is a floor breach, with the shortfall', async () => {
    const victim = await fiveLayer();
    await snapshot(victim.id);
    const r = resultOf(victim);
    const floorPaid = new Decimal(r.steps.find((s) => s.id === 'floor')!.payout);
    // Take the floor payout out, consistently everywhere (as a wrong ruleset would have paid).
    await editResult(victim.id, (x) => {
      x.steps.find((s) => s.id === 'floor')!.payout = '0.00';
      x.funds.backstop = new Decimal(x.funds.backstop!).minus(floorPaid).toFixed(2);
      x.fundPaysTotal = new Decimal(x.fundPaysTotal).minus(floorPaid).toFixed(2);
      x.patientPays = new Decimal(x.patientPays).plus(floorPaid).toFixed(2);
    });
    const report = auditReportSchema.parse((await audit(YEAR)).body);
    const required = new Decimal('0.90').mul(r.total);
    const paid = new Decimal(r.fundPaysTotal).minus(floorPaid);
    expect(report.floorBreaches).toEqual([
      expect.objectContaining({
        id: victim.id,
        stepId: 'floor',
        denominator: 'total',
        denominatorAmount: r.total,
        fundPaysTotal: paid.toFixed(2),
        shortfall: required.minus(paid).toDecimalPlaces(2, Decimal.ROUND_CEIL).toFixed(2),
      }),
    ]);
    expect(report.mismatches.map((m) => m.id)).toEqual([victim.id]);
  });

  it('payouts above an annual cap, walking the person’s year in order, are a cap breach', async () => {
    const victim = await fiveLayer();
    await snapshot(victim.id);
    await editResult(victim.id, (x) => {
      const old = new Decimal(x.steps.find((s) => s.id === 'assistance')!.payout);
      x.steps.find((s) => s.id === 'assistance')!.payout = '60000.00';
      x.funds.assistance = '60000.00';
      x.fundPaysTotal = new Decimal(x.fundPaysTotal).minus(old).plus(60000).toFixed(2);
    });
    // The person's assistance payouts this year, summed independently.
    const mine = (await rows()).filter((r) => r.person_id === victim.person_id && r.year === victim.year && r.status === 'settled');
    const cumulative = mine.reduce((s, r) => s.plus(resultOf(r).steps.find((x) => x.id === 'assistance')?.payout ?? '0'), new Decimal(0));
    const report = auditReportSchema.parse((await audit(YEAR)).body);
    expect(report.capBreaches).toEqual([
      expect.objectContaining({ type: 'annualCap', personId: victim.person_id, year: 2018, stepId: 'assistance', cap: '50000.00', cumulative: cumulative.toFixed(2), excess: cumulative.minus(50000).toFixed(2) }),
    ]);
  });

  it('a poor person’s own payments above the 5,000 out-of-pocket cap are a cap breach', async () => {
    const victim = await fiveLayer();
    await snapshot(victim.id);
    await editResult(victim.id, (x) => {
      x.patientPays = new Decimal(x.patientPays).plus(6000).toFixed(2);
    });
    const mine = (await rows()).filter((r) => r.person_id === victim.person_id && r.year === victim.year && r.status === 'settled' && resultOf(r).steps.some((s) => s.id === 'oop'));
    const cumulative = mine.reduce((s, r) => s.plus(resultOf(r).patientPays), new Decimal(0));
    expect(cumulative.gt(5000)).toBe(true);
    const report = auditReportSchema.parse((await audit(YEAR)).body);
    expect(report.capBreaches).toEqual([expect.objectContaining({ type: 'outOfPocketCap', personId: victim.person_id, stepId: 'oop', cap: '5000.00', cumulative: cumulative.toFixed(2) })]);
  });

  it('a settlement marked reversed in the database without a reversal in the audit log is named', async () => {
    const victim = await fiveLayer();
    await snapshot(victim.id);
    await svc.store.db.updateTable('settlements').set({ status: 'reversed', reversed_at: new Date().toISOString() }).where('id', '=', victim.id).execute();
    const report = auditReportSchema.parse((await audit(YEAR)).body);
    expect(report.reversed.ids).toContain(victim.id);
    expect(report.anchorBreaches).toEqual([expect.objectContaining({ id: victim.id, problem: 'status-without-entry' })]);
    expect(report.mismatches).toEqual([]);
  });
});

describe('reversed settlements', () => {
  it('are listed, recomputed, and left out of the totals', async () => {
    const victim = await fiveLayer();
    const before = auditReportSchema.parse((await audit(YEAR)).body);
    const answer = await svc.settlements.reverse(victim.id, null, '审计测试撤销', 'test');
    const after = auditReportSchema.parse((await audit(YEAR)).body);
    expect(after.clean).toBe(true);
    expect(after.count).toBe(before.count);
    expect(after.reversed.ids).toContain(victim.id);
    expect(before.reversed.ids).not.toContain(victim.id);
    expect(after.reversed.count).toBe(before.reversed.count + 1);
    // Each fund's total falls by what the reversed settlement paid, less what its adjustments of the
    // person's later settlements (应补应退) added back.
    const r = resultOf(victim);
    const adjusted = answer.readjudication.totals.funds;
    for (const [f, v] of Object.entries(r.funds)) {
      expect(new Decimal(before.totalsByFund[f]!).minus(after.totalsByFund[f]!).toFixed(2), f).toBe(new Decimal(v).minus(adjusted[f] ?? '0').toFixed(2));
    }
    expect(new Decimal(before.totals.total).minus(after.totals.total).toFixed(2)).toBe(r.total);
  });
});

describe('requests', () => {
  it('validates the body: 422 with the field path and a Chinese message', async () => {
    const bad = await audit({ from: '2018-02-30' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues).toEqual([{ path: 'from', message: '不是有效日期' }]);
    const reversedPeriod = await audit({ from: '2018-05-01', to: '2018-04-01' });
    expect(reversedPeriod.status).toBe(422);
    expect(reversedPeriod.body.error.issues[0].path).toBe('to');
    const unknown = await audit({ form: '2018-01-01' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.issues).toEqual([{ path: 'form', message: '不支持此字段' }]);
    const hospital = await audit({ hospital: 'H-NOPE' });
    expect(hospital.status).toBe(422);
    expect(hospital.body.error.issues[0].path).toBe('hospital');
    expect(JSON.stringify(bad.body)).not.toMatch(/at .*\.ts/);
  });

  it('only auditors (and admins) run audits', async () => {
    expect((await audit({}, await svc.key('window', 'H152200-L01'))).status).toBe(403);
    expect((await audit({}, await svc.key('finance'))).status).toBe(403);
    expect((await audit({ from: '2018-12-01' }, adminKey)).status).toBe(200);
  });
});

describe('onestop audit (offline, against ONESTOP_DB)', () => {
  const cli = (args: string[]) => cliOn(svc.dbFile, args);

  it('--json gives the same report as POST /v1/audits; the default is a Chinese summary; exit 0 when clean', async () => {
    const api = (await audit(YEAR)).body;
    const json = await cli(['audit', '--from', YEAR.from, '--to', YEAR.to, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual(api);
    const text = await cli(['audit', '--from', YEAR.from, '--to', YEAR.to]);
    expect(text.code).toBe(0);
    expect(text.out).toContain(`结算 ${api.count} 笔`);
    expect(text.out).toContain('✓ 重新计算结果与存储不一致：0 笔');
    expect(text.out).toContain('结论：未发现问题。');
  });

  it('names a tampered settlement and exits 1', async () => {
    const victim = await fiveLayer();
    await snapshot(victim.id);
    await editResult(victim.id, (r) => (r.steps[1]!.payout = new Decimal(r.steps[1]!.payout).plus('0.01').toFixed(2)));
    const text = await cli(['audit', '--from', YEAR.from, '--to', YEAR.to]);
    expect(text.code).toBe(1);
    expect(text.out).toContain('✗ 重新计算结果与存储不一致：1 笔');
    expect(text.out).toContain(`结算 ${victim.id}（账单 ${victim.bill_no}`);
    expect(text.out).toContain('steps[1].payout');
    expect(text.err).toContain('审计发现问题');
  });

  it('refuses a bad date with a Chinese message', async () => {
    const r = await cli(['audit', '--from', '2018/01/01']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('from：日期格式应为 YYYY-MM-DD');
  });
});
