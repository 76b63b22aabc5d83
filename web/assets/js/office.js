// 经办结算 (the bureau's settlement office): a bill that never reached a window — a stay at a hospital
// outside the register (区外就医), or one whose basic insurance the cross-region platform already paid —
// entered by its items or, for assistance on application (依申请救助) on what was settled elsewhere, by its
// four buckets (buckets-entry.js), with what was paid elsewhere, who is paid and the application the office
// approved; 预结算, 结算, the 二次补偿结算单 printed for the patient (from the settlement as the server
// recorded it), and the 支付清单 of what the funds pay patients. An office settlement, just made or opened
// from the 支付清单, is reversed here (撤销, with the window's dialog and 应补应退 notice: reversal.js).
//
// As on the window page, nothing typed is lost: a failed request leaves the form as it was and shows each
// error next to its field, and the form is kept in this tab's sessionStorage across reloads and logins.
import { get, getKey, post, qs } from './api.js';
import { apiItem, checkItem, newBillNo } from './bill.js';
import { fundOrder } from './chart.js';
import { DOCUMENTS, PAYEES, PROVINCES, RECEIVABLE_KINDS, RELATIONS, STATUS, TIERS, fundName, visitTypeName } from './labels.js';
import { fenToString, formatAmount, parseFen } from './money.js';
import { bucketsEntry, bucketName } from './buckets-entry.js';
import { diagnosesOfBill, diagnosesTable } from './diagnoses.js';
import { itemsTable } from './items-table.js';
import { compensationHtml, owedFigures, paidElsewhereLine, paidElsewhereSteps } from './office-slip.js';
import { reversedStamp, reverseSettlement, showReversalNotice } from './reversal.js';
import { $, $$, banner, busy, clearErrors, clearFieldError, download, fieldError, formatTime, h, openDialog, pageReady, showApiError, showHtmlInFrame, startPage } from './ui.js';
import { renderWaterfall } from './waterfall.js';

const DRAFT = 'onestop.office.draft';
const form = $('#office-form');
const summary = $('#form-summary');
const tbody = $('#items tbody');
const dxBody = $('#diagnoses tbody');
const diagnoses = diagnosesTable(dxBody, { example: { code: 'I25.103', name: '冠状动脉粥样硬化性心脏病' }, saveDraft: () => saveDraft() });
const peBody = $('#elsewhere tbody');
const resultBox = $('#result');

/** The rulesets the server has (GET /v1/rulesets). */
let rulesets = [];
/** The ruleset the last preview or settlement was computed with: the step list follows it. */
let usedRuleset = null;
/** A bill number that has been settled: editing the bill after that needs a new number. */
let settledBillNo = null;

const isDate = (d) => /^\d{4}-\d{2}-\d{2}$/.test(d ?? '');
/** An office bill number: like the window's, marked JB (经办). */
const newOfficeBillNo = () => newBillNo().replace(/^W/, 'JB');

function init(started) {
  rulesets = started.rulesets;
  const types = [...new Set(rulesets.flatMap((r) => r.visitTypes ?? []))];
  if (!types.includes('inpatient')) types.unshift('inpatient');
  types.sort((a, b) => (a === 'inpatient' ? -1 : b === 'inpatient' ? 1 : 0));
  $('#visitType').replaceChildren(...types.map((t) => h('option', { value: t, text: visitTypeName(t) })));
  $('#hospitalTier').replaceChildren(h('option', { value: '', text: '按登记库' }), ...Object.entries(TIERS).map(([v, name]) => h('option', { value: v, text: name })));
  $('#regions').replaceChildren(...Object.entries(PROVINCES).map(([code, name]) => h('option', { value: code, label: name })));
  $('#relations').replaceChildren(...RELATIONS.map((r) => h('option', { value: r })));
  $('#document-names').replaceChildren(...DOCUMENTS.map((d) => h('option', { value: d })));
  if (!restoreDraft()) {
    $('#billNo').value = newOfficeBillNo();
    diagnoses.set([]);
    setItems([]);
    setDocuments([]);
  }
  renderElsewhereState();
  wire();
  refreshSteps();
  pageReady();
  loadPayments();
}

// ───────────── the items table (the window's columns, without the catalogue lookups) ─────────────

const table = itemsTable(tbody, { saveDraft: () => saveDraft(), acceptBuckets: true });
const { itemRows, rowRaw, setItems } = table;

// ───────────── or the four buckets (依申请救助: the bill was settled elsewhere, its items are not here) ─────────────

const buckets = bucketsEntry($('#buckets-fields'), $('#buckets-sum'), { saveDraft: () => saveDraft() });

/** How the bill's money is entered: 'items' (明细) or 'buckets' (分类金额). */
const entryMode = () => (form.elements.entry.value === 'buckets' ? 'buckets' : 'items');

function setEntryMode(mode) {
  const byBuckets = mode === 'buckets';
  $('#entry-items').checked = !byBuckets;
  $('#entry-buckets').checked = byBuckets;
  $('#items-panel').hidden = byBuckets;
  $('#buckets-panel').hidden = !byBuckets;
  $('#entry-hint').textContent = byBuckets ? '按他处结算单的费用分类填写' : '在最后一格按回车可添加一行';
  // The other form's errors are not this one's.
  clearErrors($('#items-card'));
}

// ───────────── diagnoses: principal first ─────────────

// ───────────── 已由他处支付: the steps of the ruleset that settles the bill ─────────────

