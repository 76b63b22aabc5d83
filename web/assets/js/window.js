// 结算窗口: find the patient, enter or import the bill, 预结算, 结算, print the slip, reverse, and print
// the 应补应退 notice of what a reversal changed (this hospital's adjusted settlements are listed too).
//
// Nothing typed is ever lost: a failed request leaves the form as it was and shows each error next to
// its field; the form is also kept in this tab's sessionStorage, so a reload or a new login restores it.
// A retry of 结算 sends the same bill number, which the API answers with the stored settlement.
// Each item's code is looked up in the medical catalogue (医保目录) as it is typed, and a declaration
// that differs from the catalogue is marked on its row before posting; the server still decides.
import { get, getKey, isMissingEndpoint, post, qs } from './api.js';
import { apiItem, checkItem, itemsToCsv, newBillNo, normaliseRatio, rawItem } from './bill.js';
import { ACC_FIELDS, CLASSES, POPULATIONS, STATUS, accumulatorName, visitTypeName } from './labels.js';
import { cleanNumberText, formatAmount, formatRatio, parseDecimal } from './money.js';
import { diagnosesOfBill, diagnosesTable } from './diagnoses.js';
import { itemsTable } from './items-table.js';
import { SAMPLES } from './samples.js';
import { changesTable, patientPill, printHead, printSign, reversedStamp, reverseSettlement, showReversalNotice } from './reversal.js';
import { printSlip } from './slip.js';
import { $, $$, banner, busy, clearErrors, clearFieldError, download, fieldError, formatTime, h, pageReady, printElement, showApiError, startPage } from './ui.js';
import { renderWaterfall } from './waterfall.js';

const DRAFT = 'onestop.window.draft';
const form = $('#bill-form');
const summary = $('#form-summary');
const tbody = $('#items tbody');
const resultBox = $('#result');

/** The settlement on screen: { kind: 'preview' | 'settlement', data, trace? }. */
let shown = null;
/** A bill number that has been settled: editing the bill after that needs a new number. */
let settledBillNo = null;
/** Ruleset titles by id, for the line under a preview. */
const rulesetTitles = new Map();

function init({ who, rulesets }) {
  // Visit types from the loaded rulesets, inpatient first.
  const types = [...new Set(rulesets.flatMap((r) => r.visitTypes ?? []))];
  if (!types.includes('inpatient')) types.unshift('inpatient');
  types.sort((a, b) => (a === 'inpatient' ? -1 : b === 'inpatient' ? 1 : 0));
  $('#visitType').replaceChildren(...types.map((t) => h('option', { value: t, text: visitTypeName(t) })));
  for (const r of rulesets) rulesetTitles.set(r.id, r.title);
  $('#sample').replaceChildren(...SAMPLES.map((s, i) => h('option', { value: String(i), text: s.label })));

  if (who?.role === 'window' && who.hospitalCode) {
    $('#hospitalCode').value = who.hospitalCode;
    $('#hospitalCode').readOnly = true;
    $('#hospital-name').textContent = who.hospitalName ?? '';
    $('#hospitalCode').title = '本窗口密钥绑定的医院';
  }
  const lastHospital = localStorage.getItem('onestop.lastHospital');
  if (!$('#hospitalCode').value && lastHospital) $('#hospitalCode').value = lastHospital;

  if (!restoreDraft()) {
    $('#billNo').value = newBillNo();
    addRow();
    diagnoses.set([]);
  }
  wire();
  pageReady();
  loadRecent();
  loadAdjustments();
}

// ───────────── the items table ─────────────

// The shared table; the catalogue below is looked up for each row through its hooks.
const table = itemsTable(tbody, {
  onRefresh: (tr) => renderCatalogue(tr),
  onAdd: (tr, raw) => raw.code && scheduleCatalogue(tr, 50),
  onRemove: () => catalogueSummary(),
  onInput: (tr, e) => e.target.dataset.field === 'code' && scheduleCatalogue(tr),
  saveDraft: () => saveDraft(),
});
const { itemRows, rowRaw, addRow, refreshRow, setItems } = table;

// ───────────── the medical catalogue (医保目录) at each row ─────────────
//
// When a code is typed (after a pause) or its cell is left, the entry in force on the admission date for
// the hospital's region is looked up (GET /v1/catalogue/{code}) and shown under the item's name: name,
// class, 先行自付比例 and 限价. A declared class, ratio or cap that differs from it, as the server compares
// them (a value left empty never differs), is marked on the row. Advice only: posting is never blocked.

/** Answers by code, date and region: a promise of the API's { ok, status, data | error }. */
const catalogueCache = new Map();
/** What each row was last looked up as: { code, on, hospital, region, answer } (answer absent: no date yet). */
const catalogueOf = new WeakMap();
const catalogueTimers = new WeakMap();
/** Hospital code → a promise of its region code, or of null when it cannot be told. */
const hospitalRegions = new Map();

const isDate = (d) => /^\d{4}-\d{2}-\d{2}$/.test(d ?? '');

/**
 * The hospital's region (6 digits): GET /v1/whoami gives the region of the key's own hospital; for another
 * hospital (an admin key), a settlement of the hospital carries hospital.regionCode, so the latest one is
 * read once. Until such a hospital has its first settlement its region is not known here: the lookup
 * then goes without region, and the API matches entries for every region only.
 */
function regionOf(hospital) {
  if (!hospital) return Promise.resolve(null);
  if (!hospitalRegions.has(hospital)) {
    const learn = (async () => {
      const who = await get('/v1/whoami');
      if (who.ok && who.data.hospital?.code === hospital && who.data.hospital.regionCode) return who.data.hospital.regionCode;
      const list = await get(`/v1/settlements${qs({ hospital, pageSize: 1 })}`);
      const id = list.ok ? list.data.items?.[0]?.id : undefined;
      if (!id) {
        // A failed request is asked again next time; a hospital without settlements is not.
        if (!list.ok && list.status !== 403) hospitalRegions.delete(hospital);
        return null;
      }
      const one = await get(`/v1/settlements/${encodeURIComponent(id)}`);
      if (!one.ok) hospitalRegions.delete(hospital);
      return (one.ok && one.data.hospital?.regionCode) || null;
    })();
    hospitalRegions.set(hospital, learn);
  }
  return hospitalRegions.get(hospital);
}

