/**
 * The SQLite transaction runner under group commit: write sets that arrive together share one
 * transaction. A set that throws rolls back alone and the others commit; a set whose guard does not hold
 * writes nothing, even when the guard fails after the set's first write; every set sees the ones before
 * it; nothing is visible to other connections before the COMMIT.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteConnection } from '../../../src/store/sqlite/connection.js';
import { openSqliteStore } from '../../../src/store/sqlite/store.js';
import { SqliteWriter } from '../../../src/store/sqlite/writer.js';
import type { Store } from '../../../src/store/port.js';
import { compiled, named, type WriteSet } from '../../../src/store/write-set.js';

let store: Store;
let file: string;
beforeAll(async () => {
  file = join(mkdtempSync(join(tmpdir(), 'gc-')), 'gc.db');
  store = await openSqliteStore(file);
});
afterAll(async () => store.close());

const hospital = (code: string) => ({ code, name: code, tier: 'county', region_code: '152200', region_name: '兴安盟', county: null });
const insertHospital = (code: string) => ({ kind: 'run' as const, run: compiled(store.db.insertInto('hospitals').values(hospital(code)).compile()) });
const codes = async (like: string) => (await store.db.selectFrom('hospitals').select('code').where('code', 'like', like).execute()).map((r) => r.code).sort();

describe('the SQLite writer', () => {
  it('a set that fails in a batch rolls back alone; the others commit', async () => {
    // Every third set inserts its hospital, then a second row with the same code: a unique violation.
    const sets = Array.from({ length: 40 }, (_, i): WriteSet => ({ steps: i % 3 === 0 ? [insertHospital(`GC-${i}`), insertHospital(`GC-${i}`)] : [insertHospital(`GC-${i}`)] }));
    const results = await Promise.allSettled(sets.map((s) => store.write(s)));
    results.forEach((r, i) => expect(r.status, `set ${i}`).toBe(i % 3 === 0 ? 'rejected' : 'fulfilled'));
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    expect(await codes('GC-%')).toEqual(Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 3 !== 0).map((i) => `GC-${i}`).sort());
  });

  it('sets in one batch see each other in order: compare-and-set never loses an update', async () => {
    await store.write({ steps: [insertHospital('COUNTER'), { kind: 'run', run: compiled(store.db.insertInto('people').values({ id: 'P-GC', name: 'n', id_number: 'x', populations: '[]', county: null }).compile()) }] });
    // 100 sets, each moving the ledger from version v to v + 1: all sent at once, each for a different v.
    const bump = (v: number): WriteSet => ({
      steps: [
        {
          kind: 'one',
          run: v === 0 ? named('insertLedger', { person_id: 'P-GC', year: 2018, accumulators_json: '{"n":1}', version: 1 }) : named('updateLedger', { accumulators_json: `{"n":${v + 1}}`, next_version: v + 1, person_id: 'P-GC', year: 2018, version: v }),
          otherwise: 'stale',
          read: named('ledger', { person_id: 'P-GC', year: 2018 }),
        },
      ],
    });
    const outcomes = await Promise.all(Array.from({ length: 100 }, (_, v) => store.write(bump(v))));
    expect(outcomes.every((o) => o.kind === 'written')).toBe(true);
    // And one more from a version already passed: stale, with the ledger as it is.
    expect(await store.write(bump(50))).toEqual({ kind: 'stale', step: 0, row: { accumulators_json: '{"n":100}', version: 100 } });
  });

  it('a guard that fails after its set has written takes the set back, and only that set', async () => {
    await store.write({ steps: [insertHospital('G-EXISTS')] });
    const guardedLate = (code: string): WriteSet => ({
      steps: [insertHospital(code), { kind: 'absent', run: compiled(store.db.selectFrom('hospitals').select('code').where('code', '=', 'G-EXISTS').compile()), otherwise: 'existing' }],
    });
    const [a, b, c] = await Promise.all([store.write({ steps: [insertHospital('G-1')] }), store.write(guardedLate('G-2')), store.write({ steps: [insertHospital('G-3')] })]);
    expect(a).toEqual({ kind: 'written' });
    expect(b).toEqual({ kind: 'existing', step: 1, row: { code: 'G-EXISTS' } });
    expect(c).toEqual({ kind: 'written' });
    expect(await codes('G-%')).toEqual(['G-1', 'G-3', 'G-EXISTS']);
  });

  it('appends each set\'s audit entries to one chain, in commit order', async () => {
    const before = await store.db.selectFrom('audit_log').select('seq').execute();
    const sets = Array.from({ length: 10 }, (_, i): WriteSet => ({ steps: [{ kind: 'audit', at: '2026-12-02T00:00:00.000Z', entry: { actor: 't', action: 'seed.load', subject: `S${i}`, payload: { i } } }] }));
    await Promise.all(sets.map((s) => store.write(s)));
    const rows = await store.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
    expect(rows.length).toBe(before.length + 10);
    for (let i = 1; i < rows.length; i++) {
      expect(Number(rows[i]!.seq)).toBe(Number(rows[i - 1]!.seq) + 1);
      expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
    }
  });

  it('nothing is visible to another connection before the batch commits, and everything after', () => {
    // The runner itself, on a connection of its own, driven by hand: the batch is one transaction.
    const writer = new SqliteWriter(openSqliteConnection(file));
    const reader = openSqliteConnection(file, { readonly: true });
    const seen = () => reader.prepare("select code from hospitals where code like 'VIS-%' order by code").all();
    const db = (writer as unknown as { database: import('better-sqlite3').Database }).database;
    const commit = db.exec.bind(db);
    let during: unknown[] | undefined;
    db.exec = (sql: string) => {
      if (sql === 'commit') during = seen();
      return commit(sql);
    };
    const answers = writer.runBatch([{ steps: [insertHospital('VIS-1')] }, { steps: [insertHospital('VIS-2')] }]);
    expect(answers).toEqual([{ ok: true, outcome: { kind: 'written' } }, { ok: true, outcome: { kind: 'written' } }]);
    expect(during).toEqual([]);
    expect(seen()).toEqual([{ code: 'VIS-1' }, { code: 'VIS-2' }]);
    reader.close();
  });
});
