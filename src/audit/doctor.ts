/**
 * `onestop doctor`: is the stored money consistent? For each year it checks, on one consistent snapshot:
 *
 * - every person's accumulators (the ledger row) equal the sum of the recorded changes (after − before)
 *   of that person's unreversed settlements that year, with the changes their adjustments (应补应退)
 *   recorded (SETTLEMENT.md §4), field by field, exactly;
 * - every adjustment balances (Σ per-fund differences + the patient's = 0, its fund rows and its stored
 *   result agree) and has its audit entry (settlement.adjust, with the hash of its stored result);
 * - every settlement's sum identity: Σ fund payouts + patientPays = total, to the fen, in the stored
 *   columns, in its per-fund rows and in its stored result, which must all agree; the four buckets add
 *   up to the total; no payout is negative or above the cap room its step saw;
 * - no annual cap is exceeded by a person's year-to-date (the 5,000 yuan out-of-pocket cap included),
 *   against the ruleset versions that person's settlements used;
 * - each settlement's recorded "before" values are the snapshot stored with it;
 * - nothing is half-written: each settlement has its audit entry (with the hash of its stored result),
 *   each reversal its own, and the audit log's hash chain is intact.
 *
 * It names every violation (in Chinese, for the finance and IT staff who run it) and changes nothing.
 * The work is done in batches of people, so a region's year fits in memory.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ChangeSums, addAdjustmentChanges, ledgerAgainstChanges, recordedChanges } from '../checks/ledger.js';
import { resultMoney, storedMoney } from '../checks/stored-result.js';
import { sumFindings, type SumFinding } from '../checks/sums.js';
import { YearCapBook, capsExceeded } from '../checks/year-caps.js';
import { formatUnits } from '../money/text.js';
import { fromFen, type Units } from '../money/units.js';
import type { Store } from '../store/port.js';
import { readSnapshot } from '../store/snapshot.js';
import { betweenPages, type LongReadOptions } from './run-options.js';
import type { Database, SettlementTable } from '../store/schema.js';
import { verifyAuditLog, type AuditLogVerification } from '../checks/audit-log.js';
import { RulesetVersions } from '../settle/recompute.js';
import { readAdjustmentsOf, type AdjustmentRow } from '../settle/person-year.js';

export type ViolationKind =
  | 'LEDGER_MISMATCH'
  | 'SUM_IDENTITY'
  | 'FUNDS_MISMATCH'
  | 'RESULT_MISMATCH'
  | 'BUCKETS_MISMATCH'
  | 'NEGATIVE_PAYOUT'
  | 'CAP_EXCEEDED'
  | 'SNAPSHOT_MISMATCH'
  | 'RULESET_MISSING'
  | 'AUDIT_MISSING'
  | 'AUDIT_CHAIN'
  | 'ADJUSTMENT_MISMATCH';

export interface Violation {
  kind: ViolationKind;
  message: string;
  personId?: string;
  year?: number;
  settlementId?: string;
}

export interface DoctorReport {
  years: number[];
  people: number;
  settlements: number;
  reversed: number;
  auditEntries: number | null;
  violations: Violation[];
  ok: boolean;
}

export interface DoctorOptions extends LongReadOptions {
  /** Only this year (of the discharge date); all years with data when absent. */
  year?: number;
  /** Also check the audit log (chain and one entry per settlement and reversal). Default true. */
  audit?: boolean;
  /** People per batch. */
  batchSize?: number;
  /**
   * How the audit log's chain is verified: by default on this read's snapshot, before the people. A caller
   * with a second thread (the CLI) passes a verification it has started there, so the chain is hashed on
   * the other core while the people are checked here; it reads a snapshot of its own, which holds the log
   * and the store together (its store-vs-log check is on that snapshot too).
   */
  chain?: Promise<AuditLogVerification>;
}

type SettlementRow = Pick<
  SettlementTable,
  'id' | 'person_id' | 'year' | 'status' | 'ruleset_hash' | 'ytd_before_json' | 'result_json' | 'total_fen' | 'fund_pays_fen' | 'patient_pays_fen'
>;

const yuan = (u: Units) => formatUnits(u);

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** What the audit log says happened to each settlement. */
interface AuditFacts {
  creates: number;
  resultHash: string | null;
  reverses: number;
}

