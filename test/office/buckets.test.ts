/**
 * Assistance on application (依申请救助, issue 24) on both stores: the office posts a bill by its four buckets
 * (no items) with what basic insurance, serious-illness insurance and the commercial cover already paid
 * (`paidElsewhere`), and the remaining steps are settled. It settles exactly as `onestop settle` settles the
 * same bill on the same rules; it counts in the person's year (a later window settlement reads it); its
 * reversal settles the later one again, which then stands as if it had been the year's only bill; a window
 * key may not post a bill by its buckets. The view of an office settlement carries the payee, the
 * application and the bill's form, and a window's does not; the audit finds it as settled.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/access/keys.js';
import { runAudit } from '../../src/audit/audit.js';
import { settlementViewSchema } from '../../src/http/schemas.js';
import { patientPayments } from '../../src/reports/payments.js';
import { cliOn, inpatientBill, refusal } from '../http/fixture.js';
import { BACKENDS, openService } from '../store/backends.js';

afterAll(async () => {
  for (const b of BACKENDS) await b.cleanup();
});

const PERSON = 'P-000011';
const HOSPITAL = 'H152200-L01';
const office: Principal = { keyId: 'k_office', role: 'office', hospitalCode: null, regionCode: '152200' };
const window: Principal = { keyId: 'k_window', role: 'window', hospitalCode: HOSPITAL };
const application = { applicant: '满都拉', relation: '本人', documents: ['医疗救助申请表', '住院发票', '基本医保结算单'], approvedBy: '兴安盟民政 李某', approvedOn: '2018-07-02', reference: 'XAM-JZ-2018-0702', bankAccount: '农村信用社 6230****5678' };
const BUCKETS = { outOfCatalog: '1500.00', overLimit: '18.00', preSelfPay: '28.80', inPolicy: '38659.20' };

/** The stay by its buckets, at a league hospital in the register; with what other payers paid, by step id. */
const byBuckets = (paid?: Record<string, { payout: string; deductible?: string }>) => ({
  billNo: 'YSQ-2018-0702',
  hospital: { code: HOSPITAL },
  person: { id: PERSON },
  visit: { type: 'inpatient', admitted: '2018-06-11', discharged: '2018-06-25' },
  buckets: BUCKETS,
  ...(paid ? { paidElsewhere: paid } : {}),
});