/** Rules documents by id: a promise of the document, or of null when it cannot be read. */
const documents = new Map();
function rulesDocument(id) {
  if (!documents.has(id)) {
    documents.set(
      id,
      get(`/v1/rulesets/${encodeURIComponent(id)}`).then((r) => {
        if (!r.ok) documents.delete(id);
        return r.ok ? r.data.document : null;
      }),
    );
  }
  return documents.get(id);
}

/**
 * The ruleset the bill will be settled with, as well as the page can tell before the server says: the one
 * the last preview used if it covers the discharge date, else the first that covers it. (The server picks
 * by the person's insured region, which this key cannot look up.)
 */
function likelyRuleset() {
  const date = [$('#discharged').value, $('#admitted').value].find(isDate);
  const covers = (r) => !date || ((!r.effective?.from || r.effective.from <= date) && (!r.effective?.to || date <= r.effective.to));
  const used = rulesets.find((r) => r.id === usedRuleset);
  if (used && covers(used)) return used;
  return rulesets.find(covers) ?? used ?? rulesets[0] ?? null;
}

/** The steps that may have been paid elsewhere: { id, name } (a year's out-of-pocket cap is the patient's own). */
let stepOptions = [];
/** Every step id of the rules read so far, with its name: the API's messages name steps by id. */
const stepNames = new Map();
let stepsSeq = 0;

async function refreshSteps() {
  const seq = ++stepsSeq;
  const rs = likelyRuleset();
  const type = $('#visitType').value;
  const doc = rs ? await rulesDocument(rs.id) : null;
  if (seq !== stepsSeq) return;
  for (const list of Object.values(doc?.visits ?? {})) for (const st of Array.isArray(list) ? list : []) if (st?.id && st.name) stepNames.set(String(st.id), String(st.name));
  const steps = Array.isArray(doc?.visits?.[type]) ? doc.visits[type] : [];
  stepOptions = steps.filter((s) => s && s.id && s.kind !== 'outOfPocketCap').map((s) => ({ id: String(s.id), name: String(s.name ?? fundName(s.fund)) }));
  $('#elsewhere-rules').textContent = rs ? (doc ? `按「${rs.title}」${visitTypeName(type)}的各道保障` : '未能读取结算规则：请稍后重试') : '服务器没有可用的结算规则';
  for (const tr of peBody.rows) if (!tr.classList.contains('row-errors')) fillStepSelect($('[data-pe=step]', tr));
}

function stepName(id) {
  return stepOptions.find((s) => s.id === id)?.name ?? stepNames.get(id) ?? id;
}

function fillStepSelect(select, value = select.value) {
  const opts = stepOptions.map((s) => h('option', { value: s.id, text: s.name, selected: s.id === value }));
  // A step the rules at hand do not have stays as it was (the server names it if it is wrong).
  if (value && !stepOptions.some((s) => s.id === value)) opts.push(h('option', { value, text: stepNames.has(value) ? `${stepNames.get(value)}（不在当前规则中）` : value, selected: true }));
  if (!opts.length) opts.push(h('option', { value: '', text: '（先填写就诊日期）' }));
  select.replaceChildren(...opts);
  if (value) select.value = value;
}

const peRows = () => [...peBody.rows].filter((r) => !r.classList.contains('row-errors'));

function addElsewhere(p = {}, focus = false) {
  const used = new Set(peRows().map((tr) => $('[data-pe=step]', tr).value));
  const step = h('select', { 'data-pe': 'step', 'aria-label': '已支付的保障' });
  const payout = h('input', { 'data-pe': 'payout', class: 'num', inputmode: 'decimal', value: p.payout ?? '', 'aria-label': '已付金额', placeholder: '如 23483.40', spellcheck: 'false' });
  const deductible = h('input', { 'data-pe': 'deductible', class: 'num', inputmode: 'decimal', value: p.deductible ?? '', 'aria-label': '已扣起付线', placeholder: '可不填', spellcheck: 'false' });
  const tr = h(
    'tr',
    {},
    h('td', {}, step),
    h('td', {}, payout),
    h('td', {}, deductible),
    h('td', { class: 'c-del' }, h('button', { type: 'button', class: 'link danger', text: '删除', title: '删除这一行', onclick: () => removeElsewhere(tr) })),
  );
  peBody.append(tr);
  fillStepSelect(step, p.step ?? stepOptions.find((s) => !used.has(s.id))?.id ?? stepOptions[0]?.id ?? '');
  renderElsewhereState();
  if (focus) step.focus();
  return tr;
}

function removeElsewhere(tr) {
  if (tr.nextElementSibling?.classList.contains('row-errors')) tr.nextElementSibling.remove();
  tr.remove();
  renderElsewhereState();
  saveDraft();
}

function setElsewhere(list) {
  peBody.replaceChildren();
  for (const p of list) addElsewhere(p);
  renderElsewhereState();
}

function elsewhereValues() {
  return peRows().map((tr) => ({ step: $('[data-pe=step]', tr).value, payout: $('[data-pe=payout]', tr).value.trim(), deductible: $('[data-pe=deductible]', tr).value.trim() }));
}

function renderElsewhereState() {
  const empty = peRows().length === 0;
  $('#elsewhere').closest('.table-wrap').hidden = empty;
  $('#elsewhere-empty').hidden = !empty;
}

/** A bill's paidElsewhere ({ step: { payout, deductible? } }) as rows. */
function elsewhereOfBill(bill) {
  const pe = bill?.paidElsewhere;
  if (!pe || typeof pe !== 'object') return [];
  return Object.entries(pe).map(([step, v]) => ({ step, payout: String(v?.payout ?? ''), deductible: v?.deductible === undefined ? '' : String(v.deductible) }));
}

