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
import type { Expression, ExpressionBuilder, ExpressionWrapper, Kysely, SqlBool } from 'kysely';
import { engineBillFromStored } from '../bill/parse.js';
import type { Bill, Step } from '../engine/types.js';
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
import { readSnapshot } from '../store/snapshot.js';
import { betweenPages, type LongReadOptions } from './run-options.js';
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

/** How many people's years are read at a time: a page of the audit (a few thousand settlements). */
const PEOPLE_PER_PAGE = 400;

/**
 * Whether a settlement is in the audit's scope (discharged in [from, to], at the hospital): one SQL
 * expression, used as the filter where the scope's settlements are counted and as a column (`in_scope`)
 * where a person's whole year is read, so the test is written once.
 */
function scopeTest(eb: ExpressionBuilder<Database, 'settlements'>, scope: AuditScope): ExpressionWrapper<Database, 'settlements', SqlBool> {
  const tests: Expression<SqlBool>[] = [];
  if (scope.from) tests.push(eb('settlements.discharged', '>=', scope.from));
  if (scope.to) tests.push(eb('settlements.discharged', '<=', scope.to));
  if (scope.hospital) tests.push(eb('settlements.hospital_code', '=', scope.hospital));
  return tests.length ? eb.and(tests) : eb.lit(true);
}

/** A settlement row as the audit reads it: with whether it is in scope (SQLite answers 1 or 0, PostgreSQL a boolean). */
type AuditRow = SettlementTable & { in_scope: number | boolean };
const inScopeRow = (row: AuditRow): boolean => Number(row.in_scope) === 1;

/** A finding with the place of its settlement in the report's order (discharge, then creation, then id). */
interface Placed<T> {
  key: string;
  value: T;
}
const placeOf = (row: SettlementTable) => `${row.discharged}\u0000${row.created_at}\u0000${row.id}`;
const inOrder = <T>(list: Placed<T>[]): T[] => list.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0)).map((x) => x.value);

/**
 * The audit reads the store a page at a time, on one snapshot, so that a year of a region fits in memory:
 * first the people with settlements in scope (ids only), then, for a few hundred of them at a time, every
 * settlement of theirs in the years the scope touches, in ledger order, with that page's fund rows, log
 * entries, adjustments and register entries. Each person's year is thus walked whole (a cap is per person
 * and year, across hospitals) and checked against its caps as it is read; every other check is per
 * settlement. Memory is one page, the people's ids and the findings (none in a clean store); the findings
 * are put back in discharge order at the end. `pageSize` (people per page) is for tests.
 */
export async function runAudit(store: Store, scope: AuditScope, opts: LongReadOptions & { pageSize?: number } = {}): Promise<AuditReport> {
  return readSnapshot(store, (db) => auditOn(db, scope, opts));
}

