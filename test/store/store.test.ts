/**
 * The store, on SQLite and on a real PostgreSQL server, through the same code the API uses: migrations,
 * settle / replay / conflict / reverse, several processes settling for one person at once, the audit
 * chain, and `doctor`. Every database is fresh; nothing is mocked.
 */
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/checks/audit-log.js';
import { runDoctor, type DoctorReport } from '../../src/audit/doctor.js';
import { toEngineBill } from '../../src/bill/schema.js';
import { parseBillInput } from '../../src/bill/parse.js';
import { SettlementError } from '../../src/engine/errors.js';
import { computeSettlement, settlementWriteSet, type Computed, type LedgerRow, type SettleJob } from '../../src/settle/compute.js';
import { newSettlementId } from '../../src/settle/ids.js';
import { SettlementService } from '../../src/settle/service.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/port.js';
import type { SettlementTable } from '../../src/store/schema.js';
import { named } from '../../src/store/write-set.js';
import { inpatientBill } from '../http/fixture.js';
import { BACKENDS, IN_CI, PG_URL, count, openService, postFromProcesses, type Opened, type WorkerAnswer } from './backends.js';

const HOSPITAL = 'H152200-L01';
const POOR = ['P-000001', 'P-000002', 'P-000003', 'P-000004', 'P-000005'];

if (!PG_URL && !IN_CI) {
  console.warn('store suite: PostgreSQL half skipped (ONESTOP_TEST_PG_URL is not set; `npm test` starts a server for it)');
}

describe('PostgreSQL for the store suite', () => {
  it.runIf(IN_CI)('is available under CI (ONESTOP_TEST_PG_URL set by scripts/test-env.d/postgres.sh)', () => {
    expect(PG_URL, 'CI=true but ONESTOP_TEST_PG_URL is not set: scripts/test-env.d/postgres.sh could not start PostgreSQL (see its output above)').toBeTruthy();
  });
});

afterAll(async () => {
  for (const b of BACKENDS) await b.cleanup();
});

const violationsOf = (r: DoctorReport) => r.violations.map((v) => `${v.kind} ${v.message}`);

/**
 * A settlement's write set built by hand, as SettlementService.post builds one, for store.write: an
 * inpatient bill of `person` at `hospitalCode` (which need not be registered: the store is what is being
 * tested), priced at HOSPITAL's tier, computed on the ledger `computedOn` (undefined: the person has none yet).
 */
async function handMade(svc: Opened, opts: { billNo: string; hospitalCode: string; person: string; computedOn?: LedgerRow; paidElsewhere?: Record<string, { payout: string }> }): Promise<{ job: SettleJob; computed: Computed }> {
  const hospital = (await svc.store.db.selectFrom('hospitals').selectAll().where('code', '=', HOSPITAL).executeTakeFirstOrThrow());
  const person = (await svc.store.db.selectFrom('people').selectAll().where('id', '=', opts.person).executeTakeFirstOrThrow());
  const loaded = svc.rules.select(hospital.region_code, '2018-11-12');
  const raw = { ...inpatientBill({ billNo: opts.billNo, hospital: opts.hospitalCode, person: person.id, scale: 2 }), ...(opts.paidElsewhere ? { paidElsewhere: opts.paidElsewhere } : {}) };
  const input = parseBillInput(raw);
  if (!input.success) throw input.error;
  const populations = JSON.parse(person.populations) as string[];
  const computed = computeSettlement(toEngineBill(input.data, hospital.tier, populations), loaded.ruleset, opts.computedOn);
  if (computed instanceof SettlementError) throw computed;
  const now = new Date();
  const job: SettleJob = {
    id: newSettlementId(now),
    year: 2018,
    hospitalCode: opts.hospitalCode,
    billNo: opts.billNo,
    personId: person.id,
    visit: raw.visit,
    rulesetId: loaded.ruleset.id,
    rulesetHash: loaded.hash,
    billHash: '0'.repeat(64),
    billJson: JSON.stringify({ ...raw, hospital: { code: opts.hospitalCode, tier: hospital.tier }, person: { id: person.id, populations } }),
    createdAt: now.toISOString(),
    createdBy: 'test',
  };
  return { job, computed };
}