// ───────────── 已查验材料: a list the clerk adds to ─────────────

function documentValues() {
  return $$('#documents li').map((li) => li.dataset.doc);
}

function addDocument(name) {
  const text = String(name ?? '').trim();
  if (!text) return false;
  if (documentValues().includes(text)) return true;
  const li = h('li', { dataset: { doc: text } }, h('span', { text }), h('button', { type: 'button', class: 'link del', title: `删除「${text}」`, 'aria-label': `删除「${text}」`, text: '×', onclick: () => (li.remove(), renderDocumentsState(), saveDraft()) }));
  $('#documents').append(li);
  renderDocumentsState();
  return true;
}

function setDocuments(list) {
  $('#documents').replaceChildren();
  for (const d of list) addDocument(d);
  renderDocumentsState();
}

function renderDocumentsState() {
  $('#documents').hidden = documentValues().length === 0;
}

function addTypedDocument() {
  const input = $('#doc-input');
  if (!input.value.trim()) {
    input.focus();
    return;
  }
  addDocument(input.value);
  input.value = '';
  if (input.getAttribute('aria-invalid') === 'true') clearFieldError(input);
  input.focus();
  saveDraft();
}

// ───────────── the request ─────────────

const payee = () => form.elements.payee.value || '';

function buildBill() {
  const bill = {
    billNo: $('#billNo').value.trim(),
    hospital: { code: $('#hospitalCode').value.trim() },
    person: { id: $('#personId').value.trim() },
    visit: { type: $('#visitType').value, admitted: $('#admitted').value, discharged: $('#discharged').value },
  };
  if (entryMode() === 'buckets') bill.buckets = buckets.bill();
  else bill.items = itemRows().map((tr) => apiItem({ ...rowRaw(tr), amount: '' }));
  if ($('#hospitalTier').value) bill.hospital.tier = $('#hospitalTier').value;
  const dx = diagnoses.values().filter((d) => d.code || d.name);
  if (dx.some((d) => d.code)) bill.diagnoses = dx.map((d) => (d.name ? { code: d.code, name: d.name } : { code: d.code }));
  else if (dx.length) bill.diagnosis = dx.map((d) => d.name).join('；');
  const pe = elsewhereValues();
  if (pe.length) {
    bill.paidElsewhere = Object.fromEntries(
      pe.map((p) => [p.step, { payout: fenToString(parseFen(p.payout)), ...(p.deductible !== '' ? { deductible: fenToString(parseFen(p.deductible)) } : {}) }]),
    );
  }
  return bill;
}

function buildRequest() {
  const v = (id) => $(`#${id}`).value.trim();
  const request = { bill: buildBill(), payee: payee() };
  // A hospital outside the register is named; one in the register needs its code only.
  if (v('hospitalName') || v('regionCode') || v('regionName')) request.hospital = { name: v('hospitalName'), regionCode: v('regionCode'), ...(v('regionName') ? { regionName: v('regionName') } : {}) };
  request.application = { applicant: v('applicant'), documents: documentValues(), approvedBy: v('approvedBy'), approvedOn: v('approvedOn') };
  for (const k of ['relation', 'reference', 'bankAccount']) if (v(k)) request.application[k] = v(k);
  return request;
}

/** What the API could not read at all (numbers, dates, the payee); everything else is the API's to say. */
function checkForm() {
  let bad = 0;
  const mark = (target, message) => {
    fieldError(target, message);
    bad++;
  };
  if (entryMode() === 'buckets') buckets.check(mark);
  else {
    itemRows().forEach((tr) => {
      for (const [field, message] of Object.entries(checkItem(rowRaw(tr)).errors)) mark($(`[data-field=${field}]`, tr).closest('td'), message);
    });
  }
  for (const id of ['admitted', 'discharged']) if (!$(`#${id}`).value) mark($(`#${id}`), '请选择日期');
  const seen = new Set();
  for (const tr of peRows()) {
    const p = { step: $('[data-pe=step]', tr).value, payout: $('[data-pe=payout]', tr).value.trim(), deductible: $('[data-pe=deductible]', tr).value.trim() };
    if (!p.step) mark($('[data-pe=step]', tr).closest('td'), '请选择已支付的保障');
    else if (seen.has(p.step)) mark($('[data-pe=step]', tr).closest('td'), '同一道保障只能写一行');
    seen.add(p.step);
    const payout = parseFen(p.payout);
    if (p.payout === '') mark($('[data-pe=payout]', tr).closest('td'), '请填写已付金额');
    else if (payout === null || payout < 0n) mark($('[data-pe=payout]', tr).closest('td'), '金额应为元，最多两位小数');
    const ded = parseFen(p.deductible);
    if (p.deductible !== '' && (ded === null || ded < 0n)) mark($('[data-pe=deductible]', tr).closest('td'), '金额应为元，最多两位小数');
  }
  if (!payee()) mark($('#payee-field'), '请选择收款方');
  if (!$('#approvedOn').value) mark($('#approvedOn'), '请选择日期');
  if ($('#doc-input').value.trim()) {
    // A document typed but not yet added is added now rather than lost.
    addDocument($('#doc-input').value);
    $('#doc-input').value = '';
  }
  return bad;
}

// ───────────── errors at their fields ─────────────