/** A settlement names its hospital's region: kept, and the rows checked again if it was not known. */
async function learnRegion(view) {
  const code = view?.hospital?.code;
  const region = view?.hospital?.regionCode;
  if (!code || !region) return;
  const known = await (hospitalRegions.get(code) ?? Promise.resolve(null));
  hospitalRegions.set(code, Promise.resolve(region));
  if (known !== region && $('#hospitalCode').value.trim() === code) recheckCatalogue(0);
}

function lookupCatalogue(code, on, region) {
  const key = `${code}\u0000${on}\u0000${region ?? ''}`;
  if (!catalogueCache.has(key)) {
    catalogueCache.set(
      key,
      get(`/v1/catalogue/${encodeURIComponent(code)}${qs({ on, region })}`).then((r) => {
        // An entry, or "not in the catalogue", is kept; a failed request is asked again.
        if (!r.ok && (r.status !== 404 || isMissingEndpoint(r))) catalogueCache.delete(key);
        return r;
      }),
    );
  }
  return catalogueCache.get(key);
}

function scheduleCatalogue(tr, delay = 400) {
  clearTimeout(catalogueTimers.get(tr));
  catalogueTimers.set(tr, setTimeout(() => checkCatalogue(tr), delay));
}

/** Every row again (the date, the hospital or the catalogue changed). */
function recheckCatalogue(delay = 300) {
  for (const tr of itemRows()) scheduleCatalogue(tr, delay);
}

async function checkCatalogue(tr) {
  catalogueTimers.delete(tr);
  if (!tr.isConnected) return;
  const question = () => ({ code: $('[data-field=code]', tr).value.trim(), on: $('#admitted').value, hospital: $('#hospitalCode').value.trim() });
  const q = question();
  if (!q.code || !isDate(q.on)) {
    catalogueOf.set(tr, q);
    renderCatalogue(tr);
    return;
  }
  const region = await regionOf(q.hospital);
  const answer = await lookupCatalogue(q.code, q.on, region);
  // The row (or the date, or the hospital) may have changed while the lookup ran: only the latest counts.
  const now = question();
  if (!tr.isConnected || now.code !== q.code || now.on !== q.on || now.hospital !== q.hospital) return;
  catalogueOf.set(tr, { ...q, region, answer });
  renderCatalogue(tr);
}

/** Two decimal texts with the same value ("0.10" and "0.1"); false when either cannot be read. */
function sameDecimal(a, b) {
  const x = parseDecimal(cleanNumberText(a), 40);
  const y = parseDecimal(cleanNumberText(b), 40);
  if (!x || !y) return false;
  const scale = Math.max(x.scale, y.scale);
  return x.units * 10n ** BigInt(scale - x.scale) === y.units * 10n ** BigInt(scale - y.scale);
}

const className = (c) => CLASSES[c] ?? c;

/** An item of a code the catalogue does not have: class C only (a declared A or B is refused). */
function outsideVerdict(raw, info) {
  if (raw.class !== 'A' && raw.class !== 'B') return { kind: 'outside', info };
  return {
    kind: 'outside',
    info,
    warning: `与医保目录不符：目录外项目只能按丙类结算，申报为${className(raw.class)}`,
    differ: ['class'],
    fix: { class: 'C', selfPayRatio: '', priceCap: raw.priceCap },
  };
}

/**
 * What the catalogue says of a row as now filled in: { kind?, info, note?, warning?, differ?, fix? }
 * (kind 'entry' or 'outside' when the catalogue answered; info a text, or its parts), or null for
 * nothing to show. `s` is the row's last lookup.
 */
function catalogueVerdict(raw, s) {
  if (!s || !raw.code || s.code !== raw.code) return null;
  if (!s.answer) return isDate(s.on) ? null : { info: '填写入院日期后，这里显示此编码在医保目录中的类别和限价' };
  const r = s.answer;
  if (!r.ok) {
    if (isMissingEndpoint(r)) return null;
    if (r.status === 404) return outsideVerdict(raw, '目录外（只能按丙类结算）');
    return { info: `暂时无法查询医保目录：${r.error.message}` };
  }
  // No catalogue covers the hospital's region on the date: the declared values stand (SETTLEMENT.md §2).
  if (r.data.catalogueLoaded === false) return { info: '本地区未载入医保目录：按申报的目录类别、先行自付比例和限价结算' };
  let entry = r.data.inForce;
  let note = '';
  if (!entry && !s.region) {
    // The hospital's region is not known here: an entry of a single region in force that day is shown, said so.
    const inForce = (r.data.periods ?? []).filter((p) => p.region && p.from <= s.on && (p.to === null || s.on <= p.to));
    const regions = [...new Set(inForce.map((p) => p.region))];
    if (regions.length === 1) {
      entry = inForce[0];
      note = `（本院所在地区未能确定，按 ${entry.region} 地区的目录核对）`;
    } else if (regions.length > 1) {
      return { info: `本院所在地区未能确定：目录中此编码只有各地区的条目（${regions.join('、')}），无法核对` };
    }
  }
  if (!entry) return outsideVerdict(raw, `入院日期 ${s.on} 目录中此编码没有有效条目（只能按丙类结算）`);
  const ratio = entry.class === 'B' && entry.selfPayRatio !== null ? entry.selfPayRatio : null;
  // Parts, each kept on one line when the cell wraps.
  const info = [
    `目录：${entry.name}`,
    className(entry.class),
    ratio !== null ? `先行自付 ${formatRatio(ratio)}` : null,
    entry.priceCap !== null ? `限价 ${formatAmount(entry.priceCap)} 元` : '不限价',
  ].filter(Boolean);
  const differ = [];
  if (raw.class && raw.class !== entry.class) differ.push('class');
  if (entry.class === 'B' && raw.selfPayRatio !== '' && !sameDecimal(normaliseRatio(raw.selfPayRatio), ratio ?? '')) differ.push('selfPayRatio');
  if (raw.priceCap !== '' && !sameDecimal(raw.priceCap, entry.priceCap ?? '')) differ.push('priceCap');
  if (!differ.length) return { kind: 'entry', info, note };
  const values = [className(entry.class)];
  if (ratio !== null) values.push(`先行自付 ${formatRatio(ratio)}`);
  if (differ.includes('priceCap')) values.push(entry.priceCap !== null ? `限价 ${formatAmount(entry.priceCap)} 元` : '不限价');
  return {
    kind: 'entry',
    info,
    note,
    warning: `与医保目录不符：目录为${values.join('，')}`,
    differ,
    fix: { class: entry.class, selfPayRatio: ratio ?? '', priceCap: differ.includes('priceCap') ? (entry.priceCap ?? '') : raw.priceCap },
  };
}

