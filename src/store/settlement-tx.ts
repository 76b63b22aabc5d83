/**
 * The narrow interface of the counter's hot path: the few reads and writes one settlement makes, and the
 * reference lookups that come before it. Everything else in the service speaks kysely directly.
 *
 * Why narrow: a settlement is ~8 statements, and through kysely each costs ~20 µs of query building on
 * top of ~5 µs of SQLite. SQLite implements this interface with prepared better-sqlite3 statements
 * (sqlite-settlement-tx.ts); PostgreSQL with the kysely queries below, which are also the reference the
 * SQLite statements must agree with (the store suite runs both).
 */
import type { Kysely } from 'kysely';
import { appendAuditRow, type AuditEntryInput } from '../service/audit-log.js';
import type { Database, HospitalTable, PersonTable, SettlementFundTable, SettlementTable } from './schema.js';

export type HospitalRef = Pick<HospitalTable, 'code' | 'name' | 'tier' | 'region_code'>;
export type PersonRef = Pick<PersonTable, 'id' | 'name' | 'id_number' | 'populations'>;
export interface LedgerRow {
  accumulators_json: string;
  version: number;
}

/** Reads outside any transaction: what a bill refers to, and (for a preview) a person's year so far. */
export interface Lookups {
  hospital(code: string): Promise<HospitalRef | undefined>;
  person(id: string): Promise<PersonRef | undefined>;
  /** The person's ledger for the year as last committed, or undefined if there is none yet. */
  ledger(personId: string, year: number): Promise<LedgerRow | undefined>;
  /**
   * All a bill refers to, as last committed: its hospital, its person and the person's ledger for the
   * year (each undefined if there is none). SQLite reads the three in one statement, so from one snapshot.
   */
  forBill(hospitalCode: string, personId: string, year: number): Promise<BillRefs>;
}

/**
 * The store cannot say whether a write was committed: the SQLite writer thread stopped while it held the
 * job (it may have died just after COMMIT, before answering), or PostgreSQL's connection was lost at
 * COMMIT (postgres.ts). Posting the same bill again is safe and settles the question: a committed one is
 * answered as a replay, one that was not is settled now.
 */
export class CommitUnknown extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommitUnknown';
  }
}

export interface BillRefs {
  hospital?: HospitalRef;
  person?: PersonRef;
  ledger?: LedgerRow;
}

/** One settlement's statements, inside a write transaction that serialises the person (db.ts, postgres.ts). */
export interface SettlementTx {
  findByBill(hospitalCode: string, billNo: string): Promise<SettlementTable | undefined>;
  /** Lock (creating if needed) the person's ledger row for the year. */
  lockLedger(personId: string, year: number): Promise<LedgerRow>;
  insertSettlement(row: SettlementTable, funds: SettlementFundTable[]): Promise<void>;
  /** Compare-and-set on the version; false if the row was not at `version` (never expected under the lock). */
  updateLedger(personId: string, year: number, version: number, accumulatorsJson: string): Promise<boolean>;
  appendAudit(entry: AuditEntryInput, at: string): Promise<void>;
}

export function kyselyLookups(db: Kysely<Database>): Lookups {
  const lookups: Lookups = {
    hospital: (code) => db.selectFrom('hospitals').select(['code', 'name', 'tier', 'region_code']).where('code', '=', code).executeTakeFirst(),
    person: (id) => db.selectFrom('people').select(['id', 'name', 'id_number', 'populations']).where('id', '=', id).executeTakeFirst(),
    ledger: (personId, year) => db.selectFrom('ledgers').select(['accumulators_json', 'version']).where('person_id', '=', personId).where('year', '=', year).executeTakeFirst(),
    async forBill(hospitalCode, personId, year) {
      const [hospital, person, ledger] = [await lookups.hospital(hospitalCode), await lookups.person(personId), await lookups.ledger(personId, year)];
      return { hospital, person, ledger };
    },
  };
  return lookups;
}

/**
 * The kysely implementation. `lockLedger` and `lockAuditHead` are the dialect's own: how a row is locked
 * (FOR UPDATE) and how two processes are kept from extending the audit chain from the same head.
 */
export function kyselySettlementTx(
  trx: Kysely<Database>,
  dialect: { lockLedger(trx: Kysely<Database>, personId: string, year: number): Promise<LedgerRow>; lockAuditHead(trx: Kysely<Database>): Promise<void> },
): SettlementTx {
  return {
    findByBill: (hospitalCode, billNo) => trx.selectFrom('settlements').selectAll().where('hospital_code', '=', hospitalCode).where('bill_no', '=', billNo).executeTakeFirst(),
    lockLedger: (personId, year) => dialect.lockLedger(trx, personId, year),
    async insertSettlement(row, funds) {
      await trx.insertInto('settlements').values(row).execute();
      if (funds.length) await trx.insertInto('settlement_funds').values(funds).execute();
    },
    updateLedger: (personId, year, version, accumulatorsJson) => updateLedgerAt(trx, personId, year, version, accumulatorsJson),
    async appendAudit(entry, at) {
      await dialect.lockAuditHead(trx);
      await appendAuditRow(trx, entry, at);
    },
  };
}

/**
 * Compare-and-set on a ledger row (kysely): write the new accumulators and the next version only if the
 * row is still at `version`. Settlements and reversals both go through it.
 */
export async function updateLedgerAt(trx: Kysely<Database>, personId: string, year: number, version: number, accumulatorsJson: string): Promise<boolean> {
  const res = await trx
    .updateTable('ledgers')
    .set({ accumulators_json: accumulatorsJson, version: version + 1 })
    .where('person_id', '=', personId)
    .where('year', '=', year)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}