const FIELD_IDS = {
  billNo: 'billNo',
  'hospital.code': 'hospitalCode',
  'hospital.tier': 'hospitalTier',
  hospital: 'hospitalCode',
  'hospital.name': 'hospitalName',
  'hospital.regionCode': 'regionCode',
  'hospital.regionName': 'regionName',
  'person.id': 'personId',
  'person.populations': 'personId',
  person: 'personId',
  'visit.type': 'visitType',
  'visit.admitted': 'admitted',
  'visit.discharged': 'discharged',
  visit: 'visitType',
  payee: 'payee-field',
  application: 'applicant',
  'application.applicant': 'applicant',
  'application.relation': 'relation',
  'application.approvedBy': 'approvedBy',
  'application.approvedOn': 'approvedOn',
  'application.reference': 'reference',
  'application.bankAccount': 'bankAccount',
  'application.documents': 'doc-input',
  paidElsewhere: 'elsewhere-field',
};
const FIELD_NAMES = { code: '编码', name: '名称', class: '类别', selfPayRatio: '先行自付比例', unitPrice: '单价', quantity: '数量', amount: '金额', priceCap: '限价' };
const PE_FIELDS = { payout: '已付金额', deductible: '已扣起付线' };
const PE_PATH = /^paidElsewhere\.([A-Za-z][A-Za-z0-9_-]*)(?:\.(payout|deductible))?/;

/** The field on the page for an API issue path: the bill's (`items[2].amount`) or the request's (`application.documents`). */
function locate(path) {
  const p = String(path ?? '');
  if (/^application\.documents\b/.test(p)) return $('#doc-input');
  if (FIELD_IDS[p]) return $(`#${FIELD_IDS[p]}`);
  const dx = /^diagnoses\[(\d+)\](?:\.(code|name))?/.exec(p);
  if (dx) {
    const tr = dxBody.rows[Number(dx[1])];
    return tr ? $(`[data-dx=${dx[2] ?? 'code'}]`, tr).closest('td') : $('#diagnoses');
  }
  if (p === 'diagnoses' || p === 'diagnosis') return $('#diagnoses');
  const m = /^items\[(\d+)\](?:\.(\w+))?/.exec(p);
  if (m) {
    const tr = itemRows()[Number(m[1])];
    if (!tr) return null;
    const cell = m[2] ? $(`[data-field=${m[2]}]`, tr) : null;
    return cell ? (cell.matches('td') ? cell : cell.closest('td')) : tr.cells[1];
  }
  if (p === 'items') return $('#items-total');
  const bk = /^buckets(?:\.(\w+))?/.exec(p);
  if (bk) return buckets.input(bk[1] ?? 'inPolicy');
  const pe = PE_PATH.exec(p);
  if (pe) {
    const tr = peRows().find((r) => $('[data-pe=step]', r).value === pe[1]);
    if (!tr) return $('#elsewhere-field');
    return $(`[data-pe=${pe[2] ?? 'step'}]`, tr).closest('td');
  }
  return null;
}

function describe(path) {
  const p = String(path ?? '');
  const dx = /^diagnoses\[(\d+)\](?:\.(code|name))?/.exec(p);
  if (dx) return `${Number(dx[1]) === 0 ? '主要诊断' : `其他诊断 ${dx[1]}`}${dx[2] === 'name' ? ' 名称' : ' 疾病编码'}`;
  const m = /^items\[(\d+)\](?:\.(\w+))?/.exec(p);
  if (m) return `明细第 ${Number(m[1]) + 1} 行${m[2] ? ` ${FIELD_NAMES[m[2]] ?? m[2]}` : ''}`;
  const bk = /^buckets(?:\.(\w+))?/.exec(p);
  if (bk) return `分类金额${bk[1] ? ` ${bucketName(bk[1])}` : ''}`;
  if (p === 'items') return '费用明细';
  const pe = PE_PATH.exec(p);
  if (pe) return `已由他处支付（${stepName(pe[1])}）${pe[2] ? ` ${PE_FIELDS[pe[2]]}` : ''}`;
  if (/^application\.documents\b/.test(p)) return '已查验材料';
  if (p === 'payee') return '收款方';
  if (p === 'paidElsewhere') return '已由他处支付';
  const id = FIELD_IDS[p];
  const label = id ? $(`label[for=${id}]`)?.textContent : '';
  return label || p;
}

/** API errors that carry no field path (or a message for a window clerk) but belong to one field here. */
function attachCodeless(error) {
  if (error.code === 'UNKNOWN_HOSPITAL') {
    const message = '登记库中没有此医院：登记库以外的医院请填写医院名称、区划代码和医院等级';
    return { ...error, message, issues: [{ path: 'hospital.code', message: '医院未登记' }, ...(!$('#hospitalName').value.trim() ? [{ path: 'hospital.name', message: '登记库以外的医院须填写名称' }] : [])] };
  }
  if (error.issues?.length) return error;
  const byCode = { BILL_NO_CONFLICT: 'billNo', FORBIDDEN: 'person.id', UNKNOWN_PERSON: 'person.id' };
  const path = byCode[error.code];
  return path ? { ...error, issues: [{ path, message: error.message }] } : error;
}

/**
 * The API's words for the bill (paidElsewhere, a step's id, a ruleset's id, a visit type in quotes) in a
 * message, as this page names them: 已由他处支付, the step's name, the ruleset's title, 住院 ….
 */
