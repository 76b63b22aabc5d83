// node benchmarks/catalogue/settle.mjs with|without [ENTRIES] [BILLS]: settle BILLS (default 3000)
// distinct 20-item bills in-process through the service on a fresh SQLite file, with a catalogue of
// ENTRIES (default 100,000: the bills' 20 codes and synthetic others) or none, and print the time and
// the heap once the catalogue is held. The ruleset is the Xing'an file with `catalogue: catalogueWins`
// (the benchmark bills declare a price cap per bill, which strict mode would refuse); applying the
// catalogue costs the same in either mode. Run "with" and "without" alternately (benchmarks/CATALOGUE.md).
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

const ROOT = join(import.meta.dirname, '..', '..');
const WITH = process.argv[2] === 'with';
const ENTRIES = Number(process.argv[3] ?? 100_000);
const BILLS = Number(process.argv[4] ?? 3000);
const { boot } = await import(join(ROOT, 'dist', 'app', 'boot.js'));
const { loadRegistry } = await import(join(ROOT, 'dist', 'app', 'seed.js'));
const { importCatalogue } = await import(join(ROOT, 'dist', 'catalogue', 'import.js'));
const { billFor, loadRegistry: registryFiles } = await import(join(ROOT, 'benchmarks', 'counter', 'bills.mjs'));

const tmp = mkdtempSync(join(tmpdir(), 'onestop-catalogue-bench-'));
const rulesDir = join(tmp, 'rules');
cpSync(join(ROOT, 'rules'), rulesDir, { recursive: true });
const xingan = join(rulesDir, '152200-xingan', '2018.yaml');
writeFileSync(xingan, readFileSync(xingan, 'utf8').replace(/^populations:/m, 'catalogue: catalogueWins\npopulations:'));
const { store, settlements } = await boot({ db: join(tmp, 'bench.db'), rulesDir, seeds: 'none' });
await loadRegistry(store, join(ROOT, 'seeds'));
const { hospitals, people } = registryFiles(join(ROOT, 'seeds'));
const bills = Array.from({ length: BILLS }, (_, i) => JSON.parse(billFor(i, 'CB', hospitals, people).body));

if (WITH) {
  const rows = ['code,name,category,class,selfPayRatio,priceCap,from,to,region'];
  const seen = new Set();
  for (const item of bills[0].items) {
    if (seen.has(item.code)) continue;
    seen.add(item.code);
    rows.push(`${item.code},${item.name.replaceAll(',', ' ')},service,${item.class},${item.class === 'B' ? item.selfPayRatio : ''},,2016-01-01,,152200`);
  }
  for (let i = rows.length - 1; i < ENTRIES; i++) rows.push(`X${String(i).padStart(7, '0')},合成项目${i},drug,${'ABC'[i % 3]},${i % 3 === 1 ? '0.10' : ''},${i % 5 === 0 ? '12.50' : ''},2016-01-01,,${i % 2 ? '152200' : ''}`);
  const report = await importCatalogue(store, { input: Readable.from([`${rows.join('\n')}\n`]), format: 'csv', file: 'bench.csv', dryRun: false, actor: 'bench', at: new Date().toISOString() });
  if (report.outcome !== 'applied') throw new Error(JSON.stringify(report).slice(0, 400));
}
// The first bill loads the catalogue into the service; time the rest.
await settlements.post(bills[0], null, 'bench');
global.gc?.();
const heapMiB = +(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1);
const started = process.hrtime.bigint();
const cpu = process.cpuUsage();
let next = 1;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (next < bills.length) await settlements.post(bills[next++], null, 'bench');
  }),
);
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const used = process.cpuUsage(cpu);
await store.close();
console.log(JSON.stringify({ catalogue: WITH ? ENTRIES : 0, bills: BILLS - 1, ms: Math.round(ms), mainThreadCpuMs: Math.round((used.user + used.system) / 1000), heapMiB }));
