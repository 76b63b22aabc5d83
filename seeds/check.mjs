#!/usr/bin/env node
// Validates seeds/hospitals.json, seeds/people.json and seeds/bills.jsonl and prints a summary.
//   node seeds/check.mjs        exit code 0 = all checks passed, 1 = at least one failure
// Plain Node ESM, no dependencies. Money is checked with BigInt fen, never floating point.

import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = dirname(fileURLToPath(import.meta.url));
const hospitals = JSON.parse(readFileSync(join(DIR, 'hospitals.json'), 'utf8'));
const people = JSON.parse(readFileSync(join(DIR, 'people.json'), 'utf8'));
const billLines = readFileSync(join(DIR, 'bills.jsonl'), 'utf8').split('\n').filter((l) => l.length);
const bills = billLines.map((l, i) => { try { return JSON.parse(l); } catch (e) { throw new Error(`bills.jsonl line ${i + 1}: ${e.message}`); } });

let failures = 0;
const fail = (msg) => { if (failures < 50) console.error(`FAIL ${msg}`); failures++; };
const check = (cond, msg) => { if (!cond) fail(msg); };

const TIERS = ['township', 'county', 'league', 'province', 'outOfProvince'];
const TYPES = ['inpatient', 'chronicOutpatient', 'outpatientPooling', 'homeSickbed', 'familyDoctorPackage'];
const AREAS = { '152201': '乌兰浩特市', '152202': '阿尔山市', '152221': '科右前旗', '152222': '科右中旗', '152223': '扎赉特旗', '152224': '突泉县' };
const RATIOS = ['0.05', '0.10', '0.15', '0.20', '0.30'];
const MONEY = /^(0|[1-9]\d*)\.\d{2}$/;
const QTY = /^(0|[1-9]\d*)(\.\d{1,2})?$/;
const DATE = /^2018-\d{2}-\d{2}$/;

// ---------------------------------------------------------------- helpers (exact)
const fen = (s) => { const [i, f] = s.split('.'); return BigInt(i) * 100n + BigInt(f); };
const hundredths = (s) => { const [i, f = ''] = s.split('.'); return BigInt(i) * 100n + BigInt((f + '00').slice(0, 2)); };
const halfUpDiv100 = (x) => (x + 50n) / 100n; // x >= 0
const yuan = (f) => `${f / 100n}.${String(f % 100n).padStart(2, '0')}`;
const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const checkChar = (s17) => '10X98765432'[[...s17].reduce((a, c, i) => a + Number(c) * W[i], 0) % 11];
const dayNo = (d) => Math.round((Date.parse(`${d}T00:00:00Z`) - Date.parse('2018-01-01T00:00:00Z')) / 86400000);
const validDate = (d) => DATE.test(d) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d;

// ---------------------------------------------------------------- hospitals
const H = new Map();
for (const h of hospitals) {
  check(typeof h.code === 'string' && /^H\d{6}-[TCLPX]\d{2}$/.test(h.code), `hospital code ${h.code}`);
  check(!H.has(h.code), `duplicate hospital ${h.code}`);
  check(TIERS.includes(h.tier), `hospital ${h.code} tier ${h.tier}`);
  check(h.region && h.region.code === '152200' && h.region.name === '兴安盟', `hospital ${h.code} region`);
  check(typeof h.name === 'string' && h.name.length > 0 && typeof h.county === 'string' && h.county.length > 0, `hospital ${h.code} name/county`);
  check('TCLPX'['township county league province outOfProvince'.split(' ').indexOf(h.tier)] === h.code[8], `hospital ${h.code} tier letter`);
  if (h.tier === 'province' || h.tier === 'outOfProvince') check(/异地就医/.test(h.note || ''), `hospital ${h.code} note`);
  H.set(h.code, h);
}

// ---------------------------------------------------------------- people
const P = new Map();
const ids = new Set();
const names = new Set();
for (const p of people) {
  check(/^P-\d{6}$/.test(p.id), `person id ${p.id}`);
  check(!P.has(p.id), `duplicate person ${p.id}`);
  check(Array.isArray(p.populations) && p.populations.length === 1 && ['poverty', 'resident'].includes(p.populations[0]), `person ${p.id} populations`);
  const id = p.idNumber;
  check(typeof id === 'string' && /^\d{17}[\dX]$/.test(id), `person ${p.id} idNumber format ${id}`);
  check(checkChar(id.slice(0, 17)) === id[17], `person ${p.id} idNumber check character ${id}`);
  check(AREAS[id.slice(0, 6)] === p.county, `person ${p.id} area code ${id.slice(0, 6)} vs ${p.county}`);
  const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  const by = Number(id.slice(6, 10));
  check(/^\d{4}-\d{2}-\d{2}$/.test(birth) && new Date(`${birth}T00:00:00Z`).toISOString().slice(0, 10) === birth && by >= 1935 && by <= 2015, `person ${p.id} birth ${birth}`);
  check(!ids.has(id), `duplicate idNumber ${id}`);
  check(!names.has(p.name), `duplicate name ${p.name}`);
  ids.add(id); names.add(p.name);
  P.set(p.id, { ...p, birth, age: 2018 - by, sex: Number(id[16]) % 2 === 1 ? 'M' : 'F' });
}