let catalogueSeq = 0;
/** Show the row's catalogue line (and its warning) under the item's name; called on every change of the row. */
function renderCatalogue(tr) {
  const cell = $('.c-name', tr);
  $('.catalogue', cell)?.remove();
  tr.classList.remove('cat-mismatch');
  for (const td of $$('.cat-diff', tr)) td.classList.remove('cat-diff');
  const code = $('[data-field=code]', tr);
  code.removeAttribute('aria-describedby');
  const v = catalogueVerdict(rowRaw(tr), catalogueOf.get(tr));
  tr.dataset.catalogue = v?.kind ?? '';
  if (v) showVerdict(tr, v);
  catalogueSummary();
}

/** The catalogue line of a row, its warning with 按目录改正, and the cells that differ marked. */
function showVerdict(tr, v) {
  const cell = $('.c-name', tr);
  const code = $('[data-field=code]', tr);
  const id = `catalogue-${++catalogueSeq}`;
  const parts = Array.isArray(v.info) ? v.info : [v.info];
  const box = h(
    'div',
    { class: 'catalogue', id, 'data-testid': 'catalogue' },
    h('div', { class: 'cat-info', 'data-testid': 'catalogue-info' }, parts.flatMap((t, i) => (i ? [' ', h('span', { class: 'cat-part', text: `· ${t}` })] : [h('span', { text: t })])), v.note ? h('span', { text: v.note }) : null),
  );
  if (v.warning) {
    tr.classList.add('cat-mismatch');
    for (const f of v.differ) $(`[data-field=${f}]`, tr).closest('td').classList.add('cat-diff');
    box.append(
      h(
        'div',
        { class: 'cat-warn', 'data-testid': 'catalogue-warning' },
        h('span', { text: v.warning }),
        ' ',
        h('button', { type: 'button', class: 'link cat-fix', text: '按目录改正', title: '把本行的类别、先行自付比例和限价改为医保目录的值', onclick: () => applyCatalogue(tr, v.fix) }),
      ),
    );
  }
  cell.append(box);
  code.setAttribute('aria-describedby', id);
}

/**
 * Under the table: how many rows differ from the catalogue, and, when no code of the bill is in it, that
 * the region may have no catalogue loaded (the API cannot tell that from a code it lacks; the server then
 * settles on the declared classes).
 */
function catalogueSummary() {
  const box = $('#catalogue-state');
  if (!box) return;
  const rows = itemRows();
  const kinds = rows.map((tr) => tr.dataset.catalogue ?? '');
  const found = kinds.filter((k) => k === 'entry').length;
  const outside = kinds.filter((k) => k === 'outside').length;
  const differ = rows.filter((tr) => tr.classList.contains('cat-mismatch')).length;
  const parts = [];
  if (differ) parts.push(`有 ${differ} 项申报与医保目录不符（已在行内标出），结算时会被拒绝或按目录计算。`);
  if (!found && outside >= 2) parts.push('本单的编码都不在医保目录中：如本地区尚未载入医保目录，结算时按申报的类别计算，行内的目录外提示可不理会。');
  box.textContent = parts.join('');
  box.hidden = !parts.length;
}

/** 按目录改正: the row takes the catalogue's class, ratio and cap; their old errors go. */
function applyCatalogue(tr, fix) {
  for (const [field, value] of Object.entries(fix)) {
    const input = $(`[data-field=${field}]`, tr);
    input.value = value;
    if (input.getAttribute('aria-invalid') === 'true') clearFieldError(input);
  }
  refreshRow(tr);
  saveDraft();
  $('[data-field=class]', tr).focus();
}

// ───────────── the bill ─────────────

function buildBill() {
  const bill = {
    billNo: $('#billNo').value.trim(),
    hospital: { code: $('#hospitalCode').value.trim() },
    person: { id: $('#personId').value.trim() },
    visit: { type: $('#visitType').value, admitted: $('#admitted').value, discharged: $('#discharged').value },
    items: itemRows().map((tr) => apiItem({ ...rowRaw(tr), amount: '' })),
  };
  const dx = diagnoses.values().filter((d) => d.code || d.name);
  // Coded diagnoses are what diagnosis-gated benefits read (主要诊断 first); a name alone is kept as text.
  if (dx.some((d) => d.code)) bill.diagnoses = dx.map((d) => (d.name ? { code: d.code, name: d.name } : { code: d.code }));
  else if (dx.length) bill.diagnosis = dx.map((d) => d.name).join('；');
  return bill;
}

// ───────────── diagnoses: principal first ─────────────

const dxBody = $('#diagnoses tbody');
const diagnoses = diagnosesTable(dxBody, { example: { code: 'K80.101', name: '胆囊结石伴慢性胆囊炎' }, reorder: true, saveDraft: () => saveDraft() });

