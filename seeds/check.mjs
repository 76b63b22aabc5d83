#!/usr/bin/env node
// Validates the register files seeds/hospitals.csv and seeds/people.csv and seeds/bills.jsonl, and, when
// the seeds have them, seeds/catalogue.csv and seeds/attempts.jsonl; and prints a summary.
//   node seeds/check.mjs        exit code 0 = all checks passed, 1 = at least one failure
// Plain Node ESM, no dependencies. Money is checked with BigInt fen, never floating point.

import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = dirname(fileURLToPath(import.meta.url));
const billLines = readFileSync(join(DIR, 'bills.jsonl'), 'utf8').split('\n').filter((l) => l.length);
const bills = billLines.map((l, i) => { try { return JSON.parse(l); } catch (e) { throw new Error(`bills.jsonl line ${i + 1}: ${e.message}`); } });

let failures = 0;
const fail = (msg) => { if (failures < 50) console.error(`FAIL ${msg}`); failures++; };
const check = (cond, msg) => { if (!cond) fail(msg); };

// ---------------------------------------------------------------- register files (CSV)
// UTF-8 without BOM, LF line ends, a header row and no quoting: a field may hold no comma, quote or
// newline, so splitting on commas reads it exactly.
const HOSPITAL_COLUMNS = ['code', 'name', 'regionCode', 'regionName', 'county', 'tier', 'from', 'to'];
const PEOPLE_COLUMNS = ['id', 'name', 'idNumber', 'county', 'insuredRegion', 'population', 'from', 'to'];
function readCsv(file, columns) {
  const text = readFileSync(join(DIR, file), 'utf8');
  check(!text.startsWith('\uFEFF'), `${file} starts with a byte-order mark`);
  check(!text.includes('\r'), `${file} has a CR (line ends must be LF)`);
  check(text.endsWith('\n') && !text.endsWith('\n\n'), `${file} must end with exactly one newline`);
  check(!text.includes('"'), `${file} has a quote character (no field may need quoting)`);
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  check(lines[0] === columns.join(','), `${file} header ${lines[0]} (expected ${columns.join(',')})`);
  const rows = [];
  lines.slice(1).forEach((l, i) => {
    const f = l.split(',');
    // a field with a comma or newline would change the number of fields on its line
    if (f.length !== columns.length) { fail(`${file} line ${i + 2}: ${f.length} fields, expected ${columns.length}`); return; }
    check(f.every((x) => x === x.trim()), `${file} line ${i + 2}: a field has surrounding spaces`);
    rows.push({ ...Object.fromEntries(columns.map((c, k) => [c, f[k]])), line: i + 2 });
  });
  return rows;
}
const validIso = (d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d;
// a period row's dates: `from` required, `to` empty (open) or inclusive and not before `from`
function checkPeriod(where, r) {
  check(validIso(r.from), `${where} from ${r.from}`);
  check(r.to === '' || (validIso(r.to) && r.to >= r.from), `${where} to ${r.to}`);
}
// periods (of one population, or one hospital's tiers) must not overlap; both ends inclusive
function checkNoOverlap(where, periods) {
  const sorted = [...periods].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1], cur = sorted[i];
    check(prev.to !== '' && prev.to < cur.from, `${where}: ${prev.from}..${prev.to || 'open'} overlaps ${cur.from}..${cur.to || 'open'}`);
  }
}
const covers = (m, date) => m.from <= date && (m.to === '' || date <= m.to);
/** The populations in force on a date (sorted), as the register says. */
const populationsOn = (p, date) => [...new Set(p.memberships.filter((m) => covers(m, date)).map((m) => m.population))].sort();
/** The tiers in force on a date (one if the register is sound). */
const tiersOn = (h, date) => h.tiers.filter((t) => covers(t, date)).map((t) => t.tier);

