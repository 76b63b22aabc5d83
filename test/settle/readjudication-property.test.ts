/**
 * The property of SETTLEMENT.md §4, after every step of random sequences of settlements and reversals
 * for one person-year (./sequences.ts): settlements plus adjustments equal settling the surviving bills
 * in their ledger order from zero, to the fen, per fund. 1,200 sequences on an in-memory SQLite store
 * (the service's whole path: read, compute, one write set, compare-and-set), and a smaller run on a
 * SQLite file (writer thread) and on PostgreSQL.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/audit/doctor.js';
import { verifyAuditLog } from '../../src/checks/audit-log.js';
import { BACKENDS, openService } from '../store/backends.js';
import { runSequences } from './sequences.js';

afterAll(async () => {
  for (const b of BACKENDS) await b.cleanup();
});

describe('settlements plus adjustments = the surviving bills settled in ledger order from zero', () => {
  it('1,200 random sequences for one person-year each, in memory; a third or more re-adjudicate money; adjusted settlements are reversed too', async () => {
    const svc = await openService(':memory:', { registry: true });
    try {
      const stats = await runSequences({ store: svc.store, service: svc.settlements, rules: svc.rules, count: 1200, seed: 23_000, prefix: 'RQ' });
      console.info('in-memory property run:', JSON.stringify(stats));
      expect(stats.sequences).toBe(1200);
      expect(stats.withAdjustments).toBeGreaterThanOrEqual(stats.sequences / 3);
      expect(stats.reversalsOfAdjusted).toBeGreaterThan(50);
      expect(stats.blocked).toBe(0);
      expect((await runDoctor(svc.store, { year: 2018 })).violations).toEqual([]);
      expect((await verifyAuditLog(svc.store.db)).problems).toEqual([]);
    } finally {
      await svc.close();
    }
  }, 300_000);

  describe.each(BACKENDS)('on $name', (backend) => {
    it.skipIf(backend.skip !== null)('60 random sequences; doctor and the audit chain clean after', async () => {
      const svc = await openService(await backend.fresh(), { registry: true });
      try {
        const stats = await runSequences({ store: svc.store, service: svc.settlements, rules: svc.rules, count: 60, seed: 91_000, prefix: 'RS' });
        expect(stats.withAdjustments).toBeGreaterThan(0);
        expect((await runDoctor(svc.store, { year: 2018 })).violations).toEqual([]);
        expect((await verifyAuditLog(svc.store.db)).problems).toEqual([]);
      } finally {
        await svc.close();
      }
    }, 300_000);
  });
});
