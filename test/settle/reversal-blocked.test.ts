/**
 * SETTLEMENT.md §4: "If a later settlement can no longer be settled (say a payout made elsewhere now
 * exceeds what is left), the reversal is refused, naming it." A huge bill A uses up basic insurance's
 * annual cap; bill B (posted by the bureau's office, with serious-illness insurance paid elsewhere) then
 * gets nothing from basic and its paid-elsewhere amount fits. Reversing A would let basic pay B again,
 * leaving less than B's paid-elsewhere amount: refused with 422, naming B, and nothing written.
 */
import { describe, expect, it } from 'vitest';
import { parseBillInput } from '../../src/bill/parse.js';
import { toEngineBill } from '../../src/bill/schema.js';
import { SettlementError } from '../../src/engine/errors.js';
import { computeSettlement, settlementWriteSet, type LedgerRow } from '../../src/settle/compute.js';
import { newSettlementId } from '../../src/settle/ids.js';
import { named } from '../../src/store/write-set.js';
import { refusal } from '../http/fixture.js';
import { openService } from '../store/backends.js';

const HOSPITAL = 'H152200-L01';
const PERSON = 'P-000003';

describe('a reversal that would leave a later settlement unsettleable', () => {
  it('is refused with REVERSAL_BLOCKED naming that settlement, and writes nothing', async () => {
    const svc = await openService(':memory:', { registry: true });
    try {
      const a = await svc.settlements.post(
        { billNo: 'BL-A', hospital: { code: HOSPITAL }, person: { id: PERSON }, visit: { type: 'inpatient', admitted: '2018-02-01', discharged: '2018-02-10' }, items: [{ code: 'X1', class: 'A', unitPrice: '250000.00', quantity: '1', amount: '250000.00' }] },
        null,
        'test',
      );
      expect(a.view.result.accumulators.basic!.paid!.after).toBe('150000.00');
      // B, as the bureau's office would record it: serious-illness insurance paid elsewhere, 8,000.00.
      const raw = {
        billNo: 'BL-B',
        hospital: { code: HOSPITAL, tier: 'league' },
        person: { id: PERSON, populations: ['poverty'] },
        visit: { type: 'inpatient', admitted: '2018-04-01', discharged: '2018-04-10' },
        items: [{ code: 'X1', class: 'A', unitPrice: '10000.00', quantity: '1', amount: '10000.00' }],
        paidElsewhere: { serious: { payout: '8000.00' } },
      };
      const input = parseBillInput(raw);
      if (!input.success) throw input.error;
      const loaded = svc.rules.select('152200', '2018-04-10');
      const ledger = (await svc.store.get<LedgerRow>(named('ledger', { person_id: PERSON, year: 2018 })))!;
      const computed = computeSettlement(toEngineBill(input.data, 'league', ['poverty']), loaded.ruleset, ledger);
      if (computed instanceof SettlementError) throw computed;
      const now = new Date();
      const id = newSettlementId(now);
      const job = { id, year: 2018, hospitalCode: HOSPITAL, billNo: 'BL-B', personId: PERSON, visit: raw.visit, rulesetId: loaded.ruleset.id, rulesetHash: loaded.hash, billHash: '0'.repeat(64), billJson: JSON.stringify(raw), createdAt: now.toISOString(), createdBy: 'office' };
      expect(await svc.store.write(settlementWriteSet(job, computed))).toEqual({ kind: 'written' });

      const before = await svc.store.db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      const e = await refusal(svc.settlements.reverse(a.view.id, null, '录入错误', 'test'));
      expect(e.status).toBe(422);
      expect(e.code).toBe('REVERSAL_BLOCKED');
      expect(e.message).toContain(id);
      expect(e.message).toContain('BL-B');
      expect(e.issues?.[0]?.path).toBe(`settlements.${id}.paidElsewhere.serious.payout`);
      expect((await svc.settlements.get(a.view.id, null)).status).toBe('settled');
      expect(await svc.store.db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).toEqual(before);
      expect((await svc.store.get<LedgerRow>(named('ledger', { person_id: PERSON, year: 2018 })))!.version).toBe(2);
    } finally {
      await svc.close();
    }
  });
});