export async function runDoctor(store: Store, opts: DoctorOptions = {}): Promise<DoctorReport> {
  // One snapshot for the whole check, so a server settling meanwhile cannot make a false alarm.
  return readSnapshot(store, (db) => check(db, opts));
}

async function check(db: Kysely<Database>, opts: DoctorOptions): Promise<DoctorReport> {
  const batchSize = opts.batchSize ?? 500;
  const violations: Violation[] = [];
  const versions = new RulesetVersions(db);

  let years: number[];
  if (opts.year !== undefined) years = [opts.year];
  else {
    const a = await db.selectFrom('settlements').select('year').distinct().execute();
    const b = await db.selectFrom('ledgers').select('year').distinct().execute();
    years = [...new Set([...a, ...b].map((r) => Number(r.year)))].sort((x, y) => x - y);
  }

  const checkLog = opts.audit !== false;
  let auditEntries: number | null = null;
  const chainViolations: Violation[] = [];
  const chainChecked = async (chain: AuditLogVerification) => {
    auditEntries = chain.entries;
    for (const p of chain.problems) chainViolations.push({ kind: 'AUDIT_CHAIN', message: `审计日志：${p.message}` });
  };
  // Elsewhere: taken when the people are done. Here: first, on this snapshot.
  if (checkLog && !opts.chain) await chainChecked(await verifyAuditLog(db));
  const elsewhere = checkLog && opts.chain ? opts.chain : null;
  // An unhandled rejection would end the process before the people are done: it is awaited below.
  elsewhere?.catch(() => undefined);

  let people = 0;
  let settlements = 0;
  let reversed = 0;
  // Progress in settlements, against those of the years counted first.
  const total = years.length ? Number((await db.selectFrom('settlements').select((eb) => eb.fn.countAll().as('n')).where('year', 'in', years).executeTakeFirstOrThrow()).n) : 0;
  opts.onProgress?.(0, total);
  for (const year of years) {
    // People with a ledger row this year, a batch at a time (keyset on person_id) …
    let after: string | null = null;
    for (;;) {
      let q = db.selectFrom('ledgers').select(['person_id', 'accumulators_json']).where('year', '=', year);
      if (after !== null) q = q.where('person_id', '>', after);
      await betweenPages(opts.signal);
      const ledgers = await q.orderBy('person_id').limit(batchSize).execute();
      if (ledgers.length === 0) break;
      after = ledgers[ledgers.length - 1]!.person_id;
      const ids = ledgers.map((l) => l.person_id);
      const rows = await settlementsOf(db, year, ids);
      const funds = await fundsOf(db, year, ids);
      const adjustments = await adjustmentsOf(db, rows);
      const audit = await factsOf(db, checkLog, rows, adjustments);
      for (const l of ledgers) {
        const own = rows.get(l.person_id) ?? [];
        people++;
        settlements += own.length;
        reversed += own.filter((s) => s.status === 'reversed').length;
        await checkPerson(l.person_id, year, l.accumulators_json, own, funds, adjustments, audit, versions, violations);
      }
      opts.onProgress?.(settlements, total);
    }
    // … and people with settlements this year but no ledger row at all.
    const orphans = await db
      .selectFrom('settlements as s')
      .leftJoin('ledgers as l', (j) => j.onRef('l.person_id', '=', 's.person_id').onRef('l.year', '=', 's.year'))
      .select('s.person_id')
      .distinct()
      .where('s.year', '=', year)
      .where('l.person_id', 'is', null)
      .orderBy('s.person_id')
      .execute();
    for (let i = 0; i < orphans.length; i += batchSize) {
      await betweenPages(opts.signal);
      const ids = orphans.slice(i, i + batchSize).map((o) => o.person_id);
      const rows = await settlementsOf(db, year, ids);
      const funds = await fundsOf(db, year, ids);
      const adjustments = await adjustmentsOf(db, rows);
      const audit = await factsOf(db, checkLog, rows, adjustments);
      for (const id of ids) {
        const own = rows.get(id) ?? [];
        people++;
        settlements += own.length;
        reversed += own.filter((s) => s.status === 'reversed').length;
        await checkPerson(id, year, null, own, funds, adjustments, audit, versions, violations);
      }
      opts.onProgress?.(settlements, total);
    }
  }
  if (elsewhere) await chainChecked(await elsewhere);
  violations.unshift(...chainViolations);
  return { years, people, settlements, reversed, auditEntries, violations, ok: violations.length === 0 };
}

