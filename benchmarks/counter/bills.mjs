// Realistic, distinct 20-item bills for the counter benchmark: varied people, hospitals (so tiers and
// window keys), populations and costs; every bill number unique so nothing is a replay.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const CATALOGUE = [
  ['Z001', '床位费', 'A', null, 4000], ['Z002', '护理费', 'A', null, 2400], ['Z003', '诊查费', 'A', null, 1000],
  ['L001', '血常规', 'A', null, 2000], ['L002', '肝功能', 'A', null, 6500], ['L003', '肾功能', 'A', null, 4500],
  ['I001', 'CT 平扫', 'B', '0.10', 28000], ['I002', '彩色多普勒超声', 'B', '0.10', 12000], ['I003', '心电图', 'A', null, 2500],
  ['D001', '头孢曲松钠注射液', 'B', '0.10', 2550], ['D002', '左氧氟沙星注射液', 'B', '0.15', 1880], ['D003', '奥美拉唑肠溶胶囊', 'A', null, 860],
  ['D004', '胰岛素注射液', 'B', '0.20', 6800], ['D005', '硝苯地平缓释片', 'A', null, 1250], ['D006', '阿托伐他汀钙片', 'B', '0.05', 2890],
  ['S001', '手术费', 'A', null, 180000], ['S002', '麻醉费', 'A', null, 60000], ['M001', '一次性耗材', 'C', null, 3500],
  ['M002', '进口吻合器', 'C', null, 150000], ['T001', '蒙药 阿拉坦五味丸', 'C', null, 1800],
];

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
  const items = CATALOGUE.map(([code, name, cls, spr, fen], k) => {
    const qty = 1 + ((i + k) % 4);
    const unit = Math.round(fen * scale);
    const item = { code, name, class: cls, unitPrice: money(unit), quantity: String(qty), amount: money(unit * qty) };
    if (spr) item.selfPayRatio = spr;
    if (k === 9) item.priceCap = money(Math.round(unit * 0.95));
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
