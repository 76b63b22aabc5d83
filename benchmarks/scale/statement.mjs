// A person-year statement (年度结算汇总, what `onestop statement` and GET /v1/people/{id}/years/{year}
// answer), timed in-process: a process start alone is ~200 ms, far more than the statement's own target.
// One store opened, then loadPersonYearStatement for `count` people drawn with a fixed seed from those
// settled in the year (each once, after 5 unmeasured warm-up statements); prints JSON.
// Usage: node statement.mjs <db> <year> [count]
import { openStore } from '../../dist/store/open.js';
import { loadPersonYearStatement } from '../../dist/statement/load.js';
import { mulberry32 } from './generate.mjs';

const [db, yearText, countText] = process.argv.slice(2);
const year = Number(yearText);
const count = Number(countText ?? 100);
const store = await openStore(db);
const people = (await store.db.selectFrom('ledgers').select('person_id').where('year', '=', year).orderBy('person_id').execute()).map((r) => r.person_id);
const rnd = mulberry32(0x5747);
const chosen = new Set();
while (chosen.size < Math.min(count, people.length)) chosen.add(people[Math.floor(rnd() * people.length)]);
const warm = [...chosen].slice(0, 5);
for (const p of warm) await loadPersonYearStatement(store, p, year);
const ms = [];
let entries = 0;
for (const p of chosen) {
  const t = performance.now();
  const st = await loadPersonYearStatement(store, p, year);
  ms.push(performance.now() - t);
  entries += st.entries.length;
  if (!st.ledger.agrees) throw new Error(`statement of ${p} ${year}: the running year-to-date does not agree with the ledger`);
}
await store.close();
ms.sort((a, b) => a - b);
const at = (q) => ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)];
process.stdout.write(JSON.stringify({ people: ms.length, entriesPerStatement: entries / ms.length, medianMs: at(0.5), p99Ms: at(0.99), maxMs: ms.at(-1), sample: [...chosen][0] }));
