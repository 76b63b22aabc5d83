/**
 * Settling at the window: the use cases behind POST /v1/settlements and its siblings.
 *
 * One way through for a settlement: validate the bill, resolve it against the store (hospital, person,
 * ruleset, the person's year-to-date as last committed), run the engine, hand the store one write set,
 * answer. If another settlement of the person committed in between, the store answers `stale` with the
 * ledger as it now is and the engine runs again on it: nothing is ever settled on a year-to-date that
 * has moved, and a bill the engine refuses never reaches the store.
 */
import type * as z from 'zod';
import type { Principal } from '../access/keys.js';
import { PersonQueue } from './person-queue.js';
import { applyCatalogue } from '../catalogue/apply.js';
import { CatalogueIndex } from '../catalogue/index.js';
import { CatalogueRefused, catalogueRecordJson, storedItems } from '../catalogue/settle.js';
import { eligibilityRecord, membershipsInForce, tierInForce, type MembershipPeriod, type TierPeriod } from '../register/in-force.js';
import { billHash } from '../bill/hash.js';
import { engineBillFromStored, parseBillInput } from '../bill/parse.js';
import { toEngineBill, type BillInput } from '../bill/schema.js';
import { accumulatorsFromJson, type AccumulatorsJson } from '../engine/accumulators.js';
import { SettlementError, formatPath } from '../engine/errors.js';
import { settlementJson, type SettlementJson } from '../engine/result.js';
import { settle } from '../engine/settle.js';
import type { Bill, Ruleset } from '../engine/types.js';
import { ApiError, conflict, forbidden, notFound, unprocessable } from '../errors/api-error.js';
import { zodError } from '../errors/from-zod.js';
import { canonicalJson } from '../formats/canonical-json.js';
import { formatUnits } from '../money/text.js';
import { fromFen } from '../money/units.js';
import { maskIdNumber } from '../register/mask.js';
import type { LoadedRuleset } from '../rules/load.js';
import { regionLineage, type RuleBook } from '../rules/select.js';
import { CommitUnknown } from '../store/commit-unknown.js';
import { isUniqueViolation, type Store } from '../store/port.js';
import type { SettlementTable } from '../store/schema.js';
import { compiled, named } from '../store/write-set.js';
import { computeSettlement, settlementRow, settlementWriteSet, type LedgerRow, type SettleJob } from './compute.js';
import { adjustmentView, readjudicationView, type AdjustmentView, type ReadjudicationView } from './adjustments.js';
import { beijingTime } from '../labels/labels.js';
import { newAdjustmentId, newSettlementId } from './ids.js';
import { newestVersion, readAdjustmentsOf, readPersonYear } from './person-year.js';
import { RulesetVersions } from './recompute.js';
import { computeReversal } from './reversal.js';
import type { OfficeApplication, Payee } from './office-request.js';
import { settlementView, type HospitalRef, type PersonRef, type SettlementView } from './views.js';

export interface ServiceDeps {
  store: Store;
  rules: RuleBook;
  now?: () => Date;
}

/** An adjustment as a notice for the hospital of the adjusted settlement. */
export type AdjustmentNotice = Omit<AdjustmentView, 'result'> & {
  personId: string;
  settlement: { id: string; billNo: string; hospital: { code: string; name: string }; discharged: string; status: SettlementTable['status'] };
  reversal: { id: string; billNo: string; hospital: { code: string; name: string } };
};

/** The answer to a reversal: the reversed settlement, and what settling the rest of its year again changed. */
export type ReversalAnswer = SettlementView & { readjudication: ReadjudicationView };

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

/** A bill checked against the store: who, where, which policy, and the person's year so far. */
interface Resolved {
  input: BillInput;
  bill: Bill;
  hospital: HospitalRef;
  person: PersonRef;
  ruleset: LoadedRuleset;
  /** The bill as stored: as posted, with the tier and populations it was settled on filled in. */
  storedBill: Record<string, unknown>;
  /** The year of the discharge, whose ledger the bill counts against. */
  year: number;
  /** The person's ledger for that year as last committed, if there is one yet. */
  ledger: LedgerRow | undefined;
  /** What the settlement used of the register (register/in-force.ts), as stored with it. */
  eligibilityJson: string;
  /** What the catalogue did to the items (catalogue/apply.ts), as stored with it; null for a bill of buckets. */
  catalogueJson: string | null;
  /** A hospital outside the register, named by an office settlement, to keep with it. */
  externalHospital: { code: string; name: string; tier: string; region_code: string; region_name: string } | null;
}

/** What an office (经办) settlement adds to a bill (settle/office.ts reads it from the request). */
export interface OfficeRequest {
  /** A hospital outside the register: its name and region (the bill's hospital.tier gives its tier). */
  hospital?: { name: string; regionCode: string; regionName?: string };
  payee: Payee;
  application: OfficeApplication;
}

