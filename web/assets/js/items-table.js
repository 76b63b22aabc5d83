// The items table of a bill (明细), as the window page and the office page both have it: a row per item
// with its cells, the amount (unitPrice × quantity, exact on fen) checked on each row, Enter moving from
// cell to cell, rows added and removed, the count and sum under the table, and items set from an import.
//
// What one page does beyond that (the window's catalogue lookups and their warnings) comes in as hooks:
//   onRefresh(tr)      after a row's amount and note are shown, before the total is updated;
//   onAdd(tr, raw)     after a new row is in the table and numbered;
//   onRemove()         after a row was removed and the total updated;
//   onInput(tr, e)     after a row was refreshed for what was typed into it;
//   saveDraft()        whenever the items changed.
// and `acceptBuckets: true` (the office page) imports a bill given by its four buckets: onBill gets
// { bill, buckets } and the items are left as they are.
import { checkItem, normaliseClass, normaliseRatio, parseImport, rawItem } from './bill.js';
import { CLASSES } from './labels.js';
import { fenToString, formatAmount, parseFen } from './money.js';
import { $, $$, clearErrors, fieldError, h } from './ui.js';

const ITEM_FIELDS = ['code', 'name', 'class', 'selfPayRatio', 'unitPrice', 'quantity', 'priceCap'];

/** The name cell's height follows its text where the browser cannot size a field to its content itself. */
const SIZES_ITSELF = globalThis.CSS?.supports?.('field-sizing', 'content') ?? false;

function cellInput(field, value, label) {
  if (field === 'class') {
    return h(
      'select',
      { dataset: { field }, 'aria-label': label },
      Object.entries(CLASSES).map(([v, name]) => h('option', { value: v, text: `${v} ${name}`, selected: v === value })),
      !CLASSES[value] && value ? h('option', { value, text: value, selected: true }) : null,
    );
  }
  if (field === 'name') {
    // A long item name wraps onto more lines instead of being cut off (Enter still moves on: see wire()).
    return h('textarea', { dataset: { field }, rows: 1, 'aria-label': label, spellcheck: 'false', text: value ?? '' });
  }
  const numeric = ['selfPayRatio', 'unitPrice', 'quantity', 'priceCap'].includes(field);
  return h('input', { dataset: { field }, value: value ?? '', 'aria-label': label, class: numeric ? 'num' : '', inputmode: numeric ? 'decimal' : undefined, spellcheck: 'false' });
}

function fitName(tr) {
  if (SIZES_ITSELF) return;
  const name = $('[data-field=name]', tr);
  name.style.height = 'auto';
  name.style.height = `${name.scrollHeight + 2}px`;
}

/** A row as the raw item it declares (texts as typed; amount the imported one, if unchanged). */
export function rowRaw(tr) {
  const o = {};
  for (const f of ITEM_FIELDS) o[f] = $(`[data-field=${f}]`, tr).value.trim();
  o.amount = $('[data-field=amount]', tr).dataset.imported ?? '';
  return o;
}

/** The table's columns, head and foot around its `tbody` (the pages hold only `<table id="items"><tbody>`). */
function frame(tbody) {
  const table = tbody.closest('table');
  if (!table || table.tHead) return;
  tbody.insertAdjacentHTML(
    'beforebegin',
    '<colgroup><col style="width:2.2rem"><col style="width:7.5rem"><col><col style="width:5.8rem"><col style="width:5.4rem"><col style="width:6.2rem"><col style="width:4.8rem"><col style="width:7rem"><col style="width:5.6rem"><col style="width:2.2rem"></colgroup>' +
      '<thead><tr><th class="num">#</th><th>编码</th><th>名称</th><th>类别</th><th title="乙类项目由个人先行自付的比例">自付比例</th>' +
      '<th class="num">单价</th><th class="num">数量</th><th class="num">金额</th><th class="num" title="每单位限价（可选）">限价</th><th><span class="sr-only">删除</span></th></tr></thead>',
  );
  tbody.insertAdjacentHTML('afterend', '<tfoot><tr><td colspan="7" id="items-total">共 0 项</td><td class="num" id="items-sum">0.00</td><td colspan="2"></td></tr></tfoot>');
}

