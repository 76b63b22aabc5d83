/**
 * The tables, as kysely sees them. Money columns are integer fen (exact, and summable in SQL);
 * accumulator values are decimal text (an applied deductible may carry fractions of a fen, e.g.
 * 0.5 x 155.55); documents (the bill as posted, the settlement result) are JSON text, never edited.
 */
import type { Generated } from 'kysely';
export interface HospitalTable {
  code: string;
  name: string;
  tier: string;
  region_code: string;
  region_name: string;
  county: string | null;
  /** The standing tier periods (register/in-force.ts TierPeriod[], JSON), as hospital_tiers has them. */
  tiers_json: string | null;
  /** 1: a hospital outside the register, known from an office settlement (its tier as each bill declares it). */
  external: Generated<number>;
}

/** The register's current view of a person (the history is in person_versions and memberships). */
export interface PersonTable {
  id: string;
  name: string;
  id_number: string;
  /** Earlier releases' fixed populations (JSON array); the memberships table is what counts now. */
  populations: string;
  county: string | null;
  /** 参保地: the region whose policy covers the person (null: the hospital's region, as before the register). */
  insured_region: string | null;
  /** The standing memberships (register/in-force.ts MembershipPeriod[], JSON), as the memberships table has them. */
  memberships_json: string | null;
}

export interface RegisterBatchTable {
  id: string;
  kind: 'people' | 'hospitals' | 'catalogue' | 'migration';
  file: string;
  /** sha256 of what the batch stated (its rows, normalised): the same file imported again changes nothing. */
  content_hash: string;
  source: string | null;
  rows: number;
  summary_json: string;
  created_at: string;
  created_by: string;
}

export interface RegisterStateTable {
  id: string;
  version: number;
}

/** A version of a person's details, as one batch stated them; superseded by a later batch, never edited. */
export interface PersonVersionTable {
  person_id: string;
  batch_id: string;
  name: string;
  id_number: string;
  county: string | null;
  insured_region: string | null;
  recorded_at: string;
  superseded_at: string | null;
}

/** A person in a population for a period (dates inclusive; to null = open), as a batch recorded it. */
export interface MembershipTable {
  person_id: string;
  population: string;
  from_date: string;
  to_date: string | null;
  batch_id: string;
  recorded_at: string;
  /** When a later batch replaced it (the register as it stood before then still shows it). */
  superseded_at: string | null;
  superseded_by: string | null;
}

/** A hospital's tier for a period, as a batch recorded it. */
export interface HospitalTierTable {
  code: string;
  tier: string;
  from_date: string;
  to_date: string | null;
  batch_id: string;
  recorded_at: string;
  superseded_at: string | null;
  superseded_by: string | null;
}

export interface HospitalVersionTable {
  code: string;
  batch_id: string;
  name: string;
  region_code: string;
  region_name: string;
  county: string | null;
  recorded_at: string;
  superseded_at: string | null;
}

export interface SettlementTable {
  id: string;
  hospital_code: string;
  bill_no: string;
  person_id: string;
  year: number;
  admitted: string;
  discharged: string;
  visit_type: string;
  population: string;
  ruleset_id: string;
  ruleset_hash: string;
  /** sha256 of the normalised bill: the same bill posted again is a replay, a different one a conflict. */
  bill_hash: string;
  bill_json: string;
  /** The person's year-to-date accumulators as read before this settlement (JSON). */
  ytd_before_json: string;
  result_json: string;
  total_fen: number;
  fund_pays_fen: number;
  patient_pays_fen: number;
  status: 'settled' | 'reversed';
  created_at: string;
  created_by: string;
  reversed_at: string | null;
  reversed_by: string | null;
  reversal_reason: string | null;
  /**
   * What the settlement used of the register (JSON): the date its memberships and tier were taken on, the
   * memberships in force then and the tier, each with the batch that recorded it. Null for a settlement
   * made without a register entry (earlier releases).
   */
  eligibility_json: string | null;
  /** What the catalogue did to the items (catalogue/apply.ts CatalogueRecord, JSON); null for settlements before it. */
  catalogue_json: string | null;
  /** 'office' for a settlement made at the bureau's settlement office; null at a hospital window. */
  channel: 'office' | null;
  /** Who the funds pay: 'patient' (a claim after the fact), or null/'hospital' (the hospital advanced it). */
  payee: 'hospital' | 'patient' | null;
  /** The application an office settlement was made on (who applied, documents, approval), JSON. */
  application_json: string | null;
  /**
   * The version of the person's ledger this settlement wrote: its place in the order the person's year
   * was settled in (SETTLEMENT.md §4, "the order they were settled"), which is not a clock's. Settlements
   * from before migration 006 were numbered by the time they were made.
   */
  ledger_version: number;
  /** The version of the ledger its reversal wrote (null while it is not reversed). */
  reversed_version: number | null;
}

/** A catalogue entry for a period (dates inclusive), as a batch recorded it (catalogue/import.ts). */
export interface CatalogueEntryTable {
  code: string;
  /** The region it is for; '' = every region. */
  region: string;
  from_date: string;
  to_date: string | null;
  name: string;
  category: 'drug' | 'service' | 'material';
  class: 'A' | 'B' | 'C';
  /** Decimal text (B only). */
  self_pay_ratio: string | null;
  /** Decimal text, yuan per unit. */
  price_cap: string | null;
  batch_id: string;
  recorded_at: string;
  superseded_at: string | null;
  superseded_by: string | null;
}

