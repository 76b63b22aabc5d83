/**
 * SQLite group commit: writes that arrive together share one transaction, each in its own savepoint.
 * A failing write leaves no trace and does not disturb the others; every write sees the ones before it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore, type Store } from '../../src/store/db.js';

let store: Store;
let file: string;
beforeAll(async () => {
  file = join(mkdtempSync(join(tmpdir(), 'gc-')), 'gc.db');
  store = await openSqliteStore(file);
});
afterAll(async () => store.close());

const hospital = (code: string) => ({ code, name: code, tier: 'county', region_code: '152200', region_name: '兴安盟', county: null });

describe('group commit', () => {
  it('a failing write in a batch rolls back alone; the others commit', async () => {
    const writes = Array.from({ length: 40 }, (_, i) =>
      store.write(async (trx) => {
        await trx.insertInto('hospitals').values(hospital(`GC-${i}`)).execute();
        if (i % 3 === 0) throw new Error(`refused ${i}`);
        return i;
      }),
    );
    const results = await Promise.allSettled(writes);
    results.forEach((r, i) => expect(r.status, `write ${i}`).toBe(i % 3 === 0 ? 'rejected' : 'fulfilled'));
    const codes = (await store.db.selectFrom('hospitals').select('code').where('code', 'like', 'GC-%').execute()).map((r) => r.code).sort();
    const expected = Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 3 !== 0).map((i) => `GC-${i}`).sort();
    expect(codes).toEqual(expected);
  });

  it('writes in one batch see each other in order, so read-modify-write never loses an update', async () => {
    await store.write((trx) => trx.insertInto('hospitals').values(hospital('COUNTER')).execute());
    await store.write((trx) => trx.insertInto('people').values({ id: 'P-GC', name: 'n', id_number: 'x', populations: '[]', county: null }).execute());
    await store.write((trx) => trx.insertInto('ledgers').values({ person_id: 'P-GC', year: 2018, accumulators_json: '{}', version: 0 }).execute());
    const bumps = Array.from({ length: 100 }, () =>
      store.write(async (trx) => {
        const row = await trx.selectFrom('ledgers').select('version').where('person_id', '=', 'P-GC').executeTakeFirstOrThrow();
        await trx.updateTable('ledgers').set({ version: row.version + 1 }).where('person_id', '=', 'P-GC').execute();
        return row.version;
      }),
    );
    const seen = await Promise.all(bumps);
    expect(new Set(seen).size).toBe(100);
    const final = await store.db.selectFrom('ledgers').select('version').where('person_id', '=', 'P-GC').executeTakeFirstOrThrow();
    expect(final.version).toBe(100);
  });

  it('nothing is visible to other readers before the batch commits, and everything after', async () => {
    // A second connection on the same file (opened first: opening migrates under the write lock), which
    // reads committed data only.
    const reader = await openSqliteStore(file);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = store.write(async (trx) => {
      await trx.insertInto('hospitals').values(hospital('GC-SLOW')).execute();
      await gate;
      return 'done';
    });
    await new Promise((r) => setTimeout(r, 20)); // let the batch insert and wait at the gate
    expect(await reader.db.selectFrom('hospitals').select('code').where('code', '=', 'GC-SLOW').executeTakeFirst()).toBeUndefined();
    release();
    expect(await slow).toBe('done');
    expect(await reader.db.selectFrom('hospitals').select('code').where('code', '=', 'GC-SLOW').executeTakeFirst()).toEqual({ code: 'GC-SLOW' });
    await reader.close();
  });
});
