/**
 * The recompute audit (POST /v1/audits, `onestop audit`): re-run every settlement in scope from what was
 * stored with it (the bill as settled, the ruleset version by hash, the accumulators read before it) and
 * check the store against the recomputation and against itself.
 *
 * Scope: settlements discharged in [from, to] (inclusive; either may be open), optionally one hospital.
 * Reversed settlements are recomputed and checked like any other, listed under `reversed`, and left out of
 * the money totals and of the floor and cap checks (a reversed settlement pays nothing).
 *
 * What is reported:
 *  - mismatches: the stored result (result_json) or the stored money (the *_fen columns and
 *    settlement_funds) differs from the recomputation; each with both results and every differing path;
 *  - floorBreaches: a settled settlement whose pipeline (in its ruleset version, for its population) has a
 *    floor step, yet the funds paid less than floor × denominator (total or in-policy);
 *  - capBreaches: walking each person's settled settlements of a year in order, the payouts of a capped
 *    step's accumulator passed its annualCap, or a poor person's own payments counted by an
 *    outOfPocketCap step passed its cap;
 *  - sumBreaches: the stored record disagrees with itself (funds + patient ≠ total, step payouts ≠ fund,
 *    columns or settlement_funds ≠ result_json);
 *  - anchorBreaches: the hash-chained audit log does not vouch for the stored record: no settlement.create
 *    entry, its resultHash is not the sha256 of result_json (result_json edited), its funds differ, or the
 *    status disagrees with the settlement.reverse entries;
 *  - totals: unreversed settlements only, from the stored money columns (what the funds are claimed for),
 *    with their adjustments (应补应退, issue 23): the year's figures as they now stand.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { engineBillFromStored } from '../bill/parse.js';
import type { Step } from '../engine/types.js';
import type { SettlementJson } from '../engine/result.js';
import { floorShortfalls } from '../checks/floor.js';
import { amountOf, resultMoney, storedMoney, type StoredMoney } from '../checks/stored-result.js';
import { sumFindings, type SumFinding } from '../checks/sums.js';
import { YearCapBook, addedUnderCaps } from '../checks/year-caps.js';
import { formatRatio, formatUnits } from '../money/text.js';
import { fromFen, type Units } from '../money/units.js';
import { RulesetVersions, recompute } from '../settle/recompute.js';
import { readAdjustmentsOf, type AdjustmentRow } from '../settle/person-year.js';
import { standingResultJson } from '../settle/standing.js';
import { checkAgainstRegister, type MembershipVersion, type RegisterFinding, type RetroactiveChange } from '../checks/register.js';
import { unprocessable } from '../errors/api-error.js';
import type { Store } from '../store/port.js';
import type { Database, SettlementTable } from '../store/schema.js';
import { diffJson, type Difference } from './diff.js';
import { FUND_ORDER } from '../labels/labels.js';

const fundRank = (f: string) => (FUND_ORDER.includes(f) ? FUND_ORDER.indexOf(f) : FUND_ORDER.length);

export interface AuditScope {
  from?: string;
  to?: string;
  hospital?: string;
}

export interface Mismatch {
  id: string;
  billNo: string;
  hospitalCode: string;
  personId: string;
  status: 'settled' | 'reversed';
  stored: unknown;
  recomputed: SettlementJson | null;
  differences: Difference[];
  /** Why the settlement could not be recomputed at all (then `recomputed` is null). */
  error?: string;
}

export interface FloorBreach {
  id: string;
  billNo: string;
  personId: string;
  stepId: string;
  floor: string;
  denominator: 'total' | 'inPolicy';
  denominatorAmount: string;
  required: string;
  fundPaysTotal: string;
  shortfall: string;
  actualRatio: string;
}

export interface CapBreach {
  type: 'annualCap' | 'outOfPocketCap';
  personId: string;
  year: number;
  stepId: string;
  accumulator: string;
  cap: string;
  /** Cumulative (payouts, or the patient's own payments) over the person's settled settlements of the year. */
  cumulative: string;
  excess: string;
  /** The first settlement in scope after which the cumulative was above the cap. */
  settlementId: string;
  billNo: string;
}