/** The row of the `forBill` statement (store/statements.ts). */
interface ForBillRow {
  h_code: string | null; h_name: string | null; h_tier: string | null; h_region_code: string | null; h_region_name: string | null; h_tiers_json: string | null;
  p_id: string | null; p_name: string | null; p_id_number: string | null; p_insured_region: string | null; p_memberships_json: string | null;
  l_accumulators_json: string | null; l_version: number | null;
  c_version: number | string | null; h_external: number | null;
}

/** zod issues of a bill → a 422 a clerk can act on. */
export function billValidationError(error: z.ZodError): ApiError {
  return zodError(error, { what: '账单' });
}

export function fromSettlementError(e: SettlementError): ApiError {
  const status = e.code === 'RULESET_NOT_FOUND' ? 404 : 422;
  return new ApiError(status, e.code, e.message, [{ path: formatPath(e.path), message: e.message }]);
}

/**
 * The keys a settlement is found by must be what they look like. An invisible or control character, a
 * lone surrogate or a decoding replacement character would let one bill be settled twice under two
 * numbers that print the same (money paid twice), and PostgreSQL cannot store NUL at all.
 */
const UNSAFE_IN_IDENTIFIER = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}\uFFFD]/u;

function unsafeIdentifier(input: BillInput): string | null {
  if (UNSAFE_IN_IDENTIFIER.test(input.billNo)) return 'billNo';
  if (UNSAFE_IN_IDENTIFIER.test(input.hospital.code)) return 'hospital.code';
  if (UNSAFE_IN_IDENTIFIER.test(input.person.id)) return 'person.id';
  return null;
}

/**
 * A field of a bill that only the bureau's settlement office (经办, issue 24) may post, with what a window is
 * told: payouts made elsewhere (异地就医、零星报销 的二次补偿), and a bill given by its four buckets instead of
 * its items (依申请救助 on a settlement made elsewhere). A window settles the itemised bill in front of it,
 * each item checked against the catalogue; buckets would bypass that check.
 */
function officeOnlyField(input: BillInput): { path: string; short: string; message: string; forbidden: string; refused: string } | null {
  if (input.paidElsewhere !== undefined) {
    return {
      path: 'paidElsewhere',
      short: '医院窗口不能提交已由他处支付的金额',
      message: '医院窗口不能提交已由他处支付的金额；异地就医或已报销部分的二次补偿由医保经办机构办理（POST /v1/office/settlements）',
      forbidden: 'PAID_ELSEWHERE_FORBIDDEN',
      refused: 'PAID_ELSEWHERE_NOT_ACCEPTED',
    };
  }
  if (input.buckets !== undefined) {
    return {
      path: 'buckets',
      short: '医院窗口须逐项提交费用明细（items），不能只提交分类金额',
      message: '医院窗口须逐项提交费用明细（items），不能只提交分类金额（buckets）；只有分类金额的依申请救助由医保经办机构办理（POST /v1/office/settlements）',
      forbidden: 'BUCKETS_FORBIDDEN',
      refused: 'BUCKETS_NOT_ACCEPTED',
    };
  }
  return null;
}

/** The queue's key: one use case of a person's year at a time in this process. */
const personYear = (personId: string, year: number) => `${personId}\u0000${year}`;

/** However often a person's ledger moves under one bill, it is computed again at most this many times. */
const MAX_ATTEMPTS = 100;

export class SettlementService {
  private readonly store: Store;
  readonly rules: RuleBook;
  private readonly now: () => Date;
  /** A person's settlements and reversals of a year in this process, one at a time (./person-queue.ts). */
  private readonly queue = new PersonQueue();
  private readonly versions: RulesetVersions;
  /** The catalogue as of the newest version a bill has asked for (catalogue/index.ts), loaded once per version. */
  private catalogue: Promise<CatalogueIndex> | null = null;

  constructor(deps: ServiceDeps) {
    this.store = deps.store;
    this.versions = new RulesetVersions(deps.store.db);
    this.rules = deps.rules;
    this.now = deps.now ?? (() => new Date());
  }

  /** Record every loaded ruleset version, so a settlement's `ruleset_hash` can always be re-run. */
  async registerRulesets(): Promise<void> {
    const at = this.now().toISOString();
    const steps = this.rules.all.map((l) => ({
      kind: 'run' as const,
      run: compiled(
        this.store.db
          .insertInto('ruleset_versions')
          .values({ hash: l.hash, id: l.ruleset.id, file: l.file, document_json: canonicalJson(l.document), first_seen_at: at })
          .onConflict((oc) => oc.column('hash').doNothing())
          .compile(),
      ),
    }));
    if (steps.length) await this.store.write({ steps });
  }