async function settlementsOf(db: Kysely<Database>, year: number, personIds: string[]): Promise<Map<string, SettlementRow[]>> {
  const rows = await db
    .selectFrom('settlements')
    .select(['id', 'person_id', 'year', 'status', 'ruleset_hash', 'ytd_before_json', 'result_json', 'total_fen', 'fund_pays_fen', 'patient_pays_fen'])
    .where('year', '=', year)
    .where('person_id', 'in', personIds)
    .orderBy('person_id')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const out = new Map<string, SettlementRow[]>();
  for (const r of rows) {
    const list = out.get(r.person_id) ?? [];
    list.push(r);
    out.set(r.person_id, list);
  }
  return out;
}

async function fundsOf(db: Kysely<Database>, year: number, personIds: string[]): Promise<Map<string, Map<string, number>>> {
  const rows = await db
    .selectFrom('settlement_funds as f')
    .innerJoin('settlements as s', 's.id', 'f.settlement_id')
    .select(['f.settlement_id', 'f.fund', 'f.amount_fen'])
    .where('s.year', '=', year)
    .where('s.person_id', 'in', personIds)
    .execute();
  const out = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const m = out.get(r.settlement_id) ?? new Map<string, number>();
    m.set(r.fund, Number(r.amount_fen));
    out.set(r.settlement_id, m);
  }
  return out;
}

/** The adjustments of the settlements of a batch, by settlement. */
async function adjustmentsOf(db: Kysely<Database>, rows: Map<string, SettlementRow[]>): Promise<Map<string, AdjustmentRow[]>> {
  const ids = [...rows.values()].flat().map((r) => r.id);
  const out = new Map<string, AdjustmentRow[]>();
  for (let i = 0; i < ids.length; i += 500) {
    for (const a of await readAdjustmentsOf(db, ids.slice(i, i + 500))) {
      const list = out.get(a.settlement_id) ?? [];
      list.push(a);
      out.set(a.settlement_id, list);
    }
  }
  return out;
}

/** One adjustment against itself and the log. */
function checkAdjustment(a: AdjustmentRow, audit: Map<string, AuditFacts> | null, out: Violation[], personId: string, year: number): void {
  const v = (kind: ViolationKind, message: string) => out.push({ kind, personId, year, settlementId: a.settlement_id, message: `调整 ${a.id}（结算 ${a.settlement_id}）：${message}` });
  const rows = a.funds.reduce((s, f) => s + BigInt(f.amount_fen), 0n);
  const fundDelta = BigInt(a.fund_delta_fen);
  const patientDelta = BigInt(a.patient_delta_fen);
  if (rows !== fundDelta) v('ADJUSTMENT_MISMATCH', `各基金调整明细之和 ${yuan(fromFen(rows))} ≠ 基金调整合计 ${yuan(fromFen(fundDelta))}`);
  if (fundDelta + patientDelta !== 0n) v('SUM_IDENTITY', `基金调整合计 ${yuan(fromFen(fundDelta))} + 个人调整 ${yuan(fromFen(patientDelta))} ≠ 0（医疗费总额不因重新结算而变）`);
  let result: unknown = null;
  try {
    result = JSON.parse(a.result_json);
  } catch {
    v('ADJUSTMENT_MISMATCH', '保存的重新结算结果不是有效的 JSON');
  }
  if (result !== null) {
    const money = resultMoney(result);
    const funds = [...money.funds.values()];
    const readable = money.total !== null && money.patientPays !== null && funds.every((x) => x !== null);
    if (!readable || funds.reduce<Units>((sum, x) => sum + x!, 0n) + money.patientPays! !== money.total) v('SUM_IDENTITY', '重新结算结果中各基金支付之和 + 个人支付 ≠ 总额');
  }
  if (audit) {
    const f = audit.get(a.id);
    if (!f || f.creates !== 1) v('AUDIT_MISSING', `审计日志中有 ${f?.creates ?? 0} 条调整记录（settlement.adjust），应为 1 条`);
    else if (f.resultHash !== null && f.resultHash !== sha256(a.result_json)) v('AUDIT_MISSING', '保存的重新结算结果与审计日志记录的哈希不符（结果被改动）');
  }
}

