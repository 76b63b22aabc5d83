/**
 * The statements the counter's hot path runs, each defined once, in kysely, and compiled once per
 * dialect into SQL text with its parameters in order: SQLite prepares that text (better-sqlite3), and
 * PostgreSQL sends it as it is. So there is no hand-written copy of a query beside its kysely form, and
 * no query is built afresh per settlement (building one costs more than running it on SQLite:
 * benchmarks/FAST-PATHS.md).
 *
 * A statement names its parameters; a write set (./write-set.ts) refers to it by name and gives the
 * values in that order. Any other write is compiled from kysely where it is made (`Store.db` ...
 * `.compile()`) and carried as its SQL text.
 */
import {
  DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler,
  type Compilable, type CompiledQuery, type Dialect as KyselyDialect,
} from 'kysely';
import type { AdjustmentTable, Database, SettlementTable } from './schema.js';

/** A parameter's placeholder while the statement is compiled: recognised in `parameters` afterwards. */
type Placeholder = (name: string) => string;

interface Definition {
  params: readonly string[];
  build: (db: Kysely<Database>, $: Placeholder) => Compilable<unknown>;
}

export const SETTLEMENT_COLUMNS = [
  'id', 'hospital_code', 'bill_no', 'person_id', 'year', 'admitted', 'discharged', 'visit_type', 'population',
  'ruleset_id', 'ruleset_hash', 'bill_hash', 'bill_json', 'ytd_before_json', 'result_json', 'total_fen',
  'fund_pays_fen', 'patient_pays_fen', 'status', 'created_at', 'created_by', 'reversed_at', 'reversed_by', 'reversal_reason',
  'eligibility_json', 'catalogue_json', 'channel', 'payee', 'application_json',
  'ledger_version', 'reversed_version',
] as const satisfies readonly (keyof SettlementTable)[];

export const ADJUSTMENT_COLUMNS = [
  'id', 'settlement_id', 'reversal_of', 'person_id', 'year', 'ledger_version', 'ytd_before_json', 'result_json', 'changes_json',
  'fund_delta_fen', 'patient_delta_fen', 'created_at', 'created_by',
] as const satisfies readonly (keyof AdjustmentTable)[];

// Every column named, so the build stops when SettlementTable (or AdjustmentTable) gains one the list lacks.
type Missing = Exclude<keyof SettlementTable, (typeof SETTLEMENT_COLUMNS)[number]> | Exclude<keyof AdjustmentTable, (typeof ADJUSTMENT_COLUMNS)[number]>;
const allColumns: Missing extends never ? true : never = true;
void allColumns;

// A placeholder stands for a value of any column's type while the statement is compiled: `never` fits all.
const define = <P extends readonly string[]>(params: P, build: (db: Kysely<Database>, $: (name: P[number]) => never) => Compilable<unknown>): Definition => ({
  params,
  build: build as Definition['build'],
});