  private async resolve(raw: unknown, principal: Principal | null, office?: OfficeRequest): Promise<Resolved> {
    const parsed = parseBillInput(raw);
    if (!parsed.success) throw billValidationError(parsed.error);
    const input = parsed.data;
    const unsafe = unsafeIdentifier(input);
    if (unsafe) throw unprocessable('VALIDATION_FAILED', `账单有误：${unsafe}：含有不可见字符、控制字符或无效字符`, [{ path: unsafe, message: '含有不可见字符、控制字符或无效字符' }]);
    const officeOnly = officeOnlyField(input);
    if (officeOnly && !office) {
      // What only the bureau's settlement office (经办) posts: a window settles the itemised bill in front of it.
      const issues = [{ path: officeOnly.path, message: officeOnly.short }];
      if (principal?.role === 'window') throw new ApiError(403, officeOnly.forbidden, officeOnly.message, issues);
      throw unprocessable(officeOnly.refused, `账单有误：${officeOnly.path}：${officeOnly.message}`, issues);
    }
    if (principal?.role === 'window' && principal.hospitalCode !== input.hospital.code) {
      throw forbidden(`此窗口密钥只能为医院 ${principal.hospitalCode} 结算，不能为 ${input.hospital.code} 结算`);
    }
    const year = Number(input.visit.discharged.slice(0, 4));
    // The hospital, the person and the person's year so far, as last committed, in one read.
    const r = (await this.store.get<ForBillRow>(named('forBill', { hospital_code: input.hospital.code, person_id: input.person.id, year })))!;
    // A hospital outside the register: only an office settles there, naming it (kept as external).
    const outside = r.h_code === null || Number(r.h_external) === 1;
    if (r.h_code === null && !office?.hospital) {
      throw unprocessable('UNKNOWN_HOSPITAL', `医院编码 ${input.hospital.code} 未登记${office ? '；登记库以外的医院须写明 hospital.name 与 hospital.regionCode' : ''}`, [{ path: 'hospital.code', message: '医院未登记' }]);
    }
    if (r.p_id === null) throw unprocessable('UNKNOWN_PERSON', `参保人 ${input.person.id} 未登记`, [{ path: 'person.id', message: '参保人未登记' }]);
    const person: PersonRef = { id: r.p_id, name: r.p_name!, id_number: r.p_id_number! };
    // An office key settles for the people insured in its region (or a region below it).
    if (principal?.role === 'office' && principal.regionCode && !regionLineage(r.p_insured_region ?? '').includes(principal.regionCode)) {
      throw forbidden(`此经办密钥只能办理参保地为 ${principal.regionCode} 的参保人，${person.id} 的参保地为 ${r.p_insured_region ?? '（未登记）'}`);
    }
    // The policy of the place the person is insured (参保地), for the date; the hospital's without a register entry.
    let ruleset: LoadedRuleset;
    try {
      ruleset = this.rules.select(r.p_insured_region ?? r.h_region_code ?? office?.hospital?.regionCode ?? '', input.visit.discharged);
    } catch (e) {
      if (e instanceof SettlementError) throw fromSettlementError(e);
      throw e;
    }
    // The register on the visit's date (§3): the admission date unless the ruleset says the discharge date.
    const on = ruleset.ruleset.eligibleOn;
    const date = on === 'discharged' ? input.visit.discharged : input.visit.admitted;
    const memberships = JSON.parse(r.p_memberships_json ?? '[]') as MembershipPeriod[];
    const tiers = JSON.parse(r.h_tiers_json ?? '[]') as TierPeriod[];
    // Outside the register the tier is as the bill declares it, and must be one the ruleset prices.
    if (outside && (input.hospital.tier === undefined || !ruleset.ruleset.tiers.includes(input.hospital.tier))) {
      throw unprocessable('HOSPITAL_TIER_REQUIRED', `登记库以外的医院须写明医院等级（${ruleset.ruleset.id} 的等级：${ruleset.ruleset.tiers.join('、')}）`, [{ path: 'hospital.tier', message: `应为 ${ruleset.ruleset.tiers.join('、')} 之一` }]);
    }
    const tier = outside ? { tier: input.hospital.tier!, from_date: input.visit.admitted, to_date: null, batch_id: 'declared' } : tierInForce(tiers, date);
    if (!tier) {
      throw unprocessable('HOSPITAL_TIER_NOT_IN_FORCE', `医院 ${r.h_code} 在 ${date}（${on === 'discharged' ? '出院' : '入院'}日期）没有登记的医院等级`, [{ path: 'hospital.code', message: `${date} 没有登记的医院等级` }]);
    }
    const hospital: HospitalRef =
      r.h_code === null
        ? { code: input.hospital.code, name: office!.hospital!.name, tier: tier.tier, region_code: office!.hospital!.regionCode, region_name: office!.hospital!.regionName ?? office!.hospital!.regionCode }
        : { code: r.h_code, name: r.h_name!, tier: tier.tier, region_code: r.h_region_code!, region_name: r.h_region_name ?? r.h_region_code! };
    const externalHospital = r.h_code === null ? { code: hospital.code, name: hospital.name, tier: tier.tier, region_code: hospital.region_code, region_name: hospital.region_name } : null;
    if (input.hospital.tier !== undefined && input.hospital.tier !== hospital.tier) {
      throw unprocessable('HOSPITAL_TIER_MISMATCH', `医院等级与登记不符：账单写 ${input.hospital.tier}，${date} 登记为 ${hospital.tier}`, [{ path: 'hospital.tier', message: `登记为 ${hospital.tier}` }]);
    }
    const inForce = membershipsInForce(memberships, date);
    const populations = [...new Set(inForce.map((m) => m.population))];
    if (populations.length === 0) {
      const known = memberships.map((m) => `${m.population} ${m.from_date} 至 ${m.to_date ?? '今'}`).join('；');
      throw unprocessable('NOT_ELIGIBLE_ON_DATE', `参保人 ${person.id} 在 ${date}（${on === 'discharged' ? '出院' : '入院'}日期）没有有效的参保身份${known ? `（登记的身份：${known}）` : ''}`, [
        { path: `visit.${on}`, message: `${date} 没有有效的参保身份` },
      ]);
    }
    if (input.person.populations !== undefined && [...input.person.populations].sort().join() !== [...populations].sort().join()) {
      throw unprocessable('POPULATION_MISMATCH', `参保人群与登记不符：账单写 [${input.person.populations.join(', ')}]，${date} 登记为 [${populations.join(', ')}]`, [
        { path: 'person.populations', message: `登记为 [${populations.join(', ')}]` },
      ]);
    }
    let bill = toEngineBill(input, hospital.tier, populations);
    let storedBill: Record<string, unknown> = { ...(raw as Record<string, unknown>), hospital: { ...(raw as { hospital: object }).hospital, tier: hospital.tier }, person: { id: person.id, populations } };
    // The catalogue in force for the hospital's region on the admission date (§2): items take its values.
    let catalogueJson: string | null = null;
    if (bill.items) {
      const version = Number(r.c_version ?? 0);
      const index = version > 0 ? await this.catalogueAt(version) : null;
      const mode = ruleset.ruleset.catalogue;
      const outcome = applyCatalogue(bill.items, index?.forBill(regionLineage(hospital.region_code), input.visit.admitted) ?? null, mode);
      if (!outcome.ok) throw new CatalogueRefused(outcome.issues, index?.version ?? 0, input);
      // The bill is stored as settled (the catalogue's values), so the audit's re-computation needs no catalogue.
      const items = storedItems((raw as { items: Record<string, unknown>[] }).items, bill.items, outcome.items);
      if (items) storedBill = { ...storedBill, items };
      bill = { ...bill, items: outcome.items };
      catalogueJson = catalogueRecordJson(outcome.record);
    }
    const ledger = r.l_version === null ? undefined : { accumulators_json: r.l_accumulators_json!, version: r.l_version };
    const eligibilityJson = JSON.stringify(eligibilityRecord(date, on, inForce, tier));
    return { input, bill, hospital, person, ruleset, storedBill, year, ledger, eligibilityJson, catalogueJson, externalHospital };
  }

