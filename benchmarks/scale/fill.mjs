// Fills a fresh store with the synthetic province-year (./generate.mjs) through the real paths: the
// register files through the register import (the code `onestop register import` runs), the demo
// catalogue through the catalogue import (as loadCatalogue), then every bill through
// SettlementService.post in this process with many in flight (so SQLite's group commit batches them: bulk, but the same transaction code), and the
// chosen reversals through SettlementService.reverse (so later settlements are settled again and
// adjustments written). Progress on stderr; a JSON summary on stdout.
//
// The service runs on the year's clock (SettlementService's `now`), not the machine's: a bill is settled
// on its discharge day (09:00 Beijing, milliseconds apart), a reversal on the day of the later bill it
// follows, and the register and the catalogue are imported in December 2017. So the store looks like a
// year that happened: receivables put reversals and adjustments in their months of 2018, and the
// register stood as the settlements recorded it when they were made.
// Usage: node fill.mjs <db> <settlements> <work dir> [in flight]
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { importCatalogue } from '../../dist/catalogue/import.js';
import { importRegister } from '../../dist/register/import.js';
import { loadRulesDir } from '../../dist/rules/load.js';
import { defaultRulesDir } from '../../dist/rules/resolve.js';
import { RuleBook } from '../../dist/rules/select.js';
import { SettlementService } from '../../dist/settle/service.js';
import { openStore } from '../../dist/store/open.js';
import { provinceYear, writeRegisterFiles } from './generate.mjs';

const [db, nText, dir, inFlightText] = process.argv.slice(2);
const N = Number(nText);
const IN_FLIGHT = Number(inFlightText ?? 64);
const ROOT = join(import.meta.dirname, '..', '..');
const log = (s) => process.stderr.write(`${s}\n`);

const t0 = performance.now();
const year = provinceYear(N);
const files = writeRegisterFiles(dir, year);
log(`generated: ${year.people.length} people (${files.peopleRows} rows), ${year.hospitals.length} hospitals, ${N} bills, ${year.reverseAfter.size} reversals planned (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

// The year's clock: strictly increasing, never behind the day of the bill being settled.
const BEFORE = Date.parse('2017-12-20T01:00:00.000Z');
let clock = BEFORE;
const now = () => new Date(++clock);
const dayStarts = (discharged) => Date.parse(`${discharged}T01:00:00.000Z`);
const advanceTo = (discharged) => {
  clock = Math.max(clock, dayStarts(discharged));
};
// What boot() does (rules, store migrated, every ruleset version recorded), with the year's clock and no demo seeds.
const rules = new RuleBook(loadRulesDir(defaultRulesDir()));
const store = await openStore(db);
const settlements = new SettlementService({ store, rules, now });
await settlements.registerRulesets();
const importAt = () => now().toISOString();
const timings = {};
for (const kind of ['hospitals', 'people']) {
  const t = performance.now();
  const report = await importRegister(store, rules.vocabulary(), { kind, input: createReadStream(files[kind]), format: 'csv', file: `${kind}.csv`, source: 'bench:scale', dryRun: false, actor: 'bench', at: importAt() });
  if (report.outcome !== 'applied') throw new Error(`register import of ${kind}: ${report.outcome} ${JSON.stringify(report.problems?.slice(0, 5) ?? report.counts)}`);
  timings[`import_${kind}_s`] = (performance.now() - t) / 1000;
  log(`imported ${kind}: ${timings[`import_${kind}_s`].toFixed(1)} s`);
}
// The demo catalogue, imported as loadCatalogue (src/app/seed.ts) imports it, but dated before the year.
const cat = await importCatalogue(store, { input: createReadStream(join(ROOT, 'seeds', 'catalogue.csv')), format: 'csv', file: 'seeds/catalogue.csv', source: 'demo seeds', dryRun: false, actor: 'bench', at: importAt() });
if (cat.outcome !== 'applied') throw new Error(`catalogue import: ${cat.outcome}`);

// Settlement ids by arrival position, for the visits that are reversed later (awaited: the later visit
// may be settled before the one it reverses has committed).
const wanted = new Set(year.reverseAfter.values());
const ids = new Map();
let next = 0;
let done = 0;
let refused = 0;
let reversals = 0;
let adjustments = 0;
const refusals = new Map();
const start = performance.now();
let lastAt = start;
let lastDone = 0;
const progress = setInterval(() => {
  const now = performance.now();
  const rate = (done / (now - start)) * 1000;
  const recent = ((done - lastDone) / (now - lastAt)) * 1000;
  lastAt = now;
  lastDone = done;
  const eta = rate > 0 ? (N - done) / rate : Infinity;
  log(`settled ${done.toLocaleString('en-US')}/${N.toLocaleString('en-US')} (${((done / N) * 100).toFixed(1)}%)  ${recent.toFixed(0)}/s now, ${rate.toFixed(0)}/s average  reversals ${reversals}  ETA ${Number.isFinite(eta) ? `${Math.floor(eta / 60)} min ${Math.round(eta % 60)} s` : '?'}`);
}, 5000);

async function worker() {
  while (next < N) {
    const i = next++;
    const bill = year.billAt(i);
    advanceTo(bill.visit.discharged);
    let settle;
    try {
      const { replay, view } = await settlements.post(bill, null, 'bench');
      if (replay) throw new Error(`bill ${bill.billNo} was a replay: the store was not fresh`);
      settle = view.id;
    } catch (e) {
      if (!e || typeof e.code !== 'string') throw e;
      refused++;
      refusals.set(e.code, (refusals.get(e.code) ?? 0) + 1);
      if (refusals.get(e.code) <= 3) log(`refused ${bill.billNo}: ${e.code} ${e.message}`);
      settle = null;
    }
    if (wanted.has(i)) ids.set(i, Promise.resolve(settle));
    done++;
    const target = year.reverseAfter.get(i);
    if (target !== undefined) {
      // The earlier visit's settlement: already settled in arrival order, or still in flight.
      let id = await ids.get(target);
      while (id === undefined && !ids.has(target)) {
        await new Promise((r) => setTimeout(r, 5));
        id = await ids.get(target);
      }
      if (id) {
        const answer = await settlements.reverse(id, null, '医院申请撤销（费用更正）', 'bench');
        reversals++;
        adjustments += answer.readjudication?.adjustments?.length ?? 0;
      }
    }
  }
}
await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
clearInterval(progress);
const settleSeconds = (performance.now() - start) / 1000;
log(`settled ${done} in ${settleSeconds.toFixed(0)} s (${(done / settleSeconds).toFixed(0)}/s), ${refused} refused, ${reversals} reversals`);
await store.close();
process.stdout.write(
  JSON.stringify({
    settlements: done - refused,
    refused,
    refusals: Object.fromEntries(refusals),
    reversals,
    adjustmentsAnswered: adjustments,
    people: year.people.length,
    peopleRows: files.peopleRows,
    hospitals: year.hospitals.length,
    settleSeconds,
    ratePerSecond: done / settleSeconds,
    ...timings,
  }),
);