function localise(text) {
  let t = String(text ?? '')
    .replace(/paidElsewhere\s*(中|写明的|写明了)?/g, (_, w) => (w === '中' ? '已由他处支付中' : w ? `已由他处支付${w}` : '已由他处支付'))
    .replace(/“([A-Za-z]+)”/g, (m, id) => (visitTypeName(id) !== id ? `“${visitTypeName(id)}”` : m));
  const word = (ids) => new RegExp(` ?(?<![A-Za-z0-9_-])(${ids.map((id) => id.replace(/-/g, '\\-')).join('|')})(?![A-Za-z0-9_-]) ?`, 'g');
  if (rulesets.length) t = t.replace(word(rulesets.map((r) => r.id)), (_, id) => `「${rulesets.find((r) => r.id === id)?.title ?? id}」`);
  const ids = [...stepNames.keys()].sort((a, b) => b.length - a.length);
  if (ids.length) t = t.replace(word(ids), (_, id) => `「${stepNames.get(id) ?? id}」`);
  return t;
}

function showError(error, kind) {
  const raw = attachCodeless(error);
  const e = { ...raw, message: localise(raw.message), issues: raw.issues?.map((i) => ({ ...i, message: localise(i.message) })) };
  showApiError(summary, e, locate, describe);
  if (e.code === 'BILL_NO_CONFLICT') {
    summary.append(h('p', { class: 'small' }, '此账单号已按另一份内容结算过。如需更正原结算，请先撤销；否则请换一个账单号。 ', h('button', { type: 'button', class: 'link', text: '换新账单号', onclick: () => setBillNo(newOfficeBillNo()) })));
  }
  if (e.code === 'NETWORK' || (e.code === 'INTERNAL' && kind === 'settle')) {
    summary.append(h('p', { class: 'small', text: '填写的内容已保留。再次点「结算」会使用同一账单号：如果上次其实已经记账，系统会直接返回那次的结果，不会重复结算。' }));
  }
  summary.focus();
  summary.scrollIntoView({ block: 'nearest' });
}

function setBillNo(no) {
  $('#billNo').value = no;
  $('#billNo').readOnly = false;
  settledBillNo = null;
  saveDraft();
}

// ───────────── preview and settle ─────────────

async function submit(kind, button) {
  clearErrors(form);
  summary.hidden = true;
  if (checkForm()) {
    showApiError(summary, { message: '有几处需要先补全或改正，已在对应位置标出。' });
    summary.focus();
    return;
  }
  const request = buildRequest();
  await busy(button, kind === 'preview' ? '预结算中…' : '结算中…', async () => {
    const r = await post(kind === 'preview' ? '/v1/office/settlements/preview' : '/v1/office/settlements', request);
    if (!r.ok) {
      showError(r.error, kind);
      return;
    }
    const rulesetId = r.data.rulesetId;
    if (rulesetId && rulesetId !== usedRuleset) {
      usedRuleset = rulesetId;
      refreshSteps();
    }
    if (kind === 'preview') {
      showResult({ kind: 'preview', data: r.data, request });
      return;
    }
    settledBillNo = request.bill.billNo;
    $('#billNo').readOnly = true;
    saveDraft();
    if (r.status === 200) banner('info', `账单号 ${request.bill.billNo} 已于 ${formatTime(r.data.createdAt)} 结算过：显示的是原结算结果，没有重复记账。`, { id: 'settle' });
    else banner('ok', `结算成功：结算号 ${r.data.id}。请打印二次补偿结算单交申请人签字。`, { id: 'settle' });
    showResult({ kind: 'settlement', data: r.data });
    loadPayments();
  });
}

const rulesetTitle = (id) => rulesets.find((r) => r.id === id)?.title ?? id;

/** For the waterfall: a sentence for each step paid elsewhere (the other steps keep their own reasons). */
function elsewhereTrace(result) {
  // "基本医保：…": the waterfall leaves the name out where the step is its layer's only one.
  return { steps: paidElsewhereSteps(result).map((s) => ({ id: s.id, sentence: `${s.name}：${paidElsewhereLine({ ...s, name: '' }).trim()}，本次不再支付。` })) };
}

/** Per fund: as computed, paid elsewhere, owed now. */
function owedTable(result) {
  const f = owedFigures(result);
  return h(
    'div',
    { class: 'table-wrap owed-wrap' },
    h(
      'table',
      { class: 'compact owed', 'data-testid': 'owed' },
      h('thead', {}, h('tr', {}, h('th', { text: '基金' }), h('th', { class: 'num', text: '按政策应付' }), h('th', { class: 'num', text: '他处已付' }), h('th', { class: 'num', text: '本次应付' }))),
      h(
        'tbody',
        {},
        f.rows.map((row) =>
          h(
            'tr',
            { dataset: { fund: row.fund } },
            h('td', { text: fundName(row.fund) }),
            h('td', { class: 'num', text: formatAmount(row.computed) }),
            h('td', { class: 'num', 'data-testid': `elsewhere-${row.fund}`, text: formatAmount(row.elsewhere) }),
            h('td', { class: 'num', 'data-testid': `owed-${row.fund}`, text: formatAmount(row.owed) }),
          ),
        ),
      ),
      h('tfoot', {}, h('tr', {}, h('td', { text: '合计' }), h('td', { class: 'num', text: formatAmount(f.computed) }), h('td', { class: 'num', text: formatAmount(f.elsewhere) }), h('td', { class: 'num', 'data-testid': 'owed-total', text: formatAmount(f.owed) }))),
    ),
  );
}

/** Who is paid: { payee, application, hospitalName } as the server recorded it (a preview: as it is to be posted). */
function payeeLine(result, who) {
  const total = owedFigures(result).owed;
  const to = who.payee === 'patient' ? `${PAYEES.patient}${who.application?.bankAccount ? `（收款账户 ${who.application.bankAccount}）` : ''}` : `${PAYEES.hospital}（${who.hospitalName}）`;
  return h('p', { class: 'payee-line', 'data-testid': 'payee-line' }, '本次各基金应付合计 ', h('b', { text: `${formatAmount(total)} 元` }), `，支付给${to}。`);
}