/** A bill refused for declaring other values than the catalogue's (strict mode), kept for the audit. */
export interface CatalogueRefusalTable {
  id: string;
  at: string;
  hospital_code: string;
  bill_no: string;
  person_id: string;
  catalogue_version: number;
  /** Per item: path, code, declared and catalogue values, message. */
  issues_json: string;
  actor: string;
}

export interface SettlementFundTable {
  settlement_id: string;
  fund: string;
  amount_fen: number;
  /** What the fund owes the hospital (§3 owed): amount_fen less what was paid elsewhere for its steps. */
  owed_fen: number | null;
}

/**
 * 应补应退: what a reversal changed in a later settlement of the same person and year, which was settled
 * again on the corrected year-to-date (SETTLEMENT.md §4). The settlement itself is never edited; its
 * figures as they now stand are those of its latest adjustment (`result_json`), and the differences are
 * here: per fund (adjustment_funds, positive when the fund owes the hospital more), in what the patient
 * pays, and in the accumulator changes.
 */
export interface AdjustmentTable {
  id: string;
  /** The settlement that was settled again. */
  settlement_id: string;
  /** The settlement whose reversal made this adjustment. */
  reversal_of: string;
  person_id: string;
  year: number;
  /** The ledger version the reversal wrote (the reversal and its adjustments share it). */
  ledger_version: number;
  /** The year-to-date the settlement was settled again on (JSON). */
  ytd_before_json: string;
  /** The settlement as settled again: its figures as they now stand (JSON, the shape of a result). */
  result_json: string;
  /** Per accumulator key and field, the change in what the settlement adds to the year (signed decimal text, JSON). */
  changes_json: string;
  /** Σ of the per-fund differences, fen. */
  fund_delta_fen: number;
  /** The difference in what the patient pays, fen: positive, the patient pays more (应补); negative, is refunded (应退). */
  patient_delta_fen: number;
  created_at: string;
  created_by: string;
}

/** An adjustment's difference for one fund, fen (only funds whose payout changed). */
export interface AdjustmentFundTable {
  adjustment_id: string;
  fund: string;
  amount_fen: number;
}

/** One row per person and year: the year-to-date accumulators, locked by every settlement of that person. */
export interface LedgerTable {
  person_id: string;
  year: number;
  /** { accumulatorKey: { paid?: "…", deductibleMet?: "…", cumulative?: "…" } } */
  accumulators_json: string;
  version: number;
}

export interface ApiKeyTable {
  id: string;
  /** sha256 of the secret; the secret itself is shown once and never stored. */
  key_hash: string;
  role: 'window' | 'office' | 'auditor' | 'finance' | 'admin';
  /** The region an office (经办) key settles for. */
  region_code: string | null;
  hospital_code: string | null;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
}

/**
 * Append-only, hash-chained record of every write (settle, reverse, key creation); store/audit-chain.ts.
 * An entry not yet sealed into the chain (PostgreSQL, for a few milliseconds after its commit) has no
 * prev_hash and no hash; its digest was fixed when it was written. Entries from before 2026-12-03-010
 * have no digest (their hash covers their content directly).
 */
export interface AuditLogTable {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  payload: string;
  digest: string | null;
  prev_hash: string | null;
  hash: string | null;
}

/** Every version of every ruleset a settlement may have used, by hash, so an audit can re-run it years later. */
export interface RulesetVersionTable {
  hash: string;
  id: string;
  file: string;
  document_json: string;
  first_seen_at: string;
}

export interface ModelJobTable {
  id: string;
  status: 'computing' | 'ok' | 'error';
  created_at: string;
  finished_at: string | null;
  request_json: string;
  report_json: string | null;
  error: string | null;
  created_by: string;
  /** When the process running the job last marked it alive (null on jobs from before 2026-11-22-002). */
  heartbeat_at: string | null;
}

/** An audit or doctor run started through the API (audit/jobs.ts). */
export interface AuditJobTable {
  id: string;
  kind: 'audit' | 'doctor';
  /** The scope as validated, canonical JSON (the same scope gives the same text). */
  scope_json: string;
  status: 'queued' | 'running' | 'done' | 'error' | 'cancelled';
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** The last progress the running process wrote (with its heartbeat, and at the end). */
  progress_done: number;
  progress_total: number | null;
  report_json: string | null;
  error: string | null;
  created_by: string;
  heartbeat_at: string | null;
}

export interface Database {
  hospitals: HospitalTable;
  people: PersonTable;
  settlements: SettlementTable;
  settlement_funds: SettlementFundTable;
  register_batches: RegisterBatchTable;
  catalogue_entries: CatalogueEntryTable;
  catalogue_refusals: CatalogueRefusalTable;
  register_state: RegisterStateTable;
  person_versions: PersonVersionTable;
  memberships: MembershipTable;
  hospital_tiers: HospitalTierTable;
  hospital_versions: HospitalVersionTable;
  adjustments: AdjustmentTable;
  adjustment_funds: AdjustmentFundTable;
  ledgers: LedgerTable;
  api_keys: ApiKeyTable;
  audit_log: AuditLogTable;
  ruleset_versions: RulesetVersionTable;
  model_jobs: ModelJobTable;
  audit_jobs: AuditJobTable;
}