/** Client-side checks of what the API cannot read at all (numbers); everything else is the API's to say. */
function checkNumbers() {
  let bad = 0;
  itemRows().forEach((tr) => {
    const { errors } = checkItem(rowRaw(tr));
    for (const [field, message] of Object.entries(errors)) {
      fieldError($(`[data-field=${field}]`, tr).closest('td'), message);
      bad++;
    }
  });
  for (const id of ['admitted', 'discharged']) {
    if (!$(`#${id}`).value) {
      fieldError($(`#${id}`), '请选择日期');
      bad++;
    }
  }
  return bad;
}

const FIELD_IDS = {
  billNo: 'billNo',
  'hospital.code': 'hospitalCode',
  'hospital.tier': 'hospitalCode',
  hospital: 'hospitalCode',
  'person.id': 'personId',
  'person.populations': 'personId',
  person: 'personId',
  'visit.type': 'visitType',
  'visit.admitted': 'admitted',
  'visit.discharged': 'discharged',
  visit: 'visitType',
};
const FIELD_NAMES = { code: '编码', name: '名称', class: '类别', selfPayRatio: '先行自付比例', unitPrice: '单价', quantity: '数量', amount: '金额', priceCap: '限价' };

/** The field on the page for an API issue path such as `items[2].amount`. */
function locate(path) {
  if (FIELD_IDS[path]) return $(`#${FIELD_IDS[path]}`);
  const dx = /^diagnoses\[(\d+)\](?:\.(code|name))?/.exec(path ?? '');
  if (dx) {
    const tr = dxBody.rows[Number(dx[1])];
    return tr ? $(`[data-dx=${dx[2] ?? 'code'}]`, tr).closest('td') : $('#diagnoses');
  }
  if (path === 'diagnoses' || path === 'diagnosis') return $('#diagnoses');
  const m = /^items\[(\d+)\](?:\.(\w+))?/.exec(path ?? '');
  if (m) {
    const tr = itemRows()[Number(m[1])];
    if (!tr) return null;
    const cell = m[2] ? $(`[data-field=${m[2]}]`, tr) : null;
    return cell ? (cell.matches('td') ? cell : cell.closest('td')) : tr.cells[1];
  }
  if (path === 'items') return $('#items-total');
  return null;
}
function describe(path) {
  const dx = /^diagnoses\[(\d+)\](?:\.(code|name))?/.exec(path ?? '');
  if (dx) return `${Number(dx[1]) === 0 ? '主要诊断' : `其他诊断 ${dx[1]}`}${dx[2] === 'name' ? ' 名称' : ' 疾病编码'}`;
  const m = /^items\[(\d+)\](?:\.(\w+))?/.exec(path ?? '');
  if (m) return `明细第 ${Number(m[1]) + 1} 行${m[2] ? ` ${FIELD_NAMES[m[2]] ?? m[2]}` : ''}`;
  const label = FIELD_IDS[path] ? $(`label[for=${FIELD_IDS[path]}]`)?.textContent : '';
  return label || path;
}

/** API errors that carry no field path but belong to one field. */
function attachCodeless(error) {
  if (error.issues?.length) return error;
  const byCode = { BILL_NO_CONFLICT: 'billNo', FORBIDDEN: 'hospital.code', UNKNOWN_HOSPITAL: 'hospital.code', UNKNOWN_PERSON: 'person.id' };
  const path = byCode[error.code];
  return path ? { ...error, issues: [{ path, message: error.message }] } : error;
}

function showError(error) {
  const e = attachCodeless(error);
  showApiError(summary, e, locate, describe);
  if (e.code === 'BILL_NO_CONFLICT') {
    summary.append(
      h('p', { class: 'small' }, '如需更正原结算：先在「最近结算」中撤销它，再点这里换一个账单号后结算。 ', h('button', { type: 'button', class: 'link', text: '换新账单号', onclick: () => setBillNo(newBillNo()) })),
    );
  }
  if (e.code === 'CATALOGUE_MISMATCH') {
    // The catalogue may have changed since the rows were looked up: look again, so each row shows what the server used.
    catalogueCache.clear();
    recheckCatalogue(0);
    summary.append(h('p', { class: 'small', text: '各行名称下方显示医保目录中的类别、先行自付比例和限价；可点该行的「按目录改正」，核对后再结算。' }));
  }
  if (e.code === 'NETWORK' || (e.code === 'INTERNAL' && shownKind() !== 'preview')) {
    summary.append(h('p', { class: 'small', text: '账单内容已保留。再次点「结算」会使用同一账单号：如果上次其实已经记账，系统会直接返回那次的结果，不会重复结算。' }));
  }
  summary.focus();
  summary.scrollIntoView({ block: 'nearest' });
}

const shownKind = () => shown?.kind;

function setBillNo(no) {
  $('#billNo').value = no;
  $('#billNo').readOnly = false;
  settledBillNo = null;
  saveDraft();
}

// ───────────── draft: the form survives reloads and re-logins in this tab ─────────────

let draftTimer = 0;
function saveDraft() {
  clearTimeout(draftTimer);
  draftTimer = setTimeout(writeDraft, 250);
}
/** Write now (also when the page goes away, so the last keystrokes before a reload are kept). */
function writeDraft() {
  clearTimeout(draftTimer);
  draftTimer = 0;
  // Logged out (退出 cleared the key and the draft): nothing is written back.
  if (!getKey()) return;
  const draft = {
    billNo: $('#billNo').value,
    hospital: $('#hospitalCode').value,
    person: $('#personId').value,
    visitType: $('#visitType').value,
    admitted: $('#admitted').value,
    discharged: $('#discharged').value,
    diagnoses: diagnoses.values(),
    items: itemRows().map(rowRaw),
    settledBillNo,
    savedAt: new Date().toISOString(),
  };
  sessionStorage.setItem(DRAFT, JSON.stringify(draft));
  $('#draft-state').textContent = `已自动保存 ${formatTime(draft.savedAt).slice(11)}`;
}

