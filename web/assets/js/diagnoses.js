// The diagnoses table of a bill (诊断), as the window page and the office page both have it: the principal
// diagnosis first, then the others, each a code (ICD-10, 国家临床版) and a name; rows added and removed, and
// (the window) another row made the principal one.
import { $, clearFieldError, h } from './ui.js';

/** "k80.101" → "K80.101"; the clinical edition's placeholder stays a small x ("i10.X00" → "I10.x00"). */
export function normaliseDiagnosisCode(raw) {
  const c = raw.trim().toUpperCase();
  return c.slice(0, 1) + c.slice(1).replace(/X/g, 'x');
}

/** A bill's diagnoses for the form: coded ones, or the old free-text diagnosis as a name. */
export function diagnosesOfBill(bill) {
  if (Array.isArray(bill.diagnoses) && bill.diagnoses.length) return bill.diagnoses.map((d) => ({ code: d.code ?? '', name: d.name ?? '' }));
  return bill.diagnosis ? [{ code: '', name: String(bill.diagnosis) }] : [];
}

/**
 * The table in `tbody`. `example` is the placeholder pair shown in an empty row; `reorder` adds 设为主要 to
 * the other diagnoses; `saveDraft()` runs whenever the diagnoses change.
 */
export function diagnosesTable(tbody, { example, reorder = false, saveDraft = () => {} }) {
  const label = (i) => (i === 0 ? '主要诊断' : `其他诊断 ${i}`);
  function relabel() {
    [...tbody.rows].forEach((tr, i) => {
      tr.cells[0].textContent = label(i);
      const up = $('[data-dx=up]', tr);
      if (up) up.hidden = i === 0;
      $('[data-dx=code]', tr).setAttribute('aria-label', `${label(i)} 疾病编码`);
      $('[data-dx=name]', tr).setAttribute('aria-label', `${label(i)} 名称`);
    });
  }
  function add(d = { code: '', name: '' }, focus = false) {
    const code = h('input', { 'data-dx': 'code', value: d.code ?? '', placeholder: `如 ${example.code}`, spellcheck: 'false', autocomplete: 'off' });
    const name = h('input', { 'data-dx': 'name', value: d.name ?? '', placeholder: `如 ${example.name}` });
    const tr = h(
      'tr',
      {},
      h('td', { class: 'muted small' }),
      h('td', {}, code),
      h('td', {}, name),
      h(
        'td',
        { class: 'actions' },
        reorder ? h('button', { type: 'button', class: 'link', 'data-dx': 'up', title: '设为主要诊断', text: '设为主要', onclick: () => (tbody.prepend(tr), relabel(), saveDraft()) }) : null,
        h('button', { type: 'button', class: 'link danger', title: '删除这一诊断', text: '删除', onclick: () => (tr.remove(), tbody.rows.length || add(), relabel(), saveDraft()) }),
      ),
    );
    for (const input of [code, name]) input.addEventListener('input', () => (clearFieldError(input.closest('td')), saveDraft()));
    tbody.append(tr);
    relabel();
    if (focus) code.focus();
    return tr;
  }
  return {
    add,
    /** The rows for `list` (an empty row when it is empty). */
    set(list) {
      tbody.replaceChildren();
      for (const d of list.length ? list : [{ code: '', name: '' }]) add(d);
    },
    /** What the rows say, codes normalised. */
    values: () => [...tbody.rows].map((tr) => ({ code: normaliseDiagnosisCode($('[data-dx=code]', tr).value), name: $('[data-dx=name]', tr).value.trim() })),
  };
}