  /**
   * The catalogue at `version` (what the bill's read saw) or newer: loaded from the standing entries when an
   * import has moved the version past the one held, the version read before and after so the two agree.
   */
  private async catalogueAt(version: number): Promise<CatalogueIndex> {
    const held = this.catalogue ? await this.catalogue : null;
    if (held && held.version >= version) return held;
    const load = (async () => {
      for (;;) {
        const v = async () => Number((await this.store.db.selectFrom('register_state').select('version').where('id', '=', 'catalogue').executeTakeFirstOrThrow()).version);
        const before = await v();
        const rows = await this.store.db
          .selectFrom('catalogue_entries')
          .select(['code', 'region', 'from_date', 'to_date', 'name', 'category', 'class', 'self_pay_ratio', 'price_cap'])
          .where('superseded_at', 'is', null)
          .execute();
        if ((await v()) === before) return new CatalogueIndex(before, rows);
      }
    })();
    this.catalogue = load;
    return load;
  }

  /** 预结算: the same computation on the person's current year-to-date, nothing stored. */
  async preview(raw: unknown, principal: Principal | null, office?: OfficeRequest): Promise<{ preview: true; rulesetId: string; rulesetHash: string; result: SettlementJson }> {
    const r = await this.resolve(raw, principal, office).catch((e: unknown) => {
      throw e instanceof CatalogueRefused ? e.answer() : e;
    });
    const ytd = accumulatorsFromJson(JSON.parse(r.ledger?.accumulators_json ?? '{}') as AccumulatorsJson);
    let result: SettlementJson;
    try {
      result = settlementJson(settle(r.bill, r.ruleset.ruleset, ytd));
    } catch (e) {
      if (e instanceof SettlementError) throw fromSettlementError(e);
      throw e;
    }
    return { preview: true, rulesetId: r.ruleset.ruleset.id, rulesetHash: r.ruleset.hash, result };
  }