/**
 * Show a preview or a settlement. A settlement is shown, and its 二次补偿结算单 printed, from the server's
 * view (payee and application as recorded); a preview from the request it previews.
 */
function showResult(s) {
  const result = s.data.result;
  const head = h('div', { class: 'result-head' });
  const parts = [];
  if (s.kind === 'preview') {
    head.append(h('h2', { id: 'h-result', text: '预结算结果' }), h('span', { class: 'pill warn', text: '仅计算，未记账' }));
    parts.push(h('p', { class: 'status-line muted', text: `规则：${rulesetTitle(s.data.rulesetId)} · 以参保人当前本年累计计算；确认无误后点「结算」。` }));
  } else {
    const v = s.data;
    head.append(h('h2', { id: 'h-result', text: '经办结算单' }), h('span', { class: `pill ${v.status === 'reversed' ? 'reversed' : 'ok'}`, 'data-testid': 'status', text: STATUS[v.status] ?? v.status }));
    parts.push(
      h(
        'p',
        { class: 'status-line' },
        h('span', { class: 'muted', text: '结算号 ' }),
        h('b', { 'data-testid': 'settlement-id', text: v.id }),
        h('span', { class: 'muted', text: ` · 账单号 ${v.billNo} · ${v.person.name}（${v.person.idNumber}）· ${v.hospital.name} · ${visitTypeName(v.visit.type)} ${v.visit.admitted} 至 ${v.visit.discharged}${v.billForm === 'buckets' ? ' · 按分类金额结算' : ''}` }),
      ),
    );
    if (v.status === 'reversed') parts.push(reversedStamp(v));
  }
  const elsewhere = paidElsewhereSteps(result);
  if (elsewhere.length) parts.push(h('ul', { class: 'elsewhere-lines', 'data-testid': 'paid-elsewhere' }, elsewhere.map((st) => h('li', { text: paidElsewhereLine(st) }))));
  const waterfall = renderWaterfall(result, { trace: elsewhereTrace(result) });
  // The patient paid the hospital in full; the funds pay back what they owe (to the payee).
  const label = $('.patient-box .label', waterfall);
  if (label) label.replaceChildren('患者个人负担', h('small', { text: '其余由各道保障承担；已由他处支付的部分不再支付' }));
  const actions = h('div', { class: 'actions result-actions no-print' });
  if (s.kind === 'settlement') {
    actions.append(h('button', { type: 'button', class: 'primary', id: 'compensation-btn', text: '打印二次补偿结算单', onclick: () => printCompensation(s.data) }));
    if (s.data.status === 'settled') actions.append(h('button', { type: 'button', class: 'danger', id: 'reverse-btn', text: '撤销结算…', onclick: () => reverse(s.data) }));
  } else actions.append(h('span', { class: 'muted small', text: '预结算不能打印结算单；结算后可打印二次补偿结算单。' }));
  const who =
    s.kind === 'settlement'
      ? { payee: s.data.payee, application: s.data.application, hospitalName: s.data.hospital.name }
      : { payee: s.request.payee, application: s.request.application, hospitalName: s.request.hospital?.name || s.request.bill.hospital.code };
  resultBox.replaceChildren(head, ...parts, waterfall, h('h3', { text: '各基金本次应付' }), owedTable(result), payeeLine(result, who), actions);
}

function showEmptyResult() {
  $('#reversal-notice').hidden = true;
  resultBox.replaceChildren(
    h('div', { class: 'result-head' }, h('h2', { id: 'h-result', text: '结算结果' })),
    h('p', { class: 'result-empty', text: '填好左侧账单和申请后点「预结算」，这里会显示各道保障应付多少、已由他处支付多少、本次各基金应付多少，以及患者个人负担。' }),
  );
}

// ───────────── 撤销 ─────────────

/**
 * 撤销 an office settlement: the reason asked for, then POST /v1/office/settlements/{id}/reversal. The
 * server's refusal (a window's settlement, already reversed, a later settlement that cannot be settled
 * again) is said under the button; on success the settlement shows 已撤销 and the notice of what the
 * re-adjudication of the person's later settlements changed (应补应退), printable.
 */
async function reverse(view) {
  $('#reverse-error')?.remove();
  const r = await reverseSettlement(view, `/v1/office/settlements/${encodeURIComponent(view.id)}/reversal`, $('#reverse-btn'));
  if (!r) return;
  if (!r.ok) {
    const error = h('div', { class: 'field-error', id: 'reverse-error', role: 'alert', 'data-testid': 'reverse-error', text: `撤销失败：${localise(r.error.message)}` });
    $('#reverse-btn')?.after(error);
    error.scrollIntoView({ block: 'nearest' });
    return;
  }
  banner('ok', `结算 ${view.id} 已撤销：各基金本次应付已冲回，参保人本年其后的结算已重新结算。`, { id: 'settle' });
  if (settledBillNo === view.billNo) {
    // The bill is free to be corrected and settled again under a new number.
    $('#billNo').readOnly = false;
    settledBillNo = null;
    saveDraft();
  }
  showResult({ kind: 'settlement', data: r.data });
  // On paper the office issues the notice, for a stay at the hospital named.
  showReversalNotice($('#reversal-notice'), r.data, { issuer: `医保经办机构（就诊医院 ${r.data.hospital.name}）` });
  loadPayments();
}