function restoreDraft() {
  let d;
  try {
    d = JSON.parse(sessionStorage.getItem(DRAFT) ?? 'null');
  } catch {
    d = null;
  }
  if (!d) return false;
  $('#billNo').value = d.billNo ?? newBillNo();
  if (!$('#hospitalCode').readOnly) $('#hospitalCode').value = d.hospital ?? '';
  $('#personId').value = d.person ?? '';
  if (d.visitType) $('#visitType').value = d.visitType;
  $('#admitted').value = d.admitted ?? '';
  $('#discharged').value = d.discharged ?? '';
  diagnoses.set(d.diagnoses ?? (d.diagnosis ? [{ code: '', name: d.diagnosis }] : []));
  setItems(d.items ?? []);
  settledBillNo = d.settledBillNo ?? null;
  $('#billNo').readOnly = settledBillNo !== null && settledBillNo === $('#billNo').value;
  $('#draft-state').textContent = '已恢复本标签页中未完成的账单';
  return true;
}

function newBill() {
  sessionStorage.removeItem(DRAFT);
  clearErrors(form);
  summary.hidden = true;
  for (const id of ['personId', 'admitted', 'discharged']) $(`#${id}`).value = '';
  diagnoses.set([]);
  $('#person-info').replaceChildren();
  setItems([]);
  setBillNo(newBillNo());
  showEmptyResult();
  $('#reversal-notice').hidden = true;
  $('#personId').focus();
}

// ───────────── import ─────────────

function importText(text, source) {
  return table.importText(text, source, (parsed) => {
    // The corrected bill replaces the one the errors were about: none of them stands any more.
    clearErrors(form);
    summary.hidden = true;
    if (parsed.bill) fillBill(parsed.bill, { keepBillNo: true });
  });
}

function fillBill(bill, { keepBillNo }) {
  if (keepBillNo && bill.billNo) setBillNo(String(bill.billNo));
  if (bill.hospital?.code && !$('#hospitalCode').readOnly) $('#hospitalCode').value = bill.hospital.code;
  if (bill.person?.id) $('#personId').value = bill.person.id;
  if (bill.visit?.type) {
    if (![...$('#visitType').options].some((o) => o.value === bill.visit.type)) $('#visitType').append(h('option', { value: bill.visit.type, text: bill.visit.type }));
    $('#visitType').value = bill.visit.type;
  }
  $('#admitted').value = bill.visit?.admitted ?? '';
  $('#discharged').value = bill.visit?.discharged ?? '';
  diagnoses.set(diagnosesOfBill(bill));
}

// ───────────── person lookup ─────────────

/** The person the lookup shows (so that a changed visit date can refresh what is in force). */
let lookedUp = null;
let registerSeq = 0;

/** The visit dates filled in, as [label, YYYY-MM-DD]. */
function visitDates() {
  return [
    ['入院日期', $('#admitted').value],
    ['出院日期', $('#discharged').value],
  ].filter(([, d]) => /^\d{4}-\d{2}-\d{2}$/.test(d));
}

/** GET /v1/people/{id}?on=…&on=…: the register's entry with what is in force on the visit dates. */
function registerEntry(id, dates) {
  const q = new URLSearchParams();
  for (const d of new Set(dates.map(([, d]) => d))) q.append('on', d);
  const s = q.toString();
  return get(`/v1/people/${encodeURIComponent(id)}${s ? `?${s}` : ''}`);
}

const populationName = (p) => POPULATIONS[p] ?? p;
const period = (m) => (m.to ? `${m.from} 至 ${m.to}` : `${m.from} 至今`);

/** The register part of the lookup: memberships and, for each visit date, what is in force. */
function renderRegister(entry, dates) {
  const box = h('div', { class: 'person-register', 'data-testid': 'person-register' });
  if (!entry.ok) {
    box.append(
      h('p', {
        class: 'banner banner-warn',
        text: entry.status === 404 ? '登记库中没有此人的参保身份记录：结算时无法判断人员类别，请联系医保经办机构核实。' : `无法读取此人的参保登记：${entry.error.message}`,
      }),
    );
    return box;
  }
  const p = entry.data;
  box.append(
    h(
      'table',
      { class: 'compact', 'data-testid': 'memberships', style: 'width:auto; margin:0.4rem 0' },
      h('caption', { class: 'small muted', style: 'text-align:left', text: '参保身份（人员类别期间）' }),
      h('thead', {}, h('tr', {}, h('th', { text: '人员类别' }), h('th', { text: '起' }), h('th', { text: '止' }))),
      h(
        'tbody',
        {},
        p.memberships.length
          ? p.memberships.map((m) =>
              h('tr', { title: `登记批次 ${m.batch}` }, h('td', { text: populationName(m.population) }), h('td', { text: m.from }), h('td', { text: m.to ?? '至今' })),
            )
          : h('tr', {}, h('td', { colspan: '3', class: 'muted', text: '没有有效的人员类别期间' })),
      ),
    ),
  );
  if (p.superseded?.length) box.append(h('p', { class: 'hint', text: `另有 ${p.superseded.length} 个期间已被后来导入的登记更正（稽核页可查）。` }));
  if (!dates.length) {
    box.append(h('p', { class: 'hint', text: '填好入院、出院日期后，这里会显示这两天有效的参保身份。' }));
    return box;
  }
  for (const [label, date] of dates) {
    const list = p.inForce?.[date] ?? [];
    const text = list.length
      ? `${label} ${date}：${list.map((m) => `${populationName(m.population)}（${period(m)}）`).join('；')}`
      : `${label} ${date}：无有效参保身份`;
    box.append(h('p', { class: list.length ? 'in-force' : 'in-force banner banner-warn', 'data-testid': 'in-force', dataset: { date }, style: 'margin:0.2rem 0', text }));
  }
  return box;
}