/** The items table in `tbody`, with the page's hooks (see above). */
export function itemsTable(tbody, { onRefresh = () => {}, onAdd = () => {}, onRemove = () => {}, onInput = () => {}, saveDraft = () => {}, acceptBuckets = false } = {}) {
  frame(tbody);
  /** The item rows (not the error lines under them). */
  const itemRows = () => [...tbody.rows].filter((r) => !r.classList.contains('row-errors'));

  function addRow(raw = rawItem({ class: 'A' }), { focus = false, note = '' } = {}) {
    const tr = h('tr');
    const label = (what) => `第 ${itemRows().length + 1} 行${what}`;
    tr.append(
      h('td', { class: 'rowno' }),
      h('td', { class: 'c-code' }, cellInput('code', raw.code, label('编码'))),
      h('td', { class: 'c-name' }, cellInput('name', raw.name, label('名称'))),
      h('td', { class: 'c-class' }, cellInput('class', raw.class || 'A', label('类别'))),
      h('td', { class: 'c-ratio' }, cellInput('selfPayRatio', raw.selfPayRatio, label('先行自付比例'))),
      h('td', { class: 'c-price' }, cellInput('unitPrice', raw.unitPrice, label('单价'))),
      h('td', { class: 'c-qty' }, cellInput('quantity', raw.quantity, label('数量'))),
      h('td', { class: 'amount num', dataset: { field: 'amount', imported: raw.amount ?? '' } }),
      h('td', { class: 'c-cap' }, cellInput('priceCap', raw.priceCap, label('限价'))),
      h('td', { class: 'c-del' }, h('button', { type: 'button', class: 'link del', title: '删除此行', 'aria-label': '删除此行', text: '×' })),
    );
    tbody.append(tr);
    fitName(tr);
    refreshRow(tr, note);
    renumber();
    onAdd(tr, raw);
    if (focus) $('[data-field=code]', tr).focus();
    return tr;
  }

  /** Recompute a row's amount (exact, on fen) and show any number that cannot be read. */
  function refreshRow(tr, note) {
    const raw = rowRaw(tr);
    const ratio = $('[data-field=selfPayRatio]', tr);
    ratio.disabled = raw.class !== 'B' && raw.selfPayRatio === '';
    ratio.placeholder = raw.class === 'B' ? '如 0.10' : '';
    const { amount, note: n } = checkItem(raw);
    $('[data-field=amount]', tr).textContent = amount === null ? '' : formatAmount(amount);
    const text = note || n;
    $('.note', tr)?.remove();
    if (text) $('.c-name', tr).append(h('div', { class: 'note', text }));
    onRefresh(tr);
    updateTotal();
  }

  function renumber() {
    itemRows().forEach((tr, i) => {
      tr.cells[0].textContent = String(i + 1);
    });
  }

  function updateTotal() {
    let sum = 0n;
    const rows = itemRows();
    for (const tr of rows) {
      const { amount } = checkItem(rowRaw(tr));
      if (amount !== null) sum += parseFen(amount);
    }
    $('#items-total').textContent = `共 ${rows.length} 项`;
    $('#items-sum').textContent = formatAmount(fenToString(sum));
  }

  function setItems(raws, notes = []) {
    tbody.replaceChildren();
    raws.forEach((r, i) => addRow(r, { note: notes[i] ?? '' }));
    if (!raws.length) addRow();
  }

  /**
   * An imported bill (a pasted or dropped file): its errors shown at the import box, or `onBill(parsed)`
   * for the page's part (the bill's fields) and then its items set, each amount checked. True if imported.
   */
  function importText(text, source, onBill) {
    const state = $('#import-state');
    const parsed = parseImport(text, { buckets: acceptBuckets });
    if (parsed.errors?.length) {
      state.textContent = '';
      fieldError($('#import-text'), parsed.errors.join('；'));
      return false;
    }
    clearErrors($('#import'));
    onBill(parsed);
    if (parsed.buckets) {
      state.textContent = `已从${source}导入分类金额和账单信息。`;
      saveDraft();
      return true;
    }
    const notes = parsed.items.map((raw) => checkItem(raw).note);
    setItems(parsed.items, notes);
    const warned = notes.filter(Boolean).length;
    state.textContent = `已从${source}导入 ${parsed.items.length} 项明细${parsed.bill ? '和账单信息' : ''}${warned ? `，其中 ${warned} 项金额已按单价 × 数量重算，请核对` : ''}。`;
    saveDraft();
    return true;
  }

  /** The table's own events, and the import box's (pasted, chosen or dropped on the items card). */
  function wire(onImport) {
    tbody.addEventListener('input', (e) => {
      const tr = e.target.closest('#items tr');
      if (!tr) return;
      if (e.target.dataset.field === 'unitPrice' || e.target.dataset.field === 'quantity') $('[data-field=amount]', tr).dataset.imported = '';
      if (e.target.dataset.field === 'name') {
        if (/[\r\n]/.test(e.target.value)) e.target.value = e.target.value.replace(/\s*[\r\n]+\s*/g, ' ');
        fitName(tr);
      }
      refreshRow(tr);
      onInput(tr, e);
    });
    tbody.addEventListener('change', (e) => {
      const f = e.target.dataset?.field;
      if (f === 'selfPayRatio') e.target.value = normaliseRatio(e.target.value);
      if (f === 'class') {
        e.target.value = normaliseClass(e.target.value);
        refreshRow(e.target.closest('tr'));
      }
    });
    tbody.addEventListener('click', (e) => {
      if (!e.target.matches('.del')) return;
      const tr = e.target.closest('tr');
      const rows = itemRows();
      const i = rows.indexOf(tr);
      const next = rows[i + 1] ?? rows[i - 1];
      if (tr.nextElementSibling?.classList.contains('row-errors')) tr.nextElementSibling.remove();
      tr.remove();
      if (!itemRows().length) addRow();
      renumber();
      updateTotal();
      onRemove();
      saveDraft();
      $('[data-field=code]', next ?? itemRows()[0])?.focus();
    });
    // Enter in the last cell of the last row adds a row; Enter elsewhere in the table moves on.
    tbody.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || e.isComposing) return;
      e.preventDefault();
      const tr = e.target.closest('tr');
      const inputs = $$('input:not(:disabled),select,textarea', tr);
      const i = inputs.indexOf(e.target);
      if (i < inputs.length - 1) inputs[i + 1].focus();
      else {
        const rows = itemRows();
        const after = rows[rows.indexOf(tr) + 1];
        if (after) $('[data-field=code]', after).focus();
        else addRow(undefined, { focus: true });
      }
    });
    $('#add-row').addEventListener('click', () => addRow(undefined, { focus: true }));
    $('#clear-items').addEventListener('click', () => {
      if (!confirm('清空全部明细？')) return;
      setItems([]);
      saveDraft();
    });
    $('#import-paste').addEventListener('click', () => onImport($('#import-text').value, '粘贴内容'));
    $('#import-file').addEventListener('change', async (e) => {
      const file = e.target.files?.[0];
      if (!file) return;
      onImport(await file.text(), `文件 ${file.name} `);
      e.target.value = '';
    });
    const zone = $('#items-card');
    zone.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.classList.add('over');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', async (e) => {
      e.preventDefault();
      zone.classList.remove('over');
      const file = e.dataTransfer?.files?.[0];
      if (file) {
        $('#import').open = true;
        onImport(await file.text(), `文件 ${file.name} `);
      }
    });
    if (!SIZES_ITSELF) addEventListener('resize', () => itemRows().forEach(fitName));
  }

  return { itemRows, rowRaw, addRow, refreshRow, renumber, updateTotal, setItems, importText, wire };
}
