// A synthetic province-year for npm run bench:scale: the register files (people and hospitals, CSV in the
// shape `onestop register import` reads) and the year's bills, drawn from one seeded PRNG, so the same N
// gives the same files and the same bills in the same order on every run.
//
// The bills are the demo year's (seeds/bills.jsonl) used as templates: each synthetic visit takes a
// template of its visit type, tier and population, moves it to the visit's dates, prices it a little
// differently (amounts recomputed to the fen) and gives it a hospital of the template's tier near the
// person. So every bill uses the demo catalogue's codes with the catalogue's declarations, and the
// synthetic year settles through the same rules (xingan-2018) as the demo year.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export function mulberry32(a) {
  return function () {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REGION = { code: '152200', name: '兴安盟' };
// The league's six county-level divisions (the only region with a 2018 ruleset in rules/).
const COUNTIES = [
  ['152201', '乌兰浩特市'],
  ['152202', '阿尔山市'],
  ['152221', '科右前旗'],
  ['152222', '科右中旗'],
  ['152223', '扎赉特旗'],
  ['152224', '突泉县'],
];
// How the visits of a person-year split by visit type (outpatient visits are most of a poor person's year).
const VISIT_MIX = { inpatient: 0.25, chronicOutpatient: 0.35, outpatientPooling: 0.2, familyDoctorPackage: 0.1, homeSickbed: 0.1 };
// Codes whose catalogue entry changes on 2018-07-01: a template with one is only valid on its own side of
// that date, so such templates are left out rather than moved.
const DATED_CODES = new Set(['D0024', 'D0094', '110400002']);
const SURNAMES = '王李张刘赵孙杨陈高于徐马郭韩董吴周胡宋姜曹崔谭翟邢霍郑吕常付田石邓范贾苏魏冯任程包白宝鲍金何敖'.split('');
const GIVEN = '秀英玉兰桂芝淑珍凤兰丽华建国志强海军永明金山宝音巴特尔斯琴乌云其其格那木吉拉朝鲁哈斯巴根布和额尔敦达来德力格尔格日勒图雅苏日娜萨仁高娃'.match(/../g);

const DAY0 = Date.UTC(2018, 0, 1);
const iso = (d) => new Date(DAY0 + d * 86_400_000).toISOString().slice(0, 10);
const dayOf = (s) => Math.round((Date.parse(`${s}T00:00:00Z`) - DAY0) / 86_400_000);

/** GB 11643 check character of the first 17 digits of an ID number. */
function idCheck(s17) {
  const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(s17[i]) * W[i];
  return '10X98765432'[sum % 11];
}

/** The hospitals: per county, a general and a Mongolian-medicine county hospital and 8 township health centres; 3 league, 3 province, 2 out-of-province. */
export function hospitals() {
  const out = [];
  for (const [cc, county] of COUNTIES) {
    out.push({ code: `H${cc}-C01`, name: `${county}人民医院`, tier: 'county', county });
    out.push({ code: `H${cc}-C02`, name: `${county}蒙医医院`, tier: 'county', county });
    for (let t = 1; t <= 8; t++) out.push({ code: `H${cc}-T${String(t).padStart(2, '0')}`, name: `${county}第${t}乡镇卫生院`, tier: 'township', county });
  }
  out.push({ code: 'H152200-L01', name: '兴安盟人民医院', tier: 'league', county: '乌兰浩特市' });
  out.push({ code: 'H152200-L02', name: '兴安盟蒙医医院', tier: 'league', county: '乌兰浩特市' });
  out.push({ code: 'H152200-L03', name: '兴安盟妇幼保健院', tier: 'league', county: '乌兰浩特市' });
  out.push({ code: 'H150100-P01', name: '内蒙古自治区人民医院', tier: 'province', county: '呼和浩特市' });
  out.push({ code: 'H150100-P02', name: '内蒙古医科大学附属医院', tier: 'province', county: '呼和浩特市' });
  out.push({ code: 'H150100-P03', name: '内蒙古自治区国际蒙医医院', tier: 'province', county: '呼和浩特市' });
  out.push({ code: 'H110102-X01', name: '中国医学科学院阜外医院', tier: 'outOfProvince', county: '北京市西城区' });
  out.push({ code: 'H210102-X01', name: '中国医科大学附属第一医院', tier: 'outOfProvince', county: '沈阳市和平区' });
  return out;
}

function loadTemplates() {
  const lines = readFileSync(join(ROOT, 'seeds', 'bills.jsonl'), 'utf8').split('\n').filter((l) => l.trim());
  const out = [];
  for (const l of lines) {
    const b = JSON.parse(l);
    // The five people whose population changes in 2018 (XA18-9…) have bills whose population depends on the date.
    if (b.billNo.startsWith('XA18-9')) continue;
    if (b.items.some((it) => DATED_CODES.has(it.code))) continue;
    const los = dayOf(b.visit.discharged) - dayOf(b.visit.admitted);
    out.push({ bill: b, type: b.visit.type, tier: b.hospital.tier, population: b.person.populations[0], los });
  }
  return out;
}

/** "55.5" → 5550 hundredths. */
function hundredths(q) {
  const [i, f = ''] = q.split('.');
  return Number(i) * 100 + Number((f + '00').slice(0, 2));
}
const fenOf = (m) => {
  const [i, f = ''] = m.split('.');
  return Number(i) * 100 + Number((f + '00').slice(0, 2));
};
const money = (fen) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

/**
 * The province-year for `n` settlements: people (5–10 visits each in the year; 65% poor; 2% of the poor
 * leave poverty on 2018-07-01), hospitals, and `visits`, sorted by discharge date (the order bills reach
 * the windows), each naming its person, template, dates and hospital. `reversals` decides which
 * settlements are reversed: about `reversalRate` of them, each an earlier visit of the person of a later
 * one, reversed right after that later one is settled (so the person's later settlements are settled
 * again on the corrected year-to-date, and adjustments are written where they change).
 */
export function provinceYear(n, { seed = 0x26, reversalRate = 0.015 } = {}) {
  const rnd = mulberry32(seed);
  const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const hs = hospitals();
  const byTier = new Map();
  for (const h of hs) byTier.set(h.tier, [...(byTier.get(h.tier) ?? []), h]);
  const templates = loadTemplates();
  const pool = new Map();
  for (const [i, t] of templates.entries()) {
    const k = `${t.population}|${t.type}`;
    pool.set(k, [...(pool.get(k) ?? []), i]);
  }
  const mixFor = (population) => {
    const entries = Object.entries(VISIT_MIX).filter(([type]) => pool.has(`${population}|${type}`));
    const total = entries.reduce((s, [, w]) => s + w, 0);
    return entries.map(([type, w]) => [type, w / total]);
  };
  const mixes = { poverty: mixFor('poverty'), resident: mixFor('resident') };
  const drawType = (population) => {
    let r = rnd();
    for (const [type, w] of mixes[population]) if ((r -= w) < 0) return type;
    return mixes[population].at(-1)[0];
  };

  const people = [];
  const given = new Set();
  // Per visit: person, template, admission day, discharge day, hospital, price factor (‰).
  const vPerson = new Uint32Array(n);
  const vTemplate = new Uint16Array(n);
  const vAdmit = new Uint16Array(n);
  const vDischarge = new Uint16Array(n);
  const vHospital = new Uint16Array(n);
  const vPrice = new Uint16Array(n);
  const hIndex = new Map(hs.map((h, i) => [h.code, i]));
  let v = 0;
  while (v < n) {
    const p = people.length;
    const [cc, county] = pick(COUNTIES);
    const poor = rnd() < 0.65;
    const leaves = poor && rnd() < 0.02;
    const born = new Date(Date.UTC(int(1935, 2012), 0, 1 + int(0, 364))).toISOString().slice(0, 10).replace(/-/g, '');
    // ID numbers are unique in the register: the sequence number moves on past one already given.
    let seq = int(0, 999);
    while (given.has(`${cc}${born}${String(seq).padStart(3, '0')}`)) seq = (seq + 1) % 1000;
    const s17 = `${cc}${born}${String(seq).padStart(3, '0')}`;
    given.add(s17);
    const person = {
      id: `S-${String(p + 1).padStart(7, '0')}`,
      name: pick(SURNAMES) + pick(GIVEN),
      idNumber: s17 + idCheck(s17),
      county,
      cc,
      periods: leaves ? [['poverty', '2016-01-01', '2018-06-30'], ['resident', '2018-07-01', '']] : [[poor ? 'poverty' : 'resident', '2016-01-01', '']],
    };
    people.push(person);
    const k = Math.min(int(5, 10), n - v);
    // The year in k slots, one visit in each, so a person's stays do not overlap.
    const slot = Math.floor(365 / k);
    for (let j = 0; j < k; j++, v++) {
      const start = j * slot;
      const population = leaves && start >= 181 ? 'resident' : person.periods[0][0];
      const type = drawType(population);
      const candidates = pool.get(`${population}|${type}`);
      // A template short enough for the slot (an inpatient stay of 30 days does not fit a slot of 36 days minus one).
      let t = pick(candidates);
      for (let tries = 0; tries < 8 && templates[t].los >= slot; tries++) t = pick(candidates);
      const los = Math.min(templates[t].los, slot - 1);
      let admit = start + int(0, Math.max(0, slot - 1 - los));
      // The population decides by the admission date: keep a leaver's visit on its side of 2018-07-01.
      if (leaves) admit = start < 181 ? Math.min(admit, 180) : Math.max(admit, 181);
      const discharge = Math.min(admit + los, 364);
      const tier = templates[t].tier;
      const local = byTier.get(tier).filter((h) => h.county === county);
      const h = local.length ? pick(local) : pick(byTier.get(tier));
      vPerson[v] = p;
      vTemplate[v] = t;
      vAdmit[v] = admit;
      vDischarge[v] = discharge;
      vHospital[v] = hIndex.get(h.code);
      vPrice[v] = int(920, 1100);
    }
  }
  // The order the bills arrive: by discharge day, shuffled within the day.
  const key = new Float64Array(n);
  for (let i = 0; i < n; i++) key[i] = vDischarge[i] + rnd();
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => key[a] - key[b]);

  // Reversals: after settling visit order[i] of a person with earlier visits, sometimes reverse one of them.
  const seen = new Map(); // person → positions (in `order`) of their visits so far
  const reverseAfter = new Map(); // position → position of the visit to reverse
  const reversed = new Set();
  for (let i = 0; i < n; i++) {
    const p = vPerson[order[i]];
    const earlier = seen.get(p) ?? [];
    const open = earlier.filter((x) => !reversed.has(x));
    // Only persons with an earlier visit qualify (about 6 in 7 of all visits): scaled so the total is ~reversalRate.
    if (open.length && rnd() < reversalRate * 1.2) {
      const target = open[Math.floor(rnd() * open.length)];
      reverseAfter.set(i, target);
      reversed.add(target);
    }
    earlier.push(i);
    seen.set(p, earlier);
  }

  /** The bill at position i of the arrival order. */
  const billAt = (i) => {
    const x = order[i];
    const t = templates[vTemplate[x]].bill;
    const factor = vPrice[x];
    const items = t.items.map((it) => {
      const unit = Math.max(1, Math.round((fenOf(it.unitPrice) * factor) / 1000));
      const q = hundredths(it.quantity);
      const a = unit * q + 50;
      const out = { ...it, unitPrice: money(unit), amount: money((a - (a % 100)) / 100) };
      return out;
    });
    const bill = {
      billNo: `SC18-${String(i + 1).padStart(8, '0')}`,
      hospital: { code: hs[vHospital[x]].code },
      person: { id: people[vPerson[x]].id },
      visit: { type: t.visit.type, admitted: iso(vAdmit[x]), discharged: iso(vDischarge[x]) },
      items,
    };
    if (t.diagnosis) bill.diagnosis = t.diagnosis;
    if (t.diagnoses) bill.diagnoses = t.diagnoses;
    return bill;
  };
  return { people, hospitals: hs, n, billAt, reverseAfter, personAt: (i) => people[vPerson[order[i]]].id };
}

/** The register files, as a clerk would pass them to `onestop register import`. */
export function writeRegisterFiles(dir, year) {
  const hFile = join(dir, 'hospitals.csv');
  writeFileSync(hFile, `code,name,regionCode,regionName,county,tier,from,to\n${year.hospitals.map((h) => `${h.code},${h.name},${REGION.code},${REGION.name},${h.county},${h.tier},2016-01-01,`).join('\n')}\n`);
  const pFile = join(dir, 'people.csv');
  const rows = [];
  for (const p of year.people) for (const [population, from, to] of p.periods) rows.push(`${p.id},${p.name},${p.idNumber},${p.county},${REGION.code},${population},${from},${to}`);
  writeFileSync(pFile, `id,name,idNumber,county,insuredRegion,population,from,to\n${rows.join('\n')}\n`);
  return { hospitals: hFile, people: pFile, peopleRows: rows.length };
}