const TIERS = ['township', 'county', 'league', 'province', 'outOfProvince'];
const TYPES = ['inpatient', 'chronicOutpatient', 'outpatientPooling', 'homeSickbed', 'familyDoctorPackage'];
const AREAS = { '152201': '乌兰浩特市', '152202': '阿尔山市', '152221': '科右前旗', '152222': '科右中旗', '152223': '扎赉特旗', '152224': '突泉县' };
const RATIOS = ['0.05', '0.10', '0.15', '0.20', '0.30'];
const MONEY = /^(0|[1-9]\d*)\.\d{2}$/;
const QTY = /^(0|[1-9]\d*)(\.\d{1,2})?$/;
const DATE = /^2018-\d{2}-\d{2}$/;
const POPULATIONS = ['poverty', 'resident'];

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
// one row per tier period; a hospital's other columns must be the same on all its rows
const H = new Map();
for (const r of readCsv('hospitals.csv', HOSPITAL_COLUMNS)) {
  const where = `hospitals.csv line ${r.line} (${r.code})`;
  check(/^H\d{6}-[TCLPX]\d{2}$/.test(r.code), `${where} code`);
  check(TIERS.includes(r.tier), `${where} tier ${r.tier}`);
  check(r.regionCode === '152200' && r.regionName === '兴安盟', `${where} region ${r.regionCode} ${r.regionName}`);
  check(r.name.length > 0 && r.county.length > 0, `${where} name/county`);
  checkPeriod(where, r);
  const h = H.get(r.code);
  if (!h) { H.set(r.code, { code: r.code, name: r.name, region: { code: r.regionCode, name: r.regionName }, county: r.county, tiers: [{ tier: r.tier, from: r.from, to: r.to }] }); continue; }
  check(h.name === r.name && h.region.code === r.regionCode && h.region.name === r.regionName && h.county === r.county, `${where} differs from the hospital's earlier row`);
  h.tiers.push({ tier: r.tier, from: r.from, to: r.to });
}
for (const h of H.values()) {
  checkNoOverlap(`hospital ${h.code} tiers`, h.tiers);
  check(h.tiers.some((t) => 'TCLPX'[TIERS.indexOf(t.tier)] === h.code[8]), `hospital ${h.code} tier letter`);
  h.tier = (h.tiers.find((t) => t.to === '') || h.tiers[h.tiers.length - 1]).tier; // the tier now (for the summary)
}
const hospitals = [...H.values()];

