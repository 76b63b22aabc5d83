/**
 * The seeded demo year: every stored settlement, re-computed by the engine from its stored bill, ruleset
 * version and accumulators-before, gives the identical result; and the seeded ledgers are exactly the
 * sum of their settlements' recorded changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '../../src/money/money.js';
import { RulesetVersions, recompute } from '../../src/service/recompute.js';
import { readSeedBills } from '../../src/store/seed.js';
import { ROOT, startTestService, type TestService } from './fixture.js';
import { join } from 'node:path';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ seed: true });
});
afterAll(async () => svc.close());

describe('the seeded database', () => {
  it('holds every seed bill as a settlement', async () => {
    const rows = await svc.store.db.selectFrom('settlements').select('bill_no').execute();
    expect(rows.length).toBe(readSeedBills(join(ROOT, 'seeds')).length);
    expect(rows.length).toBeGreaterThan(300);
  });

  it('every seeded settlement re-computes to the identical result', async () => {
    const rows = await svc.store.db.selectFrom('settlements').selectAll().execute();
    const versions = new RulesetVersions(svc.store.db);
    let checked = 0;
    for (const row of rows) {
      const again = await recompute(row, versions);
      expect(JSON.stringify(again), row.id).toBe(row.result_json);
      checked++;
    }
    expect(checked).toBe(rows.length);
  });

  it('every ledger equals the sum of the recorded changes of its settlements', async () => {
    const rows = await svc.store.db.selectFrom('settlements').select(['person_id', 'year', 'result_json']).where('status', '=', 'settled').execute();
    const sums = new Map<string, Decimal>();
    for (const r of rows) {
      const acc = JSON.parse(r.result_json).accumulators as Record<string, Record<string, { before: string; after: string }>>;
      for (const [k, fields] of Object.entries(acc)) {
        for (const [f, c] of Object.entries(fields)) {
          const key = `${r.person_id}|${r.year}|${k}|${f}`;
          sums.set(key, (sums.get(key) ?? new Decimal(0)).plus(new Decimal(c.after).minus(c.before)));
        }
      }
    }
    const ledgers = await svc.store.db.selectFrom('ledgers').selectAll().execute();
    let fields = 0;
    for (const l of ledgers) {
      for (const [k, fs] of Object.entries(JSON.parse(l.accumulators_json) as Record<string, Record<string, string>>)) {
        for (const [f, v] of Object.entries(fs)) {
          const key = `${l.person_id}|${l.year}|${k}|${f}`;
          expect(new Decimal(v).eq(sums.get(key) ?? 0), key).toBe(true);
          sums.delete(key);
          fields++;
        }
      }
    }
    expect(fields).toBeGreaterThan(100);
    for (const [key, v] of sums) expect(v.isZero(), key).toBe(true);
  });
});
