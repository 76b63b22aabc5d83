/**
 * Settling at the window: the service behind POST /v1/settlements and its siblings.
 *
 * One settlement is one write transaction: lock the person's ledger row for the year, read the
 * year-to-date accumulators, run the engine, write the settlement, its per-fund payouts, the new
 * accumulators and an audit-log entry, commit. Two settlements of one person are never computed from
 * the same snapshot, and a refused request writes nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import * as z from 'zod';
import { canonicalBillJson } from '../bill/canonical.js';
import { parseBillInput } from '../bill/fast-parse.js';
import { toEngineBill, type BillInput } from '../bill/schema.js';
import { accumulatorsFromJson, accumulatorsToJson, applyChanges, type AccumulatorsJson } from '../engine/accumulators.js';
import { SettlementError, formatPath } from '../engine/errors.js';
import { settlementJson, type SettlementJson } from '../engine/result.js';
import { settle } from '../engine/settle.js';
import type { Accumulators, Bill } from '../engine/types.js';
import { parseUnits } from '../money/fixed.js';
import { fromFen } from '../money/money.js';
import { canonicalJson, type LoadedRuleset } from '../rules/load.js';
import { EMPTY_LEDGER, computeSettlement, type SettleJob, type SettleOutcome } from './settle-tx.js';
import type { RuleBook } from '../rules/select.js';
import type { Store } from '../store/db.js';
import { CommitUnknown, updateLedgerAt, type LedgerRow } from '../store/settlement-tx.js';
import type { Database, SettlementTable } from '../store/schema.js';
import { appendAudit } from './audit-log.js';
import { ApiError, conflict, forbidden, notFound, unprocessable } from './errors.js';
import type { Principal } from './keys.js';
import { maskIdNumber } from './mask.js';

export interface ServiceDeps {
  store: Store;
  rules: RuleBook;
  now?: () => Date;
}

export interface SettlementView {
  id: string;
  status: SettlementTable['status'];
  billNo: string;
  hospital: { code: string; name: string; tier: string; regionCode: string };
  person: { id: string; name: string; idNumber: string };
  visit: { type: string; admitted: string; discharged: string };
  rulesetId: string;
  rulesetHash: string;
  createdAt: string;
  reversedAt: string | null;
  reversalReason: string | null;
  result: SettlementJson;
}

export interface SettlementSummary {
  id: string;
  status: SettlementTable['status'];
  billNo: string;
  hospitalCode: string;
  personId: string;
  personName: string;
  idNumber: string;
  visitType: string;
  discharged: string;
  total: string;
  fundPaysTotal: string;
  patientPays: string;
  rulesetId: string;
  createdAt: string;
}

/** A bill checked against the store: who, where, which policy. */
/** What answering a posted bill needs once it is handed to the store. */
interface Answering {
  hospital: Resolved['hospital'];
  person: Resolved['person'];
  billNo: string;
}

interface Resolved {
  input: BillInput;
  bill: Bill;
  hospital: { code: string; name: string; tier: string; region_code: string };
  person: { id: string; name: string; id_number: string };
  ruleset: LoadedRuleset;
  /** The bill as stored: as posted, with the tier and populations it was settled on filled in. */
  storedBill: Record<string, unknown>;
  /** The year of the discharge, whose ledger the bill counts against. */
  year: number;
  /** The person's ledger for that year as last committed, if there is one yet. */
  ledger: LedgerRow | undefined;
}

/** The same bill is the same after normalisation: 306 and "306.00" are one amount. */
function billHashOf(input: BillInput): string {
  return createHash('sha256').update(canonicalBillJson(input)).digest('hex');
}

/** zod issues → a 422 a clerk can act on. */
export function validationError(error: z.ZodError, prefix: (string | number)[] = []): ApiError {
  const issues = error.issues.map((i) => ({ path: formatPath([...prefix, ...(i.path as (string | number)[])]), message: i.message }));
  const first = issues[0];
  return unprocessable('VALIDATION_FAILED', first ? `账单有误：${first.path ? `${first.path}：` : ''}${first.message}${issues.length > 1 ? `（另有 ${issues.length - 1} 处）` : ''}` : '账单有误', issues);
}