// ---------------------------------------------------------------- people
// one row per membership period; a person's other columns must be the same on all their rows
const P = new Map();
const ids = new Set();
const names = new Set();
for (const r of readCsv('people.csv', PEOPLE_COLUMNS)) {
  const where = `people.csv line ${r.line} (${r.id})`;
  check(POPULATIONS.includes(r.population), `${where} population ${r.population}`);
  check(r.insuredRegion === '152200', `${where} insuredRegion ${r.insuredRegion}`);
  checkPeriod(where, r);
  const m = { population: r.population, from: r.from, to: r.to };
  const known = P.get(r.id);
  if (known) {
    check(known.name === r.name && known.idNumber === r.idNumber && known.county === r.county && known.insuredRegion === r.insuredRegion, `${where} differs from the person's earlier row`);
    known.memberships.push(m);
    continue;
  }
  const p = { id: r.id, name: r.name, idNumber: r.idNumber, county: r.county, insuredRegion: r.insuredRegion, memberships: [m] };
  check(/^P-\d{6}$/.test(p.id), `person id ${p.id}`);
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
for (const p of P.values()) {
  for (const pop of POPULATIONS) checkNoOverlap(`person ${p.id} ${pop} periods`, p.memberships.filter((m) => m.population === pop));
  // the summary's "population now": the one(s) whose period is open
  p.populations = [...new Set(p.memberships.filter((m) => m.to === '').map((m) => m.population))].sort();
  check(p.populations.length > 0, `person ${p.id} has no open membership period`);
  p.changes = p.memberships.length > 1;
}
const people = [...P.values()];

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
const newStats = () => ({ types: {}, tiers: {}, classes: { A: 0, B: 0, C: 0 }, items: 0, capsBinding: 0, capsNonBinding: 0, abItems: 0, billsNoC: 0, total: 0n, byType: {}, byTier: {}, pops: {}, perPerson: new Map() });
const stats = newStats();

// one bill of bills.jsonl (sorted by discharge date, counted in `stats`) or of attempts.jsonl (its own tally)
function checkBill(b, n, file, stats) {
  const where = `${file === 'bills.jsonl' ? '' : `${file} `}bill ${b.billNo || `#${n + 1}`}`;
  check(/^XA18-\d{6}$/.test(b.billNo), `${where} billNo`);
  check(!billNos.has(b.billNo), `${where} duplicate billNo`);
  billNos.add(b.billNo);
  const keys = Object.keys(b).join(',');
  check(['billNo,hospital,person,visit,diagnosis,diagnoses,items', 'billNo,hospital,person,visit,diagnosis,items', 'billNo,hospital,person,visit,items'].includes(keys), `${where} keys ${keys}`);
  if (b.diagnoses) check(b.diagnoses.every((d) => /^[A-Z][0-9]+(\.[0-9x]+)?$/.test(d.code) && typeof d.name === 'string'), `${where} diagnoses ${JSON.stringify(b.diagnoses)}`);

  const v = b.visit || {};
  // the register in force on the admission date decides the tier and the populations
  const h = H.get(b.hospital && b.hospital.code);
  check(!!h, `${where} unknown hospital ${b.hospital && b.hospital.code}`);
  const tierNow = h && validDate(v.admitted) ? tiersOn(h, v.admitted) : [];
  if (h) check(tierNow.length === 1 && b.hospital.tier === tierNow[0], `${where} hospital tier ${b.hospital.tier} != ${tierNow.join('+') || 'none'} in force on ${v.admitted}`);
  const p = P.get(b.person && b.person.id);
  check(!!p, `${where} unknown person`);
  const popsNow = p && validDate(v.admitted) ? populationsOn(p, v.admitted) : [];
  if (p) check(popsNow.length > 0 && JSON.stringify(b.person.populations) === JSON.stringify(popsNow), `${where} populations ${JSON.stringify(b.person.populations)} != ${JSON.stringify(popsNow)} in force on ${v.admitted}`);

  check(TYPES.includes(v.type), `${where} visit type ${v.type}`);
  check(validDate(v.admitted) && validDate(v.discharged), `${where} dates ${v.admitted}..${v.discharged}`);
  check(v.admitted <= v.discharged, `${where} admitted after discharged`);
  if (file === 'bills.jsonl') {
    check(v.discharged >= prevDischarged, `${where} not sorted by discharge date`);
    prevDischarged = v.discharged;
  }
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
  const pop = popsNow.length === 1 ? popsNow[0] : popsNow.join('+');
  const tier = tierNow.length === 1 ? tierNow[0] : '';
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
  stats.pops[pop] = (stats.pops[pop] || 0) + 1;
  stats.tiers[tier] = (stats.tiers[tier] || 0) + 1;
  stats.byType[v.type] = (stats.byType[v.type] || 0n) + total;
  stats.total += total;
}
bills.forEach((b, n) => checkBill(b, n, 'bills.jsonl', stats));
check(bills.length > 0, 'no bills');

// ---------------------------------------------------------------- catalogue (医保目录) and refused attempts
// The seed loader imports catalogue.csv before the bills, and the Xing'an ruleset applies it in strict mode:
// an item whose code is in the catalogue in force on the admission date (for the hospitals' region 152200,
// or for every region) must declare the entry's class, its selfPayRatio when the entry is B, and its
// priceCap (a declared cap must equal the entry's, and an item declaring none must have an entry without
// one, or the entry's cap would change its settlement); a code the catalogue lacks must be declared C.
// attempts.jsonl holds bills the service must refuse: each disagrees with the catalogue in some item.
const CATALOGUE_COLUMNS = ['code', 'name', 'category', 'class', 'selfPayRatio', 'priceCap', 'from', 'to', 'region'];
const hasCatalogue = existsSync(join(DIR, 'catalogue.csv')), hasAttempts = existsSync(join(DIR, 'attempts.jsonl'));
check(hasCatalogue || !hasAttempts, 'attempts.jsonl without catalogue.csv (nothing would refuse the attempts, so seeding would fail)');
let catalogueLine = 'catalogue: none (no catalogue.csv; bills are settled on their declared classes, ratios and caps)';
if (hasCatalogue) {
  const rows = readCsv('catalogue.csv', CATALOGUE_COLUMNS);
  const byKey = new Map(); // code + region -> rows
  for (const r of rows) {
    const where = `catalogue.csv line ${r.line} (${r.code})`;
    check(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(r.code), `${where} code`);
    check(r.name.length > 0, `${where} empty name`);
    check(['drug', 'service', 'material'].includes(r.category), `${where} category ${r.category}`);
    check(['A', 'B', 'C'].includes(r.class), `${where} class ${r.class}`);
    if (r.class === 'B') check(/^(0\.\d{2}|1\.00)$/.test(r.selfPayRatio), `${where} selfPayRatio ${r.selfPayRatio} (B needs a ratio 0.00..1.00)`);
    else check(r.selfPayRatio === '', `${where} selfPayRatio on class ${r.class}`);
    check(r.priceCap === '' || (MONEY.test(r.priceCap) && fen(r.priceCap) > 0n), `${where} priceCap ${r.priceCap}`);
    check(r.class !== 'C' || r.priceCap === '', `${where} priceCap on class C`);
    checkPeriod(where, r);
    // the demo hospitals are all in 152200: an entry for another region would apply only where the service's lineage says
    check(r.region === '' || r.region === '152200', `${where} region ${r.region} (expected 152200 or empty)`);
    const k = `${r.code}|${r.region}`;
    byKey.set(k, [...(byKey.get(k) || []), r]);
  }
  for (const [k, list] of byKey) checkNoOverlap(`catalogue.csv ${k.replace('|', ' region ') || ''}`, list);
  // the entry in force: the region's own before an every-region one
  const entryOn = (code, date) => (byKey.get(`${code}|152200`) || []).find((r) => covers(r, date)) || (byKey.get(`${code}|`) || []).find((r) => covers(r, date));
  // what strict mode refuses: a declared value that differs from the entry in force (a value left out never differs)
  const ratio = (x) => { const [i, f = ''] = x.split('.'); return BigInt(i) * 100000000n + BigInt((f + '00000000').slice(0, 8)); };
  const disagreements = (b) => b.items.flatMap((it) => {
    const e = entryOn(it.code, b.visit.admitted);
    if (!e) return it.class === 'C' ? [] : [`${it.code} not in the catalogue, declared ${it.class}`];
    const out = [];
    if (it.class !== e.class) out.push(`${it.code} declared ${it.class}, catalogue ${e.class}`);
    if (e.class === 'B' && it.selfPayRatio !== undefined && ratio(it.selfPayRatio) !== ratio(e.selfPayRatio)) out.push(`${it.code} declared selfPayRatio ${it.selfPayRatio}, catalogue ${e.selfPayRatio}`);
    if (it.priceCap !== undefined && it.priceCap !== e.priceCap) out.push(`${it.code} declared priceCap ${it.priceCap}, catalogue ${e.priceCap || 'none'}`);
    return out;
  });
  // what would change an existing bill's settlement without a refusal: the entry's cap on an item that declares none
  const changes = (b) => b.items.flatMap((it) => {
    const e = entryOn(it.code, b.visit.admitted);
    return e && it.priceCap === undefined && e.priceCap !== '' ? [`${it.code} declares no priceCap, catalogue ${e.priceCap}`] : [];
  });
  // the service applies a catalogue only on dates its entries span; outside them the declared values stand
  const spanned = rows.filter((r) => r.region === '' || r.region === '152200');
  const covered = (date) => spanned.some((r) => r.from <= date) && spanned.some((r) => r.to === '' || date <= r.to);
  const codesInBills = new Set(bills.flatMap((b) => b.items.map((it) => it.code)));
  for (const b of bills) {
    check(covered(b.visit.admitted), `bill ${b.billNo}: admitted ${b.visit.admitted}, a date the catalogue does not span`);
    for (const d of disagreements(b)) fail(`bill ${b.billNo} would be refused: ${d}`);
    for (const d of changes(b)) fail(`bill ${b.billNo} would settle differently: ${d}`);
    for (const it of b.items) { const e = entryOn(it.code, b.visit.admitted); if (e) check(e.name === it.name, `bill ${b.billNo} item ${it.code} name ${it.name}, catalogue ${e.name}`); }
  }
  for (const code of codesInBills) check(byKey.has(`${code}|152200`) || byKey.has(`${code}|`), `item code ${code} of bills.jsonl is not in catalogue.csv`);
  const codes = new Set(rows.map((r) => r.code));
  const dated = [...codes].filter((c) => rows.filter((r) => r.code === c).length > 1 || rows.some((r) => r.code === c && (r.from !== '2018-01-01' || r.to !== '')));
  const classes = { A: 0, B: 0, C: 0 };
  for (const r of rows) classes[r.class]++;
  catalogueLine = `catalogue: ${rows.length} entries, ${codes.size} codes (${classes.A} A, ${classes.B} B, ${classes.C} C entries; ${rows.filter((r) => r.priceCap).length} with a priceCap), ` +
    `dated: ${dated.map((c) => rows.filter((r) => r.code === c).map((r) => `${c} ${r.class}${r.selfPayRatio ? ` ${r.selfPayRatio}` : ''} ${r.from}..${r.to || 'open'}`).join(' / ')).join('; ') || 'none'}; ` +
    `every bills.jsonl item (${codesInBills.size} codes) agrees`;
  if (hasAttempts) {
    const attempts = readFileSync(join(DIR, 'attempts.jsonl'), 'utf8').split('\n').filter((l) => l.length).map((l, i) => { try { return JSON.parse(l); } catch (e) { throw new Error(`attempts.jsonl line ${i + 1}: ${e.message}`); } });
    const attemptStats = newStats();
    attempts.forEach((b, n) => checkBill(b, n, 'attempts.jsonl', attemptStats));
    const said = [];
    for (const b of attempts) {
      check(/^XA18-8\d{5}$/.test(b.billNo), `attempts.jsonl bill ${b.billNo}: number (XA18-8xxxxx)`);
      const d = disagreements(b);
      check(covered(b.visit.admitted) && d.length > 0, `attempts.jsonl bill ${b.billNo} agrees with the catalogue (the service would settle it, and seeding would fail)`);
      said.push(`${b.billNo} ${b.hospital.code} ${d.join(', ')}`);
    }
    check(new Set(attempts.map((b) => b.hospital.code)).size >= 2, 'attempts.jsonl: fewer than 2 hospitals');
    catalogueLine += `\nattempts (to be refused): ${attempts.length}: ${said.join('; ')}`;
  }
}

// ---------------------------------------------------------------- summary
const pc = (x, n) => `${((100 * x) / n).toFixed(1)}%`;
const count = (arr, f) => arr.reduce((m, x) => ((m[f(x)] = (m[f(x)] || 0) + 1), m), {});
const yearPops = (p) => { // the population(s) through 2018, e.g. "poverty" or "resident→poverty→resident"
  const seq = [];
  for (const m of [...p.memberships].sort((a, b) => (a.from < b.from ? -1 : 1))) {
    if (m.from <= '2018-12-31' && (m.to === '' || m.to >= '2018-01-01') && seq[seq.length - 1] !== m.population) seq.push(m.population);
  }
  return seq.join('→');
};
console.log(`hospitals: ${hospitals.length} (${hospitals.reduce((n, h) => n + h.tiers.length, 0)} tier periods); by tier now:`, count(hospitals, (h) => h.tier));
console.log(`people: ${people.length} (${people.reduce((n, p) => n + p.memberships.length, 0)} membership periods); by population now:`, count(people, (p) => p.populations.join('+')), 'by county:', count(people, (p) => p.county));
const changers = people.filter((p) => p.changes);
console.log(`people whose population changes: ${changers.length}`);
for (const p of changers) {
  const periods = [...p.memberships].sort((a, b) => (a.from < b.from ? -1 : 1)).map((m) => `${m.population} ${m.from}..${m.to || 'open'}`).join(', ');
  const theirs = bills.filter((b) => b.person.id === p.id).map((b) => `${b.billNo} ${b.visit.admitted}..${b.visit.discharged} ${b.person.populations.join('+')}`).join('; ');
  console.log(`  ${p.id} ${p.name}: ${periods}; bills: ${theirs}`);
}
console.log('bills:', bills.length, 'by visit type:', stats.types);
console.log('bills by hospital tier:', stats.tiers, 'by population in force on admission:', stats.pops);
console.log('money by visit type:', Object.fromEntries(Object.entries(stats.byType).map(([k, v]) => [k, yuan(v)])), 'total', yuan(stats.total));
console.log(`items: ${stats.items}; class A ${pc(stats.classes.A, stats.items)}, B ${pc(stats.classes.B, stats.items)}, C ${pc(stats.classes.C, stats.items)}; bills without C: ${stats.billsNoC}`);
console.log(`priceCap on A/B items: below unitPrice ${stats.capsBinding} (${pc(stats.capsBinding, stats.abItems)}), at/above unitPrice ${stats.capsNonBinding}`);
const perPerson = [...stats.perPerson.entries()].sort((x, y) => (y[1] > x[1] ? 1 : y[1] < x[1] ? -1 : 0));
const billsPer = count(bills, (b) => b.person.id);
console.log('largest yearly totals:', perPerson.slice(0, 12).map(([id, t]) => `${id} ${yearPops(P.get(id))} ${billsPer[id]} bills ${yuan(t)}`).join('; '));
const perPop = { poverty: [0, 0], resident: [0, 0] };
for (const p of people) if (!p.changes) { perPop[p.memberships[0].population][0]++; perPop[p.memberships[0].population][1] += billsPer[p.id] || 0; }
console.log(`bills per person (people with one population): poverty ${(perPop.poverty[1] / perPop.poverty[0]).toFixed(2)}, resident ${(perPop.resident[1] / perPop.resident[0]).toFixed(2)}; people without bills: ${people.filter((p) => !billsPer[p.id]).length}`);

console.log(catalogueLine);

if (failures) { console.error(`\n${failures} check(s) FAILED`); process.exit(1); }
console.log('\nall checks passed');