export const STATEMENTS = {
  /** What a bill refers to, as last committed, from one snapshot: its hospital, its person, the person's year. */
  forBill: define(['hospital_code', 'person_id', 'year'], (db, $) =>
    db
      .selectFrom(db.selectNoFrom((eb) => [eb.val($('hospital_code')).as('hospital_code'), eb.val($('person_id')).as('person_id'), eb.cast<number>(eb.val($('year')), 'integer').as('year')]).as('k'))
      .leftJoin('hospitals as h', 'h.code', 'k.hospital_code')
      .leftJoin('people as p', 'p.id', 'k.person_id')
      .leftJoin('ledgers as l', (j) => j.onRef('l.person_id', '=', 'k.person_id').onRef('l.year', '=', 'k.year'))
      .select([
        'h.code as h_code', 'h.name as h_name', 'h.tier as h_tier', 'h.region_code as h_region_code', 'h.region_name as h_region_name', 'h.tiers_json as h_tiers_json', 'h.external as h_external',
        'p.id as p_id', 'p.name as p_name', 'p.id_number as p_id_number', 'p.insured_region as p_insured_region', 'p.memberships_json as p_memberships_json',
        'l.accumulators_json as l_accumulators_json', 'l.version as l_version',
        // The catalogue's version: a settlement applies the catalogue as of it (catalogue/index.ts).
        (eb) => eb.selectFrom('register_state').select('version').where('id', '=', 'catalogue').as('c_version'),
      ]),
  ),
  settlementByBill: define(['hospital_code', 'bill_no'], (db, $) =>
    db.selectFrom('settlements').selectAll().where('hospital_code', '=', $('hospital_code')).where('bill_no', '=', $('bill_no')),
  ),
  settlementById: define(['id'], (db, $) => db.selectFrom('settlements').selectAll().where('id', '=', $('id'))),
  ledger: define(['person_id', 'year'], (db, $) =>
    db.selectFrom('ledgers').select(['accumulators_json', 'version']).where('person_id', '=', $('person_id')).where('year', '=', $('year')),
  ),
  /** A person's first ledger row of a year: the compare-and-set against "no row yet". */
  insertLedger: define(['person_id', 'year', 'accumulators_json', 'version'], (db, $) =>
    db
      .insertInto('ledgers')
      .values({ person_id: $('person_id'), year: $('year'), accumulators_json: $('accumulators_json'), version: $('version') })
      .onConflict((oc) => oc.columns(['person_id', 'year']).doNothing()),
  ),
  /** The compare-and-set on a ledger row: only if it is still at the version the computation read. */
  updateLedger: define(['accumulators_json', 'next_version', 'person_id', 'year', 'version'], (db, $) =>
    db
      .updateTable('ledgers')
      .set({ accumulators_json: $('accumulators_json'), version: $('next_version') })
      .where('person_id', '=', $('person_id'))
      .where('year', '=', $('year'))
      .where('version', '=', $('version')),
  ),
  insertSettlement: define(SETTLEMENT_COLUMNS, (db, $) =>
    db.insertInto('settlements').values(Object.fromEntries(SETTLEMENT_COLUMNS.map((c) => [c, $(c)])) as unknown as SettlementTable),
  ),
  insertFund: define(['settlement_id', 'fund', 'amount_fen', 'owed_fen'], (db, $) =>
    db.insertInto('settlement_funds').values({ settlement_id: $('settlement_id'), fund: $('fund'), amount_fen: $('amount_fen'), owed_fen: $('owed_fen') }),
  ),
  /** Reversal: only a settlement that is still settled. */
  reverseSettlement: define(['reversed_at', 'reversed_by', 'reversal_reason', 'reversed_version', 'id'], (db, $) =>
    db
      .updateTable('settlements')
      .set({ status: 'reversed', reversed_at: $('reversed_at'), reversed_by: $('reversed_by'), reversal_reason: $('reversal_reason'), reversed_version: $('reversed_version') })
      .where('id', '=', $('id'))
      .where('status', '=', 'settled'),
  ),
  // The register (register/import.ts): rows are recorded and superseded, never edited or deleted,
  // except for the current views (people, hospitals) the counter reads, kept equal to the latest version.
  /** The register's compare-and-set: only if no other import committed since this one read it. */
  bumpRegister: define(['next_version', 'version'], (db, $) =>
    db.updateTable('register_state').set({ version: $('next_version') }).where('id', '=', 'register').where('version', '=', $('version')),
  ),
  insertRegisterBatch: define(['id', 'kind', 'file', 'content_hash', 'source', 'rows', 'summary_json', 'created_at', 'created_by'], (db, $) =>
    db.insertInto('register_batches').values({
      id: $('id'), kind: $('kind'), file: $('file'), content_hash: $('content_hash'), source: $('source'), rows: $('rows'), summary_json: $('summary_json'), created_at: $('created_at'), created_by: $('created_by'),
    }),
  ),
  insertPerson: define(['id', 'name', 'id_number', 'populations', 'county', 'insured_region', 'memberships_json'], (db, $) =>
    db.insertInto('people').values({ id: $('id'), name: $('name'), id_number: $('id_number'), populations: $('populations'), county: $('county'), insured_region: $('insured_region'), memberships_json: $('memberships_json') }),
  ),
  updatePerson: define(['name', 'id_number', 'populations', 'county', 'insured_region', 'memberships_json', 'id'], (db, $) =>
    db
      .updateTable('people')
      .set({ name: $('name'), id_number: $('id_number'), populations: $('populations'), county: $('county'), insured_region: $('insured_region'), memberships_json: $('memberships_json') })
      .where('id', '=', $('id')),
  ),
  supersedePersonVersion: define(['superseded_at', 'person_id'], (db, $) =>
    db.updateTable('person_versions').set({ superseded_at: $('superseded_at') }).where('person_id', '=', $('person_id')).where('superseded_at', 'is', null),
  ),
  insertPersonVersion: define(['person_id', 'batch_id', 'name', 'id_number', 'county', 'insured_region', 'recorded_at'], (db, $) =>
    db.insertInto('person_versions').values({
      person_id: $('person_id'), batch_id: $('batch_id'), name: $('name'), id_number: $('id_number'), county: $('county'), insured_region: $('insured_region'), recorded_at: $('recorded_at'), superseded_at: null,
    }),
  ),
  /** A person's current periods of one population, superseded by a batch that states them anew. */
  supersedeMemberships: define(['superseded_at', 'superseded_by', 'person_id', 'population'], (db, $) =>
    db
      .updateTable('memberships')
      .set({ superseded_at: $('superseded_at'), superseded_by: $('superseded_by') })
      .where('person_id', '=', $('person_id'))
      .where('population', '=', $('population'))
      .where('superseded_at', 'is', null),
  ),
  insertMembership: define(['person_id', 'population', 'from_date', 'to_date', 'batch_id', 'recorded_at'], (db, $) =>
    db.insertInto('memberships').values({
      person_id: $('person_id'), population: $('population'), from_date: $('from_date'), to_date: $('to_date'), batch_id: $('batch_id'), recorded_at: $('recorded_at'), superseded_at: null, superseded_by: null,
    }),
  ),
  insertHospital: define(['code', 'name', 'tier', 'region_code', 'region_name', 'county', 'tiers_json'], (db, $) =>
    db.insertInto('hospitals').values({ code: $('code'), name: $('name'), tier: $('tier'), region_code: $('region_code'), region_name: $('region_name'), county: $('county'), tiers_json: $('tiers_json'), external: 0 }),
  ),
  updateHospital: define(['name', 'tier', 'region_code', 'region_name', 'county', 'tiers_json', 'code'], (db, $) =>
    db
      .updateTable('hospitals')
      .set({ name: $('name'), tier: $('tier'), region_code: $('region_code'), region_name: $('region_name'), county: $('county'), tiers_json: $('tiers_json') })
      .where('code', '=', $('code')),
  ),
  supersedeHospitalVersion: define(['superseded_at', 'code'], (db, $) =>
    db.updateTable('hospital_versions').set({ superseded_at: $('superseded_at') }).where('code', '=', $('code')).where('superseded_at', 'is', null),
  ),
  insertHospitalVersion: define(['code', 'batch_id', 'name', 'region_code', 'region_name', 'county', 'recorded_at'], (db, $) =>
    db.insertInto('hospital_versions').values({
      code: $('code'), batch_id: $('batch_id'), name: $('name'), region_code: $('region_code'), region_name: $('region_name'), county: $('county'), recorded_at: $('recorded_at'), superseded_at: null,
    }),
  ),
  supersedeTiers: define(['superseded_at', 'superseded_by', 'code'], (db, $) =>
    db.updateTable('hospital_tiers').set({ superseded_at: $('superseded_at'), superseded_by: $('superseded_by') }).where('code', '=', $('code')).where('superseded_at', 'is', null),
  ),
  insertTier: define(['code', 'tier', 'from_date', 'to_date', 'batch_id', 'recorded_at'], (db, $) =>
    db.insertInto('hospital_tiers').values({
      code: $('code'), tier: $('tier'), from_date: $('from_date'), to_date: $('to_date'), batch_id: $('batch_id'), recorded_at: $('recorded_at'), superseded_at: null, superseded_by: null,
    }),
  ),
  insertAdjustment: define(ADJUSTMENT_COLUMNS, (db, $) =>
    db.insertInto('adjustments').values(Object.fromEntries(ADJUSTMENT_COLUMNS.map((c) => [c, $(c)])) as unknown as AdjustmentTable),
  ),
  insertAdjustmentFund: define(['adjustment_id', 'fund', 'amount_fen'], (db, $) =>
    db.insertInto('adjustment_funds').values({ adjustment_id: $('adjustment_id'), fund: $('fund'), amount_fen: $('amount_fen') }),
  ),
  bumpCatalogue: define(['next_version', 'version'], (db, $) =>
    db.updateTable('register_state').set({ version: $('next_version') }).where('id', '=', 'catalogue').where('version', '=', $('version')),
  ),
  supersedeCatalogueEntries: define(['superseded_at', 'superseded_by', 'code', 'region'], (db, $) =>
    db
      .updateTable('catalogue_entries')
      .set({ superseded_at: $('superseded_at'), superseded_by: $('superseded_by') })
      .where('code', '=', $('code'))
      .where('region', '=', $('region'))
      .where('superseded_at', 'is', null),
  ),
  insertCatalogueEntry: define(['code', 'region', 'from_date', 'to_date', 'name', 'category', 'class', 'self_pay_ratio', 'price_cap', 'batch_id', 'recorded_at'], (db, $) =>
    db.insertInto('catalogue_entries').values({
      code: $('code'), region: $('region'), from_date: $('from_date'), to_date: $('to_date'), name: $('name'), category: $('category'), class: $('class'),
      self_pay_ratio: $('self_pay_ratio'), price_cap: $('price_cap'), batch_id: $('batch_id'), recorded_at: $('recorded_at'), superseded_at: null, superseded_by: null,
    }),
  ),
  insertCatalogueRefusal: define(['id', 'at', 'hospital_code', 'bill_no', 'person_id', 'catalogue_version', 'issues_json', 'actor'], (db, $) =>
    db.insertInto('catalogue_refusals').values({
      id: $('id'), at: $('at'), hospital_code: $('hospital_code'), bill_no: $('bill_no'), person_id: $('person_id'), catalogue_version: $('catalogue_version'), issues_json: $('issues_json'), actor: $('actor'),
    }),
  ),
  /** A hospital outside the register, first met in an office settlement (kept, never overwritten). */
  insertExternalHospital: define(['code', 'name', 'tier', 'region_code', 'region_name'], (db, $) =>
    db
      .insertInto('hospitals')
      .values({ code: $('code'), name: $('name'), tier: $('tier'), region_code: $('region_code'), region_name: $('region_name'), county: null, tiers_json: null, external: 1 })
      .onConflict((oc) => oc.column('code').doNothing()),
  ),
  auditHead: define([], (db) => db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1)),
  insertAudit: define(['seq', 'at', 'actor', 'action', 'subject', 'payload', 'digest', 'prev_hash', 'hash'], (db, $) =>
    db.insertInto('audit_log').values({
      seq: $('seq'), at: $('at'), actor: $('actor'), action: $('action'), subject: $('subject'), payload: $('payload'), digest: $('digest'), prev_hash: $('prev_hash'), hash: $('hash'),
    }),
  ),
} satisfies Record<string, Definition>;