/** What the audit log says of the given settlements and adjustments (by subject, a few hundred at a time). */
async function auditFacts(db: Kysely<Database>, subjects: readonly string[]): Promise<Map<string, AuditFacts>> {
  const out = new Map<string, AuditFacts>();
  for (let i = 0; i < subjects.length; i += 500) {
    const rows = await db
      .selectFrom('audit_log')
      .select(['seq', 'action', 'subject', 'payload'])
      .where('subject', 'in', subjects.slice(i, i + 500))
      .where('action', 'in', ['settlement.create', 'settlement.reverse', 'settlement.adjust'])
      .orderBy('seq')
      .execute();
    for (const r of rows) {
      const f = out.get(r.subject) ?? { creates: 0, resultHash: null, reverses: 0 };
      if (r.action === 'settlement.create' || r.action === 'settlement.adjust') {
        f.creates++;
        try {
          f.resultHash = (JSON.parse(r.payload) as { resultHash?: string }).resultHash ?? null;
        } catch {
          f.resultHash = null;
        }
      } else f.reverses++;
      out.set(r.subject, f);
    }
  }
  return out;
}

/** The audit facts of a batch's settlements and their adjustments, or null when the log is not checked. */
function factsOf(db: Kysely<Database>, checkLog: boolean, rows: Map<string, SettlementRow[]>, adjustments: Map<string, AdjustmentRow[]>): Promise<Map<string, AuditFacts>> | null {
  if (!checkLog) return null;
  const subjects = [...rows.values()].flatMap((list) => list.map((r) => r.id));
  for (const list of adjustments.values()) for (const adj of list) subjects.push(adj.id);
  return auditFacts(db, subjects);
}

