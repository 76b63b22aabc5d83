/**
 * Receivables' entries (src/statement/claims.ts), on both stores: a month already reported stays exactly
 * as it was after a later reversal; the reversal and the adjustments it made show in the reversal's own
 * month; over the whole year the entries add up to what the unreversed settlements now stand at.
 * (The receivables report itself, src/audit/receivables.ts, is being moved by the audit restructure; it
 * is to show these entries.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { SettlementService } from '../../src/settle/service.js';
import { claimEntries, claimSums, monthlyClaims } from '../../src/statement/claims.js';
import { BACKENDS, openService } from '../store/backends.js';

afterAll(async () => {
  for (const b of BACKENDS) await b.cleanup();
});

const bill = (billNo: string, person: string, hospital: string, discharged: string, inPolicy: string, outOfCatalogue?: string) => ({
  billNo,
  hospital: { code: hospital },
  person: { id: person },
  visit: { type: 'inpatient', admitted: discharged, discharged },
  items: [
    { code: 'X1', class: 'A', unitPrice: inPolicy, quantity: '1', amount: inPolicy },
    ...(outOfCatalogue ? [{ code: 'X2', class: 'C', unitPrice: outOfCatalogue, quantity: '1', amount: outOfCatalogue }] : []),
  ],
});

describe.each(BACKENDS)('claim entries on $name', (backend) => {
  it.skipIf(backend.skip !== null)('a reported month never moves; the reversal and its adjustments show in the reversal’s month', async () => {
    const opened = await openService(await backend.fresh(), { registry: true });
    let clock = new Date('2018-04-02T02:00:00Z');
    const svc = new SettlementService({ store: opened.store, rules: opened.rules, now: () => clock });
    try {
      const a = await svc.post(bill('CL-A', 'P-000020', 'H152200-L01', '2018-03-10', '40000.00', '20000.00'), null, 'test');
      const b = await svc.post(bill('CL-B', 'P-000020', 'H152201-C01', '2018-03-25', '10000.00'), null, 'test');
      await svc.post(bill('CL-X', 'P-000021', 'H152200-L01', '2018-03-12', '5000.00'), null, 'test');
      const march = { from: '2018-03-01', to: '2018-03-31' };
      const reported = monthlyClaims(await claimEntries(opened.store.db, march));
      expect(reported.rows.every((r) => r.kind === 'settlement' && r.month === '2018-03')).toBe(true);

      // June 30th, 23:30 in Beijing (15:30 UTC): A is reversed, B re-adjudicated.
      clock = new Date('2018-06-30T15:30:00Z');
      const rev = await svc.reverse(a.view.id, null, '录入错误', 'test');
      expect(rev.readjudication.adjustments.map((x) => x.settlementId)).toEqual([b.view.id]);

      expect(monthlyClaims(await claimEntries(opened.store.db, march))).toEqual(reported);
      const june = monthlyClaims(await claimEntries(opened.store.db, { from: '2018-06-01', to: '2018-06-30' }));
      const reversalRows = june.rows.filter((r) => r.kind === 'reversal');
      expect(reversalRows.every((r) => r.hospitalCode === 'H152200-L01' && r.month === '2018-06' && r.entries === 1)).toBe(true);
      expect(Object.fromEntries(reversalRows.map((r) => [r.fund, r.amount]))).toEqual(Object.fromEntries(Object.entries(a.view.result.funds).map(([f, v]) => [f, `-${v}`])));
      const adjustmentRows = june.rows.filter((r) => r.kind === 'adjustment');
      expect(adjustmentRows.every((r) => r.hospitalCode === 'H152201-C01' && r.month === '2018-06')).toBe(true);
      expect(Object.fromEntries(adjustmentRows.map((r) => [r.fund, r.amount]))).toEqual(rev.readjudication.adjustments[0]!.funds);
      // In UTC it was still June 30th; a July report does not see it.
      expect((await claimEntries(opened.store.db, { from: '2018-07-01', to: '2018-07-31' })).length).toBe(0);

      // Reverse B (adjusted) in August: its reversal takes back what it stood at, adjustment included.
      clock = new Date('2018-08-05T01:00:00Z');
      const bNow = (await svc.get(b.view.id, null)).current!;
      await svc.reverse(b.view.id, null, '录入错误', 'test');
      const august = monthlyClaims(await claimEntries(opened.store.db, { from: '2018-08-01', to: '2018-08-31' }));
      expect(Object.fromEntries(august.rows.map((r) => [r.fund, r.amount]))).toEqual(Object.fromEntries(Object.entries(bNow.funds).map(([f, v]) => [f, v === '0.00' ? '0.00' : `-${v}`])));
      expect(monthlyClaims(await claimEntries(opened.store.db, march))).toEqual(reported);

      // The whole year: what the one surviving settlement (CL-X) stands at.
      const year = monthlyClaims(await claimEntries(opened.store.db, { from: '2018-01-01', to: '2018-12-31' }));
      const x = (await opened.store.db.selectFrom('settlements').select('id').where('bill_no', '=', 'CL-X').executeTakeFirstOrThrow()).id;
      const xNow = (await svc.get(x, null)).current!;
      for (const [f, v] of Object.entries(year.totalsByFund)) expect(v, f).toBe(xNow.funds[f] ?? '0.00');
    } finally {
      await opened.close();
    }
  });

  it.skipIf(backend.skip !== null)('the settlements added up by the store (claimSums) make the same rows as the entries one by one', async () => {
    const opened = await openService(await backend.fresh(), { registry: true });
    let clock = new Date('2018-02-01T02:00:00Z');
    const svc = new SettlementService({ store: opened.store, rules: opened.rules, now: () => clock });
    try {
      const names = new Map([['H152200-L01', '兴安盟人民医院']]);
      const same = async (q: { from?: string; to?: string; hospital?: string }) => {
        const { sums, entries } = await claimSums(opened.store.db, q);
        expect(monthlyClaims(entries, names, sums), JSON.stringify(q)).toEqual(monthlyClaims(await claimEntries(opened.store.db, q), names));
      };
      const posted = [];
      const people = ['P-000020', 'P-000021', 'P-000022'];
      const hospitals = ['H152200-L01', 'H152201-C01'];
      for (let i = 0; i < 12; i++) {
        const month = String(1 + (i % 6)).padStart(2, '0');
        posted.push(await svc.post(bill(`CS-${i}`, people[i % 3]!, hospitals[i % 2]!, `2018-${month}-1${i % 9}`, `${(i + 1) * 3100}.55`, i % 4 === 0 ? '1200.10' : undefined), null, 'test'));
      }
      clock = new Date('2018-06-30T15:30:00Z');
      await svc.reverse(posted[1]!.view.id, null, '录入错误', 'test');
      clock = new Date('2018-07-03T01:00:00Z');
      await svc.reverse(posted[3]!.view.id, null, '录入错误', 'test');
      for (const q of [{}, { from: '2018-01-01', to: '2018-12-31' }, { from: '2018-03-01', to: '2018-03-31' }, { from: '2018-06-01', to: '2018-07-31' }, { from: '2018-01-01', to: '2018-12-31', hospital: 'H152201-C01' }]) await same(q);
    } finally {
      await opened.close();
    }
  });
});
