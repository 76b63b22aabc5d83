/**
 * The catalogue from import to counter to audit (issue 22), on both stores: a bad file changes nothing;
 * strict refuses a declaration that differs (and records the attempt); catalogueWins settles on the
 * catalogue's values and keeps the declaration; an entry that changes on 2018-07-01 prices stays before
 * and after differently; an unknown code declared B is refused.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogueReport } from '../../src/audit/catalogue.js';
import { importCatalogue } from '../../src/catalogue/import.js';
import { buildTrace } from '../../src/explain/explain.js';
import { renderSlip } from '../../src/explain/slip.js';
import { loadSlipInput } from '../../src/explain/slip-data.js';
import { RulesetVersions } from '../../src/settle/recompute.js';
import { loadRulesDir } from '../../src/rules/load.js';
import { RuleBook } from '../../src/rules/select.js';
import { SettlementService } from '../../src/settle/service.js';
import { inpatientBill, refusal } from '../http/fixture.js';
import { BACKENDS, ROOT, openService } from '../store/backends.js';

afterAll(async () => {
  for (const b of BACKENDS) await b.cleanup();
});

const HOSPITAL = 'H152200-L01';
const HEADER = 'code,name,category,class,selfPayRatio,priceCap,from,to,region';
/** The fixture bill's four items (test/http/fixture.ts inpatientBill), as the catalogue has them; S201 moves from A to B on 1 July. */
const CATALOGUE = [
  HEADER,
  'Z001,床位费,service,A,,,2016-01-01,,152200',
  'D101,头孢曲松钠注射液,drug,B,0.10,24.00,2016-01-01,,',
  'S201,腹腔镜胆囊切除术,service,A,,,2016-01-01,2018-06-30,152200',
  'S201,腹腔镜胆囊切除术,service,B,0.20,,2018-07-01,,152200',
  'M301,进口吻合器,material,C,,,2016-01-01,,152200',
].join('\n');

const load = (store: Parameters<typeof importCatalogue>[0], text: string, dryRun = false) =>
  importCatalogue(store, { input: Readable.from([text]), format: 'csv', file: 'catalogue.csv', dryRun, actor: 'test', at: new Date().toISOString() });

const stay = (billNo: string, admitted: string, person = 'P-000001') => ({ ...inpatientBill({ billNo, hospital: HOSPITAL, person, discharged: admitted.replace(/-(\d\d)$/, (_, d) => `-${String(Number(d) + 5).padStart(2, '0')}`) }), visit: { type: 'inpatient', admitted, discharged: admitted.replace(/-(\d\d)$/, (_, d) => `-${String(Number(d) + 5).padStart(2, '0')}`) } });