// names must not be real people's full names from the source documents (if they are at hand)
const SRC = join(DIR, '..', '..', 'shared', 'seeds');
if (existsSync(SRC)) {
  const text = readdirSync(SRC).filter((f) => f.endsWith('.txt')).map((f) => readFileSync(join(SRC, f), 'utf8')).join('\n');
  for (const p of people) if (p.name.length >= 3) check(!text.includes(p.name), `person ${p.id} name ${p.name} occurs in the source documents`);
}

// ---------------------------------------------------------------- bills
const billNos = new Set();
const stays = new Map(); // person -> [[a, b, billNo]]
const RANGES = { // inpatient totals by tier, fen
  township: [80000n, 300000n], county: [200000n, 1200000n], league: [600000n, 4000000n],
  province: [2000000n, 10000000n], outOfProvince: [5000000n, 25000000n],
};
const SMALL = { outpatientPooling: [5000n, 60000n], homeSickbed: [3000n, 200000n], familyDoctorPackage: [2000n, 30000n], chronicOutpatient: [1000n, 1000000n] };
let prevDischarged = '';
const stats = { types: {}, tiers: {}, classes: { A: 0, B: 0, C: 0 }, items: 0, capsBinding: 0, capsNonBinding: 0, abItems: 0, billsNoC: 0, total: 0n, byType: {}, byTier: {}, perPerson: new Map() };

bills.forEach((b, n) => {
  const where = `bill ${b.billNo || `#${n + 1}`}`;
  check(/^XA18-\d{6}$/.test(b.billNo), `${where} billNo`);
  check(!billNos.has(b.billNo), `${where} duplicate billNo`);
  billNos.add(b.billNo);
  const keys = Object.keys(b).join(',');
  check(['billNo,hospital,person,visit,diagnosis,diagnoses,items', 'billNo,hospital,person,visit,diagnosis,items', 'billNo,hospital,person,visit,items'].includes(keys), `${where} keys ${keys}`);
  if (b.diagnoses) check(b.diagnoses.every((d) => /^[A-Z][0-9]+(\.[0-9x]+)?$/.test(d.code) && typeof d.name === 'string'), `${where} diagnoses ${JSON.stringify(b.diagnoses)}`);

  const h = H.get(b.hospital && b.hospital.code);
  check(!!h, `${where} unknown hospital ${b.hospital && b.hospital.code}`);
  if (h) check(b.hospital.tier === h.tier, `${where} hospital tier ${b.hospital.tier} != ${h.tier}`);
  const p = P.get(b.person && b.person.id);
  check(!!p, `${where} unknown person`);
  if (p) check(JSON.stringify(b.person.populations) === JSON.stringify(p.populations), `${where} populations differ from person record`);

  const v = b.visit || {};
  check(TYPES.includes(v.type), `${where} visit type ${v.type}`);
  check(validDate(v.admitted) && validDate(v.discharged), `${where} dates ${v.admitted}..${v.discharged}`);
  check(v.admitted <= v.discharged, `${where} admitted after discharged`);
  check(v.discharged >= prevDischarged, `${where} not sorted by discharge date`);
  prevDischarged = v.discharged;
  const a = dayNo(v.admitted), d = dayNo(v.discharged);

  // items
  check(Array.isArray(b.items) && b.items.length > 0, `${where} no items`);
  let total = 0n, hasC = false;
  const codes = new Set();
  for (const it of b.items || []) {
    const iw = `${where} item ${it.code}`;
    check(!codes.has(it.code), `${iw} duplicate item code in bill`);
    codes.add(it.code);
    const ik = Object.keys(it).join(',');
    check(/^code,name,class,(selfPayRatio,)?unitPrice,quantity,amount(,priceCap)?$/.test(ik), `${iw} keys ${ik}`);
    check(['A', 'B', 'C'].includes(it.class), `${iw} class ${it.class}`);
    check(MONEY.test(it.unitPrice) && MONEY.test(it.amount), `${iw} money format`);
    check(QTY.test(it.quantity) && hundredths(it.quantity) > 0n, `${iw} quantity ${it.quantity}`);
    if (it.class === 'B') check(RATIOS.includes(it.selfPayRatio), `${iw} selfPayRatio ${it.selfPayRatio}`);
    else check(it.selfPayRatio === undefined, `${iw} selfPayRatio on class ${it.class}`);
    if (!MONEY.test(it.unitPrice) || !MONEY.test(it.amount) || !QTY.test(it.quantity)) continue;
    const expect = halfUpDiv100(fen(it.unitPrice) * hundredths(it.quantity));
    check(fen(it.amount) === expect, `${iw} amount ${it.amount} != ${it.unitPrice} x ${it.quantity} = ${yuan(expect)}`);
    check(fen(it.unitPrice) > 0n, `${iw} zero price`);
    total += fen(it.amount);
    stats.items++; stats.classes[it.class]++;
    if (it.class === 'C') { hasC = true; check(it.priceCap === undefined, `${iw} priceCap on class C`); }
    else {
      stats.abItems++;
      if (it.priceCap !== undefined) {
        check(MONEY.test(it.priceCap) && fen(it.priceCap) > 0n, `${iw} priceCap ${it.priceCap}`);
        if (fen(it.priceCap) < fen(it.unitPrice)) stats.capsBinding++; else stats.capsNonBinding++;
      }
    }
  }
  if (!hasC) stats.billsNoC++;

  // visit-type rules
  const n_ = (b.items || []).length;
  const pop = p ? p.populations[0] : '';
  const tier = h ? h.tier : '';
  if (v.type === 'inpatient') {
    check(n_ >= 8 && n_ <= 30, `${where} inpatient with ${n_} items`);
    check(d > a, `${where} inpatient stay of zero days`);
    if (RANGES[tier]) check(total >= RANGES[tier][0] && total <= RANGES[tier][1], `${where} inpatient total ${yuan(total)} outside the ${tier} range`);
  } else {
    check(n_ >= 1 && n_ <= 6, `${where} ${v.type} with ${n_} items`);
    const r = SMALL[v.type];
    if (r) check(total >= r[0] && total <= r[1], `${where} ${v.type} total ${yuan(total)} outside ${yuan(r[0])}..${yuan(r[1])}`);
    if (v.type !== 'homeSickbed') check(a === d, `${where} ${v.type} must be one day`);
  }
  if (v.type === 'outpatientPooling') check(tier === 'township' || tier === 'county', `${where} outpatientPooling at ${tier}`);
  if (v.type === 'homeSickbed') check(pop === 'poverty' && (tier === 'township' || tier === 'county'), `${where} homeSickbed for ${pop} at ${tier}`);
  if (v.type === 'familyDoctorPackage') check(pop === 'poverty' && tier === 'township', `${where} familyDoctorPackage for ${pop} at ${tier}`);
  if (v.type === 'chronicOutpatient') check(['township', 'county', 'league'].includes(tier), `${where} chronicOutpatient at ${tier}`);

  // per-person stays must not overlap
  if (p) {
    const list = stays.get(p.id) || [];
    for (const [s, e, no] of list) check(d < s || a > e, `${where} overlaps ${no} for ${p.id}`);
    list.push([a, d, b.billNo]);
    stays.set(p.id, list);
    stats.perPerson.set(p.id, (stats.perPerson.get(p.id) || 0n) + total);
  }

  stats.types[v.type] = (stats.types[v.type] || 0) + 1;
  stats.tiers[tier] = (stats.tiers[tier] || 0) + 1;
  stats.byType[v.type] = (stats.byType[v.type] || 0n) + total;
  stats.total += total;
});
check(bills.length > 0, 'no bills');