/** A visit date changed after a lookup: show what is in force on the new dates. */
async function refreshRegister() {
  const id = $('#personId').value.trim();
  const old = $('#person-info [data-testid=person-register]');
  if (!lookedUp || lookedUp !== id || !old) return;
  const seq = ++registerSeq;
  const dates = visitDates();
  const entry = await registerEntry(id, dates);
  if (seq !== registerSeq || lookedUp !== id) return;
  $('#person-info [data-testid=person-register]')?.replaceWith(renderRegister(entry, dates));
}

async function findPerson() {
  const input = $('#personId');
  const id = input.value.trim();
  const info = $('#person-info');
  clearErrors(input.closest('.field'));
  if (!id) {
    fieldError(input, '请输入参保人编号');
    input.focus();
    return;
  }
  const year = ($('#discharged').value || $('#admitted').value || String(new Date().getFullYear())).slice(0, 4);
  const dates = visitDates();
  await busy($('#find-person'), '查找中…', async () => {
    registerSeq++;
    const [acc, entry] = await Promise.all([get(`/v1/people/${encodeURIComponent(id)}/accumulators${qs({ year })}`), registerEntry(id, dates)]);
    if (!acc.ok) {
      if (acc.status === 404) fieldError(input, `参保人 ${id} 未登记：请核对编号`);
      else fieldError(input, acc.error.message);
      info.replaceChildren();
      lookedUp = null;
      return;
    }
    const recent = entry.ok ? null : await get(`/v1/settlements${qs({ person: id, pageSize: 5 })}`);
    const first = recent?.ok ? recent.data.items[0] : undefined;
    const rows = Object.entries(acc.data.accumulators).flatMap(([k, fields]) =>
      Object.entries(fields)
        .filter(([f]) => ACC_FIELDS[f])
        .map(([f, v]) => [`${accumulatorName(k)} ${ACC_FIELDS[f]}`, `${formatAmount(v)} 元`]),
    );
    // The register names the person (ID number masked by the API); without it, the last settlement here does.
    const p = entry.ok ? entry.data : null;
    const who = p
      ? h('b', { 'data-testid': 'person-name', text: `${p.name}（${p.idNumber}）` })
      : first
        ? h('b', { text: `${first.personName}（${first.idNumber}）` })
        : h('span', { class: 'muted', text: '本院尚无此人的结算记录' });
    const where = p ? [p.county ? `旗县 ${p.county}` : '', p.insuredRegion ? `参保地 ${p.insuredRegion}` : ''].filter(Boolean).join(' · ') : '';
    lookedUp = id;
    info.replaceChildren(
      h('span', { class: 'pill ok', text: '已登记' }),
      ' ',
      who,
      where ? h('span', { class: 'muted', 'data-testid': 'person-region', text: `　${where}` }) : null,
      renderRegister(entry, dates),
      h('dl', {}, h('dt', { text: `${year} 年度累计` }), h('dd', { text: rows.length ? '' : '本年尚无结算' }), rows.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { class: 'num', text: v })])),
      rows.length ? h('button', { type: 'button', class: 'link', 'data-testid': 'print-statement', text: `打印 ${year} 年度结算汇总`, onclick: () => printStatement(id, year) }) : null,
    );
  });
  // A visit date changed while the lookup ran: what is in force follows the dates now in the form.
  if (lookedUp === id && JSON.stringify(visitDates()) !== JSON.stringify(dates)) refreshRegister();
}

/**
 * 年度结算汇总: the person's year as the server writes it (every settlement, reversal and 应补应退 in ledger
 * order, running year-to-date, totals per fund), printed on its own.
 */
async function printStatement(person, year) {
  const r = await get(`/v1/people/${encodeURIComponent(person)}/years/${year}${qs({ format: 'text' })}`, { as: 'text', accept: 'text/plain' });
  if (!r.ok) {
    banner('error', r.error.message);
    return;
  }
  let box = $('#statement-print');
  if (!box) document.body.append((box = h('section', { id: 'statement-print', class: 'statement-print', hidden: true })));
  box.replaceChildren(h('pre', { text: r.data }));
  box.hidden = false;
  addEventListener('afterprint', () => (box.hidden = true), { once: true });
  printElement(box);
}

// ───────────── preview, settle, reverse ─────────────

async function submit(kind, button) {
  clearErrors(form);
  summary.hidden = true;
  if (checkNumbers()) {
    showApiError(summary, { message: '有几处数字无法识别，请按提示修改后再提交。' });
    summary.focus();
    return;
  }
  const bill = buildBill();
  localStorage.setItem('onestop.lastHospital', bill.hospital.code);
  await busy(button, kind === 'preview' ? '预结算中…' : '结算中…', async () => {
    const r = await post(kind === 'preview' ? '/v1/settlements/preview' : '/v1/settlements', bill);
    if (!r.ok) {
      showError(r.error);
      return;
    }
    if (kind === 'preview') {
      showResult({ kind: 'preview', data: r.data });
      return;
    }
    settledBillNo = bill.billNo;
    $('#billNo').readOnly = true;
    learnRegion(r.data);
    saveDraft();
    if (r.data.replay) banner('info', `账单号 ${bill.billNo} 已于 ${formatTime(r.data.createdAt)} 结算过：显示的是原结算结果，没有重复记账。`, { id: 'settle' });
    else banner('ok', `结算成功：结算号 ${r.data.id}。请打印结算单交患者签字。`, { id: 'settle' });
    await showSettlement(r.data);
    loadRecent();
  });
}

async function showSettlement(view) {
  showResult({ kind: 'settlement', data: view });
  const trace = await get(`/v1/settlements/${encodeURIComponent(view.id)}/trace`);
  if (trace.ok && shown?.data?.id === view.id) showResult({ kind: 'settlement', data: view, trace: trace.data });
}

