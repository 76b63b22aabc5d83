/**
 * Settlements made at the bureau's settlement office (issue 24), on both stores: a Beijing stay whose basic
 * insurance the cross-region platform paid settles exactly as `onestop settle` settles the same bill; it
 * counts in the person's year for a later window settlement; a window may not post it; reversing it
 * re-adjudicates the later one; the patients' payment list and the hospitals' receivables add up to what
 * the funds owe.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/access/keys.js';
import { patientPayments } from '../../src/reports/payments.js';
import { receivables } from '../../src/reports/receivables.js';
import { cliOn, inpatientBill, refusal } from '../http/fixture.js';
import { BACKENDS, openService } from '../store/backends.js';

afterAll(async () => {
  for (const b of BACKENDS) await b.cleanup();
});

const PERSON = 'P-000009';
const office: Principal = { keyId: 'k_office', role: 'office', hospitalCode: null, regionCode: '152200' };
const window: Principal = { keyId: 'k_window', role: 'window', hospitalCode: 'H152200-L01' };
const application = { applicant: '本人', documents: ['异地就医结算单', '住院发票', '出院小结'], approvedBy: '科右中旗医保经办 王某', approvedOn: '2018-09-20', reference: 'KYZQ-2018-0917', bankAccount: '6228****1234' };
const beijing = (paid?: string) => ({
  ...inpatientBill({ billNo: 'BJ-2018-0917', hospital: 'BJ-FW01', person: PERSON, discharged: '2018-09-15', scale: 4 }),
  hospital: { code: 'BJ-FW01', tier: 'outOfProvince' },
  visit: { type: 'inpatient', admitted: '2018-09-01', discharged: '2018-09-15' },
  ...(paid ? { paidElsewhere: { basic: { payout: paid } } } : {}),
});

describe.each(BACKENDS)('office settlements on $name', (backend) => {
  describe.skipIf(backend.skip !== null)(backend.skip ?? '', () => {
    it('a Beijing stay with basic paid elsewhere: as onestop settle, in the year, refused at a window, re-adjudicated on reversal, paid to the patient', async () => {
      const svc = await openService(await backend.fresh(), { registry: true });
      try {
        // What the cross-region platform paid: the basic step of the same stay, settled alone.
        const dir = mkdtempSync(join(tmpdir(), 'onestop-office-'));
        const cliBill = (b: object) => {
          const file = join(dir, `${Math.random().toString(36).slice(2)}.json`);
          writeFileSync(file, JSON.stringify({ ...b, person: { id: PERSON, populations: ['poverty'] } }));
          return file;
        };
        const alone = JSON.parse((await cliOn(join(dir, 'none.db'), ['settle', '--rules', 'xingan-2018', cliBill(beijing())])).out.trim());
        const basicPaid = alone.steps.find((s: { id: string }) => s.id === 'basic').payout as string;
        const cli = JSON.parse((await cliOn(join(dir, 'none.db'), ['settle', '--rules', 'xingan-2018', cliBill(beijing(basicPaid))])).out.trim());

        // A window may not post a payout made elsewhere, nor an unregistered hospital.
        expect(await refusal(svc.settlements.post(beijing(basicPaid), window, 'k_window'))).toMatchObject({ status: 403 });
        const request = { hospital: { name: '中国医学科学院阜外医院', regionCode: '110000', regionName: '北京市' }, payee: 'patient' as const, application };
        const settled = await svc.settlements.post(beijing(basicPaid), office, 'k_office', request);
        expect(settled.replay).toBe(false);
        expect(settled.view.result.funds).toEqual(cli.funds);
        expect(settled.view.result.patientPays).toBe(cli.patientPays);
        expect(settled.view.result.owed).toEqual(cli.owed);
        const row = (await svc.settlements.getRow(settled.view.id))!;
        expect(row).toMatchObject({ channel: 'office', payee: 'patient' });
        expect(JSON.parse(row.application_json!)).toMatchObject({ reference: 'KYZQ-2018-0917' });
        // An office key of another league may not settle this person.
        await expect(svc.settlements.post({ ...beijing(basicPaid), billNo: 'BJ-2' }, { ...office, regionCode: '150900' }, 'k2', request)).rejects.toMatchObject({ status: 403 });

        // A later window settlement of the person sees the year the office settlement left.
        const later = await svc.settlements.post(inpatientBill({ billNo: 'W-1', hospital: 'H152200-L01', person: PERSON, discharged: '2018-11-12' }), window, 'k_window');
        const before = JSON.parse((await svc.settlements.getRow(later.view.id))!.ytd_before_json) as Record<string, { paid?: string }>;
        expect(Object.values(before).some((f) => Number(f.paid ?? 0) > 0)).toBe(true);

        // The payment list (patients) and the receivables (hospitals) add up to what the funds owe.
        const period = { from: '2018-01-01', to: '2018-12-31' };
        const payments = await patientPayments(svc.store.db, period);
        expect(payments.rows).toEqual([expect.objectContaining({ settlementId: settled.view.id, kind: 'settlement', personId: PERSON, idNumber: expect.stringMatching(/\*{8}/), bankAccount: '6228****1234' })]);
        const claims = await receivables(svc.store.db, period);
        expect(claims.rows.some((r) => r.hospitalCode === 'BJ-FW01')).toBe(false);
        const owed = await svc.store.db.selectFrom('settlement_funds').select((eb) => eb.fn.sum<string>(eb.fn.coalesce('owed_fen', 'amount_fen')).as('fen')).executeTakeFirstOrThrow();
        const fen = (y: string) => Math.round(Number(y) * 100);
        expect(fen(payments.total) + fen(claims.total)).toBe(Number(owed.fen));
        // What was paid elsewhere is never owed: the patient is paid the other layers, not basic.
        expect(payments.rows[0]!.funds.basic ?? '0.00').toBe('0.00');

        // Reversing the office settlement settles the later one again, like any other.
        const reversal = await svc.settlements.reverse(settled.view.id, office, '材料有误', 'k_office');
        expect(reversal.readjudication.settledAgain).toBe(1);
      } finally {
        await svc.close();
      }
    });

    it('an adjustment goes to the payee of the settlement it adjusts: a window reversal re-adjudicates a later office settlement paid to the patient', async () => {
      const svc = await openService(await backend.fresh(), { registry: true });
      try {
        const person = 'P-000010';
        const earlier = await svc.settlements.post(inpatientBill({ billNo: 'W-ADJ-1', hospital: 'H152200-L01', person }), window, 'k_window');
        const bill = { ...beijing('8000.00'), billNo: 'BJ-ADJ-1', person: { id: person } };
        const request = { hospital: { name: '中国医学科学院阜外医院', regionCode: '110000', regionName: '北京市' }, payee: 'patient' as const, application };
        const office2 = await svc.settlements.post(bill, office, 'k_office', request);

        const reversal = await svc.settlements.reverse(earlier.view.id, window, '重复结算', 'k_window');
        const adjustment = reversal.readjudication.adjustments.find((a) => a.settlementId === office2.view.id);
        expect(adjustment, JSON.stringify(reversal.readjudication)).toBeTruthy();
        const changed = Object.fromEntries(Object.entries(adjustment!.funds).filter(([, v]) => v !== '0.00'));
        expect(Object.keys(changed).length).toBeGreaterThan(0);

        // Today's month holds the reversal and its adjustment: the adjustment on the patients' list, not the hospitals'.
        // (Beijing's day, as entries are dated.)
        const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
        const period = { from: `${today.slice(0, 7)}-01`, to: today };
        const payments = await patientPayments(svc.store.db, period);
        const paid = payments.rows.filter((r) => r.settlementId === office2.view.id);
        expect(paid.map((r) => r.kind)).toEqual(['adjustment']);
        expect(Object.fromEntries(Object.entries(paid[0]!.funds).filter(([, v]) => v !== '0.00'))).toEqual(changed);
        const claims = await receivables(svc.store.db, period);
        expect(claims.rows.filter((r) => r.kind === 'adjustment')).toEqual([]);
        expect(claims.rows.filter((r) => r.kind === 'reversal').every((r) => r.hospitalCode === 'H152200-L01')).toBe(true);
      } finally {
        await svc.close();
      }
    });
  });
});
