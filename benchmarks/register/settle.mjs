// node benchmarks/register/settle.mjs [ROOT] [BILLS]: settle BILLS (default 1500) distinct 20-item bills
// of the seeded people, in-process, through the service (resolve, engine, one write), on a fresh SQLite
// file seeded with the register only. ROOT (default: this checkout) is the built tree to run, so the
// same script times an earlier build against this one; the register lookup (memberships and tiers on
// the visit's date) is the difference. Prints one JSON line: bills, ms, bills per second.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(process.argv[2] ?? join(import.meta.dirname, '..', '..'));
const BILLS = Number(process.argv[3] ?? 1500);
const load = (p) => import(pathToFileURL(join(ROOT, p)).href);

const { boot } = await load('dist/app/boot.js');
const { loadRegistry } = await load('dist/app/seed.js');
const { billFor, loadRegistry: registryFiles } = await load('benchmarks/counter/bills.mjs');

const db = join(mkdtempSync(join(tmpdir(), 'onestop-register-bench-')), 'bench.db');
const { store, settlements } = await boot({ db, rulesDir: join(ROOT, 'rules'), seeds: 'none' });
await loadRegistry(store, join(ROOT, 'seeds'));
const { hospitals, people } = registryFiles(join(ROOT, 'seeds'));
const bills = Array.from({ length: BILLS }, (_, i) => JSON.parse(billFor(i, 'RB', hospitals, people).body));

const started = process.hrtime.bigint();
// 16 in flight, as windows post them.
let next = 0;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (next < bills.length) await settlements.post(bills[next++], null, 'bench');
  }),
);
const ms = Number(process.hrtime.bigint() - started) / 1e6;
await store.close();
console.log(JSON.stringify({ root: ROOT, bills: BILLS, ms: Math.round(ms), perSecond: Math.round((BILLS / ms) * 1000) }));