/** A settlement of the 支付清单, opened in the result column (to print its slip again, or to reverse it). */
async function openSettlement(id) {
  const r = await get(`/v1/settlements/${encodeURIComponent(id)}`);
  if (!r.ok) {
    $('#payments-state').textContent = r.error.message;
    return;
  }
  $('#reversal-notice').hidden = true;
  showResult({ kind: 'settlement', data: r.data });
  resultBox.scrollIntoView({ block: 'start', behavior: 'smooth' });
}

/** The 二次补偿结算单 in a sandboxed frame (as the window's slip), printed from there. */
async function printCompensation(view) {
  const frame = h('iframe', { class: 'slip-frame', title: '二次补偿结算单打印预览', sandbox: 'allow-same-origin allow-modals' });
  const printBtn = h('button', { type: 'button', class: 'primary', id: 'compensation-print', disabled: true, text: '打印', onclick: () => frame.contentWindow?.print() });
  const closed = openDialog({
    title: `二次补偿结算单 ${view.id}`,
    className: 'wide',
    body: [h('p', { class: 'muted small', text: '按系统记录的本次结算结果和申请生成，可直接打印（A4），交申请人签字。' }), frame],
    actions: [h('button', { type: 'submit', value: 'close', text: '关闭' }), printBtn],
  });
  await showHtmlInFrame(frame, compensationHtml(view, { rulesetTitle: rulesetTitle(view.rulesetId), printedAt: formatTime(new Date().toISOString()) }));
  printBtn.disabled = false;
  printBtn.focus();
  await closed;
}

// ───────────── 支付清单 ─────────────

const paymentsQuery = () => ({ from: $('#pay-from').value, to: $('#pay-to').value });

async function loadPayments() {
  const state = $('#payments-state');
  const table = $('#payments-table');
  const r = await get(`/v1/reports/payments${qs(paymentsQuery())}`);
  clearErrors($('#payments'));
  if (!r.ok) {
    const issues = r.error.issues ?? [];
    for (const i of issues) {
      const target = /from/.test(i.path) ? $('#pay-from') : /to/.test(i.path) ? $('#pay-to') : null;
      if (target) fieldError(target, i.message);
    }
    state.textContent = issues.length ? issues.map((i) => i.message).join('；') : r.error.message;
    return;
  }
  const report = r.data;
  const funds = fundOrder(report.totalsByFund, ...report.rows.map((row) => row.funds));
  table.tHead.replaceChildren(
    h(
      'tr',
      {},
      ['日期', '类型', '结算号', '账单号', '参保人', '身份证号'].map((t) => h('th', { text: t })),
      funds.map((f) => h('th', { class: 'num', text: fundName(f) })),
      h('th', { class: 'num', text: '合计' }),
      h('th', { text: '收款账户' }),
    ),
  );
  table.tBodies[0].replaceChildren(
    ...report.rows.map((row) =>
      h(
        'tr',
        {
          'data-testid': 'payment',
          class: 'clickable',
          tabindex: '0',
          title: '打开此结算',
          dataset: { settlement: row.settlementId, kind: row.kind },
          onclick: () => openSettlement(row.settlementId),
          onkeydown: (e) => e.key === 'Enter' && openSettlement(row.settlementId),
        },
        h('td', { text: row.date }),
        h('td', {}, h('span', { class: `pill ${row.kind === 'reversal' ? 'reversed' : row.kind === 'adjustment' ? 'warn' : 'ok'}`, text: RECEIVABLE_KINDS[row.kind] ?? row.kind })),
        h('td', { class: 'mono', text: row.settlementId }),
        h('td', { text: row.billNo }),
        h('td', { text: `${row.personName} ${row.personId}` }),
        h('td', { class: 'mono', text: row.idNumber }),
        funds.map((f) => h('td', { class: 'num', dataset: { fund: f }, text: formatAmount(row.funds[f] ?? '0') })),
        h('td', { class: 'num', 'data-testid': 'payment-total', text: formatAmount(row.total) }),
        h('td', { text: row.bankAccount ?? '—' }),
      ),
    ),
  );
  table.tFoot.replaceChildren(
    ...(report.rows.length
      ? [h('tr', {}, h('td', { colspan: '6', text: '合计' }), funds.map((f) => h('td', { class: 'num', text: formatAmount(report.totalsByFund[f] ?? '0') })), h('td', { class: 'num', 'data-testid': 'payments-total', text: formatAmount(report.total) }), h('td'))]
      : []),
  );
  table.closest('.table-wrap').hidden = !report.rows.length;
  const period = report.from || report.to ? `${report.from ?? '最早'} 至 ${report.to ?? '最近'}` : '全部日期';
  state.textContent = report.rows.length ? `${period}：共 ${report.rows.length} 条，应付参保人合计 ${formatAmount(report.total)} 元。` : `${period}：没有应付给参保人的款项。`;
}

async function downloadPayments() {
  const q = paymentsQuery();
  await busy($('#pay-csv'), '下载中…', async () => {
    const r = await get(`/v1/reports/payments${qs({ ...q, format: 'csv' })}`, { as: 'blob' });
    if (!r.ok) {
      $('#payments-state').textContent = r.error.message;
      return;
    }
    download(r.data, `支付清单_${q.from || '全部'}_${q.to || '全部'}.csv`);
  });
}

// ───────────── draft: the form survives reloads and re-logins in this tab ─────────────

const PLAIN = ['billNo', 'personId', 'visitType', 'admitted', 'discharged', 'hospitalCode', 'hospitalName', 'hospitalTier', 'regionCode', 'regionName', 'applicant', 'relation', 'bankAccount', 'approvedBy', 'approvedOn', 'reference'];