export function fromSettlementError(e: SettlementError): ApiError {
  const status = e.code === 'RULESET_NOT_FOUND' ? 404 : 422;
  return new ApiError(status, e.code, e.message, [{ path: formatPath(e.path), message: e.message }]);
}

/**
 * The keys a settlement is found by must be what they look like. An invisible or control character, a
 * lone surrogate or a decoding replacement character would let one bill be settled twice under two
 * numbers that print the same (money paid twice), and PostgreSQL cannot store NUL at all (a 500 there).
 */
const UNSAFE_IN_IDENTIFIER = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}\uFFFD]/u;

function unsafeIdentifier(input: BillInput): string | null {
  if (UNSAFE_IN_IDENTIFIER.test(input.billNo)) return 'billNo';
  if (UNSAFE_IN_IDENTIFIER.test(input.hospital.code)) return 'hospital.code';
  if (UNSAFE_IN_IDENTIFIER.test(input.person.id)) return 'person.id';
  return null;
}

const STORED = Symbol('stored');

/** What a view keeps of its stored row: the answer's fields, and the result as stored (parsed on first read). */
interface Stored {
  base: object;
  resultJson: string;
  parsed?: SettlementJson;
}

/**
 * A view's `result`: one getter shared by every view, reading the view's own {@link Stored}. Not a closure
 * per view: V8 keeps an accessor's functions in the object's hidden class, and a new function per object
 * made every view's hidden class (old-generation memory) point at that view's row. Each settlement's row,
 * its bill and result texts, then outlived every young-generation collection until a full mark-compact:
 * ~1 MB promoted per scavenge on the counter, scavenges 2–3 times as long, a mark-compact every few
 * seconds (RESULTS.md, the 2026-11-22 entries after 20:34).
 */
const RESULT_PROPERTY: PropertyDescriptor = {
  enumerable: true,
  get(this: { [STORED]: Stored }) {
    const stored = this[STORED];
    return (stored.parsed ??= JSON.parse(stored.resultJson) as SettlementJson);
  },
};

/**
 * The JSON answer for a settlement view: what `JSON.stringify({ ...view, ...extra })` writes, with the
 * stored result text put in as it is rather than parsed and written again.
 */
export function settlementBody(view: SettlementView, extra: Record<string, unknown> = {}): string {
  const stored = (view as SettlementView & { [STORED]?: Stored })[STORED];
  if (stored === undefined) return JSON.stringify({ ...view, ...extra });
  const head = JSON.stringify(stored.base);
  const tail = JSON.stringify(extra);
  return `${head.slice(0, -1)},"result":${stored.resultJson}${tail === '{}' ? '}' : `,${tail.slice(1)}`}`;
}

let lastIdMs = 0;
let idSequence = 0;

/**
 * JS + date + time (ms, base 36) + a sequence within the millisecond + random: ids of one process sort in
 * the order they were issued, so the settlements' primary-key index grows at its end (one page written
 * per batch) rather than at a random leaf per settlement; the random part keeps two processes apart.
 */
export function newSettlementId(now: Date): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  const ms = now.getTime();
  idSequence = ms === lastIdMs ? idSequence + 1 : 0;
  lastIdMs = ms;
  const time = ms.toString(36).toUpperCase().padStart(9, '0');
  const sequence = idSequence.toString(36).toUpperCase().padStart(3, '0');
  return `JS${day}${time}${sequence}${randomHex6()}`;
}

/** Random bytes drawn from a pool: one randomBytes call per 1,024 ids rather than one per id (~10 µs). */
let randomPool = Buffer.alloc(0);
let randomAt = 0;