export type StatementName = keyof typeof STATEMENTS;

/** A statement compiled for one dialect: its SQL, and for each of its placeholders the index of the named parameter. */
export interface CompiledStatement {
  name: StatementName;
  sql: string;
  /**
   * `positions[k]` is the index, in the definition's `params`, of the value for the k-th placeholder, or
   * -1 for a value the definition wrote itself (`status = 'settled'`), which is `constants[k]`.
   */
  positions: readonly number[];
  constants: readonly unknown[];
}

const MARK = '\u0000onestop-param:';

/** A dialect that only compiles (kysely's DummyDriver never connects). */
function compileOnly(dialect: 'sqlite' | 'postgres'): KyselyDialect {
  return dialect === 'sqlite'
    ? { createAdapter: () => new SqliteAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (db) => new SqliteIntrospector(db), createQueryCompiler: () => new SqliteQueryCompiler() }
    : { createAdapter: () => new PostgresAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (db) => new PostgresIntrospector(db), createQueryCompiler: () => new PostgresQueryCompiler() };
}

/** Every statement compiled for a dialect. */
export function compileStatements(dialect: 'sqlite' | 'postgres'): Record<StatementName, CompiledStatement> {
  const db = new Kysely<Database>({ dialect: compileOnly(dialect) });
  const out = {} as Record<StatementName, CompiledStatement>;
  for (const [name, def] of Object.entries(STATEMENTS) as [StatementName, Definition][]) {
    const compiled: CompiledQuery = def.build(db, (p) => `${MARK}${p}`).compile();
    const positions = compiled.parameters.map((v) => {
      if (typeof v !== 'string' || !v.startsWith(MARK)) return -1;
      const i = def.params.indexOf(v.slice(MARK.length));
      if (i === -1) throw new Error(`statement ${name}: parameter ${v.slice(MARK.length)} is not among its named ones`);
      return i;
    });
    const constants = compiled.parameters.map((v, k) => (positions[k] === -1 ? v : undefined));
    out[name] = { name, sql: compiled.sql, positions, constants };
  }
  return out;
}

/** The values for a compiled statement's placeholders, from the values of its named parameters in order. */
export function bind(s: CompiledStatement, values: readonly unknown[]): unknown[] {
  const out = new Array<unknown>(s.positions.length);
  for (let k = 0; k < out.length; k++) {
    const i = s.positions[k]!;
    out[k] = i === -1 ? s.constants[k] : values[i];
  }
  return out;
}

/** The parameter names of a statement, in the order a write set gives their values. */
export function paramsOf(name: StatementName): readonly string[] {
  return STATEMENTS[name].params;
}