function showEmptyResult() {
  shown = null;
  resultBox.replaceChildren(
    h('div', { class: 'result-head' }, h('h2', { id: 'h-result', text: '结算结果' })),
    h('p', { class: 'result-empty', text: '填好左侧账单后点「预结算」，这里会显示总费用、四类费用、五道保障各付多少，以及患者本次需付的金额。' }),
  );
}

function showResult(s) {
  shown = s;
  const result = s.data.result;
  const head = h('div', { class: 'result-head' });
  const parts = [];
  if (s.kind === 'preview') {
    head.append(h('h2', { id: 'h-result', text: '预结算结果' }), h('span', { class: 'pill warn', text: '仅计算，未记账' }));
    parts.push(h('p', { class: 'status-line muted', text: `规则：${rulesetTitles.get(s.data.rulesetId) ?? s.data.rulesetId} · 以参保人当前本年累计计算；确认无误后点「结算」。` }));
  } else {
    const v = s.data;
    head.append(h('h2', { id: 'h-result', text: '结算单' }), h('span', { class: `pill ${v.status === 'reversed' ? 'reversed' : 'ok'}`, 'data-testid': 'status', text: STATUS[v.status] ?? v.status }));
    parts.push(
      h(
        'p',
        { class: 'status-line' },
        h('span', { class: 'muted', text: '结算号 ' }),
        h('b', { 'data-testid': 'settlement-id', text: v.id }),
        h('span', { class: 'muted', text: ` · 账单号 ${v.billNo} · ${v.person.name}（${v.person.id}）· ${visitTypeName(v.visit.type)} ${v.visit.admitted} 至 ${v.visit.discharged}` }),
      ),
    );
    if (v.status === 'settled' && v.adjustments?.length && v.current) {
      parts.push(
        h('p', {
          class: 'banner banner-warn',
          'data-testid': 'adjusted',
          text: `参保人较早的结算被撤销后，本结算已按更正后的年度累计重新结算${v.adjustments.length > 1 ? ` ${v.adjustments.length} 次` : ''}：现基金支付 ${formatAmount(v.current.fundPaysTotal)} 元，个人支付 ${formatAmount(v.current.patientPays)} 元，应补应退见「应补应退通知」。下面是原结算结果。`,
        }),
      );
    }
    if (v.status === 'reversed') {
      parts.push(reversedStamp(v));
    }
  }
  const actions = h('div', { class: 'actions result-actions no-print' });
  if (s.kind === 'settlement') {
    actions.append(h('button', { type: 'button', id: 'print-btn', text: '打印结算单', onclick: () => printSlip(s.data) }));
    if (s.data.status === 'settled') actions.append(h('button', { type: 'button', class: 'danger', id: 'reverse-btn', text: '撤销结算…', onclick: () => reverse(s.data) }));
  } else {
    actions.append(h('span', { class: 'muted small', text: '预结算不能打印结算单；结算后可打印。' }));
  }
  resultBox.replaceChildren(head, ...parts, renderWaterfall(result, { trace: s.trace }), actions);
}

async function reverse(view) {
  const r = await reverseSettlement(view, `/v1/settlements/${encodeURIComponent(view.id)}/reversal`, $('#reverse-btn'));
  if (!r) return;
  if (!r.ok) {
    banner('error', `撤销失败：${r.error.message}`, { id: 'settle' });
    return;
  }
  banner('ok', `结算 ${view.id} 已撤销。`, { id: 'settle' });
  if (settledBillNo === view.billNo) {
    // The bill is free to be corrected and settled again under a new number.
    $('#billNo').readOnly = false;
    settledBillNo = null;
    saveDraft();
  }
  showResult({ kind: 'settlement', data: r.data, trace: shown?.trace });
  showReversalNotice($('#reversal-notice'), r.data);
  loadRecent();
  loadAdjustments();
}

// ───────────── 应补应退通知: this hospital's adjusted settlements ─────────────
//
// The notice of a reversal just made (reversal.js) lists what it changed; a hospital whose settlement was
// adjusted by any hospital's reversal finds it here too (GET /v1/adjustments, the key's own hospital).

const ADJUSTMENTS_PAGE = 10;
let adjustmentsPage = 1;

async function loadAdjustments(toPage = adjustmentsPage) {
  const list = $('#adjustments-list');
  const state = $('#adjustments-state');
  const r = await get(`/v1/adjustments${qs({ hospital: $('#hospitalCode').value.trim(), page: toPage, pageSize: ADJUSTMENTS_PAGE })}`);
  if (!r.ok) {
    state.textContent = isMissingEndpoint(r) ? '服务器暂未提供应补应退通知接口。' : r.error.message;
    return;
  }
  adjustmentsPage = r.data.page;
  list.replaceChildren(...r.data.items.map(adjustmentItem));
  const pages = Math.max(1, Math.ceil(r.data.total / r.data.pageSize));
  state.textContent = r.data.total ? `共 ${r.data.total} 条${pages > 1 ? `，第 ${adjustmentsPage} / ${pages} 页` : ''}；请按通知向患者补收或退还，可逐条打印。` : '暂无应补应退。';
  $('#adjustments-pager').hidden = pages <= 1;
  $('#adjustments-prev').disabled = adjustmentsPage <= 1;
  $('#adjustments-next').disabled = adjustmentsPage >= pages;
}