async function auditOn(db: Kysely<Database>, scope: AuditScope, opts: LongReadOptions & { pageSize?: number }): Promise<AuditReport> {
  let hospital: AuditReport['hospital'] = null;
  if (scope.hospital) {
    const h = await db.selectFrom('hospitals').select(['code', 'name']).where('code', '=', scope.hospital).executeTakeFirst();
    if (!h) throw unprocessable('UNKNOWN_HOSPITAL', `医院编码 ${scope.hospital} 未登记`, [{ path: 'hospital', message: '医院未登记' }]);
    hospital = { code: h.code, name: h.name };
  }
  // Who and which years the scope touches: small (ids), read once.
  const personYears = await db.selectFrom('settlements').where((eb) => scopeTest(eb, scope)).select(['person_id', 'year']).distinct().orderBy('person_id').orderBy('year').execute();
  const total = Number((await db.selectFrom('settlements').where((eb) => scopeTest(eb, scope)).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const touched = new Set(personYears.map((p) => `${p.person_id}\u0000${p.year}`));
  const people = [...new Set(personYears.map((p) => p.person_id))];
  const years = [...new Set(personYears.map((p) => Number(p.year)))];

  const versions = new RulesetVersions(db);
  const report: AuditReport = {
    period: { from: scope.from ?? null, to: scope.to ?? null },
    hospital,
    count: 0,
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
  const found = {
    reversed: [] as Placed<string>[],
    mismatches: [] as Placed<Mismatch>[],
    floorBreaches: [] as Placed<FloorBreach>[],
    sumBreaches: [] as Placed<SumBreach>[],
    anchorBreaches: [] as Placed<AnchorBreach>[],
    registerBreaches: [] as Placed<RegisterBreach>[],
    registerChanges: [] as Placed<RegisterChange>[],
  };
  const totals = { total: 0n, fund: 0n, patient: 0n };
  const byFund = new Map<string, bigint>();

  opts.onProgress?.(0, total);
  const perPage = opts.pageSize ?? PEOPLE_PER_PAGE;
  for (let p = 0; p < people.length; p += perPage) {
    await betweenPages(opts.signal);
    const page = await readPage(db, people.slice(p, p + perPage), years, scope);
    for (const list of page.personYears) {
      if (!touched.has(`${list[0]!.person_id}\u0000${list[0]!.year}`)) continue;
      // The stored results the checks read, for the cap walk not to read them again.
      const results = new Map<string, SettlementJson>();
      for (const row of list) {
        if (!inScopeRow(row)) continue;
        report.count++;
        const stored = await checkSettlement(row, page, versions, found, totals, byFund);
        if (stored) results.set(row.id, stored);
      }
      report.capBreaches.push(...(await capBreachesOf(list, page.adjustments, versions, results)));
    }
    opts.onProgress?.(report.count, total);
  }

  report.reversed.ids = inOrder(found.reversed);
  report.reversed.count = report.reversed.ids.length;
  report.mismatches = inOrder(found.mismatches);
  report.floorBreaches = inOrder(found.floorBreaches);
  report.sumBreaches = inOrder(found.sumBreaches);
  report.anchorBreaches = inOrder(found.anchorBreaches);
  report.registerBreaches = inOrder(found.registerBreaches);
  report.registerChanges = inOrder(found.registerChanges);
  report.capBreaches.sort((a, b) => a.personId.localeCompare(b.personId) || a.year - b.year || a.accumulator.localeCompare(b.accumulator));
  report.totals = { total: yuanOfFen(totals.total), fundPaysTotal: yuanOfFen(totals.fund), patientPays: yuanOfFen(totals.patient) };
  report.totalsByFund = Object.fromEntries([...byFund.entries()].sort(([a], [b]) => fundRank(a) - fundRank(b) || a.localeCompare(b)).map(([f, v]) => [f, yuanOfFen(v)]));
  report.clean =
    !report.mismatches.length && !report.floorBreaches.length && !report.capBreaches.length && !report.sumBreaches.length && !report.anchorBreaches.length && !report.registerBreaches.length;
  return report;
}

/** A page of the audit: some people's settlements of the touched years, and what belongs to them. */
interface Page {
  /** Each person's year, in ledger order (status of either kind). */
  personYears: AuditRow[][];
  funds: Map<string, Map<string, bigint>>;
  /** settlement id → its first settlement.create payload, and whether a settlement.reverse entry names it. */
  creates: Map<string, string>;
  reverses: Set<string>;
  adjustments: Map<string, AdjustmentRow[]>;
  memberships: Map<string, MembershipVersion[]>;
}

async function readPage(db: Kysely<Database>, people: string[], years: number[], scope: AuditScope): Promise<Page> {
  const rows = await db
    .selectFrom('settlements')
    .selectAll()
    .select((eb) => scopeTest(eb, scope).as('in_scope'))
    .where('person_id', 'in', people)
    .where('year', 'in', years)
    .orderBy('person_id')
    .orderBy('year')
    .orderBy('ledger_version')
    .orderBy('id')
    .execute();
  const personYears: AuditRow[][] = [];
  for (const r of rows) {
    const last = personYears[personYears.length - 1];
    if (last && last[0]!.person_id === r.person_id && last[0]!.year === r.year) last.push(r);
    else personYears.push([r]);
  }
  const ids = rows.filter(inScopeRow).map((r) => r.id);
  const funds = new Map<string, Map<string, bigint>>();
  const creates = new Map<string, string>();
  const reverses = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    for (const f of await db.selectFrom('settlement_funds').select(['settlement_id', 'fund', 'amount_fen']).where('settlement_id', 'in', part).execute()) {
      const m = funds.get(f.settlement_id) ?? new Map<string, bigint>();
      m.set(f.fund, (m.get(f.fund) ?? 0n) + fen(f.amount_fen));
      funds.set(f.settlement_id, m);
    }
    const entries = await db
      .selectFrom('audit_log')
      .select(['seq', 'action', 'subject', 'payload'])
      .where('subject', 'in', part)
      .where('action', 'in', ['settlement.create', 'settlement.reverse'])
      .orderBy('seq')
      .execute();
    for (const e of entries) {
      if (e.action === 'settlement.create' && !creates.has(e.subject)) creates.set(e.subject, e.payload);
      if (e.action === 'settlement.reverse') reverses.add(e.subject);
    }
  }
  // Each settlement as it now stands: its latest adjustment's result, where a reversal re-adjudicated it.
  const adjustments = new Map<string, AdjustmentRow[]>();
  const settled = rows.filter((r) => r.status === 'settled').map((r) => r.id);
  for (let i = 0; i < settled.length; i += 500) {
    for (const a of await readAdjustmentsOf(db, settled.slice(i, i + 500))) adjustments.set(a.settlement_id, [...(adjustments.get(a.settlement_id) ?? []), a]);
  }
  const memberships = new Map<string, MembershipVersion[]>();
  const withEligibility = [...new Set(rows.filter((r) => r.eligibility_json !== null && inScopeRow(r)).map((r) => r.person_id))];
  for (let i = 0; i < withEligibility.length; i += 500) {
    const found = await db
      .selectFrom('memberships')
      .select(['person_id', 'population', 'from_date', 'to_date', 'batch_id', 'recorded_at', 'superseded_at', 'superseded_by'])
      .where('person_id', 'in', withEligibility.slice(i, i + 500))
      .execute();
    for (const m of found) memberships.set(m.person_id, [...(memberships.get(m.person_id) ?? []), m]);
  }
  return { personYears, funds, creates, reverses, adjustments, memberships };
}

/** Every per-settlement check of one settlement in scope, its findings added to `found`, its money to the totals. */
async function checkSettlement(
  row: SettlementTable,
  page: Page,
  versions: RulesetVersions,
  found: {
    reversed: Placed<string>[];
    mismatches: Placed<Mismatch>[];
    floorBreaches: Placed<FloorBreach>[];
    sumBreaches: Placed<SumBreach>[];
    anchorBreaches: Placed<AnchorBreach>[];
    registerBreaches: Placed<RegisterBreach>[];
    registerChanges: Placed<RegisterChange>[];
  },
  totals: { total: bigint; fund: bigint; patient: bigint },
  byFund: Map<string, bigint>,
): Promise<SettlementJson | null> {
  const key = placeOf(row);
  const funds = page.funds.get(row.id) ?? new Map<string, bigint>();
  if (row.status === 'reversed') {
    found.reversed.push({ key, value: row.id });
  } else {
    totals.total += fen(row.total_fen);
    totals.fund += fen(row.fund_pays_fen);
    totals.patient += fen(row.patient_pays_fen);
    for (const [f, v] of funds) byFund.set(f, (byFund.get(f) ?? 0n) + v);
    // What reversals of earlier settlements changed in it (adjustment_funds, integer fen).
    for (const a of page.adjustments.get(row.id) ?? []) {
      totals.fund += fen(a.fund_delta_fen);
      totals.patient += fen(a.patient_delta_fen);
      for (const f of a.funds) byFund.set(f.fund, (byFund.get(f.fund) ?? 0n) + fen(f.amount_fen));
    }
  }

  // 1. Recompute and compare (path by path only when the text differs: the stored text is the result's JSON).
  let bill: Bill | null = null;
  let recomputed: SettlementJson | null = null;
  let error: string | undefined;
  try {
    bill = engineBillFromStored(row.bill_json);
    recomputed = await recompute(row, versions, bill);
  } catch (e) {
    error = `无法重新计算：${(e as Error).message}`;
  }
  // The stored text is the result's JSON (settle/compute.ts): when it is the recomputed result's, the
  // stored result is the recomputed one, and is neither parsed again nor compared path by path.
  const same = recomputed !== null && JSON.stringify(recomputed) === row.result_json;
  let storedResult: SettlementJson | null = same ? recomputed : null;
  if (!same) {
    try {
      storedResult = JSON.parse(row.result_json) as SettlementJson;
    } catch {
      // reported as a mismatch below
    }
  }
  const differences: Difference[] = [];
  if (recomputed && !same) {
    if (storedResult) differences.push(...diffJson(storedResult, recomputed));
    else differences.push({ path: 'result_json', stored: row.result_json.slice(0, 200), recomputed: '(valid JSON)' });
  }
  if (recomputed) differences.push(...columnDifferences(row, funds, recomputed));
  if (error || differences.length) {
    found.mismatches.push({
      key,
      value: {
        id: row.id,
        billNo: row.bill_no,
        hospitalCode: row.hospital_code,
        personId: row.person_id,
        status: row.status,
        stored: storedResult ?? row.result_json,
        recomputed,
        differences,
        ...(error ? { error } : {}),
      },
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
    if (problems.length) found.sumBreaches.push({ key, value: { id: row.id, billNo: row.bill_no, problems } });
  }

  // 3. The audit log's anchor.
  const anchor = (problem: AnchorBreach['problem'], message: string) => found.anchorBreaches.push({ key, value: { id: row.id, billNo: row.bill_no, problem, message } });
  const create = page.creates.get(row.id);
  if (!create) {
    anchor('no-create-entry', `结算 ${row.id} 在审计日志中没有结算记录：可能被直接写入数据库，或日志记录被删除`);
  } else {
    let payload: { resultHash?: string; funds?: Record<string, string>; patientPays?: string } = {};
    try {
      payload = JSON.parse(create) as typeof payload;
    } catch {
      // an unparseable payload is an edited log row: verify-log names it
    }
    if (payload.resultHash !== undefined && payload.resultHash !== sha256(row.result_json)) {
      anchor('result-edited', `结算 ${row.id} 的结果（result_json）与审计日志记录的哈希不符：结算后被修改`);
    }
    const loggedFunds = JSON.stringify(payload.funds ?? null);
    const rowFunds = JSON.stringify(Object.fromEntries([...funds.entries()].sort().map(([f, v]) => [f, yuanOfFen(v)])));
    const logSorted = payload.funds ? JSON.stringify(Object.fromEntries(Object.entries(payload.funds).sort())) : loggedFunds;
    if (payload.funds && (logSorted !== rowFunds || payload.patientPays !== yuanOfFen(fen(row.patient_pays_fen)))) {
      anchor('funds-differ', `结算 ${row.id} 的基金支付或个人支付与审计日志记录不符`);
    }
  }
  if (row.status === 'reversed' && !page.reverses.has(row.id)) anchor('status-without-entry', `结算 ${row.id} 标记为已撤销，但审计日志中没有撤销记录`);
  if (row.status !== 'reversed' && page.reverses.has(row.id)) anchor('entry-without-status', `审计日志记录结算 ${row.id} 已撤销，但其状态为已结算`);

  // 4. Floor guarantee (settled only), on the steps that ran for this bill (checks/floor.ts).
  if (row.status === 'settled' && storedResult) {
    try {
      const ruleset = (await versions.get(row.ruleset_hash)).ruleset;
      const m = resultMoney(storedResult);
      const inPolicy = m.buckets?.[3];
      if (m.total !== null && m.fundPaysTotal !== null && inPolicy !== null && inPolicy !== undefined) {
        const diagnoses = (bill ?? engineBillFromStored(row.bill_json)).diagnoses;
        for (const f of floorShortfalls(ruleset, { visitType: row.visit_type, population: row.population, diagnoses, total: m.total, inPolicy, fundPaysTotal: m.fundPaysTotal })) {
          found.floorBreaches.push({
            key,
            value: {
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
            },
          });
        }
      }
    } catch {
      // the ruleset version is missing or edited, or the bill unreadable: already a mismatch with its error
    }
  }

  // 5. Against its person's memberships, every version (checks/register.ts).
  const { findings, retroactive } = checkAgainstRegister(row, page.memberships.get(row.person_id) ?? []);
  for (const f of findings) found.registerBreaches.push({ key, value: { id: row.id, billNo: row.bill_no, personId: row.person_id, message: registerFindingText(row.id, f) } });
  if (retroactive) {
    const date = (JSON.parse(row.eligibility_json!) as { date: string }).date;
    found.registerChanges.push({ key, value: { id: row.id, billNo: row.bill_no, personId: row.person_id, status: row.status, date, ...retroactive } });
  }
  return storedResult;
}

/**
 * One person's year (every hospital: a cap is per person and year), walked in the order the ledger
 * recorded it, each settled settlement as it now stands (with its adjustments), adding up what each capped
 * step paid and what the patient paid under each out-of-pocket cap. A breach is named at the first
 * settlement in scope after which the sum was above the cap.
 */
async function capBreachesOf(list: AuditRow[], adjusted: Map<string, AdjustmentRow[]>, versions: RulesetVersions, results: Map<string, SettlementJson>): Promise<CapBreach[]> {
  // accumulator key → the running total under its year cap (engine/steps yearCaps) and the first breach
  const caps = new YearCapBook();
  const running = new Map<string, { sum: Units; breach?: { id: string; billNo: string } }>();
  for (const row of list) {
    if (row.status !== 'settled') continue;
    let result: unknown;
    let steps: readonly Step[];
    try {
      const standing = standingResultJson(row, adjusted.get(row.id) ?? []);
      // Unadjusted, it stands as stored: the result the checks already read, if they did.
      result = (standing === row.result_json ? results.get(row.id) : undefined) ?? JSON.parse(standing);
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
      if (entry.sum > cap.cap && !entry.breach && inScopeRow(row)) entry.breach = { id: row.id, billNo: row.bill_no };
      running.set(key, entry);
    }
  }
  const out: CapBreach[] = [];
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
  return out;
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
