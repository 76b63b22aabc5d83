/**
 * The recompute audit reads the store a page of people at a time on one snapshot (src/audit/audit.ts):
 * the report must not depend on where the pages break (a person's year walked across a page boundary
 * would lose its cap sums), it reports its progress, it stops when cancelled, and a settlement committed
 * while it runs is not in it.
 */
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit/audit.js';
import { runDoctor } from '../../src/audit/doctor.js';
import { ReadCancelled } from '../../src/audit/run-options.js';
import { openStore } from '../../src/store/open.js';
import { startTestService, type TestService } from '../http/fixture.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc.close();
});

const YEAR = { from: '2018-01-01', to: '2018-12-31' };

describe('the audit in pages', () => {
  it('gives the same report whatever the page size, findings included', async () => {
    // A finding of each per-settlement kind and a cap breach, so that their order is checked too.
    const rows = await svc.store.db.selectFrom('settlements').select(['id', 'patient_pays_fen', 'person_id']).where('status', '=', 'settled').orderBy('discharged').execute();
    const a = rows[3]!;
    const b = rows[rows.length - 5]!;
    await svc.store.db.updateTable('settlements').set({ patient_pays_fen: a.patient_pays_fen + 1 }).where('id', '=', a.id).execute();
    await svc.store.db.updateTable('settlements').set({ patient_pays_fen: b.patient_pays_fen + 7 }).where('id', '=', b.id).execute();
    try {
      const whole = await runAudit(svc.store, YEAR, { pageSize: 100_000 });
      expect(whole.mismatches.map((m) => m.id).sort()).toEqual([a.id, b.id].sort());
      for (const pageSize of [1, 2, 7]) expect(await runAudit(svc.store, YEAR, { pageSize })).toEqual(whole);
      const hospital = await runAudit(svc.store, { ...YEAR, hospital: 'H152200-L01' }, { pageSize: 3 });
      expect(hospital).toEqual(await runAudit(svc.store, { ...YEAR, hospital: 'H152200-L01' }, { pageSize: 100_000 }));
    } finally {
      await svc.store.db.updateTable('settlements').set({ patient_pays_fen: a.patient_pays_fen }).where('id', '=', a.id).execute();
      await svc.store.db.updateTable('settlements').set({ patient_pays_fen: b.patient_pays_fen }).where('id', '=', b.id).execute();
    }
  });

  it('reports its progress: from 0 to the count, never backwards, against the total counted first', async () => {
    const seen: [number, number][] = [];
    const r = await runAudit(svc.store, YEAR, { pageSize: 5, onProgress: (done, total) => seen.push([done, total]) });
    expect(seen[0]).toEqual([0, r.count]);
    expect(seen.at(-1)).toEqual([r.count, r.count]);
    expect(seen.length).toBeGreaterThan(3);
    for (let i = 1; i < seen.length; i++) expect(seen[i]![0]).toBeGreaterThanOrEqual(seen[i - 1]![0]);
  });

  it('stops at the next page once cancelled, with ReadCancelled', async () => {
    const ac = new AbortController();
    let pages = 0;
    const run = runAudit(svc.store, YEAR, {
      pageSize: 2,
      signal: ac.signal,
      onProgress: () => {
        if (++pages === 3) ac.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(ReadCancelled);
    expect(pages).toBe(3);
  });

  it('reads one snapshot: a settlement committed while it runs is not counted', async () => {
    // The audit reads on a connection of its own, as in its thread (audit-worker.ts) or the CLI; a second
    // connection commits a settlement row (a copy of one, under another id) after its first page.
    const reader = await openStore(svc.store.reopen!);
    const writer = new SQLite(svc.store.reopen!);
    try {
      const before = (await runAudit(reader, YEAR)).count;
      const copy = writer.prepare('select * from settlements order by id limit 1').get() as Record<string, unknown>;
      let wrote = false;
      const r = await runAudit(reader, YEAR, {
        pageSize: 3,
        onProgress: (done) => {
          if (done === 0 || wrote) return;
          const row = { ...copy, id: 'JS-SNAPSHOT-COPY', bill_no: 'SNAPSHOT-COPY' };
          writer.prepare(`insert into settlements (${Object.keys(row).join(', ')}) values (${Object.keys(row).map(() => '?').join(', ')})`).run(...Object.values(row));
          wrote = true;
        },
      });
      expect(wrote).toBe(true);
      expect(r.count).toBe(before);
      expect((await runAudit(reader, YEAR)).count).toBe(before + 1);
    } finally {
      writer.prepare("delete from settlements where id = 'JS-SNAPSHOT-COPY'").run();
      writer.close();
      await reader.close();
    }
  });
});

describe('doctor in batches', () => {
  it('reports its progress in settlements, and stops when cancelled', async () => {
    const seen: [number, number][] = [];
    const r = await runDoctor(svc.store, { year: 2018, batchSize: 5, onProgress: (done, total) => seen.push([done, total]) });
    expect(r.ok).toBe(true);
    expect(seen[0]).toEqual([0, r.settlements]);
    expect(seen.at(-1)).toEqual([r.settlements, r.settlements]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]![0]).toBeGreaterThanOrEqual(seen[i - 1]![0]);
    const ac = new AbortController();
    let calls = 0;
    await expect(runDoctor(svc.store, { year: 2018, batchSize: 5, signal: ac.signal, onProgress: () => ++calls === 2 && ac.abort() })).rejects.toBeInstanceOf(ReadCancelled);
    expect(calls).toBe(2);
  });
});
