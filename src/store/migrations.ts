/**
 * Migrations, written with kysely's schema builder so the same steps run on SQLite and PostgreSQL.
 * Append new migrations; never edit one that has shipped.
 */
import { Migrator, SqliteAdapter, sql, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';

const migrations: Record<string, Migration> = {
  '2026-11-22-001-initial': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('hospitals')
        .addColumn('code', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('tier', 'varchar(32)', (c) => c.notNull())
        .addColumn('region_code', 'varchar(6)', (c) => c.notNull())
        .addColumn('region_name', 'text', (c) => c.notNull())
        .addColumn('county', 'text')
        .execute();

      await db.schema
        .createTable('people')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('id_number', 'varchar(32)', (c) => c.notNull())
        .addColumn('populations', 'text', (c) => c.notNull())
        .addColumn('county', 'text')
        .execute();

      await db.schema
        .createTable('settlements')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('hospital_code', 'varchar(64)', (c) => c.notNull().references('hospitals.code'))
        .addColumn('bill_no', 'varchar(64)', (c) => c.notNull())
        .addColumn('person_id', 'varchar(64)', (c) => c.notNull().references('people.id'))
        .addColumn('year', 'integer', (c) => c.notNull())
        .addColumn('admitted', 'varchar(10)', (c) => c.notNull())
        .addColumn('discharged', 'varchar(10)', (c) => c.notNull())
        .addColumn('visit_type', 'varchar(64)', (c) => c.notNull())
        .addColumn('population', 'varchar(32)', (c) => c.notNull())
        .addColumn('ruleset_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('ruleset_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('bill_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('bill_json', 'text', (c) => c.notNull())
        .addColumn('ytd_before_json', 'text', (c) => c.notNull())
        .addColumn('result_json', 'text', (c) => c.notNull())
        .addColumn('total_fen', 'bigint', (c) => c.notNull())
        .addColumn('fund_pays_fen', 'bigint', (c) => c.notNull())
        .addColumn('patient_pays_fen', 'bigint', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('created_by', 'varchar(64)', (c) => c.notNull())
        .addColumn('reversed_at', 'varchar(32)')
        .addColumn('reversed_by', 'varchar(64)')
        .addColumn('reversal_reason', 'text')
        .addUniqueConstraint('settlements_hospital_bill', ['hospital_code', 'bill_no'])
        .execute();
      await db.schema.createIndex('settlements_person_year').on('settlements').columns(['person_id', 'year']).execute();
      await db.schema.createIndex('settlements_discharged').on('settlements').columns(['discharged']).execute();

      await db.schema
        .createTable('settlement_funds')
        .addColumn('settlement_id', 'varchar(64)', (c) => c.notNull().references('settlements.id'))
        .addColumn('fund', 'varchar(64)', (c) => c.notNull())
        .addColumn('amount_fen', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('settlement_funds_pk', ['settlement_id', 'fund'])
        .execute();

      await db.schema
        .createTable('ledgers')
        .addColumn('person_id', 'varchar(64)', (c) => c.notNull().references('people.id'))
        .addColumn('year', 'integer', (c) => c.notNull())
        .addColumn('accumulators_json', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('ledgers_pk', ['person_id', 'year'])
        .execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('key_hash', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('role', 'varchar(16)', (c) => c.notNull())
        .addColumn('hospital_code', 'varchar(64)', (c) => c.references('hospitals.code'))
        .addColumn('label', 'text')
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('revoked_at', 'varchar(32)')
        .execute();

      await db.schema
        .createTable('audit_log')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('at', 'varchar(32)', (c) => c.notNull())
        .addColumn('actor', 'varchar(64)', (c) => c.notNull())
        .addColumn('action', 'varchar(32)', (c) => c.notNull())
        .addColumn('subject', 'varchar(128)', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('hash', 'varchar(64)', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('ruleset_versions')
        .addColumn('hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('id', 'varchar(64)', (c) => c.notNull())
        .addColumn('file', 'text', (c) => c.notNull())
        .addColumn('document_json', 'text', (c) => c.notNull())
        .addColumn('first_seen_at', 'varchar(32)', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('model_jobs')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('finished_at', 'varchar(32)')
        .addColumn('request_json', 'text', (c) => c.notNull())
        .addColumn('report_json', 'text')
        .addColumn('error', 'text')
        .addColumn('created_by', 'varchar(64)', (c) => c.notNull())
        .execute();
      void sql;
    },
  },
  // A model job is run by the process that accepted it. If that process stops, the job would read
  // "computing" for ever: the process marks the jobs it holds as alive, and a job not marked for a while
  // is reported as interrupted (model/jobs.ts).
  '2026-11-22-002-model-job-heartbeat': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('model_jobs').addColumn('heartbeat_at', 'varchar(32)').execute();
    },
  },
  // SQLite only: three tables the settlement transaction writes every time, rebuilt so each row lives in
  // the b-tree of its own key. A SQLite table otherwise keeps its rows by a hidden rowid, with its primary
  // key as a second b-tree. So each fund row, each ledger read or update and each audit entry touched two
  // b-trees (a `bigint` primary key is not the rowid; only `integer` is); the measurement is in
  // benchmarks/history/. Same columns, same constraints, same rows; PostgreSQL has no rowid and is left as
  // it is.
  '2026-11-23-003-sqlite-rows-by-key': {
    async up(db: Kysely<any>) {
      if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return;
      // Runs inside the migration's own transaction (store/db.ts). Nothing references these three tables,
      // so dropping them checks no foreign key; copying their rows checks theirs again.
      const rebuild = async (table: string, columns: string, definition: string, options = '') => {
        await sql.raw(`create table ${table}_rebuilt (${definition})${options}`).execute(db);
        await sql.raw(`insert into ${table}_rebuilt (${columns}) select ${columns} from ${table}`).execute(db);
        await sql.raw(`drop table ${table}`).execute(db);
        await sql.raw(`alter table ${table}_rebuilt rename to ${table}`).execute(db);
      };
      await rebuild(
        'settlement_funds',
        'settlement_id, fund, amount_fen',
        `settlement_id varchar(64) not null references settlements (id), fund varchar(64) not null, amount_fen bigint not null,
         constraint settlement_funds_pk primary key (settlement_id, fund)`,
        ' without rowid',
      );
      await rebuild(
        'ledgers',
        'person_id, year, accumulators_json, version',
        `person_id varchar(64) not null references people (id), year integer not null, accumulators_json text not null,
         version integer not null, constraint ledgers_pk primary key (person_id, year)`,
        ' without rowid',
      );
      await rebuild(
        'audit_log',
        'seq, at, actor, action, subject, payload, prev_hash, hash',
        `seq integer primary key not null, at varchar(32) not null, actor varchar(64) not null, action varchar(32) not null,
         subject varchar(128) not null, payload text not null, prev_hash varchar(64) not null, hash varchar(64) not null`,
      );
    },
  },
  // What a fund owes the hospital for a settlement (§3 owed): its payout less what another payer already
  // paid for its steps (the bill's paidElsewhere). Every settlement written before owed its whole payout.
  '2026-12-02-004-settlement-funds-owed': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('settlement_funds').addColumn('owed_fen', 'bigint').execute();
      await sql`update settlement_funds set owed_fen = amount_fen`.execute(db);
    },
  },
  // The register (issue 21): people with dated memberships and hospitals with dated tiers, loaded in
  // batches, versioned (a row is superseded, never edited or deleted: the register as it stood at any
  // time can be read back), and what each settlement used of it. The people.populations of earlier
  // releases become memberships open from the beginning, recorded by the batch MIGRATED-2026-12.
  '2026-12-02-005-register': {
    async up(db: Kysely<any>) {
      const at = new Date().toISOString();
      await db.schema
        .createTable('register_batches')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('file', 'text', (c) => c.notNull())
        .addColumn('content_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('source', 'text')
        .addColumn('rows', 'integer', (c) => c.notNull())
        .addColumn('summary_json', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('created_by', 'varchar(64)', (c) => c.notNull())
        .execute();
      // One row: the register's version, the compare-and-set of every import.
      await db.schema.createTable('register_state').addColumn('id', 'varchar(16)', (c) => c.primaryKey()).addColumn('version', 'integer', (c) => c.notNull()).execute();
      await db.insertInto('register_state').values({ id: 'register', version: 0 }).execute();

      await db.schema.alterTable('people').addColumn('insured_region', 'varchar(6)').execute();
      await db.schema
        .createTable('person_versions')
        .addColumn('person_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('batch_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('id_number', 'varchar(32)', (c) => c.notNull())
        .addColumn('county', 'text')
        .addColumn('insured_region', 'varchar(6)')
        .addColumn('recorded_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('superseded_at', 'varchar(32)')
        .addPrimaryKeyConstraint('person_versions_pk', ['person_id', 'batch_id'])
        .execute();
      await db.schema
        .createTable('memberships')
        .addColumn('person_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('population', 'varchar(32)', (c) => c.notNull())
        .addColumn('from_date', 'varchar(10)', (c) => c.notNull())
        .addColumn('to_date', 'varchar(10)')
        .addColumn('batch_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('recorded_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('superseded_at', 'varchar(32)')
        .addColumn('superseded_by', 'varchar(64)')
        .addPrimaryKeyConstraint('memberships_pk', ['person_id', 'population', 'from_date', 'batch_id'])
        .execute();
      await db.schema
        .createTable('hospital_tiers')
        .addColumn('code', 'varchar(64)', (c) => c.notNull())
        .addColumn('tier', 'varchar(32)', (c) => c.notNull())
        .addColumn('from_date', 'varchar(10)', (c) => c.notNull())
        .addColumn('to_date', 'varchar(10)')
        .addColumn('batch_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('recorded_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('superseded_at', 'varchar(32)')
        .addColumn('superseded_by', 'varchar(64)')
        .addPrimaryKeyConstraint('hospital_tiers_pk', ['code', 'from_date', 'batch_id'])
        .execute();
      await db.schema
        .createTable('hospital_versions')
        .addColumn('code', 'varchar(64)', (c) => c.notNull())
        .addColumn('batch_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('region_code', 'varchar(6)', (c) => c.notNull())
        .addColumn('region_name', 'text', (c) => c.notNull())
        .addColumn('county', 'text')
        .addColumn('recorded_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('superseded_at', 'varchar(32)')
        .addPrimaryKeyConstraint('hospital_versions_pk', ['code', 'batch_id'])
        .execute();
      await db.schema.alterTable('settlements').addColumn('eligibility_json', 'text').execute();

      // What earlier releases held becomes the register's first batch.
      const people = await db.selectFrom('people').selectAll().execute();
      const hospitals = await db.selectFrom('hospitals').selectAll().execute();
      if (people.length || hospitals.length) {
        const batch = 'MIGRATED-2026-12';
        await db
          .insertInto('register_batches')
          .values({ id: batch, kind: 'migration', file: '(earlier release)', content_hash: '0'.repeat(64), source: null, rows: people.length + hospitals.length, summary_json: '{}', created_at: at, created_by: 'migration' })
          .execute();
        for (const p of people) {
          await db.insertInto('person_versions').values({ person_id: p.id, batch_id: batch, name: p.name, id_number: p.id_number, county: p.county, insured_region: null, recorded_at: at, superseded_at: null }).execute();
          for (const population of JSON.parse(p.populations) as string[]) {
            await db.insertInto('memberships').values({ person_id: p.id, population, from_date: '0001-01-01', to_date: null, batch_id: batch, recorded_at: at, superseded_at: null, superseded_by: null }).execute();
          }
        }
        for (const h of hospitals) {
          await db.insertInto('hospital_versions').values({ code: h.code, batch_id: batch, name: h.name, region_code: h.region_code, region_name: h.region_name, county: h.county, recorded_at: at, superseded_at: null }).execute();
          await db.insertInto('hospital_tiers').values({ code: h.code, tier: h.tier, from_date: '0001-01-01', to_date: null, batch_id: batch, recorded_at: at, superseded_at: null, superseded_by: null }).execute();
        }
      }
    },
  },
  // Re-adjudication on reversal (issue 23, SETTLEMENT.md §4): a reversal settles every later settlement of
  // the person's year again, in the order the person's ledger recorded them, and writes what changed as
  // adjustments (应补应退). That order is the ledger's version, not a clock: each settlement keeps the
  // version it wrote, each reversal the version it wrote. Rows from before are numbered by their times,
  // creations and reversals of one person-year together, which is the order a single API process wrote
  // them in (two processes could have interleaved differently; nothing better is left to go by).
  '2026-12-02-006-readjudication': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('settlements').addColumn('ledger_version', 'integer').execute();
      await db.schema.alterTable('settlements').addColumn('reversed_version', 'integer').execute();
      await sql`update settlements set ledger_version =
        (select count(*) from settlements s2 where s2.person_id = settlements.person_id and s2.year = settlements.year
           and (s2.created_at < settlements.created_at or (s2.created_at = settlements.created_at and s2.id <= settlements.id)))
      + (select count(*) from settlements s3 where s3.person_id = settlements.person_id and s3.year = settlements.year
           and s3.reversed_at is not null and s3.reversed_at < settlements.created_at)`.execute(db);
      await sql`update settlements set reversed_version =
        (select count(*) from settlements s2 where s2.person_id = settlements.person_id and s2.year = settlements.year
           and s2.created_at <= settlements.reversed_at)
      + (select count(*) from settlements s3 where s3.person_id = settlements.person_id and s3.year = settlements.year
           and s3.reversed_at is not null
           and (s3.reversed_at < settlements.reversed_at or (s3.reversed_at = settlements.reversed_at and s3.id <= settlements.id)))
      where reversed_at is not null`.execute(db);

      await db.schema
        .createTable('adjustments')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('settlement_id', 'varchar(64)', (c) => c.notNull().references('settlements.id'))
        .addColumn('reversal_of', 'varchar(64)', (c) => c.notNull().references('settlements.id'))
        .addColumn('person_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('year', 'integer', (c) => c.notNull())
        .addColumn('ledger_version', 'integer', (c) => c.notNull())
        .addColumn('ytd_before_json', 'text', (c) => c.notNull())
        .addColumn('result_json', 'text', (c) => c.notNull())
        .addColumn('changes_json', 'text', (c) => c.notNull())
        .addColumn('fund_delta_fen', 'bigint', (c) => c.notNull())
        .addColumn('patient_delta_fen', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('created_by', 'varchar(64)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('adjustments_settlement').on('adjustments').columns(['settlement_id', 'ledger_version']).execute();
      await db.schema.createIndex('adjustments_person_year').on('adjustments').columns(['person_id', 'year']).execute();
      await db.schema.createIndex('adjustments_reversal').on('adjustments').columns(['reversal_of']).execute();
      await db.schema.createIndex('adjustments_created').on('adjustments').columns(['created_at']).execute();
      await db.schema.createIndex('settlements_reversed').on('settlements').columns(['reversed_at']).execute();
      // Rows by their own key on SQLite, as for settlement_funds (migration 003).
      const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
      await db.schema
        .createTable('adjustment_funds')
        .addColumn('adjustment_id', 'varchar(64)', (c) => c.notNull().references('adjustments.id'))
        .addColumn('fund', 'varchar(64)', (c) => c.notNull())
        .addColumn('amount_fen', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('adjustment_funds_pk', ['adjustment_id', 'fund'])
        .$call((t) => (sqlite ? t.modifyEnd(sql`without rowid`) : t))
        .execute();
    },
  },
  // The register's current view carries each person's standing memberships and each hospital's tier
  // periods (JSON), kept by the import in the same write as the rows they repeat, so that a bill reads
  // everything it refers to in one statement (forBill) rather than three.
  '2026-12-03-007-register-current-view': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('people').addColumn('memberships_json', 'text').execute();
      await db.schema.alterTable('hospitals').addColumn('tiers_json', 'text').execute();
      const memberships = await db.selectFrom('memberships').select(['person_id', 'population', 'from_date', 'to_date', 'batch_id']).where('superseded_at', 'is', null).orderBy('person_id').orderBy('from_date').orderBy('population').execute();
      const byPerson = new Map<string, unknown[]>();
      for (const m of memberships) byPerson.set(m.person_id, [...(byPerson.get(m.person_id) ?? []), { population: m.population, from_date: m.from_date, to_date: m.to_date, batch_id: m.batch_id }]);
      for (const [id, list] of byPerson) await db.updateTable('people').set({ memberships_json: JSON.stringify(list) }).where('id', '=', id).execute();
      const tiers = await db.selectFrom('hospital_tiers').select(['code', 'tier', 'from_date', 'to_date', 'batch_id']).where('superseded_at', 'is', null).orderBy('code').orderBy('from_date').execute();
      const byHospital = new Map<string, unknown[]>();
      for (const t of tiers) byHospital.set(t.code, [...(byHospital.get(t.code) ?? []), { tier: t.tier, from_date: t.from_date, to_date: t.to_date, batch_id: t.batch_id }]);
      for (const [code, list] of byHospital) await db.updateTable('hospitals').set({ tiers_json: JSON.stringify(list) }).where('code', '=', code).execute();
    },
  },
  // The medical catalogue (医保目录, issue 22): entries by code and region (an empty region: every region),
  // dated and versioned like the register (superseded, never edited), imported in batches recorded in
  // register_batches; the catalogue's version in register_state (id "catalogue"); what each settlement
  // took from it; and every bill refused for declaring other values than the catalogue's.
  '2026-12-03-008-catalogue': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('catalogue_entries')
        .addColumn('code', 'varchar(64)', (c) => c.notNull())
        .addColumn('region', 'varchar(6)', (c) => c.notNull())
        .addColumn('from_date', 'varchar(10)', (c) => c.notNull())
        .addColumn('to_date', 'varchar(10)')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('category', 'varchar(16)', (c) => c.notNull())
        .addColumn('class', 'varchar(1)', (c) => c.notNull())
        .addColumn('self_pay_ratio', 'varchar(16)')
        .addColumn('price_cap', 'varchar(24)')
        .addColumn('batch_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('recorded_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('superseded_at', 'varchar(32)')
        .addColumn('superseded_by', 'varchar(64)')
        .addPrimaryKeyConstraint('catalogue_entries_pk', ['code', 'region', 'from_date', 'batch_id'])
        .execute();
      await db.insertInto('register_state').values({ id: 'catalogue', version: 0 }).execute();
      await db.schema.alterTable('settlements').addColumn('catalogue_json', 'text').execute();
      await db.schema
        .createTable('catalogue_refusals')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('at', 'varchar(32)', (c) => c.notNull())
        .addColumn('hospital_code', 'varchar(64)', (c) => c.notNull())
        .addColumn('bill_no', 'varchar(64)', (c) => c.notNull())
        .addColumn('person_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('catalogue_version', 'integer', (c) => c.notNull())
        .addColumn('issues_json', 'text', (c) => c.notNull())
        .addColumn('actor', 'varchar(64)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('catalogue_refusals_at').on('catalogue_refusals').columns(['at']).execute();
    },
  },
  // Settlements made at the bureau's settlement office (经办, issue 24): office keys bound to a region; a
  // hospital outside the register kept as external (its tier as the bill declares it); who is paid
  // (the hospital, or the patient for a claim made after the fact) and the application behind it.
  '2026-12-03-009-office': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('api_keys').addColumn('region_code', 'varchar(6)').execute();
      await db.schema.alterTable('hospitals').addColumn('external', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('settlements').addColumn('channel', 'varchar(8)').execute();
      await db.schema.alterTable('settlements').addColumn('payee', 'varchar(8)').execute();
      await db.schema.alterTable('settlements').addColumn('application_json', 'text').execute();
    },
  },
  // The audit log without one lock around every settlement (issue 26; store/audit-chain.ts,
  // store/postgres/sealer.ts). Each entry gets its content digest, fixed when it is written; on
  // PostgreSQL an entry is written unsealed (no prev_hash, no hash yet), numbered by a sequence, and
  // sealed into the chain by one sealer right after its commit. Existing entries keep their hashes (over
  // their content directly, which the checks still accept) and no digest; the chain goes on from its head.
  '2026-12-03-010-audit-sealer': {
    async up(db: Kysely<any>) {
      if (db.getExecutor().adapter instanceof SqliteAdapter) {
        // SQLite cannot drop NOT NULL in place: the table is rebuilt, seq staying the rowid (003).
        await sql.raw(
          `create table audit_log_rebuilt (seq integer primary key not null, at varchar(32) not null, actor varchar(64) not null,
           action varchar(32) not null, subject varchar(128) not null, payload text not null, digest varchar(64),
           prev_hash varchar(64), hash varchar(64))`,
        ).execute(db);
        await sql.raw('insert into audit_log_rebuilt (seq, at, actor, action, subject, payload, prev_hash, hash) select seq, at, actor, action, subject, payload, prev_hash, hash from audit_log').execute(db);
        await sql.raw('drop table audit_log').execute(db);
        await sql.raw('alter table audit_log_rebuilt rename to audit_log').execute(db);
        return;
      }
      await sql`alter table audit_log add column digest varchar(64)`.execute(db);
      await sql`alter table audit_log alter column prev_hash drop not null`.execute(db);
      await sql`alter table audit_log alter column hash drop not null`.execute(db);
      await sql`create sequence audit_log_seq as bigint owned by audit_log.seq`.execute(db);
      await sql`select setval('audit_log_seq', (select max(seq) from audit_log)) where exists (select 1 from audit_log)`.execute(db);
      // What the sealer reads each time: the unsealed tail, a few rows.
      await sql`create index audit_log_unsealed on audit_log (seq) where hash is null`.execute(db);
    },
  },
  // What a region's year showed (benchmarks/SCALE.md, npm run bench:scale): the receivables of a year read
  // every settlement discharged in it for its hospital, payee and id. From the table that is a lookup per
  // settlement into rows of several KB (payee, added last, sits behind the bill and result JSON); this
  // index holds all four, so the report reads the index alone.
  '2026-12-03-013-scale-indexes': {
    async up(db: Kysely<any>) {
      await db.schema.createIndex('settlements_claims').on('settlements').columns(['discharged', 'hospital_code', 'payee', 'id']).execute();
    },
  },
  // The audit reads a page of settlements' log entries by their subject (audit/audit.ts), instead of
  // holding every entry of the log in memory.
  '2026-12-03-014-audit-log-by-subject': {
    async up(db: Kysely<any>) {
      await db.schema.createIndex('audit_log_subject').on('audit_log').columns(['subject', 'seq']).execute();
    },
  },
  // Audits and doctor runs as jobs (issue 26, audit/jobs.ts): started by one request, read by later ones,
  // their reports kept. Like model_jobs, a job is run by the process that accepted it and marked alive
  // while it is held (heartbeat_at); its progress is written with each heartbeat.
  '2026-12-03-015-audit-jobs': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('audit_jobs')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('scope_json', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('started_at', 'varchar(32)')
        .addColumn('finished_at', 'varchar(32)')
        .addColumn('progress_done', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('progress_total', 'integer')
        .addColumn('report_json', 'text')
        .addColumn('error', 'text')
        .addColumn('created_by', 'varchar(64)', (c) => c.notNull())
        .addColumn('heartbeat_at', 'varchar(32)')
        .execute();
      // The list (newest first, by kind and status) and the look-up of a job already asked for.
      await db.schema.createIndex('audit_jobs_created').on('audit_jobs').columns(['created_at']).execute();
      await db.schema.createIndex('audit_jobs_kind_status').on('audit_jobs').columns(['kind', 'status']).execute();
    },
  },
};

class InCodeProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  throwIfFailed(await new Migrator({ db, provider: new InCodeProvider() }).migrateToLatest());
}

/** Migrate only as far as `name`: the tests rebuild a database as an older release left it. */
export async function migrateTo(db: Kysely<any>, name: string): Promise<void> {
  if (!(name in migrations)) throw new Error(`no migration named ${name}`);
  throwIfFailed(await new Migrator({ db, provider: new InCodeProvider() }).migrateTo(name));
}

function throwIfFailed({ error, results }: MigrationResultSet): void {
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) throw new Error(`database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
}
