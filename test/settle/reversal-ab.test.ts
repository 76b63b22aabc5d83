/**
 * Issue 23's example on both stores: one poor person at a league hospital, Xing'an 2018 rules. Bill A
 * (60,000.00: 40,000.00 in-policy, 20,000.00 out of catalogue), then bill B (10,000.00 in-policy); reverse
 * A. B's adjustment must be exactly the difference between B settled alone and B as settled, per fund and
 * for the patient; B's figures as they now stand are B alone's, and the ledger is B alone's year. The
 * expectation is computed here by the engine (B alone, on an empty year), never written down.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { accumulatorsToJson, deltasOf } from '../../src/engine/accumulators.js';
import { settlementJson } from '../../src/engine/result.js';
import { settle } from '../../src/engine/settle.js';
import { formatUnits } from '../../src/money/text.js';
import { toEngineBill } from '../../src/bill/schema.js';
import { parseBillInput } from '../../src/bill/parse.js';
import { runDoctor } from '../../src/audit/doctor.js';
import { verifyAuditLog } from '../../src/checks/audit-log.js';
import { BACKENDS, openService } from '../store/backends.js';

const HOSPITAL = 'H152200-L01';
const PERSON = 'P-000001';

export function billA(person = PERSON, billNo = 'AB-A') {
  return {
    billNo,
    hospital: { code: HOSPITAL },
    person: { id: person },
    visit: { type: 'inpatient', admitted: '2018-03-01', discharged: '2018-03-10' },
    items: [
      { code: 'X1', name: '手术及治疗', class: 'A', unitPrice: '40000.00', quantity: '1', amount: '40000.00' },
      { code: 'X2', name: '自费材料', class: 'C', unitPrice: '20000.00', quantity: '1', amount: '20000.00' },
    ],
  };
}

export function billB(person = PERSON, billNo = 'AB-B') {
  return {
    billNo,
    hospital: { code: HOSPITAL },
    person: { id: person },
    visit: { type: 'inpatient', admitted: '2018-05-01', discharged: '2018-05-10' },
    items: [{ code: 'X1', name: '手术及治疗', class: 'A', unitPrice: '10000.00', quantity: '1', amount: '10000.00' }],
  };
}

afterAll(async () => {
  for (const b of BACKENDS) await b.cleanup();
});

describe.each(BACKENDS)('A then B, reverse A, on $name', (backend) => {
  it.skipIf(backend.skip !== null)('B is adjusted by exactly B alone − B as settled, per fund and for the patient', async () => {
    const svc = await openService(await backend.fresh(), { registry: true });
    try {
      const a = await svc.settlements.post(billA(), null, 'test');
      const b = await svc.settlements.post(billB(), null, 'test');
      const asSettled = b.view.result;
      // B alone, by the engine, on an empty year, under the ruleset the counter chose.
      const loaded = svc.rules.select('152200', '2018-05-10');
      const input = parseBillInput(billB());
      if (!input.success) throw input.error;
      const alone = settle(toEngineBill(input.data, 'league', ['poverty']), loaded.ruleset, {});
      const aloneJson = settlementJson(alone);
      // The example is only an example if A moved B.
      expect(aloneJson.funds).not.toEqual(asSettled.funds);

      const reversal = await svc.settlements.reverse(a.view.id, null, '录入错误', 'window-1');
      expect(reversal.status).toBe('reversed');
      expect(reversal.readjudication.settledAgain).toBe(1);
      expect(reversal.readjudication.adjustments).toHaveLength(1);
      const adj = reversal.readjudication.adjustments[0]!;
      expect(adj.settlementId).toBe(b.view.id);

      const want: Record<string, string> = {};
      for (const f of new Set([...Object.keys(aloneJson.funds), ...Object.keys(asSettled.funds)])) {
        const d = alone.funds[f]! - BigInt(Math.round(Number(asSettled.funds[f] ?? '0') * 100)) * 10n ** 8n;
        if (d !== 0n) want[f] = formatUnits(d);
      }
      expect(adj.funds).toEqual(want);
      const patient = alone.patientPays - BigInt(Math.round(Number(asSettled.patientPays) * 100)) * 10n ** 8n;
      expect(adj.patientPays).toBe(formatUnits(patient));
      expect(adj.patient).toBe(patient > 0n ? '应补' : patient < 0n ? '应退' : null);
      // The answer tells who owes whom, in Chinese.
      expect(reversal.readjudication.notice).toContain('应补应退');
      expect(adj.notice).toContain('按更正后的年度累计重新结算');

      // B as it now stands is B alone; the original is never edited.
      const now = await svc.settlements.get(b.view.id, null);
      expect(now.result).toEqual(asSettled);
      expect(now.adjustments).toHaveLength(1);
      expect(now.adjustments![0]!.result.funds).toEqual(aloneJson.funds);
      expect(now.adjustments![0]!.reversalOf).toBe(a.view.id);
      expect(now.current).toMatchObject({ funds: aloneJson.funds, patientPays: aloneJson.patientPays, adjustmentId: adj.adjustmentId });
      // The year is as if A had never been settled, and later bills count on it.
      const ledger = (await svc.settlements.accumulators(PERSON, 2018)).accumulators;
      const aloneYear = accumulatorsToJson(deltasOf(alone.accumulators));
      for (const [k, fields] of Object.entries(aloneYear)) for (const [f, v] of Object.entries(fields)) expect(ledger[k]?.[f as 'paid'], `${k}.${f}`).toBe(v);

      expect((await runDoctor(svc.store, { year: 2018 })).violations).toEqual([]);

      // Reversing B now takes back what B stands at (its adjustment included): the year is empty again.
      await svc.settlements.reverse(b.view.id, null, '录入错误', 'window-1');
      const empty = (await svc.settlements.accumulators(PERSON, 2018)).accumulators;
      for (const fields of Object.values(empty)) for (const v of Object.values(fields)) expect(Number(v)).toBe(0);

      const chain = await verifyAuditLog(svc.store.db);
      expect(chain.problems).toEqual([]);
      expect(chain.entries).toBe(2 + 5); // the register's 2 imports; 2 settlements, 2 reversals, 1 adjustment
      const doctor = await runDoctor(svc.store, { year: 2018 });
      expect(doctor.violations).toEqual([]);
    } finally {
      await svc.close();
    }
  });
});