function randomHex6(): string {
  if (randomAt + 3 > randomPool.length) {
    randomPool = randomBytes(3 * 1024);
    randomAt = 0;
  }
  randomAt += 3;
  return randomPool.toString('hex', randomAt - 3, randomAt).toUpperCase();
}

export class SettlementService {
  private readonly store: Store;
  private readonly rules: RuleBook;
  private readonly now: () => Date;

  constructor(deps: ServiceDeps) {
    this.store = deps.store;
    this.rules = deps.rules;
    this.now = deps.now ?? (() => new Date());
  }

  /** Record every loaded ruleset version, so a settlement's `ruleset_hash` can always be re-run. */
  async registerRulesets(): Promise<void> {
    const at = this.now().toISOString();
    for (const l of this.rules.all) {
      await this.store.db
        .insertInto('ruleset_versions')
        .values({ hash: l.hash, id: l.ruleset.id, file: l.file, document_json: canonicalJson(l.document), first_seen_at: at })
        .onConflict((oc) => oc.column('hash').doNothing())
        .execute();
    }
  }

  private async resolve(raw: unknown, principal: Principal | null): Promise<Resolved> {
    const parsed = parseBillInput(raw);
    if (!parsed.success) throw validationError(parsed.error);
    const input = parsed.data;
    const unsafe = unsafeIdentifier(input);
    if (unsafe) throw unprocessable('VALIDATION_FAILED', `账单有误：${unsafe}：含有不可见字符、控制字符或无效字符`, [{ path: unsafe, message: '含有不可见字符、控制字符或无效字符' }]);
    if (principal?.role === 'window' && principal.hospitalCode !== input.hospital.code) {
      throw forbidden(`此窗口密钥只能为医院 ${principal.hospitalCode} 结算，不能为 ${input.hospital.code} 结算`);
    }
    const year = Number(input.visit.discharged.slice(0, 4));
    // The hospital, the person and the person's year so far, as last committed, in one read.
    const { hospital, person, ledger } = await this.store.lookups.forBill(input.hospital.code, input.person.id, year);
    if (!hospital) throw unprocessable('UNKNOWN_HOSPITAL', `医院编码 ${input.hospital.code} 未登记`, [{ path: 'hospital.code', message: '医院未登记' }]);
    if (input.hospital.tier !== undefined && input.hospital.tier !== hospital.tier) {
      throw unprocessable('HOSPITAL_TIER_MISMATCH', `医院等级与登记不符：账单写 ${input.hospital.tier}，登记为 ${hospital.tier}`, [{ path: 'hospital.tier', message: `登记为 ${hospital.tier}` }]);
    }
    if (!person) throw unprocessable('UNKNOWN_PERSON', `参保人 ${input.person.id} 未登记`, [{ path: 'person.id', message: '参保人未登记' }]);
    const populations = JSON.parse(person.populations) as string[];
    if (input.person.populations !== undefined && [...input.person.populations].sort().join() !== [...populations].sort().join()) {
      throw unprocessable('POPULATION_MISMATCH', `参保人群与登记不符：账单写 [${input.person.populations.join(', ')}]，登记为 [${populations.join(', ')}]`, [
        { path: 'person.populations', message: `登记为 [${populations.join(', ')}]` },
      ]);
    }
    let ruleset: LoadedRuleset;
    try {
      ruleset = this.rules.select(hospital.region_code, input.visit.discharged);
    } catch (e) {
      if (e instanceof SettlementError) throw fromSettlementError(e);
      throw e;
    }
    const bill = toEngineBill(input, hospital.tier, populations);
    const storedBill = { ...(raw as Record<string, unknown>), hospital: { ...(raw as { hospital: object }).hospital, tier: hospital.tier }, person: { id: person.id, populations } };
    return { input, bill, hospital, person, ruleset, storedBill, year, ledger };
  }

  private compute(r: Resolved, ytd: Accumulators) {
    try {
      return settle(r.bill, r.ruleset.ruleset, ytd);
    } catch (e) {
      if (e instanceof SettlementError) throw fromSettlementError(e);
      throw e;
    }
  }