export interface SumBreach {
  id: string;
  billNo: string;
  problems: { path: string; stored: string | null; expected: string | null; message: string }[];
}

export interface AnchorBreach {
  id: string;
  billNo: string;
  problem: 'no-create-entry' | 'result-edited' | 'funds-differ' | 'status-without-entry' | 'entry-without-status';
  message: string;
}

export interface RegisterBreach {
  id: string;
  billNo: string;
  personId: string;
  message: string;
}

export interface RegisterChange extends RetroactiveChange {
  id: string;
  billNo: string;
  personId: string;
  status: 'settled' | 'reversed';
  date: string;
}

export interface AuditReport {
  period: { from: string | null; to: string | null };
  hospital: { code: string; name: string } | null;
  count: number;
  reversed: { count: number; ids: string[] };
  mismatches: Mismatch[];
  floorBreaches: FloorBreach[];
  capBreaches: CapBreach[];
  sumBreaches: SumBreach[];
  anchorBreaches: AnchorBreach[];
  /** Settlements whose recorded memberships were not in force as the register stood when they were settled. */
  registerBreaches: RegisterBreach[];
  /** Settlements whose register entry was corrected afterwards (not re-settled; listed for the bureau). */
  registerChanges: RegisterChange[];
  totalsByFund: Record<string, string>;
  totals: { total: string; fundPaysTotal: string; patientPays: string };
  /** True when every list above is empty. */
  clean: boolean;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const fen = (v: number | bigint | string) => BigInt(String(v));
const yuanOfFen = (v: bigint) => formatUnits(fromFen(v));
const money = (v: Units | null | undefined) => (v === null || v === undefined ? null : formatUnits(v));

/** The stored money columns and settlement_funds against a result (recomputed or stored), exactly. */
function columnDifferences(row: SettlementTable, funds: Map<string, bigint>, r: SettlementJson): Difference[] {
  const out: Difference[] = [];
  const col = (path: string, stored: bigint, expected: unknown) => {
    const s = yuanOfFen(stored);
    const e = money(amountOf(expected));
    if (s !== e) out.push({ path, stored: s, recomputed: e });
  };
  col('settlements.total_fen', fen(row.total_fen), r.total);
  col('settlements.fund_pays_fen', fen(row.fund_pays_fen), r.fundPaysTotal);
  col('settlements.patient_pays_fen', fen(row.patient_pays_fen), r.patientPays);
  for (const f of [...new Set([...funds.keys(), ...Object.keys(r.funds ?? {})])].sort()) {
    const stored = funds.get(f);
    const expected = r.funds?.[f];
    const s = stored === undefined ? null : yuanOfFen(stored);
    const e = expected === undefined ? null : money(amountOf(expected));
    if (s !== e) out.push({ path: `settlement_funds.${f}`, stored: s, recomputed: e });
  }
  return out;
}

/** A finding of the sum checks (checks/sums.ts), in the audit's words: the path, both figures, why. */
function sumProblem(f: SumFinding, stored: StoredMoney): SumBreach['problems'][number] {
  const p = (path: string, stored: Units | null | undefined, expected: Units | null | undefined, message: string) => ({ path, stored: money(stored), expected: money(expected), message });
  switch (f.kind) {
    case 'columns':
      return p('settlements.patient_pays_fen', f.patientPays, f.total - f.fundPays, '基金支付列 + 个人支付列 ≠ 医疗费总额列');
    case 'fundRowsVsColumn':
      return p('settlement_funds (sum)', f.rows, f.fundPays, '基金明细表之和与基金支付总额列不符');
    case 'fundRowsUnbalanced':
      return p('settlement_funds (sum)', f.rows, f.total - f.patientPays, '基金明细表之和 + 个人支付列 ≠ 医疗费总额列');
    case 'negative':
      return p(f.what === 'fundRow' ? `settlement_funds.${f.name}` : f.what === 'fund' ? `result_json.funds.${f.name}` : f.what === 'step' ? `result_json.steps.${f.name}` : 'result_json.patientPays', f.amount, 0n, '金额为负');
    case 'unreadable':
      return { path: `result_json.${f.paths.join(', ')}`, stored: null, expected: null, message: '结算结果中的金额缺失或格式错误' };
    case 'resultVsColumns': {
      const field = f.fields[0]!;
      const column = { total: 'settlements.total_fen', fundPays: 'settlements.fund_pays_fen', patientPays: 'settlements.patient_pays_fen' }[field];
      return p(column, stored[field], f.result[field], `金额列与结算结果不符（${f.fields.join('、')}）`);
    }
    case 'fundRowVsResult':
      return p(`settlement_funds.${f.fund}`, f.row, f.result, '基金明细表金额与结算结果不符');
    case 'resultFundsVsTotal':
      return p('result_json.fundPaysTotal', f.fundPaysTotal, f.funds, '各基金支付之和与基金支付总额不符');
    case 'resultUnbalanced':
      return p('result_json.patientPays', f.patientPays, f.total - f.funds, '基金支付 + 个人支付 ≠ 医疗费总额');
    case 'buckets':
      return p('result_json.buckets', f.sum, f.total, '四类费用之和与医疗费总额不符');
    case 'aboveCapRoom':
      return p(`result_json.steps.${f.stepId}.payout`, f.payout, f.capRoom, '步骤支付超过其封顶余额');
    case 'stepsVsFund':
      return p(`result_json.funds.${f.fund}`, f.recorded, f.steps, `基金 ${f.fund} 的金额与其各步骤支付之和不符`);
  }
}

/** The stored record checked against itself, with the stored result's columns compared exactly. */
function sumProblems(row: SettlementTable, funds: Map<string, bigint>, r: SettlementJson): SumBreach['problems'] {
  const stored = storedMoney(row, new Map([...funds].map(([f, v]) => [f, fromFen(v)])));
  return sumFindings(stored, resultMoney(r)).map((f) => sumProblem(f, stored));
}

export async function runAudit(store: Store, scope: AuditScope): Promise<AuditReport> {
  const db: Kysely<Database> = store.db;
  let hospital: AuditReport['hospital'] = null;
  if (scope.hospital) {
    const h = await db.selectFrom('hospitals').select(['code', 'name']).where('code', '=', scope.hospital).executeTakeFirst();
    if (!h) throw unprocessable('UNKNOWN_HOSPITAL', `医院编码 ${scope.hospital} 未登记`, [{ path: 'hospital', message: '医院未登记' }]);
    hospital = { code: h.code, name: h.name };
  }

  const rows = await db
    .selectFrom('settlements')
    .selectAll('settlements')
    .$if(!!scope.from, (q) => q.where('settlements.discharged', '>=', scope.from!))
    .$if(!!scope.to, (q) => q.where('settlements.discharged', '<=', scope.to!))
    .$if(!!scope.hospital, (q) => q.where('settlements.hospital_code', '=', scope.hospital!))
    .orderBy('settlements.discharged')
    .orderBy('settlements.created_at')
    .orderBy('settlements.id')
    .execute();
  const fundRows = await db
    .selectFrom('settlement_funds')
    .innerJoin('settlements', 'settlements.id', 'settlement_funds.settlement_id')
    .select(['settlement_funds.settlement_id', 'settlement_funds.fund', 'settlement_funds.amount_fen'])
    .$if(!!scope.from, (q) => q.where('settlements.discharged', '>=', scope.from!))
    .$if(!!scope.to, (q) => q.where('settlements.discharged', '<=', scope.to!))
    .$if(!!scope.hospital, (q) => q.where('settlements.hospital_code', '=', scope.hospital!))
    .execute();
  const fundsOf = new Map<string, Map<string, bigint>>();
  for (const f of fundRows) {
    const m = fundsOf.get(f.settlement_id) ?? new Map<string, bigint>();
    m.set(f.fund, (m.get(f.fund) ?? 0n) + fen(f.amount_fen));
    fundsOf.set(f.settlement_id, m);
  }
  const entries = await db
    .selectFrom('audit_log')
    .innerJoin('settlements', 'settlements.id', 'audit_log.subject')
    .select(['audit_log.seq', 'audit_log.action', 'audit_log.subject', 'audit_log.payload'])
    .where('audit_log.action', 'in', ['settlement.create', 'settlement.reverse'])
    .$if(!!scope.from, (q) => q.where('settlements.discharged', '>=', scope.from!))
    .$if(!!scope.to, (q) => q.where('settlements.discharged', '<=', scope.to!))
    .$if(!!scope.hospital, (q) => q.where('settlements.hospital_code', '=', scope.hospital!))
    .orderBy('audit_log.seq')
    .execute();
  const creates = new Map<string, string>();
  const reverses = new Set<string>();
  for (const e of entries) {
    if (e.action === 'settlement.create' && !creates.has(e.subject)) creates.set(e.subject, e.payload);
    if (e.action === 'settlement.reverse') reverses.add(e.subject);
  }

  const versions = new RulesetVersions(db);
  const stored = new Map<string, SettlementJson>();
  const report: AuditReport = {
    period: { from: scope.from ?? null, to: scope.to ?? null },
    hospital,
    count: rows.length,
    reversed: { count: 0, ids: [] },
    mismatches: [],
    floorBreaches: [],
    capBreaches: [],
    sumBreaches: [],
    anchorBreaches: [],
    registerBreaches: [],
    registerChanges: [],
    totalsByFund: {},
    totals: { total: '0.00', fundPaysTotal: '0.00', patientPays: '0.00' },
    clean: true,
  };
  const totals = { total: 0n, fund: 0n, patient: 0n };
  const byFund = new Map<string, bigint>();

  for (const row of rows) {
    const funds = fundsOf.get(row.id) ?? new Map<string, bigint>();
    if (row.status === 'reversed') {
      report.reversed.count++;
      report.reversed.ids.push(row.id);
    } else {
      totals.total += fen(row.total_fen);
      totals.fund += fen(row.fund_pays_fen);
      totals.patient += fen(row.patient_pays_fen);
      for (const [f, v] of funds) byFund.set(f, (byFund.get(f) ?? 0n) + v);
    }

    let storedResult: SettlementJson | null = null;
    try {
      storedResult = JSON.parse(row.result_json) as SettlementJson;
      stored.set(row.id, storedResult);
    } catch {
      // reported as a mismatch below
    }

    // 1. Recompute and compare.
    let recomputed: SettlementJson | null = null;
    let error: string | undefined;
    try {
      recomputed = await recompute(row, versions);
    } catch (e) {
      error = `无法重新计算：${(e as Error).message}`;
    }
    const differences: Difference[] = [];
    if (recomputed) {
      if (storedResult) differences.push(...diffJson(storedResult, recomputed));
      else differences.push({ path: 'result_json', stored: row.result_json.slice(0, 200), recomputed: '(valid JSON)' });
      differences.push(...columnDifferences(row, funds, recomputed));
    }
    if (error || differences.length) {
      report.mismatches.push({
        id: row.id,
        billNo: row.bill_no,
        hospitalCode: row.hospital_code,
        personId: row.person_id,
        status: row.status,
        stored: storedResult ?? row.result_json,
        recomputed,
        differences,
        ...(error ? { error } : {}),
      });
    }

    // 2. The stored record against itself.
    if (storedResult) {
      let problems: SumBreach['problems'];
      try {
        problems = sumProblems(row, funds, storedResult);
      } catch (e) {
        problems = [{ path: 'result_json', stored: null, expected: null, message: `结算结果格式错误：${(e as Error).message}` }];
      }
      if (problems.length) report.sumBreaches.push({ id: row.id, billNo: row.bill_no, problems });
    }

    // 3. The audit log's anchor.
    const create = creates.get(row.id);
    if (!create) {
      report.anchorBreaches.push({ id: row.id, billNo: row.bill_no, problem: 'no-create-entry', message: `结算 ${row.id} 在审计日志中没有结算记录：可能被直接写入数据库，或日志记录被删除` });
    } else {
      let payload: { resultHash?: string; funds?: Record<string, string>; patientPays?: string } = {};
      try {
        payload = JSON.parse(create) as typeof payload;
      } catch {
        // an unparseable payload is an edited log row: verify-log names it
      }
      if (payload.resultHash !== undefined && payload.resultHash !== sha256(row.result_json)) {
        report.anchorBreaches.push({ id: row.id, billNo: row.bill_no, problem: 'result-edited', message: `结算 ${row.id} 的结果（result_json）与审计日志记录的哈希不符：结算后被修改` });
      }
      const loggedFunds = JSON.stringify(payload.funds ?? null);
      const rowFunds = JSON.stringify(Object.fromEntries([...funds.entries()].sort().map(([f, v]) => [f, yuanOfFen(v)])));
      const logSorted = payload.funds ? JSON.stringify(Object.fromEntries(Object.entries(payload.funds).sort())) : loggedFunds;
      if (payload.funds && (logSorted !== rowFunds || payload.patientPays !== yuanOfFen(fen(row.patient_pays_fen)))) {
        report.anchorBreaches.push({ id: row.id, billNo: row.bill_no, problem: 'funds-differ', message: `结算 ${row.id} 的基金支付或个人支付与审计日志记录不符` });
      }
    }
    if (row.status === 'reversed' && !reverses.has(row.id)) {
      report.anchorBreaches.push({ id: row.id, billNo: row.bill_no, problem: 'status-without-entry', message: `结算 ${row.id} 标记为已撤销，但审计日志中没有撤销记录` });
    }
    if (row.status !== 'reversed' && reverses.has(row.id)) {
      report.anchorBreaches.push({ id: row.id, billNo: row.bill_no, problem: 'entry-without-status', message: `审计日志记录结算 ${row.id} 已撤销，但其状态为已结算` });
    }

    // 4. Floor guarantee (settled only), on the steps that ran for this bill (checks/floor.ts).
    if (row.status === 'settled' && storedResult) {
      try {
        const ruleset = (await versions.get(row.ruleset_hash)).ruleset;
        const m = resultMoney(storedResult);
        const inPolicy = m.buckets?.[3];
        if (m.total !== null && m.fundPaysTotal !== null && inPolicy !== null && inPolicy !== undefined) {
          const diagnoses = engineBillFromStored(row.bill_json).diagnoses;
          for (const f of floorShortfalls(ruleset, { visitType: row.visit_type, population: row.population, diagnoses, total: m.total, inPolicy, fundPaysTotal: m.fundPaysTotal })) {
            report.floorBreaches.push({
              id: row.id,
              billNo: row.bill_no,
              personId: row.person_id,
              stepId: f.stepId,
              floor: formatRatio(f.floor),
              denominator: f.denominator,
              denominatorAmount: formatUnits(f.denominatorAmount),
              required: formatUnits(f.required),
              fundPaysTotal: formatUnits(f.fundPaysTotal),
              shortfall: formatUnits(f.shortfall),
              actualRatio: f.actualRatio,
            });
          }
        }
      } catch {
        // the ruleset version is missing or edited, or the bill unreadable: already a mismatch with its error
      }
    }
  }

  // What reversals of earlier settlements changed in the unreversed ones (adjustment_funds, integer fen).
  const adjustments = await db
    .selectFrom('adjustments')
    .innerJoin('settlements', 'settlements.id', 'adjustments.settlement_id')
    .select(['adjustments.id', 'adjustments.fund_delta_fen', 'adjustments.patient_delta_fen'])
    .where('settlements.status', '=', 'settled')
    .$if(!!scope.from, (q) => q.where('settlements.discharged', '>=', scope.from!))
    .$if(!!scope.to, (q) => q.where('settlements.discharged', '<=', scope.to!))
    .$if(!!scope.hospital, (q) => q.where('settlements.hospital_code', '=', scope.hospital!))
    .execute();
  for (const a of adjustments) {
    totals.fund += fen(a.fund_delta_fen);
    totals.patient += fen(a.patient_delta_fen);
  }
  const adjustmentFunds = adjustments.length
    ? await db
        .selectFrom('adjustment_funds')
        .innerJoin('adjustments', 'adjustments.id', 'adjustment_funds.adjustment_id')
        .innerJoin('settlements', 'settlements.id', 'adjustments.settlement_id')
        .select(['adjustment_funds.fund', 'adjustment_funds.amount_fen'])
        .where('settlements.status', '=', 'settled')
        .$if(!!scope.from, (q) => q.where('settlements.discharged', '>=', scope.from!))
        .$if(!!scope.to, (q) => q.where('settlements.discharged', '<=', scope.to!))
        .$if(!!scope.hospital, (q) => q.where('settlements.hospital_code', '=', scope.hospital!))
        .execute()
    : [];
  for (const f of adjustmentFunds) byFund.set(f.fund, (byFund.get(f.fund) ?? 0n) + fen(f.amount_fen));

  report.capBreaches = await capBreaches(db, rows, versions);
  Object.assign(report, await againstRegister(db, rows));

  report.totals = { total: yuanOfFen(totals.total), fundPaysTotal: yuanOfFen(totals.fund), patientPays: yuanOfFen(totals.patient) };
  report.totalsByFund = Object.fromEntries([...byFund.entries()].sort(([a], [b]) => fundRank(a) - fundRank(b) || a.localeCompare(b)).map(([f, v]) => [f, yuanOfFen(v)]));
  report.clean =
    !report.mismatches.length && !report.floorBreaches.length && !report.capBreaches.length && !report.sumBreaches.length && !report.anchorBreaches.length && !report.registerBreaches.length;
  return report;
}

/** Each settlement in scope against its person's memberships, every version (checks/register.ts). */
async function againstRegister(db: Kysely<Database>, rows: SettlementTable[]): Promise<{ registerBreaches: RegisterBreach[]; registerChanges: RegisterChange[] }> {
  const registerBreaches: RegisterBreach[] = [];
  const registerChanges: RegisterChange[] = [];
  const people = [...new Set(rows.filter((r) => r.eligibility_json !== null).map((r) => r.person_id))];
  const versionsOf = new Map<string, MembershipVersion[]>();
  for (let i = 0; i < people.length; i += 500) {
    const part = people.slice(i, i + 500);
    const found = await db
      .selectFrom('memberships')
      .select(['person_id', 'population', 'from_date', 'to_date', 'batch_id', 'recorded_at', 'superseded_at', 'superseded_by'])
      .where('person_id', 'in', part)
      .execute();
    for (const m of found) versionsOf.set(m.person_id, [...(versionsOf.get(m.person_id) ?? []), m]);
  }
  for (const r of rows) {
    const { findings, retroactive } = checkAgainstRegister(r, versionsOf.get(r.person_id) ?? []);
    for (const f of findings) registerBreaches.push({ id: r.id, billNo: r.bill_no, personId: r.person_id, message: registerFindingText(r.id, f) });
    if (retroactive) {
      const date = (JSON.parse(r.eligibility_json!) as { date: string }).date;
      registerChanges.push({ id: r.id, billNo: r.bill_no, personId: r.person_id, status: r.status, date, ...retroactive });
    }
  }
  return { registerBreaches, registerChanges };
}

function registerFindingText(id: string, f: RegisterFinding): string {
  switch (f.kind) {
    case 'unreadable':
      return `结算 ${id}：记录的登记身份不是有效的 JSON`;
    case 'population-not-recorded':
      return `结算 ${id}：按人员类别 ${f.population} 结算，但记录的登记身份中没有它`;
    case 'membership-missing':
      return `结算 ${id}：记录的登记身份 ${f.population}（${f.from} 起，批次 ${f.batch}）在登记库中不存在`;
    case 'not-standing-then':
      return `结算 ${id}：记录的登记身份 ${f.population}（${f.from} 起，批次 ${f.batch}）在结算时并非登记库的现行记录（登记于 ${f.recordedAt}${f.supersededAt ? `，于 ${f.supersededAt} 被替换` : ''}）`;
    case 'not-in-force':
      return `结算 ${id}：记录的登记身份 ${f.population}（${f.from} 至 ${f.to ?? '今'}）在 ${f.date} 不在有效期内`;
  }
}

/**
 * Walk each person's settled settlements of each year touched by the scope (all hospitals, the whole
 * year: a cap is per person and year), in the order the ledger recorded them, each as it now stands (with
 * its adjustments), adding up what each capped step paid and what the patient paid under each
 * out-of-pocket cap.
 */
async function capBreaches(db: Kysely<Database>, inScope: SettlementTable[], versions: RulesetVersions): Promise<CapBreach[]> {
  const scopeIds = new Set(inScope.map((r) => r.id));
  const personYears = new Set(inScope.map((r) => `${r.person_id}\u0000${r.year}`));
  const people = [...new Set(inScope.map((r) => r.person_id))];
  const years = [...new Set(inScope.map((r) => r.year))];
  const all: SettlementTable[] = [];
  for (let i = 0; i < people.length; i += 500) {
    const chunk = people.slice(i, i + 500);
    all.push(
      ...(await db
        .selectFrom('settlements')
        .selectAll()
        .where('status', '=', 'settled')
        .where('person_id', 'in', chunk)
        .where('year', 'in', years)
        .orderBy('ledger_version')
        .orderBy('id')
        .execute()),
    );
  }
  // Each settlement as it now stands: its latest adjustment's result, where a reversal re-adjudicated it.
  const adjusted = new Map<string, AdjustmentRow[]>();
  for (let i = 0; i < all.length; i += 500) {
    for (const a of await readAdjustmentsOf(db, all.slice(i, i + 500).map((r) => r.id))) adjusted.set(a.settlement_id, [...(adjusted.get(a.settlement_id) ?? []), a]);
  }
  const groups = new Map<string, SettlementTable[]>();
  for (const r of all) {
    const k = `${r.person_id}\u0000${r.year}`;
    if (!personYears.has(k)) continue;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const out: CapBreach[] = [];
  for (const list of groups.values()) {
    // accumulator key → the running total under its year cap (engine/steps yearCaps) and the first breach
    const caps = new YearCapBook();
    const running = new Map<string, { sum: Units; breach?: { id: string; billNo: string } }>();
    for (const row of list) {
      let result: unknown;
      let steps: readonly Step[];
      try {
        result = JSON.parse(standingResultJson(row, adjusted.get(row.id) ?? []));
        const ruleset = (await versions.get(row.ruleset_hash)).ruleset;
        caps.add(ruleset);
        steps = ruleset.visits[row.visit_type] ?? [];
      } catch {
        continue; // reported as a mismatch
      }
      for (const [key, added] of addedUnderCaps(result, steps)) {
        const cap = caps.get(key);
        if (!cap) continue;
        const entry = running.get(key) ?? { sum: 0n };
        entry.sum += added;
        if (entry.sum > cap.cap && !entry.breach && scopeIds.has(row.id)) entry.breach = { id: row.id, billNo: row.bill_no };
        running.set(key, entry);
      }
    }
    const first = list[0]!;
    for (const [key, e] of running) {
      const cap = caps.get(key)!;
      if (!e.breach || !(e.sum > cap.cap)) continue;
      out.push({
        type: cap.kind,
        personId: first.person_id,
        year: first.year,
        stepId: cap.step.id,
        accumulator: key,
        cap: formatUnits(cap.cap),
        cumulative: formatUnits(e.sum),
        excess: formatUnits(e.sum - cap.cap),
        settlementId: e.breach.id,
        billNo: e.breach.billNo,
      });
    }
  }
  return out.sort((a, b) => a.personId.localeCompare(b.personId) || a.year - b.year || a.accumulator.localeCompare(b.accumulator));
}
