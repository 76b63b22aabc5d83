/**
 * The register import (register/import.ts) and settlement on the register's dates, on both stores: a bad
 * file changes nothing and lists every bad row; a good one is applied once; a person's populations follow
 * the memberships in force on the visit's date; the insured region's policy applies.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { importRegister, type ImportReport } from '../../src/register/import.js';
import { idCheckCharacter } from '../../src/register/id-number.js';
import { loadRulesDir } from '../../src/rules/load.js';
import { RuleBook } from '../../src/rules/select.js';
import { SettlementService } from '../../src/settle/service.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/port.js';
import { inpatientBill, refusal } from '../http/fixture.js';
import { BACKENDS, ROOT, rules } from '../store/backends.js';

afterAll(async () => {
  for (const b of BACKENDS) await b.cleanup();
});

const idNumber = (seq: number) => {
  const body = `152222198001${String(seq).padStart(2, '0').slice(-2)}${String(100 + seq).slice(-3)}`.slice(0, 17);
  return body + idCheckCharacter(body);
};

const HOSPITALS = ['code,name,regionCode,regionName,county,tier,from,to', 'H1,科右中旗人民医院,152200,兴安盟,科右中旗,county,2016-01-01,', 'H2,乌兰察布市中心医院,150900,乌兰察布市,集宁区,league,2016-01-01,'].join('\n');

const PEOPLE_HEADER = 'id,name,idNumber,county,insuredRegion,population,from,to';
/** A poor person to 2018-06-30, resident after; a resident of Wulanchabu; a person poor for good. */
const GOOD_PEOPLE = [
  PEOPLE_HEADER,
  `R-1,巴特尔,${idNumber(1)},科右中旗,152200,poverty,2018-01-01,2018-06-30`,
  `R-1,巴特尔,${idNumber(1)},科右中旗,152200,resident,2018-07-01,`,
  `R-2,张桂琴,${idNumber(2)},集宁区,150900,resident,2016-01-01,`,
  `R-3,其其格,${idNumber(3)},科右中旗,152200,poverty,2016-01-01,`,
].join('\n');

function run(store: Store, kind: 'people' | 'hospitals', text: string, opts: { dryRun?: boolean; known?: RuleBook } = {}): Promise<ImportReport> {
  return importRegister(store, (opts.known ?? rules()).vocabulary(), {
    kind, input: Readable.from([Buffer.from(text, 'utf8')]), format: 'csv', file: `${kind}.csv`, dryRun: opts.dryRun ?? false, actor: 'test', at: new Date().toISOString(),
  });
}

const countOf = async (store: Store, table: 'people' | 'memberships' | 'register_batches' | 'audit_log') =>
  Number((await store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('c')).executeTakeFirstOrThrow()).c);