async function checkPerson(
  personId: string,
  year: number,
  ledgerJson: string | null,
  rows: SettlementRow[],
  funds: Map<string, Map<string, number>>,
  adjustments: Map<string, AdjustmentRow[]>,
  audit: Map<string, AuditFacts> | null,
  versions: RulesetVersions,
  out: Violation[],
): Promise<void> {
  const who = `参保人 ${personId} ${year} 年`;
  const sums = new ChangeSums();
  const caps = new YearCapBook();

  for (const s of rows) {
    let result: unknown;
    try {
      result = JSON.parse(s.result_json);
    } catch {
      out.push({ kind: 'RESULT_MISMATCH', personId, year, settlementId: s.id, message: `结算 ${s.id}（${who}）：保存的结算结果不是有效的 JSON` });
      continue;
    }
    checkSettlement(s, result, funds.get(s.id) ?? new Map(), out, personId, year);

    try {
      caps.add((await versions.get(s.ruleset_hash)).ruleset);
    } catch {
      out.push({ kind: 'RULESET_MISSING', personId, year, settlementId: s.id, message: `结算 ${s.id}（${who}）：所用规则版本 ${s.ruleset_hash.slice(0, 12)}… 不在库中或已被改动，无法核对封顶线` });
    }

    if (audit) {
      const a = audit.get(s.id);
      if (!a || a.creates === 0) {
        out.push({ kind: 'AUDIT_MISSING', personId, year, settlementId: s.id, message: `结算 ${s.id}（${who}）：审计日志中没有它的结算记录（settlement.create）` });
      } else {
        if (a.creates > 1) out.push({ kind: 'AUDIT_MISSING', personId, year, settlementId: s.id, message: `结算 ${s.id}（${who}）：审计日志中有 ${a.creates} 条结算记录，应为 1 条` });
        if (a.resultHash !== null && a.resultHash !== sha256(s.result_json)) {
          out.push({ kind: 'AUDIT_MISSING', personId, year, settlementId: s.id, message: `结算 ${s.id}（${who}）：保存的结算结果与审计日志记录的哈希不符（结果被改动）` });
        }
      }
      const reverses = a?.reverses ?? 0;
      if (s.status === 'reversed' && reverses !== 1) {
        out.push({ kind: 'AUDIT_MISSING', personId, year, settlementId: s.id, message: `结算 ${s.id}（${who}）已撤销，但审计日志中有 ${reverses} 条撤销记录，应为 1 条` });
      }
      if (s.status === 'settled' && reverses > 0) {
        out.push({ kind: 'AUDIT_MISSING', personId, year, settlementId: s.id, message: `结算 ${s.id}（${who}）状态为未撤销，但审计日志中有撤销记录` });
      }
    }

    // The "before" values it recorded must be the snapshot stored with it (checks/ledger.ts).
    const { changes, findings } = recordedChanges((result as { accumulators?: unknown } | null)?.accumulators, s.ytd_before_json);
    for (const f of findings) {
      if (f.kind === 'snapshotNotJson') out.push({ kind: 'SNAPSHOT_MISMATCH', personId, year, settlementId: s.id, message: `结算 ${s.id}（${who}）：保存的结算前累计值不是有效的 JSON` });
      else if (f.kind === 'changeUnreadable') out.push({ kind: 'RESULT_MISMATCH', personId, year, settlementId: s.id, message: `结算 ${s.id}（${who}）：累计值 ${f.key}.${f.field} 的变化不是有效数值` });
      else {
        out.push({
          kind: 'SNAPSHOT_MISMATCH',
          personId,
          year,
          settlementId: s.id,
          message: `结算 ${s.id}（${who}）：累计值 ${f.key}.${f.field} 记录的结算前数值 ${yuan(f.before)} 与随结算保存的快照 ${yuan(f.snapshot)} 不符`,
        });
      }
    }
    if (s.status === 'settled') sums.add(changes);
    // What its adjustments changed in its contribution to the year (a reversed one's were taken back with it).
    for (const adj of adjustments.get(s.id) ?? []) {
      checkAdjustment(adj, audit, out, personId, year);
      if (s.status !== 'settled') continue;
      for (const bad of addAdjustmentChanges(sums, adj.changes_json)) {
        out.push({ kind: 'ADJUSTMENT_MISMATCH', personId, year, settlementId: s.id, message: `调整 ${adj.id}（结算 ${s.id}）：${bad ? `累计值 ${bad} 的调整不是有效数值` : '累计值调整不是有效的 JSON'}` });
      }
    }
  }

  // The ledger must be exactly the sum of what its unreversed settlements changed.
  const { values, findings } = ledgerAgainstChanges(ledgerJson, sums);
  for (const f of findings) {
    if (f.kind === 'ledgerNotJson') out.push({ kind: 'LEDGER_MISMATCH', personId, year, message: `${who}的累计值账本不是有效的 JSON` });
    else if (f.kind === 'valueUnreadable') out.push({ kind: 'LEDGER_MISMATCH', personId, year, message: `${who}累计值 ${f.key}.${f.field} 不是有效数值（${String(f.value)}）` });
    else {
      const have = f.ledger ?? 0n;
      out.push({
        kind: 'LEDGER_MISMATCH',
        personId,
        year,
        message: `${who}累计值 ${f.key}：账本${f.ledger === null ? '缺失（按 0 计）' : `为 ${yuan(have)}`}，未撤销结算记录（含应补应退调整）的变化之和为 ${yuan(f.sum)}（相差 ${yuan(have - f.sum)}）`,
      });
    }
  }
  // No year-to-date above an annual cap, nor the patient's own payments above the out-of-pocket cap.
  for (const e of capsExceeded(caps, (key) => values.get(`${key}.paid`) ?? 0n)) {
    out.push({
      kind: 'CAP_EXCEEDED',
      personId,
      year,
      message:
        e.cap.kind === 'annualCap'
          ? `${who} ${e.key} 年度累计支付 ${yuan(e.paid)}，超过年度封顶线 ${yuan(e.cap.cap)}`
          : `${who}个人年度累计自付 ${yuan(e.paid)}（${e.key}），超过 ${yuan(e.cap.cap)} 元的自付封顶`,
    });
  }
}

