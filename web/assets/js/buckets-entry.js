// The four buckets of a bill (SETTLEMENT.md §2) entered as amounts, for a bill settled elsewhere whose
// items the office does not have (依申请救助: the other layers' settlement slip gives 目录外、超限价、先行自付
// and 政策范围内): one field per bucket, their sum shown as the bill's total, each amount read as text into
// fen (money.js), never through a binary float. An empty field is 0.00.
import { BUCKETS } from './labels.js';
import { fenToString, formatAmount, parseFen } from './money.js';
import { h } from './ui.js';

/** In the order a settlement slip lists them, the in-policy remainder last. */
export const BUCKET_ORDER = ['outOfCatalog', 'overLimit', 'preSelfPay', 'inPolicy'];
const bucket = (id) => BUCKETS.find((b) => b.id === id);

/** A bucket's name, for a message: "政策范围内". */
export const bucketName = (id) => bucket(id)?.name ?? id;

/** A typed amount in fen: 0 for an empty field, null when it is not yuan with at most two decimals or is negative. */
function amountFen(text) {
  const t = String(text ?? '').trim();
  if (t === '') return 0n;
  const fen = parseFen(t);
  return fen === null || fen < 0n ? null : fen;
}

/**
 * The buckets' fields inside `root` (an element of the page), the total shown in `totalEl`.
 * Returns { values, set, bill, check, input, wire }.
 */
export function bucketsEntry(root, totalEl, { saveDraft = () => {} } = {}) {
  const inputs = new Map();
  root.replaceChildren(
    ...BUCKET_ORDER.map((id) => {
      const b = bucket(id);
      const input = h('input', { id: `bucket-${id}`, class: 'num', inputmode: 'decimal', spellcheck: 'false', autocomplete: 'off', placeholder: '0.00', dataset: { bucket: id } });
      inputs.set(id, input);
      return h('div', { class: 'field' }, h('label', { for: input.id, text: b.name }), input, h('span', { class: 'muted small', text: b.hint }));
    }),
  );

  /** The texts as typed, by bucket. */
  const values = () => Object.fromEntries(BUCKET_ORDER.map((id) => [id, inputs.get(id).value.trim()]));

  function set(v = {}) {
    for (const id of BUCKET_ORDER) inputs.get(id).value = v[id] === undefined || v[id] === null ? '' : String(v[id]);
    updateTotal();
  }

  function updateTotal() {
    let sum = 0n;
    let unreadable = false;
    for (const id of BUCKET_ORDER) {
      const fen = amountFen(inputs.get(id).value);
      if (fen === null) unreadable = true;
      else sum += fen;
    }
    totalEl.textContent = unreadable ? '—' : formatAmount(fenToString(sum));
  }

  /** The bill's `buckets`, each amount as the API wants it ("1234.50"); call after check() found nothing. */
  const bill = () => Object.fromEntries(BUCKET_ORDER.map((id) => [id, fenToString(amountFen(inputs.get(id).value) ?? 0n)]));

  /** What the page can tell before the API: amounts it cannot read, and a bill of nothing. Calls mark(field, message). */
  function check(mark) {
    let sum = 0n;
    let bad = 0;
    for (const id of BUCKET_ORDER) {
      const fen = amountFen(inputs.get(id).value);
      if (fen === null) {
        mark(inputs.get(id), '金额应为元，最多两位小数，不能为负');
        bad++;
      } else sum += fen;
    }
    if (!bad && sum === 0n) {
      mark(inputs.get('inPolicy'), '请填写分类金额：四项合计应大于 0');
      bad++;
    }
    return bad;
  }

  function wire() {
    root.addEventListener('input', () => {
      updateTotal();
      saveDraft();
    });
    // A readable amount is shown as the page shows money once the clerk moves on: "１,５００" → "1,500.00".
    root.addEventListener('change', (e) => {
      const fen = e.target.matches('input[data-bucket]') && e.target.value.trim() !== '' ? amountFen(e.target.value) : null;
      if (fen === null) return;
      e.target.value = formatAmount(fenToString(fen));
      saveDraft();
    });
  }

  return { values, set, bill, check, input: (id) => inputs.get(id) ?? null, wire };
}