describe.each(BACKENDS)('register on $name', (backend) => {
  describe.skipIf(backend.skip !== null)(backend.skip ?? '', () => {
    it('refuses a file with three bad rows, listing each, and applies nothing; the fixed file is applied once', async () => {
      const store = await openStore(await backend.fresh());
      try {
        const wrongCheck = idNumber(4).slice(0, 17) + (idNumber(4)[17] === '0' ? '1' : '0');
        const bad = [
          PEOPLE_HEADER,
          `R-1,巴特尔,${idNumber(1)},科右中旗,152200,poverty,2018-01-01,2018-06-30`,
          `R-4,乌云,${wrongCheck},科右中旗,152200,poverty,2018-01-01,`,
          `R-5,宝音,${idNumber(5)},科右中旗,152200,lowIncome,2018-01-01,`,
          `R-6,娜仁,${idNumber(6)},科右中旗,152200,poverty,2018-05-01,2018-03-01`,
        ].join('\n');
        const report = await run(store, 'people', bad);
        expect(report.outcome).toBe('refused');
        if (report.outcome !== 'refused') return;
        expect(report.problems.map((p) => [p.line, p.column])).toEqual([[3, 'idNumber'], [4, 'population'], [5, 'to']]);
        expect(report.problems[0]!.message).toContain('校验码');
        // The number is never repeated unmasked, even in its own error.
        expect(JSON.stringify(report)).not.toContain(wrongCheck);
        expect(await countOf(store, 'people')).toBe(0);
        expect(await countOf(store, 'register_batches')).toBe(0);

        const dry = await run(store, 'people', GOOD_PEOPLE, { dryRun: true });
        expect(dry).toMatchObject({ outcome: 'dry-run', counts: { newPeople: 3, changed: 0, unchanged: 0, membershipsStarted: 4 } });
        expect(await countOf(store, 'people')).toBe(0);

        const applied = await run(store, 'people', GOOD_PEOPLE);
        expect(applied).toMatchObject({ outcome: 'applied', counts: { newPeople: 3, membershipsStarted: 4 } });
        expect(await countOf(store, 'memberships')).toBe(4);
        const audit = await countOf(store, 'audit_log');
        const again = await run(store, 'people', GOOD_PEOPLE);
        expect(again).toMatchObject({ outcome: 'unchanged', batch: null, counts: { newPeople: 0, changed: 0, unchanged: 3 } });
        expect([await countOf(store, 'register_batches'), await countOf(store, 'memberships'), await countOf(store, 'audit_log')]).toEqual([1, 4, audit]);
      } finally {
        await store.close();
      }
    });

    it('a file of one population leaves the others; a changed period supersedes, and the register as it stood stays readable', async () => {
      const store = await openStore(await backend.fresh());
      try {
        await run(store, 'people', GOOD_PEOPLE);
        await new Promise((r) => setTimeout(r, 5));
        const before = new Date().toISOString();
        await new Promise((r) => setTimeout(r, 5));
        // A civil-affairs file: R-3 becomes 低保 too; it says nothing of poverty, which stays.
        const dibao = [PEOPLE_HEADER, `R-3,其其格,${idNumber(3)},科右中旗,152200,resident,2018-03-01,`].join('\n');
        expect(await run(store, 'people', dibao)).toMatchObject({ outcome: 'applied', counts: { changed: 1, membershipsStarted: 1, membershipsEnded: 0, membershipsWithdrawn: 0 } });
        // The poverty office ends R-3's poverty membership on 2018-09-30.
        const ends = [PEOPLE_HEADER, `R-3,其其格,${idNumber(3)},科右中旗,152200,poverty,2016-01-01,2018-09-30`].join('\n');
        expect(await run(store, 'people', ends)).toMatchObject({ outcome: 'applied', counts: { changed: 1, membershipsEnded: 1 } });
        const current = await store.db.selectFrom('memberships').select(['population', 'from_date', 'to_date']).where('person_id', '=', 'R-3').where('superseded_at', 'is', null).orderBy('population').execute();
        expect(current).toEqual([
          { population: 'poverty', from_date: '2016-01-01', to_date: '2018-09-30' },
          { population: 'resident', from_date: '2018-03-01', to_date: null },
        ]);
        // The current view the counter reads says the same as the rows.
        const view = await store.db.selectFrom('people').select('memberships_json').where('id', '=', 'R-3').executeTakeFirstOrThrow();
        const standing = JSON.parse(view.memberships_json!) as { population: string; from_date: string; to_date: string | null }[];
        expect(standing.map(({ population, from_date, to_date }) => ({ population, from_date, to_date })).sort((a, b) => a.population.localeCompare(b.population))).toEqual(current);
        // As the register stood before both files: poverty open, nothing else; nothing was deleted.
        const asOf = await store.db
          .selectFrom('memberships')
          .select(['population', 'to_date'])
          .where('person_id', '=', 'R-3')
          .where('recorded_at', '<=', before)
          .where((eb) => eb.or([eb('superseded_at', 'is', null), eb('superseded_at', '>', before)]))
          .execute();
        expect(asOf).toEqual([{ population: 'poverty', to_date: null }]);
      } finally {
        await store.close();
      }
    });

    it('settles on the memberships in force on the admission date, or the discharge date when the ruleset says so', async () => {
      const url = await backend.fresh();
      const store = await openStore(url);
      try {
        const book = rules();
        const settlements = new SettlementService({ store, rules: book });
        await settlements.registerRulesets();
        await run(store, 'hospitals', HOSPITALS);
        await run(store, 'people', GOOD_PEOPLE);
        const stay = (billNo: string, admitted: string, discharged: string) => ({ ...inpatientBill({ billNo, hospital: 'H1', person: 'R-1', discharged }), visit: { type: 'inpatient', admitted, discharged } });
        const across = await settlements.post(stay('B1', '2018-06-25', '2018-07-05'), null, 'test');
        expect(across.view.result.population).toBe('poverty');
        const eligibility = JSON.parse((await settlements.getRow(across.view.id))!.eligibility_json!);
        expect(eligibility).toMatchObject({ date: '2018-06-25', on: 'admitted', memberships: [{ population: 'poverty', from: '2018-01-01', to: '2018-06-30' }] });
        const after = await settlements.post(stay('B2', '2018-07-10', '2018-07-15'), null, 'test');
        expect(after.view.result.population).toBe('resident');
        // A bill that says the person is poor on a date the register says otherwise is refused.
        const claim = { ...stay('B3', '2018-08-01', '2018-08-03'), person: { id: 'R-1', populations: ['poverty'] } };
        expect(await refusal(settlements.post(claim, null, 'test'))).toMatchObject({ status: 422, code: 'POPULATION_MISMATCH' });

        // The same register under a ruleset that takes the discharge date.
        const dir = mkdtempSync(join(tmpdir(), 'onestop-rules-'));
        cpSync(join(ROOT, 'rules'), dir, { recursive: true });
        const file = join(dir, '152200-xingan', '2018.yaml');
        writeFileSync(file, readFileSync(file, 'utf8').replace(/^populations:/m, 'eligibleOn: discharged\npopulations:'));
        const byDischarge = new SettlementService({ store, rules: new RuleBook(loadRulesDir(dir)) });
        await byDischarge.registerRulesets();
        const preview = await byDischarge.preview(stay('B4', '2018-06-25', '2018-07-05'), null);
        expect(preview.result.population).toBe('resident');
        expect((await settlements.preview(stay('B4', '2018-06-25', '2018-07-05'), null)).result.population).toBe('poverty');
      } finally {
        await store.close();
      }
    });

    it("takes the insured region's policy for a stay in another league's hospital", async () => {
      const store = await openStore(await backend.fresh());
      try {
        const settlements = new SettlementService({ store, rules: rules() });
        await settlements.registerRulesets();
        await run(store, 'hospitals', HOSPITALS);
        await run(store, 'people', GOOD_PEOPLE);
        // R-2 is insured in Wulanchabu (150900): a 2019 stay at a Xing'an hospital is priced by wulanchabu-2019,
        // which Xing'an's own files (2018 only) could not have done.
        const bill = { ...inpatientBill({ billNo: 'W1', hospital: 'H1', person: 'R-2', discharged: '2019-03-12' }), visit: { type: 'inpatient', admitted: '2019-03-02', discharged: '2019-03-12' } };
        const xingAnTier = { ...bill, hospital: { code: 'H1' } };
        // H1 is a county hospital; Wulanchabu's file prices only its tier-3 (league) hospitals, so the
        // refusal itself shows whose file was read.
        expect(await refusal(settlements.preview(xingAnTier, null))).toMatchObject({ status: 422 });
        const atLeague = await settlements.preview({ ...bill, hospital: { code: 'H2' } }, null);
        expect(atLeague.rulesetId).toBe('wulanchabu-2019');
        // R-1, insured in Xing'an, at the same hospital in 2019: Xing'an has no 2019 policy.
        const local = { ...bill, person: { id: 'R-1' }, hospital: { code: 'H2' } };
        expect(await refusal(settlements.preview(local, null))).toMatchObject({ status: 422, code: 'DATE_NOT_COVERED' });
      } finally {
        await store.close();
      }
    });
  });
});