/** A finding of the sum checks (checks/sums.ts), in doctor's words. */
function sumViolation(f: SumFinding): [ViolationKind, string] {
  switch (f.kind) {
    case 'columns':
      return ['SUM_IDENTITY', `基金支付合计 ${yuan(f.fundPays)} + 个人支付 ${yuan(f.patientPays)} ≠ 总额 ${yuan(f.total)}`];
    case 'fundRowsVsColumn':
      return ['FUNDS_MISMATCH', `各基金支付明细之和 ${yuan(f.rows)} ≠ 基金支付合计 ${yuan(f.fundPays)}`];
    case 'fundRowsUnbalanced':
      return ['SUM_IDENTITY', `各基金支付明细之和 ${yuan(f.rows)} + 个人支付 ${yuan(f.patientPays)} ≠ 总额 ${yuan(f.total)}`];
    case 'negative':
      return ['NEGATIVE_PAYOUT', `${f.what === 'patientPays' ? '个人支付' : f.what === 'step' ? `步骤 ${f.name} 支付` : `基金 ${f.name} 支付`}为负数（${yuan(f.amount)}）`];
    case 'unreadable':
      if (f.what === 'totals') return ['RESULT_MISMATCH', '保存的结算结果缺少总额、基金支付合计或个人支付'];
      if (f.what === 'buckets') return ['BUCKETS_MISMATCH', '保存的结算结果缺少四类金额（全自费、超限价、先行自付、政策范围内）'];
      return ['RESULT_MISMATCH', `${f.what === 'fund' ? `保存的结算结果中基金 ${f.name} 的支付` : `步骤 ${f.name} 的支付`}不是有效数值`];
    case 'resultVsColumns':
      return ['RESULT_MISMATCH', `保存的结算结果（总额 ${yuan(f.result.total)}，基金 ${yuan(f.result.fundPays)}，个人 ${yuan(f.result.patientPays)}）与结算记录不符（${f.fields.join('、')}）`];
    case 'fundRowVsResult':
      return f.result === undefined
        ? ['FUNDS_MISMATCH', `支付明细中有基金 ${f.fund}，结算结果中没有`]
        : ['FUNDS_MISMATCH', `基金 ${f.fund}：结算结果为 ${yuan(f.result)}，支付明细为 ${f.row === undefined ? '（缺失）' : yuan(f.row)}`];
    case 'resultFundsVsTotal':
      return ['SUM_IDENTITY', `结算结果中各基金支付之和 ${yuan(f.funds)} ≠ 基金支付合计 ${yuan(f.fundPaysTotal)}`];
    case 'resultUnbalanced':
      return ['SUM_IDENTITY', `结算结果中各基金支付之和 ${yuan(f.funds)} + 个人支付 ${yuan(f.patientPays)} ≠ 总额 ${yuan(f.total)}`];
    case 'buckets':
      return ['BUCKETS_MISMATCH', `四类金额之和 ${yuan(f.sum)} ≠ 总额 ${yuan(f.total)}`];
    case 'aboveCapRoom':
      return ['CAP_EXCEEDED', `步骤 ${f.stepId} 支付 ${yuan(f.payout)}，超过其封顶余额 ${yuan(f.capRoom)}`];
    case 'stepsVsFund':
      return ['RESULT_MISMATCH', `基金 ${f.fund}：各步骤支付之和 ${yuan(f.steps)}，结算结果记为 ${f.recorded === null ? '（缺失）' : yuan(f.recorded)}`];
  }
}

function checkSettlement(s: SettlementRow, r: unknown, fundRows: Map<string, number>, out: Violation[], personId: string, year: number): void {
  const stored = storedMoney(s, new Map([...fundRows].map(([f, fen]) => [f, fromFen(fen)])));
  for (const f of sumFindings(stored, resultMoney(r))) {
    const [kind, message] = sumViolation(f);
    out.push({ kind, personId, year, settlementId: s.id, message: `结算 ${s.id}：${message}` });
  }
}

/** The report for people: a summary line, then one line per violation. */
export function formatDoctorReport(r: DoctorReport): string {
  const lines: string[] = [];
  const scope = r.years.length === 0 ? '（库中没有结算）' : r.years.length === 1 ? `${r.years[0]} 年` : `${r.years[0]}–${r.years[r.years.length - 1]} 年`;
  lines.push(
    `检查范围：${scope}；参保人 ${r.people} 人，结算 ${r.settlements} 笔（其中已撤销 ${r.reversed} 笔）${r.auditEntries === null ? '；未检查审计日志' : `；审计日志 ${r.auditEntries} 条`}`,
  );
  if (r.ok) lines.push('✓ 一致：累计值等于未撤销结算记录的变化之和，每笔结算金额平衡，未超封顶线，审计记录完整');
  else {
    lines.push(`✗ 发现 ${r.violations.length} 处不一致：`);
    for (const v of r.violations) lines.push(`  [${v.kind}] ${v.message}`);
  }
  return `${lines.join('\n')}\n`;
}