  /** 预结算: the same computation on the person's current year-to-date, nothing stored. */
  async preview(raw: unknown, principal: Principal | null): Promise<{ preview: true; rulesetId: string; rulesetHash: string; result: SettlementJson }> {
    const r = await this.resolve(raw, principal);
    const ytd = accumulatorsFromJson(JSON.parse(r.ledger?.accumulators_json ?? '{}') as AccumulatorsJson);
    return { preview: true, rulesetId: r.ruleset.ruleset.id, rulesetHash: r.ruleset.hash, result: settlementJson(this.compute(r, ytd)) };
  }

  /**
   * 结算: settle and store. The same hospital + bill number posted again with the same content is a
   * replay (the stored settlement, nothing moves); with different content it is a conflict.
   */
  async post(raw: unknown, principal: Principal | null, actor = principal?.keyId ?? 'system'): Promise<{ replay: boolean; view: SettlementView }> {
    const r = await this.resolve(raw, principal);
    const billHash = billHashOf(r.input);
    const now = this.now();
    const year = r.year;
    // The engine runs here, on the person's ledger as last committed; the write transaction checks that
    // the ledger is still that one and otherwise computes again (settle-tx.ts).
    const computed = computeSettlement(r.bill, r.ruleset.ruleset, r.ledger ?? EMPTY_LEDGER);
    const job: SettleJob = {
      id: newSettlementId(now),
      year,
      hospitalCode: r.hospital.code,
      billNo: r.input.billNo,
      personId: r.person.id,
      visit: r.bill.visit,
      rulesetId: r.ruleset.ruleset.id,
      rulesetHash: r.ruleset.hash,
      billHash,
      billJson: JSON.stringify(r.storedBill),
      createdAt: now.toISOString(),
      createdBy: actor,
      // A refusal is left to the transaction, which answers a replay first if the bill number was settled.
      computed: computed.kind === 'computed' ? computed : undefined,
    };
    // Only what the answer needs, and the job being written, are kept while the bill waits for its
    // COMMIT: with a few dozen bills in flight, each holding its parsed body and engine input and result
    // objects until then, the young generation's collections had that much more to copy each time.
    return this.commit(job, r.ruleset, { hospital: r.hospital, person: r.person, billNo: r.input.billNo }, billHash);
  }

  private async commit(job: SettleJob, ruleset: LoadedRuleset, bill: Answering, billHash: string): Promise<{ replay: boolean; view: SettlementView }> {
    let outcome: SettleOutcome;
    try {
      outcome = await this.store.settle(job, ruleset);
    } catch (e) {
      if (e instanceof CommitUnknown) {
        throw new ApiError(
          503,
          'SETTLEMENT_UNCONFIRMED',
          `账单 ${bill.billNo} 的结算结果未能确认（结算写入中断）。请用同一账单号重新提交：若已结算，将返回原结算，不会重复结算；若未结算，将正常结算`,
        );
      }
      // Another process inserted the same bill between our check and our insert: answer as a replay.
      if (isUniqueViolation(e)) {
        const existing = await this.store.db.selectFrom('settlements').selectAll().where('hospital_code', '=', bill.hospital.code).where('bill_no', '=', bill.billNo).executeTakeFirst();
        if (existing) return this.replayOrConflict(existing, bill, billHash);
      }
      throw e;
    }
    switch (outcome.kind) {
      case 'existing':
        return this.replayOrConflict(outcome.row, bill, billHash);
      case 'refused':
        throw fromSettlementError(new SettlementError(outcome.error.code, outcome.error.message, outcome.error.path));
      case 'created':
        return { replay: false, view: this.view(outcome.row, bill.hospital, bill.person) };
    }
  }