// ---------------------------------------------------------------- summary
const pc = (x, n) => `${((100 * x) / n).toFixed(1)}%`;
const count = (arr, f) => arr.reduce((m, x) => ((m[f(x)] = (m[f(x)] || 0) + 1), m), {});
console.log('hospitals by tier:', count(hospitals, (h) => h.tier));
console.log('people by population:', count(people, (p) => p.populations[0]), 'by county:', count(people, (p) => p.county));
console.log('bills:', bills.length, 'by visit type:', stats.types);
console.log('bills by hospital tier:', stats.tiers);
console.log('money by visit type:', Object.fromEntries(Object.entries(stats.byType).map(([k, v]) => [k, yuan(v)])), 'total', yuan(stats.total));
console.log(`items: ${stats.items}; class A ${pc(stats.classes.A, stats.items)}, B ${pc(stats.classes.B, stats.items)}, C ${pc(stats.classes.C, stats.items)}; bills without C: ${stats.billsNoC}`);
console.log(`priceCap on A/B items: below unitPrice ${stats.capsBinding} (${pc(stats.capsBinding, stats.abItems)}), at/above unitPrice ${stats.capsNonBinding}`);
const perPerson = [...stats.perPerson.entries()].sort((x, y) => (y[1] > x[1] ? 1 : y[1] < x[1] ? -1 : 0));
const billsPer = count(bills, (b) => b.person.id);
console.log('largest yearly totals:', perPerson.slice(0, 12).map(([id, t]) => `${id} ${P.get(id).populations[0]} ${billsPer[id]} bills ${yuan(t)}`).join('; '));
const perPop = { poverty: [0, 0], resident: [0, 0] };
for (const p of people) { perPop[p.populations[0]][0]++; perPop[p.populations[0]][1] += billsPer[p.id] || 0; }
console.log(`bills per person: poverty ${(perPop.poverty[1] / perPop.poverty[0]).toFixed(2)}, resident ${(perPop.resident[1] / perPop.resident[0]).toFixed(2)}; people without bills: ${people.filter((p) => !billsPer[p.id]).length}`);

if (failures) { console.error(`\n${failures} check(s) FAILED`); process.exit(1); }
console.log('\nall checks passed');