let draftTimer = 0;
function saveDraft() {
  clearTimeout(draftTimer);
  draftTimer = setTimeout(writeDraft, 250);
}
function writeDraft() {
  clearTimeout(draftTimer);
  draftTimer = 0;
  // Logged out (退出 cleared the key and the draft): nothing is written back.
  if (!getKey()) return;
  const draft = { fields: Object.fromEntries(PLAIN.map((id) => [id, $(`#${id}`).value])), payee: payee(), diagnoses: diagnoses.values(), entry: entryMode(), items: itemRows().map(rowRaw), buckets: buckets.values(), elsewhere: elsewhereValues(), documents: documentValues(), settledBillNo, savedAt: new Date().toISOString() };
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
  for (const id of PLAIN) if (d.fields?.[id] !== undefined) $(`#${id}`).value = d.fields[id];
  if (!$('#billNo').value) $('#billNo').value = newOfficeBillNo();
  for (const r of $$('input[name=payee]')) r.checked = r.value === d.payee;
  diagnoses.set(d.diagnoses ?? []);
  setItems(d.items ?? []);
  buckets.set(d.buckets ?? {});
  setEntryMode(d.entry);
  setElsewhere(d.elsewhere ?? []);
  setDocuments(d.documents ?? []);
  settledBillNo = d.settledBillNo ?? null;
  $('#billNo').readOnly = settledBillNo !== null && settledBillNo === $('#billNo').value;
  $('#draft-state').textContent = '已恢复本标签页中未完成的经办结算';
  return true;
}

function newBill() {
  sessionStorage.removeItem(DRAFT);
  clearErrors(form);
  summary.hidden = true;
  for (const id of PLAIN) if (id !== 'visitType' && id !== 'hospitalTier') $(`#${id}`).value = '';
  $('#hospitalTier').value = '';
  for (const r of $$('input[name=payee]')) r.checked = false;
  diagnoses.set([]);
  // The way of entry stays: an office often takes several applications of one kind in a row.
  setItems([]);
  buckets.set({});
  setEntryMode(entryMode());
  setElsewhere([]);
  setDocuments([]);
  setBillNo(newOfficeBillNo());
  showEmptyResult();
  $('#personId').focus();
}

// ───────────── import ─────────────

function importText(text, source) {
  table.importText(text, source, (parsed) => {
    if (parsed.bill) fillBill(parsed.bill);
    if (parsed.buckets) buckets.set(parsed.buckets);
    setEntryMode(parsed.buckets ? 'buckets' : 'items');
  });
}

function fillBill(bill) {
  if (bill.billNo) setBillNo(String(bill.billNo));
  if (bill.hospital?.code) $('#hospitalCode').value = bill.hospital.code;
  if (bill.hospital?.tier && TIERS[bill.hospital.tier]) $('#hospitalTier').value = bill.hospital.tier;
  if (bill.hospital?.name) $('#hospitalName').value = bill.hospital.name;
  if (bill.person?.id) $('#personId').value = bill.person.id;
  if (bill.visit?.type) {
    if (![...$('#visitType').options].some((o) => o.value === bill.visit.type)) $('#visitType').append(h('option', { value: bill.visit.type, text: bill.visit.type }));
    $('#visitType').value = bill.visit.type;
  }
  $('#admitted').value = bill.visit?.admitted ?? '';
  $('#discharged').value = bill.visit?.discharged ?? '';
  diagnoses.set(diagnosesOfBill(bill));
  setElsewhere(elsewhereOfBill(bill));
  refreshSteps();
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
  form.addEventListener('change', (e) => {
    if (e.target.name === 'payee') clearErrors($('#payee-field'));
    else if (e.target.getAttribute('aria-invalid') === 'true') clearFieldError(e.target);
    saveDraft();
  });
  table.wire(importText);
  buckets.wire();
  for (const r of $$('input[name=entry]')) r.addEventListener('change', () => setEntryMode(entryMode()));
  $('#add-elsewhere').addEventListener('click', () => {
    addElsewhere({}, true);
    saveDraft();
  });
  $('#add-document').addEventListener('click', addTypedDocument);
  $('#doc-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.isComposing) {
      e.preventDefault();
      addTypedDocument();
    }
  });
  // A region code the page knows names its region, and a hospital outside Inner Mongolia is 区外.
  $('#regionCode').addEventListener('input', () => {
    const code = $('#regionCode').value.trim();
    if (PROVINCES[code] && !$('#regionName').value.trim()) $('#regionName').value = PROVINCES[code];
    if (/^\d{6}$/.test(code) && !code.startsWith('15') && !$('#hospitalTier').value) $('#hospitalTier').value = 'outOfProvince';
    saveDraft();
  });
  for (const id of ['#admitted', '#discharged', '#visitType']) $(id).addEventListener('change', refreshSteps);
  $('#new-bill').addEventListener('click', newBill);
  // Not after 退出: logging out clears the key and every draft, and a pending save must not bring this one back.
  addEventListener('pagehide', () => draftTimer && getKey() && writeDraft());
  $('#pay-refresh').addEventListener('click', () => loadPayments());
  $('#pay-csv').addEventListener('click', downloadPayments);
  for (const id of ['#pay-from', '#pay-to']) $(id).addEventListener('keydown', (e) => e.key === 'Enter' && loadPayments());
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      submit('preview', $('#preview-btn'));
    }
  });
}

const started = await startPage('office');
if (started) init(started);