/** One adjustment of the list: on screen its sentence; on paper also per fund and lines to sign. */
function adjustmentItem(a) {
  const li = h('li', { class: 'notice-item', 'data-testid': 'adjustment', dataset: { id: a.id, settlement: a.settlementId } });
  li.append(
    printHead('应补应退通知', `${a.settlement.hospital.name}（${a.settlement.hospital.code}）`),
    h(
      'div',
      { class: 'notice-line' },
      patientPill(a.patient, a.patientPays),
      h('b', { text: `账单 ${a.settlement.billNo}` }),
      h('span', { class: 'muted small', text: `参保人 ${a.personId} · ${a.settlement.discharged} 出院 · ${formatTime(a.at)} 重新结算` }),
    ),
    h('p', { class: 'notice-text', 'data-testid': 'adjustment-notice', text: a.notice }),
    h('p', { class: 'muted small', text: `因${a.reversal.hospital.code === a.settlement.hospital.code ? '本院' : a.reversal.hospital.name}撤销结算 ${a.reversal.id}（账单 ${a.reversal.billNo}）而重新结算。` }),
    h('div', { class: 'print-only' }, changesTable(a)),
    printSign(),
    h(
      'div',
      { class: 'actions no-print' },
      h('button', { type: 'button', class: 'link', text: '查看结算', onclick: () => openSettlement(a.settlementId) }),
      h('button', { type: 'button', class: 'adjustment-print', text: '打印', onclick: () => printElement(li) }),
    ),
  );
  return li;
}

// ───────────── recent settlements ─────────────

async function loadRecent() {
  const person = $('#recent-person').value.trim();
  // Newest settlement first: what this window just did, whatever its discharge date.
  const r = await get(`/v1/settlements${qs({ person, pageSize: 10, sort: 'settled' })}`);
  const body = $('#recent-table tbody');
  if (!r.ok) {
    $('#recent-state').textContent = r.error.message;
    return;
  }
  body.replaceChildren(
    ...r.data.items.map((s) =>
      h(
        'tr',
        { class: 'clickable', tabindex: '0', title: '打开此结算', dataset: { id: s.id }, onclick: () => openSettlement(s.id), onkeydown: (e) => e.key === 'Enter' && openSettlement(s.id) },
        h('td', { class: 'mono', text: s.id }),
        h('td', { text: s.billNo }),
        h('td', { text: `${s.personName} ${s.personId}` }),
        h('td', { text: s.discharged }),
        h('td', { class: 'num', text: formatAmount(s.total) }),
        h('td', { class: 'num', text: formatAmount(s.patientPays) }),
        h('td', {}, h('span', { class: `pill ${s.status === 'reversed' ? 'reversed' : 'ok'}`, text: STATUS[s.status] ?? s.status })),
      ),
    ),
  );
  $('#recent-state').textContent = r.data.total ? `共 ${r.data.total} 笔，显示最近 ${r.data.items.length} 笔；点一行可查看、打印或撤销。` : '暂无结算。';
}

async function openSettlement(id) {
  const r = await get(`/v1/settlements/${encodeURIComponent(id)}`);
  if (!r.ok) {
    banner('error', r.error.message);
    return;
  }
  await showSettlement(r.data);
  resultBox.scrollIntoView({ block: 'start', behavior: 'smooth' });
}

// ───────────── events ─────────────

function wire() {
  $('#add-diagnosis').addEventListener('click', () => diagnoses.add({ code: '', name: '' }, true));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const button = e.submitter ?? $('#preview-btn');
    submit(button.value === 'settle' ? 'settle' : 'preview', button);
  });
  form.addEventListener('input', (e) => {
    if (e.target.id === 'billNo') settledBillNo = null;
    // An edited field loses its old error.
    if (e.target.getAttribute('aria-invalid') === 'true') clearFieldError(e.target);
    saveDraft();
  });
  form.addEventListener('change', () => saveDraft());
  table.wire(importText);
  // Leaving a code cell looks the code up at once (a pending lookup of the typing is not waited for).
  tbody.addEventListener('focusout', (e) => {
    if (e.target.dataset?.field === 'code') scheduleCatalogue(e.target.closest('tr'), 0);
  });
  $('#load-sample').addEventListener('click', () => {
    const s = SAMPLES[Number($('#sample').value)] ?? SAMPLES[0];
    clearErrors(form);
    summary.hidden = true;
    fillBill(s.bill, { keepBillNo: false });
    setBillNo(newBillNo());
    setItems(s.bill.items.map(rawItem));
    $('#import-state').textContent = '';
    banner('info', `已载入示例账单（${s.label}，取自演示数据 ${s.seed}，账单号已换新）。`, { id: 'sample' });
    saveDraft();
  });
  $('#save-csv').addEventListener('click', () => {
    const items = itemRows().map((tr) => {
      const raw = rowRaw(tr);
      return { ...raw, amount: checkItem(raw).amount ?? raw.amount };
    });
    download(new Blob(['\uFEFF', itemsToCsv(items)], { type: 'text/csv;charset=utf-8' }), `${$('#billNo').value || '账单'}-明细.csv`);
  });
  $('#new-bill').addEventListener('click', newBill);
  $('#find-person').addEventListener('click', findPerson);
  for (const id of ['#admitted', '#discharged']) $(id).addEventListener('change', refreshRegister);
  // The catalogue in force is the admission date's, for the hospital's region.
  $('#admitted').addEventListener('change', () => recheckCatalogue());
  $('#hospitalCode').addEventListener('change', () => recheckCatalogue());
  $('#personId').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.isComposing) {
      e.preventDefault();
      findPerson();
    }
  });
  addEventListener('pagehide', () => draftTimer && writeDraft());
  $('#recent-refresh').addEventListener('click', loadRecent);
  $('#adjustments-refresh').addEventListener('click', () => loadAdjustments());
  $('#adjustments-prev').addEventListener('click', () => loadAdjustments(adjustmentsPage - 1));
  $('#adjustments-next').addEventListener('click', () => loadAdjustments(adjustmentsPage + 1));
  $('#hospitalCode').addEventListener('change', () => loadAdjustments(1));
  $('#recent-person').addEventListener('keydown', (e) => e.key === 'Enter' && loadRecent());
  // Alt+P / Alt+S work through accesskey; Ctrl+Enter previews from anywhere in the form.
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      submit('preview', $('#preview-btn'));
    }
  });
}

const started = await startPage('window');
if (started) init(started);