describe.each(BACKENDS)('catalogue on $name', (backend) => {
  describe.skipIf(backend.skip !== null)(backend.skip ?? '', () => {
    it('a file with bad rows applies nothing and lists every one; the good file once', async () => {
      const svc = await openService(await backend.fresh(), { registry: true });
      try {
        const bad = [HEADER, 'Z001,床位费,service,甲,,,2016-01-01,,152200', 'D101,头孢,drug,B,,24.00,2016-01-01,,', 'S201,手术,service,D,,,2016-01-01,,', 'M301,吻合器,thing,C,,-5,2016-13-01,,1522'].join('\n');
        const refused = await load(svc.store, bad);
        expect(refused.outcome).toBe('refused');
        if (refused.outcome !== 'refused') return;
        expect(refused.problems.map((p) => [p.line, p.column])).toEqual([[3, 'selfPayRatio'], [4, 'class'], [5, 'category'], [5, 'priceCap'], [5, 'from'], [5, 'region']]);
        expect(Number((await svc.store.db.selectFrom('catalogue_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(0);
        expect(await load(svc.store, CATALOGUE, true)).toMatchObject({ outcome: 'dry-run', counts: { newEntries: 4, periodsRecorded: 5 } });
        expect(await load(svc.store, CATALOGUE)).toMatchObject({ outcome: 'applied', counts: { newEntries: 4 } });
        expect(await load(svc.store, CATALOGUE)).toMatchObject({ outcome: 'unchanged', batch: null, counts: { unchanged: 4 } });
      } finally {
        await svc.close();
      }
    });

    it('strict: a declaration that differs is refused with the item path and the catalogue value, and recorded; the entry in force on the admission date applies', async () => {
      const svc = await openService(await backend.fresh(), { registry: true });
      try {
        // Before any catalogue: declared values, and the settlement says so.
        const before = await svc.settlements.post(stay('C-0', '2018-03-01', 'P-000002'), null, 'test');
        expect(JSON.parse((await svc.settlements.getRow(before.view.id))!.catalogue_json!)).toMatchObject({ version: null, mode: 'strict', items: [] });
        await load(svc.store, CATALOGUE);

        const cheat = stay('C-1', '2018-03-01');
        cheat.items[3] = { ...cheat.items[3]!, class: 'A' };
        const e = await refusal(svc.settlements.post(cheat, null, 'window-1'));
        expect(e).toMatchObject({ status: 422, code: 'CATALOGUE_MISMATCH' });
        expect(e.issues).toEqual([{ path: 'items[3].class', message: expect.stringContaining('目录中 M301（进口吻合器）为 丙类（C，自费），申报为 甲类（A）') }]);
        const unknown = stay('C-2', '2018-03-01');
        unknown.items.push({ code: 'X999', name: '未知项目', class: 'B', selfPayRatio: '0.10', unitPrice: '10.00', quantity: '1', amount: '10.00' } as never);
        expect((await refusal(svc.settlements.post(unknown, null, 'window-1'))).issues[0]).toMatchObject({ path: 'items[4].class', message: expect.stringContaining('X999 不在医保目录中') });
        // Previews are refused alike but not recorded; posts are.
        await refusal(svc.settlements.preview(cheat, null));
        const report = await catalogueReport(svc.store.db, {});
        expect(report.refusals.map((r) => [r.billNo, r.items.map((i) => i.code)])).toEqual([['C-1', ['M301']], ['C-2', ['X999']]]);
        expect(report.refusals[0]!.items[0]).toMatchObject({ declared: { class: 'A' }, catalogue: { class: 'C' } });
        expect(report.byHospital).toEqual([{ hospitalCode: HOSPITAL, differences: 0, refusals: 2 }]);

        // S201 is A until 30 June and B (20% first) from 1 July: the admission date decides.
        const june = await svc.settlements.post(stay('C-3', '2018-06-20', 'P-000003'), null, 'test');
        // Declared as A after 1 July: refused (strict); declared as the catalogue has it, or not at all, settled.
        expect((await refusal(svc.settlements.post(stay('C-4', '2018-07-01', 'P-000004'), null, 'test'))).issues).toEqual([{ path: 'items[2].class', message: expect.stringContaining('为 乙类（B），申报为 甲类（A）') }]);
        const declared = stay('C-5', '2018-07-01', 'P-000004');
        declared.items[2] = { ...declared.items[2]!, class: 'B', selfPayRatio: '0.20' } as never;
        const july = await svc.settlements.post(declared, null, 'test');
        expect(june.view.result.buckets.preSelfPay).not.toBe(july.view.result.buckets.preSelfPay);
        const surgery = Number(stay('x', '2018-07-01').items[2]!.amount);
        expect(Number(july.view.result.buckets.preSelfPay) - Number(june.view.result.buckets.preSelfPay)).toBeCloseTo(surgery * 0.2, 2);
        // A code the catalogue has not got, declared C: settled as 目录外, and the slip names it.
        const outside = stay('C-6', '2018-03-01', 'P-000005');
        outside.items.push({ code: 'X777', name: '自备器械', class: 'C', unitPrice: '88.00', quantity: '1', amount: '88.00' } as never);
        const o = await svc.settlements.post(outside, null, 'test');
        const orow = (await svc.settlements.getRow(o.view.id))!;
        expect(JSON.parse(orow.catalogue_json!).items).toEqual([{ index: 4, code: 'X777', outOfCatalogue: true }]);
        const slip = renderSlip(await loadSlipInput(svc.store.db, o.view.id));
        expect(slip).toContain('目录外项目（按丙类自费）：X777 自备器械 88.00 元');
        // The bill is stored as settled, so the audit's re-computation needs no catalogue.
        expect(JSON.parse((await svc.settlements.getRow(july.view.id))!.bill_json).items[2]).toMatchObject({ class: 'B', selfPayRatio: '0.20' });
      } finally {
        await svc.close();
      }
    });

    it('catalogueWins: settles on the catalogue values, keeps the declaration, and the audit lists it', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'onestop-rules-'));
      cpSync(join(ROOT, 'rules'), dir, { recursive: true });
      const file = join(dir, '152200-xingan', '2018.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^populations:/m, 'catalogue: catalogueWins\npopulations:'));
      const svc = await openService(await backend.fresh(), { registry: true });
      try {
        const settlements = new SettlementService({ store: svc.store, rules: new RuleBook(loadRulesDir(dir)) });
        await settlements.registerRulesets();
        await load(svc.store, CATALOGUE);
        const cheat = stay('W-1', '2018-03-01');
        cheat.items[3] = { ...cheat.items[3]!, class: 'A' };
        const honest = await settlements.preview(stay('W-0', '2018-03-01'), null);
        const settled = await settlements.post(cheat, null, 'test');
        expect(settled.view.result.buckets).toEqual(honest.result.buckets);
        const report = await catalogueReport(svc.store.db, { from: '2018-01-01', to: '2018-12-31' });
        expect(report.differences).toEqual([expect.objectContaining({ billNo: 'W-1', code: 'M301', name: '进口吻合器', amount: '1500.00', declared: { class: 'A' }, catalogue: { class: 'C' } })]);
        expect(report.refusals).toEqual([]);
        // The trace names the item the catalogue overruled.
        const row = (await settlements.getRow(settled.view.id))!;
        const trace = buildTrace({ id: row.id, status: row.status, result: settled.view.result, ruleset: await new RulesetVersions(svc.store.db).get(row.ruleset_hash), tier: 'league', catalogueJson: row.catalogue_json });
        expect(trace.catalogue).toMatchObject({ mode: 'catalogueWins', items: expect.arrayContaining([{ index: 3, code: 'M301', catalogue: { name: '进口吻合器', class: 'C' }, declared: { class: 'A' } }]) });
        expect(trace.catalogueSentence).toContain('申报与目录不符、已按目录结算：第 4 项 M301');
      } finally {
        await svc.close();
      }
    });
  });
});