const ledgerOf = (store: Store, person: string) => store.get<LedgerRow>(named('ledger', { person_id: person, year: 2018 }));

/** A chain of snapshots is linear when, sorted by what they read, each read exactly what the one before wrote. */
function expectLinearChain(answers: WorkerAnswer[], key: string, field: string) {
  const links = answers.map((a) => a.accumulators?.[key]?.[field]).filter((c): c is { before: string; after: string } => c !== undefined);
  expect(links).toHaveLength(answers.length);
  links.sort((x, y) => Number(x.before) - Number(y.before));
  expect(Number(links[0]!.before)).toBe(0);
  for (let i = 1; i < links.length; i++) expect(links[i]!.before, `settlement ${i} read ${links[i]!.before}, the previous one wrote ${links[i - 1]!.after}`).toBe(links[i - 1]!.after);
}

describe.each(BACKENDS)('$name store', (backend) => {
  describe.skipIf(backend.skip !== null)(backend.skip ?? '', () => {
    it('migrates a fresh database, from two processes at once, and again without change', async () => {
      const url = await backend.fresh();
      // Two processes open the new database at once, each migrating it (postFromProcesses opens a store in
      // each child before anything else); on PostgreSQL, two pools in this process race as well.
      await postFromProcesses(url, [[], []]);
      const [a, b] = backend.name === 'postgres' ? await Promise.all([openStore(url), openStore(url)]) : [await openStore(url), await openStore(url)];
      for (const s of [a, b]) {
        for (const t of ['hospitals', 'people', 'settlements', 'settlement_funds', 'ledgers', 'api_keys', 'audit_log', 'ruleset_versions', 'model_jobs'] as const) {
          expect(await s.db.selectFrom(t).selectAll().execute()).toEqual([]);
        }
      }
      const migrations = async () => (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(a.db)).rows.map((r) => r.name);
      const first = await migrations();
      expect(first.length).toBeGreaterThan(0);
      await a.close();
      await b.close();
      const again = await openStore(url);
      expect((await sql<{ name: string }>`select name from kysely_migration order by name`.execute(again.db)).rows.map((r) => r.name)).toEqual(first);
      expect(again.dialect).toBe(backend.name);
      await again.close();
    });

    it('settles, replays, refuses a conflict and reverses; money columns and counts read as numbers', async () => {
      const svc = await openService(await backend.fresh(), { registry: true });
      try {
        const person = POOR[0]!;
        const bill = inpatientBill({ billNo: 'S-0001', hospital: HOSPITAL, person });
        const first = await svc.settlements.post(bill, null, 'test');
        expect(first.replay).toBe(false);
        const row = (await svc.settlements.getRow(first.view.id))!;
        expect(typeof row.total_fen).toBe('number');
        expect(row.total_fen).toBe(Math.round(Number(first.view.result.total) * 100));
        expect(row.fund_pays_fen + row.patient_pays_fen).toBe(row.total_fen);
        expect(await count(svc.store, 'settlements')).toBe(1);

        const before = { s: await count(svc.store, 'settlements'), a: await count(svc.store, 'audit_log'), l: await svc.settlements.accumulators(person, 2018) };
        const replay = await svc.settlements.post(structuredClone(bill), null, 'test');
        expect(replay.replay).toBe(true);
        expect(replay.view.id).toBe(first.view.id);
        expect(replay.view.result).toEqual(first.view.result);
        await expect(svc.settlements.post(inpatientBill({ billNo: 'S-0001', hospital: HOSPITAL, person, scale: 2 }), null, 'test')).rejects.toMatchObject({ status: 409, code: 'BILL_NO_CONFLICT' });
        expect({ s: await count(svc.store, 'settlements'), a: await count(svc.store, 'audit_log'), l: await svc.settlements.accumulators(person, 2018) }).toEqual(before);

        const empty = (await svc.settlements.accumulators(person, 2018)).accumulators;
        const second = await svc.settlements.post(inpatientBill({ billNo: 'S-0002', hospital: HOSPITAL, person, scale: 3 }), null, 'test');
        expect((await svc.settlements.accumulators(person, 2018)).accumulators).not.toEqual(empty);
        const reversed = await svc.settlements.reverse(second.view.id, null, '录入错误', 'test');
        expect(reversed.status).toBe('reversed');
        expect((await svc.settlements.accumulators(person, 2018)).accumulators).toEqual(empty);
        await expect(svc.settlements.reverse(second.view.id, null, undefined, 'test')).rejects.toMatchObject({ status: 409, code: 'ALREADY_REVERSED' });

        const list = await svc.settlements.list({ person, page: 1, pageSize: 10 }, null);
        expect(list.total).toBe(2);
        expect(typeof list.total).toBe('number');
        expect(list.items.map((i) => i.status).sort()).toEqual(['reversed', 'settled']);

        const report = await runDoctor(svc.store, { year: 2018 });
        expect(violationsOf(report)).toEqual([]);
        expect(report).toMatchObject({ settlements: 2, reversed: 1, people: 1 });
      } finally {
        await svc.close();
      }
    });

    it('two processes settling 40 bills for one person at once: each read what the previous one wrote; caps hold; doctor clean', async () => {
      const url = await backend.fresh();
      const svc = await openService(url, { registry: true });
      try {
        const person = POOR[1]!;
        const bills = Array.from({ length: 40 }, (_, i) => inpatientBill({ billNo: `MP-${i}`, hospital: HOSPITAL, person, scale: 3 + (i % 5) }));
        const answers = (await postFromProcesses(url, [bills.filter((_, i) => i % 2 === 0), bills.filter((_, i) => i % 2 === 1)])).flat();
        expect(answers.filter((a) => a.outcome !== 'created')).toEqual([]);
        // serious.cumulative grows with every inpatient bill, so it orders them: no two read one snapshot.
        expectLinearChain(answers, 'serious', 'cumulative');
        expectLinearChain(answers, 'oop', 'paid');
        const patientFen = answers.reduce((s, a) => s + Math.round(Number(a.patientPays) * 100), 0);
        expect(patientFen).toBeLessThanOrEqual(500_000);
        const ledger = (await svc.settlements.accumulators(person, 2018)).accumulators;
        expect(Number(ledger.oop!.paid)).toBe(patientFen / 100);
        expect(Number(ledger.assistance!.paid)).toBeLessThanOrEqual(50_000);
        expect(await count(svc.store, 'settlements')).toBe(40);
        expect(violationsOf(await runDoctor(svc.store, { year: 2018 }))).toEqual([]);
      } finally {
        await svc.close();
      }
    });

    it('the same bill posted 20 times from two processes at once: one settlement, every answer carrying its id', async () => {
      const url = await backend.fresh();
      const svc = await openService(url, { registry: true });
      try {
        const bill = inpatientBill({ billNo: 'DUP-1', hospital: HOSPITAL, person: POOR[2]! });
        const answers = (await postFromProcesses(url, [Array(10).fill(bill), Array(10).fill(bill)])).flat();
        expect(answers.filter((a) => a.outcome === 'error')).toEqual([]);
        expect(answers.filter((a) => a.outcome === 'created')).toHaveLength(1);
        expect(new Set(answers.map((a) => a.id)).size).toBe(1);
        expect(await count(svc.store, 'settlements')).toBe(1);
        expect(violationsOf(await runDoctor(svc.store))).toEqual([]);
      } finally {
        await svc.close();
      }
    });

    it.runIf(backend.name === 'postgres')('two stores in one process (two pools): concurrent bills and duplicates stay serial per person', async () => {
      const url = await backend.fresh();
      const a = await openService(url, { registry: true });
      const b = await openService(url);
      try {
        const person = POOR[3]!;
        const bills = Array.from({ length: 30 }, (_, i) => inpatientBill({ billNo: `TP-${i}`, hospital: HOSPITAL, person, scale: 2 + (i % 4) }));
        const dup = inpatientBill({ billNo: 'TP-DUP', hospital: HOSPITAL, person: POOR[4]! });
        const settled = await Promise.all([
          ...bills.map((bill, i) => (i % 2 ? a : b).settlements.post(bill, null, 'test')),
          ...Array.from({ length: 16 }, (_, i) => (i % 2 ? a : b).settlements.post(dup, null, 'test')),
        ]);
        const answers: WorkerAnswer[] = settled.slice(0, 30).map((s) => ({ billNo: s.view.billNo, outcome: s.replay ? 'replay' : 'created', id: s.view.id, accumulators: s.view.result.accumulators as WorkerAnswer['accumulators'] }));
        expect(answers.every((x) => x.outcome === 'created')).toBe(true);
        expectLinearChain(answers, 'serious', 'cumulative');
        const dups = settled.slice(30);
        expect(dups.filter((d) => !d.replay)).toHaveLength(1);
        expect(new Set(dups.map((d) => d.view.id)).size).toBe(1);
        expect(violationsOf(await runDoctor(a.store))).toEqual([]);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('the audit chain is intact after concurrent writes; doctor names each violation it is shown', async () => {
      const url = await backend.fresh();
      const svc = await openService(url, { registry: true });
      try {
        const bills = POOR.flatMap((person, p) => Array.from({ length: 4 }, (_, i) => inpatientBill({ billNo: `AU-${p}-${i}`, hospital: HOSPITAL, person, scale: 1 + i })));
        await postFromProcesses(url, [bills.slice(0, 10), bills.slice(10)]);
        const ids = (await svc.store.db.selectFrom('settlements').select(['id', 'person_id']).orderBy('id').execute()).map((r) => r);
        expect(ids).toHaveLength(20);
        const reversal = await svc.settlements.reverse(ids[0]!.id, null, '测试撤销', 'test');
        const chain = await verifyAuditLog(svc.store.db);
        expect(chain.problems).toEqual([]);
        // The register's two imports (hospitals, people), 20 settlements, the reversal, and one entry per
        // adjustment it made to that person's later bills.
        expect(reversal.readjudication.adjustments.length).toBeGreaterThan(0);
        expect(chain.entries).toBe(2 + 21 + reversal.readjudication.adjustments.length);
        expect(violationsOf(await runDoctor(svc.store, { year: 2018 }))).toEqual([]);

        // Tamper, as a faulty script or a hand edit would, and see each named.
        const victim = ids[5]!;
        const ledger = await svc.store.db.selectFrom('ledgers').select('accumulators_json').where('person_id', '=', victim.person_id).where('year', '=', 2018).executeTakeFirstOrThrow();
        const acc = JSON.parse(ledger.accumulators_json) as Record<string, Record<string, string>>;
        acc.assistance!.paid = (Number(acc.assistance!.paid) + 100).toFixed(2);
        await svc.store.db.updateTable('ledgers').set({ accumulators_json: JSON.stringify(acc) }).where('person_id', '=', victim.person_id).where('year', '=', 2018).execute();
        const fundRow = await svc.store.db.selectFrom('settlement_funds').selectAll().where('settlement_id', '=', ids[10]!.id).where('fund', '=', 'basic').executeTakeFirstOrThrow();
        await svc.store.db.updateTable('settlement_funds').set({ amount_fen: Number(fundRow.amount_fen) + 1 }).where('settlement_id', '=', ids[10]!.id).where('fund', '=', 'basic').execute();
        await svc.store.db.deleteFrom('audit_log').where('subject', '=', ids[15]!.id).execute();

        const report = await runDoctor(svc.store, { year: 2018 });
        expect(report.ok).toBe(false);
        const named = report.violations.map((v) => [v.kind, v.personId ?? null, v.settlementId ?? null]);
        expect(named).toContainEqual(['LEDGER_MISMATCH', victim.person_id, null]);
        expect(report.violations.find((v) => v.kind === 'LEDGER_MISMATCH')!.message).toContain('assistance.paid');
        expect(report.violations.find((v) => v.kind === 'LEDGER_MISMATCH')!.message).toContain('相差 100.00');
        expect(named).toContainEqual(['FUNDS_MISMATCH', ids[10]!.person_id, ids[10]!.id]);
        expect(named).toContainEqual(['SUM_IDENTITY', ids[10]!.person_id, ids[10]!.id]);
        expect(named).toContainEqual(['AUDIT_MISSING', ids[15]!.person_id, ids[15]!.id]);
        expect(report.violations.some((v) => v.kind === 'AUDIT_CHAIN')).toBe(true);
        // Nothing else: exactly what was tampered with is named.
        expect(new Set(report.violations.filter((v) => v.settlementId).map((v) => v.settlementId))).toEqual(new Set([ids[10]!.id, ids[15]!.id]));
      } finally {
        await svc.close();
      }
    });

    it('reads what a bill refers to in one go, agreeing with the single reads whatever is missing', async () => {
      const svc = await openService(await backend.fresh(), { registry: true });
      try {
        const person = POOR[1]!;
        await svc.settlements.post(inpatientBill({ billNo: 'REFS-1', hospital: HOSPITAL, person }), null, 'test');
        const db = svc.store.db;
        const single = async (h: string, p: string, y: number) => {
          const hospital = await db.selectFrom('hospitals').select(['code', 'name', 'tier', 'region_code', 'region_name', 'tiers_json', 'external']).where('code', '=', h).executeTakeFirst();
          const who = await db.selectFrom('people').select(['id', 'name', 'id_number', 'insured_region', 'memberships_json']).where('id', '=', p).executeTakeFirst();
          const ledger = await db.selectFrom('ledgers').select(['accumulators_json', 'version']).where('person_id', '=', p).where('year', '=', y).executeTakeFirst();
          return {
            h_code: hospital?.code ?? null, h_name: hospital?.name ?? null, h_tier: hospital?.tier ?? null, h_region_code: hospital?.region_code ?? null, h_region_name: hospital?.region_name ?? null, h_tiers_json: hospital?.tiers_json ?? null, h_external: hospital ? Number(hospital.external) : null,
            p_id: who?.id ?? null, p_name: who?.name ?? null, p_id_number: who?.id_number ?? null, p_insured_region: who?.insured_region ?? null, p_memberships_json: who?.memberships_json ?? null,
            l_accumulators_json: ledger?.accumulators_json ?? null, l_version: ledger ? Number(ledger.version) : null,
            c_version: Number((await db.selectFrom('register_state').select('version').where('id', '=', 'catalogue').executeTakeFirstOrThrow()).version),
          };
        };
        const cases: [string, string, number][] = [
          [HOSPITAL, person, 2018], // all three there
          [HOSPITAL, person, 2019], // no ledger for that year yet
          [HOSPITAL, POOR[4]!, 2018], // a person who never settled
          ['H-NOT-THERE', person, 2018],
          [HOSPITAL, 'P-NOT-THERE', 2018],
          ['H-NOT-THERE', 'P-NOT-THERE', 2018],
        ];
        for (const [h, p, y] of cases) {
          const together = (await svc.store.get<Record<string, unknown>>(named('forBill', { hospital_code: h, person_id: p, year: y })))!;
          expect({ ...together, l_version: together.l_version === null ? null : Number(together.l_version), c_version: Number(together.c_version), h_external: together.h_external === null ? null : Number(together.h_external) }, `${h} ${p} ${y}`).toEqual(await single(h, p, y));
        }
        const all = (await svc.store.get<Record<string, unknown>>(named('forBill', { hospital_code: HOSPITAL, person_id: person, year: 2018 })))!;
        expect([all.h_code, all.p_id, Number(all.l_version)]).toEqual([HOSPITAL, person, 1]);
        expect(all.l_accumulators_json).not.toBe('{}');
      } finally {
        await svc.close();
      }
    });

    it('a payout made elsewhere is stored as paid but never claimed: receivables sum what each fund owes; audit and doctor clean', async () => {
      const svc = await openService(await backend.fresh(), { registry: true });
      try {
        const person = POOR[3]!;
        // Basic insurance already paid 10,000.00 of this bill elsewhere (the office's 二次补偿, issue 24).
        const elsewhere = await handMade(svc, { billNo: 'ELSE-1', hospitalCode: HOSPITAL, person, paidElsewhere: { basic: { payout: '10000.00' } } });
        expect(await svc.store.write(settlementWriteSet(elsewhere.job, elsewhere.computed))).toEqual({ kind: 'written' });
        const plain = await handMade(svc, { billNo: 'ELSE-2', hospitalCode: HOSPITAL, person: POOR[4]! });
        expect(await svc.store.write(settlementWriteSet(plain.job, plain.computed))).toEqual({ kind: 'written' });
        const funds = await svc.store.db.selectFrom('settlement_funds').selectAll().where('settlement_id', '=', elsewhere.job.id).execute();
        const basic = funds.find((f) => f.fund === 'basic')!;
        expect([Number(basic.amount_fen), Number(basic.owed_fen)]).toEqual([1_000_000, 0]);
        for (const f of funds.filter((x) => x.fund !== 'basic')) expect(Number(f.owed_fen)).toBe(Number(f.amount_fen));

        const { receivables } = await import('../../src/reports/receivables.js');
        const r = await receivables(svc.store.db, { hospital: HOSPITAL });
        const claimed = (fund: string) => r.rows.filter((x) => x.fund === fund).reduce((a, x) => a + BigInt(x.amount.replace('.', '')), 0n);
        const owedOf = (c: Computed, fund: string) => BigInt(c.funds.find((f) => f.fund === fund)?.owedFen ?? 0);
        for (const fund of ['basic', 'seriousIllness', 'commercial', 'assistance', 'backstop']) {
          expect(claimed(fund), fund).toBe(owedOf(elsewhere.computed, fund) + owedOf(plain.computed, fund));
        }
        expect(claimed('basic')).toBe(owedOf(plain.computed, 'basic'));

        const { runAudit } = await import('../../src/audit/audit.js');
        const audit = await runAudit(svc.store, {});
        expect(audit.mismatches.concat(audit.floorBreaches as never[], audit.sumBreaches as never[], audit.capBreaches as never[])).toEqual([]);
        // A scope: the store's own test of it (true / 1, per dialect) picks what a direct count picks.
        const scope = { from: '2018-01-01', to: '2018-12-31', hospital: HOSPITAL };
        const inScope = await svc.store.db.selectFrom('settlements').select((eb) => eb.fn.countAll().as('n')).where('discharged', '>=', scope.from).where('discharged', '<=', scope.to).where('hospital_code', '=', HOSPITAL).executeTakeFirstOrThrow();
        expect(Number(inScope.n)).toBeGreaterThan(0);
        expect((await runAudit(svc.store, scope)).count).toBe(Number(inScope.n));
        expect((await runAudit(svc.store, { ...scope, to: '2017-12-31', from: undefined })).count).toBe(0);
        expect(violationsOf(await runDoctor(svc.store, { year: 2018, audit: false }))).toEqual([]);
      } finally {
        await svc.close();
      }
    });

    it('writes a write set of thousands of rows whole (more values than one PostgreSQL statement may carry)', async () => {
      const store = await openStore(await backend.fresh());
      try {
        // 13,200 rows of 5 values: 66,000, past the 65,535 parameters of one statement.
        const steps = Array.from({ length: 13_200 }, (_, i) => ({
          kind: 'run' as const,
          run: named('insertExternalHospital', { code: `X${i}`, name: `外地医院 ${i}`, tier: 'secondary', region_code: '110000', region_name: '北京市' }),
        }));
        expect(await store.write({ steps })).toEqual({ kind: 'written' });
        expect(Number((await store.db.selectFrom('hospitals').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(13_200);
      } finally {
        await store.close();
      }
    });

    it('writes a settlement only on the ledger it was computed on: a moved ledger is answered stale, with the ledger as it is', async () => {
      const svc = await openService(await backend.fresh(), { registry: true });
      try {
        const person = POOR[3]!;
        const counts = async () => ({ s: await count(svc.store, 'settlements'), a: await count(svc.store, 'audit_log'), f: await count(svc.store, 'settlement_funds') });

        // Computed on no ledger at all (the person's first bill of the year): written.
        const first = await handMade(svc, { billNo: 'PRE-1', hospitalCode: HOSPITAL, person });
        expect(await svc.store.write(settlementWriteSet(first.job, first.computed))).toEqual({ kind: 'written' });
        const afterFirst = (await ledgerOf(svc.store, person))!;
        expect(Number(afterFirst.version)).toBe(1);
        expect(afterFirst.accumulators_json).toBe(first.computed.ledgerAfterJson);

        // Computed on no ledger too, but PRE-1 has committed since: nothing is written, and the answer
        // carries the ledger as PRE-1 left it, for the caller to compute on again.
        const before = await counts();
        const stale = await handMade(svc, { billNo: 'PRE-2', hospitalCode: HOSPITAL, person });
        const outcome = await svc.store.write(settlementWriteSet(stale.job, stale.computed));
        expect(outcome.kind).toBe('stale');
        expect(outcome.kind === 'stale' && { ...outcome.row, version: Number(outcome.row!.version) }).toEqual({ ...afterFirst, version: 1 });
        expect(await counts()).toEqual(before);

        // Computed on an older version of an existing ledger: stale as well.
        const second = await handMade(svc, { billNo: 'PRE-3', hospitalCode: HOSPITAL, person, computedOn: afterFirst });
        expect((await svc.store.write(settlementWriteSet(second.job, second.computed))).kind).toBe('written');
        const older = await handMade(svc, { billNo: 'PRE-4', hospitalCode: HOSPITAL, person, computedOn: afterFirst });
        expect((await svc.store.write(settlementWriteSet(older.job, older.computed))).kind).toBe('stale');

        // Computed on the ledger as it is: written exactly as computed (a marked result shows that it is
        // the one written, not a fresh computation that happens to agree).
        const current = (await ledgerOf(svc.store, person))!;
        const fresh = await handMade(svc, { billNo: 'PRE-5', hospitalCode: HOSPITAL, person, computedOn: { ...current, version: Number(current.version) } });
        const marked = { ...fresh.computed, resultJson: fresh.computed.resultJson.replace('{', '{"marked":true,') };
        expect((await svc.store.write(settlementWriteSet(fresh.job, marked))).kind).toBe('written');
        const stored = await svc.store.db.selectFrom('settlements').select('result_json').where('id', '=', fresh.job.id).executeTakeFirstOrThrow();
        expect(stored.result_json).toBe(marked.resultJson);

        // A bill number settled before is answered as existing, with that settlement, whatever the ledger.
        const again = await handMade(svc, { billNo: 'PRE-1', hospitalCode: HOSPITAL, person, computedOn: current });
        const existing = await svc.store.write(settlementWriteSet(again.job, again.computed));
        expect(existing.kind).toBe('existing');
        expect(existing.kind === 'existing' && (existing.row as unknown as SettlementTable).id).toBe(first.job.id);
        expect(await count(svc.store, 'settlements')).toBe(3);
        expect(violationsOf(await runDoctor(svc.store, { year: 2018 }))).toEqual([]);
      } finally {
        await svc.close();
      }
    });

    it('a settlement whose ledger moved under it is computed again on the new ledger, and the retry is what wrote it', async () => {
      const svc = await openService(await backend.fresh(), { registry: true });
      try {
        const person = POOR[0]!;
        // A store that lets another window's bill for the same person commit between the service's read of
        // the ledger and its write: the first write set is answered stale, the service must compute again.
        const writes: string[] = [];
        let interleaved = false;
        const other = new SettlementService({ store: svc.store, rules: svc.rules });
        const store: Store = {
          ...svc.store,
          get: (s) => svc.store.get(s),
          async write(set) {
            if (!interleaved) {
              interleaved = true;
              await other.post(inpatientBill({ billNo: 'OTHER-1', hospital: HOSPITAL, person, scale: 3 }), null, 'test');
            }
            const outcome = await svc.store.write(set);
            writes.push(outcome.kind);
            return outcome;
          },
        };
        const service = new SettlementService({ store, rules: svc.rules });
        const posted = await service.post(inpatientBill({ billNo: 'MINE-1', hospital: HOSPITAL, person }), null, 'test');
        expect(writes).toEqual(['stale', 'written']);
        // It counted on OTHER-1's year-to-date: what it read before is what OTHER-1 wrote after.
        const otherRow = (await svc.store.db.selectFrom('settlements').select('result_json').where('bill_no', '=', 'OTHER-1').executeTakeFirstOrThrow());
        const after = (JSON.parse(otherRow.result_json) as { accumulators: Record<string, { paid: { after: string } }> }).accumulators.basic!.paid.after;
        expect(posted.view.result.accumulators.basic!.paid!.before).toBe(after);
        expect(violationsOf(await runDoctor(svc.store, { year: 2018 }))).toEqual([]);
      } finally {
        await svc.close();
      }
    });

    it('a settlement that fails halfway leaves nothing behind, and the ones written with it commit', async () => {
      const svc = await openService(await backend.fresh(), { registry: true });
      try {
        // A write set the API would never send: its hospital is not registered, so after its ledger's
        // compare-and-set it fails on the settlement's foreign key. On SQLite it is sent in the same tick as
        // the good ones, so it lands in their group-commit batch.
        const person = POOR[2]!;
        const broken = await handMade(svc, { billNo: 'HALF-1', hospitalCode: 'H-NOT-REGISTERED', person });
        const good = (i: number) => svc.settlements.post(inpatientBill({ billNo: `HALF-G${i}`, hospital: HOSPITAL, person: POOR[i % 2]!, scale: 1 + i }), null, 'test');
        const answers = await Promise.allSettled([...[0, 1, 2, 3].map(good), svc.store.write(settlementWriteSet(broken.job, broken.computed)), ...[4, 5, 6, 7].map(good)]);

        expect(answers.map((a) => a.status)).toEqual([...Array(4).fill('fulfilled'), 'rejected', ...Array(4).fill('fulfilled')]);
        expect(String((answers[4] as PromiseRejectedResult).reason)).toMatch(/foreign key/i);
        // Nothing of the broken one: no settlement, no ledger row, no audit entry.
        expect(await svc.store.db.selectFrom('settlements').select('id').where('id', '=', broken.job.id).executeTakeFirst()).toBeUndefined();
        expect(await svc.store.db.selectFrom('ledgers').select('person_id').where('person_id', '=', person).executeTakeFirst()).toBeUndefined();
        expect(await svc.store.db.selectFrom('audit_log').select('seq').where('subject', '=', broken.job.id).executeTakeFirst()).toBeUndefined();
        // Every good one exactly once, and the books agree with them.
        expect(await count(svc.store, 'settlements')).toBe(8);
        expect((await verifyAuditLog(svc.store.db)).entries).toBe(8 + 2); // and the register's two imports
        expect(violationsOf(await runDoctor(svc.store, { year: 2018 }))).toEqual([]);
      } finally {
        await svc.close();
      }
    });

    it('refuses bill numbers with invisible or control characters, so one bill cannot be settled twice under two look-alike numbers', async () => {
      const svc = await openService(await backend.fresh(), { registry: true });
      try {
        expect((await svc.settlements.post(inpatientBill({ billNo: 'XA18-0001', hospital: HOSPITAL, person: POOR[0]! }), null, 'test')).replay).toBe(false);
        for (const c of ['\u200B', '\u202E', '\u0000', '\uD800', '\uFFFD', '\u0007']) {
          await expect(svc.settlements.post(inpatientBill({ billNo: `XA18-${c}0001`, hospital: HOSPITAL, person: POOR[0]! }), null, 'test'), JSON.stringify(c)).rejects.toMatchObject({
            status: 422,
            code: 'VALIDATION_FAILED',
            issues: [{ path: 'billNo' }],
          });
        }
        await expect(svc.settlements.post(inpatientBill({ billNo: 'XA18-0002', hospital: HOSPITAL, person: 'P-000001\u200B' }), null, 'test')).rejects.toMatchObject({ status: 422, issues: [{ path: 'person.id' }] });
        expect(await count(svc.store, 'settlements')).toBe(1);
        // NUL anywhere else in a query (an id in a URL) is bad input on PostgreSQL too, not a server error.
        if (backend.name === 'postgres') await expect(svc.settlements.get('JS\u0000', null)).rejects.toMatchObject({ status: 400, code: 'UNSTORABLE_TEXT' });
        else await expect(svc.settlements.get('JS\u0000', null)).rejects.toMatchObject({ status: 404 });
      } finally {
        await svc.close();
      }
    });
  });
});
