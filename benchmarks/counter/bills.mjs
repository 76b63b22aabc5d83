// Realistic, distinct 20-item bills for the counter benchmark: varied people, hospitals (so tiers and
// window keys), populations and costs; every bill number unique so nothing is a replay.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The 20 items of every bill: codes of the demo catalogue (seeds/catalogue.csv) and a base price in fen.
// Name, class, B-class ratio and price cap are the catalogue's, so a bill agrees with it as strict mode
// checks (the seeded demo database has the catalogue loaded; a benchmark database without it settles the
// same bills on their declarations).
const ITEMS = [
  ['110900001', 4000], ['120100002', 2400], ['110200001', 1000], ['250100001', 2000], ['250300001', 6500],
  ['250300002', 4500], ['210300001', 28000], ['220600002', 12000], ['310701001', 2500], ['D0004', 2550],
  ['D0002', 1880], ['D0005', 860], ['D0009', 6800], ['D0010', 1250], ['D0012', 2890],
  ['331004001', 180000], ['330100001', 60000], ['M0108', 3500], ['M0112', 150000], ['MY010', 1800],
];
const CATALOGUE = (() => {
  const [header, ...lines] = readFileSync(join(import.meta.dirname, '..', '..', 'seeds', 'catalogue.csv'), 'utf8').split(/\r?\n/).filter((l) => l !== '');
  const cols = header.split(',');
  const entries = new Map(lines.map((l) => {
    const e = Object.fromEntries(l.split(',').map((v, i) => [cols[i], v]));
    return [e.code, e];
  }));
  return ITEMS.map(([code, fen]) => {
    const e = entries.get(code);
    if (!e) throw new Error(`benchmarks/counter/bills.mjs: ${code} is not in seeds/catalogue.csv`);
    return [code, e.name, e.class, e.selfPayRatio || null, fen, e.priceCap || null];
  });
})();

function money(fen) {
  return `${Math.trunc(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

/**
 * The demo register from the seed register files (seeds/hospitals.csv, seeds/people.csv: a header row,
 * no quoting, one row per tier or membership period; `to` empty = open). Returns what the benchmarks use:
 * hospitals `{ code, name, tier, region: { code, name }, county }` with the tier whose period is open, and
 * people `{ id, name, idNumber, populations, county }` with the population(s) whose period is open, each
 * in the files' order.
 */
export function loadRegistry(seeds) {
  const rows = (file) => {
    const [header, ...lines] = readFileSync(join(seeds, file), 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l !== '');
    const cols = header.split(',');
    return lines.map((l) => {
      const f = l.split(',');
      return Object.fromEntries(cols.map((c, i) => [c, f[i] ?? '']));
    });
  };
  const hospitals = new Map();
  for (const r of rows('hospitals.csv')) {
    const h = hospitals.get(r.code) ?? { code: r.code, name: r.name, tier: r.tier, region: { code: r.regionCode, name: r.regionName }, county: r.county };
    if (r.to === '') h.tier = r.tier;
    hospitals.set(r.code, h);
  }
  const people = new Map();
  for (const r of rows('people.csv')) {
    const p = people.get(r.id) ?? { id: r.id, name: r.name, idNumber: r.idNumber, populations: [], county: r.county };
    if (r.to === '' && !p.populations.includes(r.population)) p.populations.push(r.population);
    people.set(r.id, p);
  }
  for (const p of people.values()) p.populations.sort();
  return { hospitals: [...hospitals.values()], people: [...people.values()] };
}

/** The i-th bill: deterministic, distinct, 20 items, ~2.5 KB of JSON (UTF-8; the names are Chinese). */
export function billFor(i, run, hospitals, people) {
  const h = hospitals[i % hospitals.length];
  const p = people[(i * 7) % people.length];
  const scale = 1 + ((i * 13) % 9) / 4;
  const items = CATALOGUE.map(([code, name, cls, spr, fen, cap], k) => {
    const qty = 1 + ((i + k) % 4);
    const unit = Math.round(fen * scale);
    const item = { code, name, class: cls, unitPrice: money(unit), quantity: String(qty), amount: money(unit * qty) };
    if (spr) item.selfPayRatio = spr;
    if (cap) item.priceCap = cap;
    return item;
  });
  return {
    hospital: h.code,
    body: JSON.stringify({
      billNo: `BENCH-${run}-${i}`,
      hospital: { code: h.code },
      person: { id: p.id },
      visit: { type: 'inpatient', admitted: '2018-06-01', discharged: `2018-06-${String(2 + (i % 27)).padStart(2, '0')}` },
      diagnosis: '胆囊结石伴慢性胆囊炎',
      items,
    }),
  };
}
