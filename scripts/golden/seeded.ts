/**
 * The seeded demo year as the current code settles it, in the shape of test/fixtures/golden/seeded-2018.json
 * (per bill: funds, patient share, the sha256 of the whole stored result; totals by fund; every ledger).
 * `npm run golden:seeded` rewrites that file; do it only for a deliberate change of policy or seeds, and
 * read the diff: every changed figure is a changed payout.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boot } from '../../src/app/boot.js';
import type { Store } from '../../src/store/port.js';

export const GOLDEN_ABOUT =
  'The seeded demo year (seeds/) as settled by the code it was last written from: per bill, what each fund paid, what the patient paid, and the sha256 of the whole stored result; totals by fund of the unreversed settlements; every ledger. Regenerate only for a deliberate change of policy or seeds: npm run golden:seeded.';

const yuan = (fen: number) => `${Math.trunc(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

export async function seededYear(store: Store): Promise<Record<string, unknown>> {
  const settlements: Record<string, unknown> = {};
  const rows = await store.db.selectFrom('settlements').select(['hospital_code', 'bill_no', 'result_json', 'status']).orderBy('hospital_code').orderBy('bill_no').execute();
  for (const r of rows) {
    const result = JSON.parse(r.result_json) as { population: string; total: string; funds: Record<string, string>; patientPays: string };
    settlements[`${r.hospital_code}/${r.bill_no}`] = {
      status: r.status,
      population: result.population,
      total: result.total,
      funds: result.funds,
      patientPays: result.patientPays,
      result: createHash('sha256').update(r.result_json).digest('hex'),
    };
  }
  const totalsByFund: Record<string, string> = {};
  const sums = await store.db
    .selectFrom('settlement_funds as f')
    .innerJoin('settlements as s', 's.id', 'f.settlement_id')
    .select(['f.fund', (eb) => eb.fn.sum<number>('f.amount_fen').as('fen')])
    .where('s.status', '=', 'settled')
    .groupBy('f.fund')
    .orderBy('f.fund')
    .execute();
  for (const s of sums) totalsByFund[s.fund] = yuan(Number(s.fen));
  const ledgers: Record<string, unknown> = {};
  for (const l of await store.db.selectFrom('ledgers').select(['person_id', 'year', 'accumulators_json']).orderBy('person_id').orderBy('year').execute()) {
    ledgers[`${l.person_id}/${l.year}`] = JSON.parse(l.accumulators_json);
  }
  return { about: GOLDEN_ABOUT, settlements, totalsByFund, ledgers };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = join(import.meta.dirname, '..', '..');
  const { store } = await boot({ db: join(mkdtempSync(join(tmpdir(), 'onestop-golden-')), 'golden.db'), rulesDir: join(root, 'rules'), seeds: join(root, 'seeds') });
  const year = await seededYear(store);
  await store.close();
  const file = join(root, 'test', 'fixtures', 'golden', 'seeded-2018.json');
  writeFileSync(file, `${JSON.stringify(sortKeys(year), null, 1)}\n`);
  process.stdout.write(`wrote ${file}\n`);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}
