/**
 * The store, on SQLite and on a real PostgreSQL server, through the same code the API uses: migrations,
 * settle / replay / conflict / reverse, several processes settling for one person at once, the audit
 * chain, and `doctor`. Every database is fresh; nothing is mocked.
 */
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/service/audit-log.js';
import { EMPTY_LEDGER, billFromStored, computeSettlement, type SettleJob } from '../../src/service/settle-tx.js';
import type { LoadedRuleset } from '../../src/rules/load.js';
import type { LedgerRow } from '../../src/store/settlement-tx.js';
import { newSettlementId } from '../../src/service/settlements.js';
import { runDoctor, type DoctorReport } from '../../src/service/doctor.js';
import { openStore } from '../../src/store/db.js';
import { outcomeFromWire, outcomeToWire, packJob, unpackJob } from '../../src/store/sqlite-writer.js';
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
 * A settlement job built by hand, as SettlementService.post builds one, for store.settle: an inpatient bill
 * of `person` at `hospitalCode` (which need not be registered: the store is what is being tested), priced
 * at HOSPITAL's tier, with the engine's result pre-computed on `computedOn` when it is given.
 */
async function handMadeJob(svc: Opened, opts: { billNo: string; hospitalCode: string; person: string; computedOn?: LedgerRow }): Promise<{ job: SettleJob; loaded: LoadedRuleset }> {
  const hospital = (await svc.store.lookups.hospital(HOSPITAL))!;
  const person = (await svc.store.lookups.person(opts.person))!;
  const loaded = svc.rules.select(hospital.region_code, '2018-11-12');
  const raw = inpatientBill({ billNo: opts.billNo, hospital: opts.hospitalCode, person: person.id, scale: 2 });
  const billJson = JSON.stringify({ ...raw, hospital: { code: opts.hospitalCode, tier: hospital.tier }, person: { id: person.id, populations: JSON.parse(person.populations) as string[] } });
  const computed = opts.computedOn && computeSettlement(billFromStored(billJson), loaded.ruleset, opts.computedOn);
  if (computed && computed.kind !== 'computed') throw new Error(`the engine refused ${opts.billNo}`);
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
    billJson,
    createdAt: now.toISOString(),
    createdBy: 'test',
    computed: computed || undefined,
  };
  return { job, loaded };
}

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
        await svc.settlements.reverse(ids[0]!.id, null, '测试撤销', 'test');
        const chain = await verifyAuditLog(svc.store.db);
        expect(chain.problems).toEqual([]);
        expect(chain.entries).toBe(21);
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

    it('reads what a bill refers to in one go, agreeing with the single lookups whatever is missing', async () => {
      const svc = await openService(await backend.fresh(), { registry: true });
      try {
        const person = POOR[1]!;
        const { job, loaded } = await handMadeJob(svc, { billNo: 'REFS-1', hospitalCode: HOSPITAL, person });
        expect((await svc.store.settle(job, loaded)).kind).toBe('created');
        const single = async (h: string, p: string, y: number) => ({ hospital: await svc.store.lookups.hospital(h), person: await svc.store.lookups.person(p), ledger: await svc.store.lookups.ledger(p, y) });
        const cases: [string, string, number][] = [
          [HOSPITAL, person, 2018], // all three there
          [HOSPITAL, person, 2019], // no ledger for that year yet
          [HOSPITAL, POOR[4]!, 2018], // a person who never settled
          ['H-NOT-THERE', person, 2018],
          [HOSPITAL, 'P-NOT-THERE', 2018],
          ['H-NOT-THERE', 'P-NOT-THERE', 2018],
        ];
        for (const [h, p, y] of cases) {
          const together = await svc.store.lookups.forBill(h, p, y);
          const apart = await single(h, p, y);
          expect({ ...together, ledger: together.ledger && { ...together.ledger, version: Number(together.ledger.version) } }, `${h} ${p} ${y}`).toEqual({
            ...apart,
            ledger: apart.ledger && { ...apart.ledger, version: Number(apart.ledger.version) },
          });
        }
        const all = await svc.store.lookups.forBill(HOSPITAL, person, 2018);
        expect(all.hospital?.code).toBe(HOSPITAL);
        expect(all.person?.id).toBe(person);
        expect(all.ledger?.version).toBe(1);
        expect(all.ledger?.accumulators_json).not.toBe('{}');
      } finally {
        await svc.close();
      }
    });

    it('a settlement computed before its transaction is used only on the ledger it was computed on', async () => {
      const svc = await openService(await backend.fresh(), { registry: true });
      try {
        const person = POOR[3]!;
        const jobFor = (billNo: string, computedOn?: LedgerRow) => handMadeJob(svc, { billNo, hospitalCode: HOSPITAL, person, computedOn });
        const serious = (row: { result_json: string }) => (JSON.parse(row.result_json) as { accumulators: Record<string, Record<string, { before: string }>> }).accumulators.serious!.cumulative!.before;

        // Computed on an empty ledger, but another settlement of the person commits first: the
        // transaction must compute again on the ledger it locks, not write the stale result.
        const { job: plain, loaded } = await jobFor('PRE-1');
        const first = await svc.store.settle(plain, loaded);
        expect(first.kind).toBe('created');
        const { job: stale } = await jobFor('PRE-2', EMPTY_LEDGER);
        expect(serious({ result_json: stale.computed!.resultJson })).toBe('0.00');
        const second = await svc.store.settle(stale, loaded);
        if (second.kind !== 'created') throw new Error(second.kind);
        const ledgerBefore = JSON.parse(first.kind === 'created' ? first.row.result_json : '{}') as { accumulators: { serious: { cumulative: { after: string } } } };
        expect(serious(second.row)).toBe(ledgerBefore.accumulators.serious.cumulative.after);
        expect(second.row.result_json).not.toBe(stale.computed!.resultJson);

        // Computed on the ledger as it is: written as computed. (A marked result shows that it is the one
        // written, not a fresh computation that happens to agree.)
        const current = (await svc.store.lookups.ledger(person, 2018))!;
        const { job: fresh } = await jobFor('PRE-3', current);
        fresh.computed = { ...fresh.computed!, resultJson: fresh.computed!.resultJson.replace('{', '{"marked":true,') };
        const third = await svc.store.settle(fresh, loaded);
        if (third.kind !== 'created') throw new Error(third.kind);
        expect(third.row.result_json).toBe(fresh.computed.resultJson);

        // Which of them the transaction computed again; and what the SQLite writer thread sends back for
        // each: no row when the row is the job's own computation, which the API thread rebuilds exactly.
        expect([first, second, third].map((a) => a.kind === 'created' && a.computedAgain)).toEqual([true, true, false]); // PRE-1 was sent without a computation
        expect(outcomeToWire(third)).toEqual({ kind: 'written as sent' });
        expect(outcomeToWire(second)).toEqual(second);
        expect(outcomeFromWire(outcomeToWire(third), fresh)).toEqual(third);
        expect(outcomeFromWire(outcomeToWire(second), stale)).toEqual(second);
        // And what it is sent: every job, with a computation or without, arrives as it was packed.
        for (const [i, job] of [plain, stale, fresh].entries()) expect(unpackJob(packJob(i + 1, job))).toEqual({ id: i + 1, job });
        expect(plain.computed).toBeUndefined();
        expect(fresh.computed.funds.length).toBeGreaterThan(1);

        // The row each answer carries is the row written.
        for (const answer of [first, second, third]) {
          if (answer.kind !== 'created') throw new Error(answer.kind);
          const stored = await svc.store.db.selectFrom('settlements').selectAll().where('id', '=', answer.row.id).executeTakeFirstOrThrow();
          expect({ ...stored, total_fen: Number(stored.total_fen), fund_pays_fen: Number(stored.fund_pays_fen), patient_pays_fen: Number(stored.patient_pays_fen) }).toEqual(answer.row);
        }
      } finally {
        await svc.close();
      }
    });

    it('a settlement that fails halfway leaves nothing behind, and the ones written with it commit', async () => {
      const svc = await openService(await backend.fresh(), { registry: true });
      try {
        // A job the API would never send: its hospital is not registered, so it gets as far as locking
        // (creating) the person's ledger row and fails on the settlement's foreign key. On SQLite it is
        // sent in the same tick as the good ones, so it lands in their group-commit batch.
        const person = POOR[2]!;
        const { job: broken, loaded } = await handMadeJob(svc, { billNo: 'HALF-1', hospitalCode: 'H-NOT-REGISTERED', person });
        const good = (i: number) => svc.settlements.post(inpatientBill({ billNo: `HALF-G${i}`, hospital: HOSPITAL, person: POOR[i % 2]!, scale: 1 + i }), null, 'test');
        const answers = await Promise.allSettled([...[0, 1, 2, 3].map(good), svc.store.settle(broken, loaded), ...[4, 5, 6, 7].map(good)]);

        expect(answers.map((a) => a.status)).toEqual([...Array(4).fill('fulfilled'), 'rejected', ...Array(4).fill('fulfilled')]);
        expect(String((answers[4] as PromiseRejectedResult).reason)).toMatch(/foreign key/i);
        // Nothing of the broken one: no settlement, no ledger row, no audit entry.
        expect(await svc.store.db.selectFrom('settlements').select('id').where('id', '=', broken.id).executeTakeFirst()).toBeUndefined();
        expect(await svc.store.db.selectFrom('ledgers').select('person_id').where('person_id', '=', person).executeTakeFirst()).toBeUndefined();
        expect(await svc.store.db.selectFrom('audit_log').select('seq').where('subject', '=', broken.id).executeTakeFirst()).toBeUndefined();
        // Every good one exactly once, and the books agree with them.
        expect(await count(svc.store, 'settlements')).toBe(8);
        expect((await verifyAuditLog(svc.store.db)).entries).toBe(8);
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
