/**
 * The SQLite writer thread dying while it holds a settlement. The window must not be told the bill was
 * not settled when it may have been: it gets a 503 saying the outcome is unknown and that posting the
 * same bill again is safe, and posting it again settles the question without counting anything twice.
 * The thread is the real writer code (dist/), made to die once, before or after its COMMIT
 * (fixtures/dying-writer.mjs).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRulesDir } from '../../../src/rules/load.js';
import { RuleBook } from '../../../src/rules/select.js';
import { runDoctor } from '../../../src/audit/doctor.js';
import { SettlementService } from '../../../src/settle/service.js';
import { openSqliteStore } from '../../../src/store/sqlite/store.js';
import type { Store } from '../../../src/store/port.js';
import { named } from '../../../src/store/write-set.js';
import { loadRegistry } from '../../../src/app/seed.js';
import { ROOT, inpatientBill, refusal } from '../../http/fixture.js';

const HOSPITAL = 'H152200-L01';
const PERSON = 'P-000002';
const opened: Store[] = [];

afterEach(async () => {
  while (opened.length) await opened.pop()!.close();
  delete process.env.ONESTOP_TEST_WRITER_DIES;
  delete process.env.ONESTOP_TEST_WRITER_DIED;
});

async function serviceWithDyingWriter(when: 'before-commit' | 'after-commit') {
  const dir = mkdtempSync(join(tmpdir(), 'onestop-writer-'));
  const marker = join(dir, 'died');
  // The thread is started on the first settlement, and takes the environment as it is then.
  process.env.ONESTOP_TEST_WRITER_DIES = when;
  process.env.ONESTOP_TEST_WRITER_DIED = marker;
  const store = await openSqliteStore(join(dir, 'test.db'), { writerWorker: new URL('../fixtures/dying-writer.mjs', import.meta.url) });
  opened.push(store);
  await loadRegistry(store, join(ROOT, 'seeds'));
  const settlements = new SettlementService({ store, rules: new RuleBook(loadRulesDir(join(ROOT, 'rules'))) });
  await settlements.registerRulesets();
  return { store, settlements, died: () => existsSync(marker) };
}

const settledRows = (store: Store, billNo: string) => store.db.selectFrom('settlements').select(['id']).where('hospital_code', '=', HOSPITAL).where('bill_no', '=', billNo).execute();

describe('the SQLite writer thread stops while it holds a settlement', () => {
  it('after its COMMIT: 503 "unconfirmed", and posting again answers the settlement that was made', async () => {
    const { store, settlements, died } = await serviceWithDyingWriter('after-commit');
    const bill = inpatientBill({ billNo: 'DIES-AFTER', hospital: HOSPITAL, person: PERSON });

    const e = await refusal(settlements.post(bill, null));
    expect(died()).toBe(true);
    expect(e.status).toBe(503);
    expect(e.code).toBe('SETTLEMENT_UNCONFIRMED');
    expect(e.message).toContain('DIES-AFTER');
    expect(e.message).toContain('同一账单号重新提交');
    // It was committed: the window was not told otherwise.
    const [row] = await settledRows(store, 'DIES-AFTER');
    expect(row).toBeDefined();

    const again = await settlements.post(bill, null);
    expect(again.replay).toBe(true);
    expect(again.view.id).toBe(row!.id);
    expect(await settledRows(store, 'DIES-AFTER')).toHaveLength(1);
    // Counted once: the ledger, the fund rows and the audit chain agree with the one settlement.
    const doctor = await runDoctor(store, { year: 2018 });
    expect(doctor.violations).toEqual([]);
    expect(doctor.ok).toBe(true);
  });

  it('before its COMMIT: 503 "unconfirmed", nothing written, and posting again settles the bill once', async () => {
    const { store, settlements, died } = await serviceWithDyingWriter('before-commit');
    const bill = inpatientBill({ billNo: 'DIES-BEFORE', hospital: HOSPITAL, person: PERSON });

    const e = await refusal(settlements.post(bill, null));
    expect(died()).toBe(true);
    expect(e.status).toBe(503);
    expect(e.code).toBe('SETTLEMENT_UNCONFIRMED');
    expect(await settledRows(store, 'DIES-BEFORE')).toHaveLength(0);

    const again = await settlements.post(bill, null);
    expect(again.replay).toBe(false);
    expect(await settledRows(store, 'DIES-BEFORE')).toHaveLength(1);
    const ledger = await store.get<{ version: number }>(named('ledger', { person_id: PERSON, year: 2018 }));
    expect(ledger?.version).toBe(1);
    expect((await runDoctor(store, { year: 2018 })).ok).toBe(true);
  });
});