  private replayOrConflict(existing: SettlementTable, r: Answering, billHash: string): { replay: true; view: SettlementView } {
    if (existing.bill_hash !== billHash) {
      throw conflict('BILL_NO_CONFLICT', `医院 ${r.hospital.code} 的账单号 ${r.billNo} 已于 ${existing.created_at} 结算（${existing.id}），本次提交内容不同；如需更正请先撤销原结算，再以新账单号结算`);
    }
    return { replay: true, view: this.view(existing, r.hospital, r.person) };
  }

  /** 撤销结算: mark reversed and take back exactly the accumulator changes the settlement recorded. */
  async reverse(id: string, principal: Principal | null, reason: string | undefined, actor = principal?.keyId ?? 'system'): Promise<SettlementView> {
    const now = this.now();
    return this.store.write(async (trx) => {
      const row = await trx.selectFrom('settlements').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row || (principal?.role === 'window' && principal.hospitalCode !== row.hospital_code)) throw notFound(`结算 ${id} `);
      if (row.status === 'reversed') throw conflict('ALREADY_REVERSED', `结算 ${id} 已于 ${row.reversed_at} 撤销，不能重复撤销`);
      const ledger = await this.store.lockLedger(trx, row.person_id, row.year);
      const result = JSON.parse(row.result_json) as SettlementJson;
      const changes = Object.fromEntries(
        Object.entries(result.accumulators).map(([k, fields]) => [
          k,
          Object.fromEntries(Object.entries(fields).map(([f, c]) => [f, { before: parseUnits(c.before), after: parseUnits(c.after) }])),
        ]),
      );
      const ytd = accumulatorsFromJson(JSON.parse(ledger.accumulators_json) as AccumulatorsJson);
      const updated = await updateLedgerAt(trx, row.person_id, row.year, ledger.version, JSON.stringify(accumulatorsToJson(applyChanges(ytd, changes, -1))));
      // The row is locked, so this cannot happen; if it ever does, refuse rather than double-count.
      if (!updated) throw new Error(`ledger ${row.person_id}/${row.year} changed under a held lock`);
      const at = now.toISOString();
      await trx.updateTable('settlements').set({ status: 'reversed', reversed_at: at, reversed_by: actor, reversal_reason: reason ?? null }).where('id', '=', id).execute();
      await appendAudit(this.store, trx, { actor, action: 'settlement.reverse', subject: id, payload: { reason: reason ?? null, funds: result.funds, patientPays: result.patientPays } }, at);
      const full = await this.loadView(trx, { ...row, status: 'reversed', reversed_at: at, reversed_by: actor, reversal_reason: reason ?? null });
      return full;
    });
  }

  async get(id: string, principal: Principal | null): Promise<SettlementView> {
    const row = await this.store.db.selectFrom('settlements').selectAll().where('id', '=', id).executeTakeFirst();
    // A window key gets 404 for another hospital's settlement: it does not learn that the id exists.
    if (!row || (principal?.role === 'window' && principal.hospitalCode !== row.hospital_code)) throw notFound(`结算 ${id} `);
    return this.loadView(this.store.db, row);
  }

  async getRow(id: string): Promise<SettlementTable | undefined> {
    return this.store.db.selectFrom('settlements').selectAll().where('id', '=', id).executeTakeFirst();
  }

  private async loadView(db: Kysely<Database>, row: SettlementTable): Promise<SettlementView> {
    const hospital = await db.selectFrom('hospitals').select(['code', 'name', 'tier', 'region_code']).where('code', '=', row.hospital_code).executeTakeFirstOrThrow();
    const person = await db.selectFrom('people').select(['id', 'name', 'id_number']).where('id', '=', row.person_id).executeTakeFirstOrThrow();
    return this.view(row, hospital, person);
  }

  private view(row: SettlementTable, hospital: Resolved['hospital'], person: Resolved['person']): SettlementView {
    const base = {
      id: row.id,
      status: row.status,
      billNo: row.bill_no,
      hospital: { code: hospital.code, name: hospital.name, tier: hospital.tier, regionCode: hospital.region_code },
      person: { id: person.id, name: person.name, idNumber: maskIdNumber(person.id_number) },
      visit: { type: row.visit_type, admitted: row.admitted, discharged: row.discharged },
      rulesetId: row.ruleset_id,
      rulesetHash: row.ruleset_hash,
      createdAt: row.created_at,
      reversedAt: row.reversed_at,
      reversalReason: row.reversal_reason,
    };
    // The stored result is JSON already: it is parsed only when someone reads it, and the counter's
    // answer (settlementBody) writes the stored text as it is.
    const view = { ...base } as SettlementView;
    Object.defineProperty(view, STORED, { enumerable: false, value: { base, resultJson: row.result_json } satisfies Stored });
    Object.defineProperty(view, 'result', RESULT_PROPERTY);
    return view;
  }

  async list(
    q: { hospital?: string; person?: string; from?: string; to?: string; status?: 'settled' | 'reversed'; page: number; pageSize: number },
    principal: Principal | null,
  ): Promise<{ items: SettlementSummary[]; page: number; pageSize: number; total: number }> {
    if (principal?.role === 'window') {
      if (q.hospital && q.hospital !== principal.hospitalCode) throw forbidden(`此窗口密钥只能查询医院 ${principal.hospitalCode} 的结算`);
      q = { ...q, hospital: principal.hospitalCode ?? undefined };
    }
    let base = this.store.db.selectFrom('settlements').innerJoin('people', 'people.id', 'settlements.person_id');
    if (q.hospital) base = base.where('settlements.hospital_code', '=', q.hospital);
    if (q.person) base = base.where('settlements.person_id', '=', q.person);
    if (q.from) base = base.where('settlements.discharged', '>=', q.from);
    if (q.to) base = base.where('settlements.discharged', '<=', q.to);
    if (q.status) base = base.where('settlements.status', '=', q.status);
    const { count } = await base.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
    const rows = await base
      .select([
        'settlements.id',
        'settlements.status',
        'settlements.bill_no',
        'settlements.hospital_code',
        'settlements.person_id',
        'people.name',
        'people.id_number',
        'settlements.visit_type',
        'settlements.discharged',
        'settlements.total_fen',
        'settlements.fund_pays_fen',
        'settlements.patient_pays_fen',
        'settlements.ruleset_id',
        'settlements.created_at',
      ])
      .orderBy('settlements.discharged', 'desc')
      .orderBy('settlements.created_at', 'desc')
      .orderBy('settlements.id')
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize)
      .execute();
    return {
      items: rows.map((r) => ({
        id: r.id,
        status: r.status,
        billNo: r.bill_no,
        hospitalCode: r.hospital_code,
        personId: r.person_id,
        personName: r.name,
        idNumber: maskIdNumber(r.id_number),
        visitType: r.visit_type,
        discharged: r.discharged,
        total: fromFen(r.total_fen).toFixed(2),
        fundPaysTotal: fromFen(r.fund_pays_fen).toFixed(2),
        patientPays: fromFen(r.patient_pays_fen).toFixed(2),
        rulesetId: r.ruleset_id,
        createdAt: r.created_at,
      })),
      page: q.page,
      pageSize: q.pageSize,
      total: Number(count),
    };
  }

  async accumulators(personId: string, year: number): Promise<{ personId: string; year: number; accumulators: AccumulatorsJson }> {
    const person = await this.store.db.selectFrom('people').select('id').where('id', '=', personId).executeTakeFirst();
    if (!person) throw notFound(`参保人 ${personId} `);
    const ledger = await this.store.db.selectFrom('ledgers').select('accumulators_json').where('person_id', '=', personId).where('year', '=', year).executeTakeFirst();
    return { personId, year, accumulators: JSON.parse(ledger?.accumulators_json ?? '{}') as AccumulatorsJson };
  }
}

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === 'SQLITE_CONSTRAINT_UNIQUE' || err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || err?.code === '23505';
}