  /**
   * 结算: settle and store. The same hospital + bill number posted again with the same content is a
   * replay (the stored settlement, nothing moves); with different content it is a conflict.
   */
  async post(raw: unknown, principal: Principal | null, actor = principal?.keyId ?? 'system', office?: OfficeRequest): Promise<{ replay: boolean; view: SettlementView }> {
    let r: Resolved;
    try {
      r = await this.resolve(raw, principal, office);
    } catch (e) {
      if (e instanceof CatalogueRefused) return this.refuseForCatalogue(e, actor);
      throw e;
    }
    const hash = billHash(r.input);
    const now = this.now();
    const job: SettleJob = {
      id: newSettlementId(now),
      year: r.year,
      hospitalCode: r.hospital.code,
      billNo: r.input.billNo,
      personId: r.person.id,
      visit: r.bill.visit,
      rulesetId: r.ruleset.ruleset.id,
      rulesetHash: r.ruleset.hash,
      billHash: hash,
      billJson: JSON.stringify(r.storedBill),
      eligibilityJson: r.eligibilityJson,
      catalogueJson: r.catalogueJson,
      ...(office ? { office: { payee: office.payee, applicationJson: JSON.stringify(office.application), externalHospital: r.externalHospital } } : {}),
      createdAt: now.toISOString(),
      createdBy: actor,
    };
    const { hospital, person } = r;
    const ruleset = r.ruleset.ruleset;
    let ledger = r.ledger;
    // Only what the answer needs (and the stored bill, for a second computation) is held while the bill
    // waits for its COMMIT: with dozens of bills in flight, every object kept alive across the wait is
    // copied by each young-generation collection.
    let bill: Bill | undefined = r.bill;
    return this.queue.run(personYear(job.personId, job.year), async (waited) => {
      // A bill that waited behind another of the person's reads the year that one left.
      if (waited) ledger = await this.store.get<LedgerRow>(named('ledger', { person_id: job.personId, year: job.year }));
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const computed = computeSettlement(bill ?? engineBillFromStored(job.billJson), ruleset, ledger);
        bill = undefined;
        if (computed instanceof SettlementError) {
          // A bill number settled before is answered as it was, even if the bill would be refused today.
          const existing = await this.store.get<SettlementTable>(named('settlementByBill', { hospital_code: job.hospitalCode, bill_no: job.billNo }));
          if (existing) return this.replayOrConflict(existing, hospital, person, hash);
          throw fromSettlementError(computed);
        }
        const set = settlementWriteSet(job, computed);
        const answer = settlementView(settlementRow(job, computed), hospital, person);
        let outcome;
        try {
          outcome = await this.store.write(set);
        } catch (e) {
          if (e instanceof CommitUnknown) throw unconfirmed(job.billNo);
          // Another process settled the same bill number between our check and our insert: a replay.
          if (isUniqueViolation(e)) {
            const existing = await this.store.get<SettlementTable>(named('settlementByBill', { hospital_code: job.hospitalCode, bill_no: job.billNo }));
            if (existing) return this.replayOrConflict(existing, hospital, person, hash);
          }
          throw e;
        }
        switch (outcome.kind) {
          case 'written':
            return { replay: false, view: answer };
          case 'existing':
            return this.replayOrConflict(outcome.row as unknown as SettlementTable, hospital, person, hash);
          case 'stale':
            // Another settlement of the person committed since the ledger was read: compute again on it.
            ledger = outcome.row as LedgerRow | undefined;
        }
      }
      throw new ApiError(503, 'BUSY', `参保人 ${job.personId} 的结算同时进行过多，本次未结算；请稍后重新提交`);
    });
  }

  /**
   * A bill the catalogue refused: answered as it was if its number was settled before (the catalogue may
   * have changed since), else recorded for the audit (which hospitals declare otherwise) and refused.
   */
  private async refuseForCatalogue(e: CatalogueRefused, actor: string): Promise<{ replay: true; view: SettlementView }> {
    const existing = await this.store.get<SettlementTable>(named('settlementByBill', { hospital_code: e.bill.hospital.code, bill_no: e.bill.billNo }));
    if (existing) {
      if (existing.bill_hash === billHash(e.bill)) return { replay: true, view: await this.loadView(existing) };
      throw conflict('BILL_NO_CONFLICT', `医院 ${e.bill.hospital.code} 的账单号 ${existing.bill_no} 已于 ${existing.created_at} 结算（${existing.id}），本次提交内容不同；如需更正请先撤销原结算，再以新账单号结算`);
    }
    const at = this.now();
    await this.store.write({
      steps: [
        {
          kind: 'run',
          run: named('insertCatalogueRefusal', {
            id: `CR-${at.getTime().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
            at: at.toISOString(),
            hospital_code: e.bill.hospital.code,
            bill_no: e.bill.billNo,
            person_id: e.bill.person.id,
            catalogue_version: e.catalogueVersion,
            issues_json: e.issuesJson(),
            actor,
          }),
        },
      ],
    });
    throw e.answer();
  }

  private replayOrConflict(existing: SettlementTable, hospital: HospitalRef, person: PersonRef, hash: string): { replay: true; view: SettlementView } {
    if (existing.bill_hash !== hash) {
      throw conflict('BILL_NO_CONFLICT', `医院 ${hospital.code} 的账单号 ${existing.bill_no} 已于 ${existing.created_at} 结算（${existing.id}），本次提交内容不同；如需更正请先撤销原结算，再以新账单号结算`);
    }
    return { replay: true, view: settlementView(existing, hospital, person) };
  }

  /**
   * 撤销结算 (SETTLEMENT.md §4): take back what the settlement stands at, and settle every later unreversed
   * settlement of the person's year again, in ledger order, on the corrected year-to-date; where one
   * changes, an adjustment (应补应退) is written with the reversal. All of it is computed from one ledger
   * version and written by compare-and-set against it: when another settlement or reversal of the person
   * committed in between, the year is read and computed again.
   */
  async reverse(id: string, principal: Principal | null, reason: string | undefined, actor = principal?.keyId ?? 'system'): Promise<ReversalAnswer> {
    const row = await this.reachable(id, principal);
    // Who made a settlement takes it back: a window its own hospital's, the office (经办) what it settled.
    if (principal?.role === 'window' && row.channel === 'office') {
      throw new ApiError(403, 'REVERSAL_BY_OFFICE', `结算 ${id} 由医保经办机构办理（二次补偿），只能由经办机构撤销（POST /v1/office/settlements/${id}/reversal）`);
    }
    if (principal?.role === 'office' && row.channel !== 'office') {
      throw new ApiError(403, 'REVERSAL_BY_WINDOW', `结算 ${id} 在医院 ${row.hospital_code} 的窗口办理，只能由该医院窗口撤销`);
    }
    if (row.status === 'reversed') throw alreadyReversed(row);
    return this.queue.run(personYear(row.person_id, row.year), () => this.reverseQueued(row, id, reason, actor));
  }

  private async reverseQueued(row: SettlementTable, id: string, reason: string | undefined, actor: string): Promise<ReversalAnswer> {
    const bills = new Map<string, Bill>();
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      // The ledger first, then the year: rows read after it hold everything up to its version.
      const ledger = await this.store.get<LedgerRow>(named('ledger', { person_id: row.person_id, year: row.year }));
      if (!ledger) throw new Error(`settlement ${id} has no ledger row for ${row.person_id} ${row.year}`);
      const py = await readPersonYear(this.store.db, row.person_id, row.year);
      // A write committed between the two reads: read both again.
      if (newestVersion(py) > Number(ledger.version)) continue;
      const target = py.settlements.find((s) => s.id === id)!;
      if (target.status === 'reversed') throw alreadyReversed(target);
      const rulesets = new Map<string, Ruleset>();
      for (const s of py.settlements) if (s.status === 'settled' && !rulesets.has(s.ruleset_hash)) rulesets.set(s.ruleset_hash, await this.rulesetByHash(s.ruleset_hash));
      const at = this.now();
      const computed = computeReversal(py, ledger, {
        id,
        reason: reason ?? null,
        at: at.toISOString(),
        actor,
        newAdjustmentId: () => newAdjustmentId(at),
        settleAgain: (s, ytd) => {
          let bill = bills.get(s.id);
          if (!bill) bills.set(s.id, (bill = engineBillFromStored(s.bill_json)));
          return settle(bill, rulesets.get(s.ruleset_hash)!, ytd);
        },
      });
      if ('blocked' in computed) throw reversalBlocked(row, py.settlements.find((s) => s.id === computed.blocked.id)!, computed.blocked.error);
      // A CommitUnknown is answered as 503 "look before you try again" (http/errors.ts).
      const outcome = await this.store.write(computed.set);
      if (outcome.kind === 'existing') throw alreadyReversed((outcome.row as unknown as SettlementTable | undefined) ?? row);
      if (outcome.kind === 'stale') continue;
      const view = await this.loadView({ ...target, status: 'reversed', reversed_at: at.toISOString(), reversed_by: actor, reversal_reason: reason ?? null, reversed_version: Number(ledger.version) + 1 });
      const bySettlement = new Map(computed.later.map((s) => [s.id, s]));
      const codes = [...new Set(computed.adjustments.map((a) => bySettlement.get(a.row.settlement_id)!.hospital_code))];
      const names = new Map(
        codes.length ? (await this.store.db.selectFrom('hospitals').select(['code', 'name']).where('code', 'in', codes).execute()).map((h) => [h.code, h.name]) : [],
      );
      const readjudication = readjudicationView(
        computed.later.length,
        computed.adjustments.map((record) => {
          const s = bySettlement.get(record.row.settlement_id)!;
          return { record, billNo: s.bill_no, hospital: { code: s.hospital_code, name: names.get(s.hospital_code) ?? s.hospital_code }, discharged: s.discharged };
        }),
        row.hospital_code,
        { id: row.id, billNo: row.bill_no },
      );
      return Object.assign(view, { readjudication });
    }
    throw new ApiError(503, 'BUSY', `参保人 ${row.person_id} 的结算同时进行过多，本次未撤销；请稍后重试`);
  }

  /** A ruleset version by its hash: the loaded one, else the one recorded in the store. */
  private async rulesetByHash(hash: string): Promise<Ruleset> {
    const loaded = this.rules.all.find((l) => l.hash === hash);
    return (loaded ?? (await this.versions.get(hash))).ruleset;
  }

  async get(id: string, principal: Principal | null): Promise<SettlementView> {
    return this.loadView(await this.reachable(id, principal));
  }

  /**
   * A settlement the key may see: a window key gets 404 for another hospital's settlement, an office key
   * for a person insured outside its region (those it may settle); neither learns that the id exists.
   */
  private async reachable(id: string, principal: Principal | null): Promise<SettlementTable> {
    const row = await this.store.get<SettlementTable>(named('settlementById', { id }));
    if (!row || (principal?.role === 'window' && principal.hospitalCode !== row.hospital_code)) throw notFound(`结算 ${id} `);
    if (principal?.role === 'office' && principal.regionCode) {
      const p = await this.store.db.selectFrom('people').select('insured_region').where('id', '=', row.person_id).executeTakeFirst();
      if (!regionLineage(p?.insured_region ?? '').includes(principal.regionCode)) throw notFound(`结算 ${id} `);
    }
    return row;
  }

  async getRow(id: string): Promise<SettlementTable | undefined> {
    return this.store.get<SettlementTable>(named('settlementById', { id }));
  }

  private async loadView(row: SettlementTable): Promise<SettlementView> {
    const db = this.store.db;
    const hospital = await db.selectFrom('hospitals').select(['code', 'name', 'tier', 'region_code', 'region_name']).where('code', '=', row.hospital_code).executeTakeFirstOrThrow();
    const person = await db.selectFrom('people').select(['id', 'name', 'id_number']).where('id', '=', row.person_id).executeTakeFirstOrThrow();
    const adjustments = await readAdjustmentsOf(db, [row.id]);
    const view = settlementView(row, hospital, person);
    const latest = adjustments[adjustments.length - 1];
    const current = latest ? (JSON.parse(latest.result_json) as SettlementJson) : view.result;
    view.adjustments = adjustments.map((a) => adjustmentView(a));
    view.current = { funds: current.funds, fundPaysTotal: current.fundPaysTotal, patientPays: current.patientPays, actualRatio: current.actualRatio, adjustmentId: latest?.id ?? null };
    return view;
  }

  async list(
    q: { hospital?: string; person?: string; from?: string; to?: string; status?: 'settled' | 'reversed'; sort?: 'discharged' | 'settled'; page: number; pageSize: number },
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
      .$if(q.sort === 'settled', (b) => b.orderBy('settlements.created_at', 'desc'))
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
        total: formatUnits(fromFen(r.total_fen)),
        fundPaysTotal: formatUnits(fromFen(r.fund_pays_fen)),
        patientPays: formatUnits(fromFen(r.patient_pays_fen)),
        rulesetId: r.ruleset_id,
        createdAt: r.created_at,
      })),
      page: q.page,
      pageSize: q.pageSize,
      total: Number(count),
    };
  }

  /**
   * 应补应退 notices: adjustments of settlements, newest first, by the (Beijing) date of the reversal that
   * made them. A window key sees those of its own hospital's settlements, whichever hospital reversed:
   * the hospital settles the difference with the patient and the funds.
   */
  async adjustmentList(
    q: { hospital?: string; person?: string; from?: string; to?: string; page: number; pageSize: number },
    principal: Principal | null,
  ): Promise<{ items: AdjustmentNotice[]; page: number; pageSize: number; total: number }> {
    if (principal?.role === 'window') {
      if (q.hospital && q.hospital !== principal.hospitalCode) throw forbidden(`此窗口密钥只能查询医院 ${principal.hospitalCode} 的应补应退`);
      q = { ...q, hospital: principal.hospitalCode ?? undefined };
    }
    const db = this.store.db;
    // A day either side in UTC, then by the Beijing date.
    const shift = (d: string, days: number) => new Date(Date.parse(`${d}T00:00:00Z`) + days * 86_400_000).toISOString();
    const rows = await db
      .selectFrom('adjustments')
      .innerJoin('settlements as s', 's.id', 'adjustments.settlement_id')
      .innerJoin('settlements as r', 'r.id', 'adjustments.reversal_of')
      .innerJoin('hospitals as h', 'h.code', 's.hospital_code')
      .innerJoin('hospitals as rh', 'rh.code', 'r.hospital_code')
      .selectAll('adjustments')
      .select(['s.bill_no as s_bill_no', 's.hospital_code as s_hospital', 'h.name as s_hospital_name', 's.discharged as s_discharged', 's.status as s_status', 'r.bill_no as r_bill_no', 'r.hospital_code as r_hospital', 'rh.name as r_hospital_name'])
      .$if(!!q.hospital, (b) => b.where('s.hospital_code', '=', q.hospital!))
      .$if(!!q.person, (b) => b.where('adjustments.person_id', '=', q.person!))
      .$if(!!q.from, (b) => b.where('adjustments.created_at', '>=', shift(q.from!, -1)))
      .$if(!!q.to, (b) => b.where('adjustments.created_at', '<', shift(q.to!, 2)))
      .orderBy('adjustments.created_at', 'desc')
      .orderBy('adjustments.id')
      .execute();
    const inPeriod = rows.filter((r) => {
      const day = beijingTime(r.created_at).slice(0, 10);
      return (!q.from || day >= q.from) && (!q.to || day <= q.to);
    });
    const page = inPeriod.slice((q.page - 1) * q.pageSize, q.page * q.pageSize);
    const funds = await readAdjustmentsOf(db, [...new Set(page.map((r) => r.settlement_id))]);
    const byId = new Map(funds.map((a) => [a.id, a]));
    return {
      items: page.map((r) => {
        const a = byId.get(r.id)!;
        const { result: _result, ...view } = adjustmentView(a, { billNo: r.s_bill_no, hospitalName: r.s_hospital_name, discharged: r.s_discharged });
        return {
          ...view,
          personId: r.person_id,
          settlement: { id: r.settlement_id, billNo: r.s_bill_no, hospital: { code: r.s_hospital, name: r.s_hospital_name }, discharged: r.s_discharged, status: r.s_status },
          reversal: { id: r.reversal_of, billNo: r.r_bill_no, hospital: { code: r.r_hospital, name: r.r_hospital_name } },
        };
      }),
      page: q.page,
      pageSize: q.pageSize,
      total: inPeriod.length,
    };
  }

  async accumulators(personId: string, year: number): Promise<{ personId: string; year: number; accumulators: AccumulatorsJson }> {
    const person = await this.store.db.selectFrom('people').select('id').where('id', '=', personId).executeTakeFirst();
    if (!person) throw notFound(`参保人 ${personId} `);
    const ledger = await this.store.get<LedgerRow>(named('ledger', { person_id: personId, year }));
    return { personId, year, accumulators: JSON.parse(ledger?.accumulators_json ?? '{}') as AccumulatorsJson };
  }
}

function alreadyReversed(row: SettlementTable): ApiError {
  return conflict('ALREADY_REVERSED', `结算 ${row.id} 已于 ${row.reversed_at} 撤销，不能重复撤销`);
}

/** A later settlement can no longer be settled on the corrected year-to-date: the reversal is refused, naming it. */
function reversalBlocked(reversed: SettlementTable, blocked: SettlementTable, e: SettlementError): ApiError {
  const path = formatPath(e.path);
  return unprocessable(
    'REVERSAL_BLOCKED',
    `结算 ${reversed.id} 未撤销：撤销后须将其后的结算 ${blocked.id}（医院 ${blocked.hospital_code}，账单 ${blocked.bill_no}）按更正后的年度累计重新结算，但它已无法结算：${e.message}`,
    [{ path: `settlements.${blocked.id}${path ? `.${path}` : ''}`, message: e.message }],
  );
}

function unconfirmed(billNo: string): ApiError {
  return new ApiError(
    503,
    'SETTLEMENT_UNCONFIRMED',
    `账单 ${billNo} 的结算结果未能确认（结算写入中断）。请用同一账单号重新提交：若已结算，将返回原结算，不会重复结算；若未结算，将正常结算`,
  );
}