describe.each(BACKENDS)('assistance on application by buckets on $name', (backend) => {
  describe.skipIf(backend.skip !== null)(backend.skip ?? '', () => {
    it('settles as onestop settle, counts in the year, is refused at a window, re-adjudicates on reversal; the view carries payee and application', async () => {
      const svc = await openService(await backend.fresh(), { registry: true });
      try {
        const dir = mkdtempSync(join(tmpdir(), 'onestop-office-buckets-'));
        const settleCli = async (b: object) => {
          const file = join(dir, `${Math.random().toString(36).slice(2)}.json`);
          writeFileSync(file, JSON.stringify({ ...b, hospital: { code: HOSPITAL, tier: 'league' }, person: { id: PERSON, populations: ['poverty'] } }));
          const r = await cliOn(join(dir, 'none.db'), ['settle', '--rules', 'xingan-2018', file]);
          expect(r.code, r.err).toBe(0);
          return JSON.parse(r.out.trim());
        };
        // What the other layers paid: their steps of the same stay, settled alone.
        const alone = await settleCli(byBuckets());
        const step = (id: string) => alone.steps.find((s: { id: string }) => s.id === id) as { payout: string; deductible: string };
        const paid = { basic: { payout: step('basic').payout, deductible: step('basic').deductible }, serious: { payout: step('serious').payout }, commercial: { payout: step('commercial').payout } };
        // The CLI's answer names the bill and the person beside the result.
        const { billNo: _billNo, personId: _personId, ...cli } = await settleCli(byBuckets(paid));
        expect(Number(cli.owed.assistance)).toBeGreaterThan(0);

        // A window settles the itemised bill in front of it: buckets are the office's, said at the field.
        for (const bill of [byBuckets(), byBuckets(paid)]) {
          for (const call of [svc.settlements.post(bill, window, 'k_window'), svc.settlements.preview(bill, window)]) {
            const e = await refusal(call);
            expect(e.status).toBe(403);
            expect(e.issues?.map((i) => i.path)).toEqual([bill.paidElsewhere ? 'paidElsewhere' : 'buckets']);
          }
        }
        const e = await refusal(svc.settlements.post(byBuckets(), window, 'k_window'));
        expect(e).toMatchObject({ code: 'BUCKETS_FORBIDDEN' });
        expect(e.message).toContain('费用明细');
        expect(e.issues![0]!.message).toContain('医院窗口须逐项提交费用明细');

        // The office: preview and settle give what the CLI gives, to the fen.
        const request = { payee: 'patient' as const, application };
        const preview = await svc.settlements.preview(byBuckets(paid), office, request);
        expect(preview.result).toEqual(cli);
        const settled = await svc.settlements.post(byBuckets(paid), office, 'k_office', request);
        expect(settled.replay).toBe(false);
        expect(settled.view.result).toEqual(cli);
        expect(settled.view.result.buckets).toEqual(BUCKETS);
        expect(settled.view).toMatchObject({ payee: 'patient', application, billForm: 'buckets' });
        expect(() => settlementViewSchema.parse(JSON.parse(JSON.stringify(settled.view)))).not.toThrow();
        const row = (await svc.settlements.getRow(settled.view.id))!;
        expect(row).toMatchObject({ channel: 'office', payee: 'patient', catalogue_json: null });
        expect(JSON.parse(row.bill_json)).toMatchObject({ buckets: BUCKETS, paidElsewhere: paid });
        // Read back, the view is the one the office's answer was: the payee and the application as recorded.
        const read = await svc.settlements.get(settled.view.id, office);
        expect(read).toMatchObject({ payee: 'patient', application, billForm: 'buckets', result: cli });
        // Posted again: a replay, the same view.
        const again = await svc.settlements.post(byBuckets(paid), office, 'k_office', request);
        expect(again).toMatchObject({ replay: true, view: { id: settled.view.id, payee: 'patient', application } });
        // An office key of another league does not see it.
        await expect(svc.settlements.get(settled.view.id, { ...office, regionCode: '150900' })).rejects.toMatchObject({ status: 404 });

        // The patient is paid what the funds owe: the other layers' payouts are not owed again.
        const payments = await patientPayments(svc.store.db, { from: '2018-01-01', to: '2018-12-31' });
        expect(payments.rows).toEqual([expect.objectContaining({ settlementId: settled.view.id, kind: 'settlement', bankAccount: application.bankAccount })]);
        const owed = Object.fromEntries(Object.entries(cli.owed as Record<string, string>).filter(([, v]) => v !== '0.00'));
        expect(Object.fromEntries(Object.entries(payments.rows[0]!.funds).filter(([, v]) => v !== '0.00'))).toEqual(owed);

        // A later window settlement of the person reads the year the office settlement left.
        const laterBill = inpatientBill({ billNo: 'W-YSQ-1', hospital: HOSPITAL, person: PERSON, discharged: '2018-11-12' });
        const later = await svc.settlements.post(laterBill, window, 'k_window');
        expect(later.view.payee).toBeUndefined();
        expect(later.view.application).toBeUndefined();
        expect(later.view.billForm).toBeUndefined();
        expect(JSON.parse((await svc.settlements.getRow(later.view.id))!.ytd_before_json)).toEqual(cli.accumulators ? Object.fromEntries(Object.entries(cli.accumulators as Record<string, Record<string, { after: string }>>).map(([k, f]) => [k, Object.fromEntries(Object.entries(f).map(([n, v]) => [n, v.after]))])) : {});
        const laterAlone = await settleCli({ ...laterBill });
        expect(later.view.result.funds).not.toEqual(laterAlone.funds);

        // Reversing the application settles the later one again: it then stands as the year's only bill.
        const reversal = await svc.settlements.reverse(settled.view.id, office, '申请材料有误', 'k_office');
        expect(reversal.readjudication.settledAgain).toBe(1);
        expect(reversal).toMatchObject({ status: 'reversed', payee: 'patient', application, billForm: 'buckets' });
        const now = await svc.settlements.get(later.view.id, window);
        expect(now.current).toMatchObject({ funds: laterAlone.funds, patientPays: laterAlone.patientPays });
        // The audit settles every stored bill again, this one from its buckets, and finds nothing.
        const audit = await runAudit(svc.store, { from: '2018-01-01', to: '2018-12-31' });
        expect(audit.count).toBe(2);
        expect(audit.clean, JSON.stringify(audit)).toBe(true);
      } finally {
        await svc.close();
      }
    });
  });
});
