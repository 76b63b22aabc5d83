// 撤销 and 应补应退, shared by the window (window.js) and the settlement office (office.js): the confirm
// dialog that asks for the reason, the stamp of a reversed settlement, and the printable notice of what
// the reversal's re-adjudication changed in the person's later settlements of the year.
//
// A reversal settles the person's later settlements of the year again on the corrected year-to-date
// (POST …/reversal answers which changed, per fund and for the patient). The notice is printed for the
// patient: 应补 (the patient pays more, the hospital collects it) or 应退 (the patient is refunded).
import { post } from './api.js';
import { fundOrder } from './chart.js';
import { fundName } from './labels.js';
import { formatAmount, toFenRounded } from './money.js';
import { $, busy, clearErrors, fieldError, formatTime, h, openDialog, printElement } from './ui.js';

/**
 * The confirm dialog: what is reversed, and the reason (required). Resolves to the reason, or to null
 * when the clerk does not reverse.
 */
export async function askReversalReason(view) {
  const reason = h('textarea', { id: 'reverse-reason', rows: 3, style: 'font-family: inherit', placeholder: '如：录入错误，需更正后重新结算' });
  const confirmBtn = h('button', { type: 'submit', value: 'confirm', class: 'danger solid', id: 'reverse-confirm', text: '确认撤销' });
  const choice = await openDialog({
    title: '撤销结算',
    body: [
      h('p', {}, '将撤销结算 ', h('b', { text: view.id }), `（${view.person.name}，账单号 ${view.billNo}，个人支付 ${formatAmount(view.result.patientPays)} 元）。`),
      h('p', { class: 'muted small', text: '撤销后五道保障的支付和参保人本年累计全部冲回；撤销不能取消。更正账单请撤销后用新账单号重新结算。' }),
      h('div', { class: 'field' }, h('label', { for: 'reverse-reason', class: 'req', text: '撤销原因' }), reason),
    ],
    actions: [h('button', { type: 'submit', value: 'cancel', text: '不撤销' }), confirmBtn],
    onOpen: (dialog) => {
      reason.focus();
      reason.addEventListener('input', () => clearErrors(dialog));
      $('form', dialog).addEventListener('submit', (e) => {
        if (e.submitter?.value !== 'confirm') return;
        clearErrors(dialog);
        if (!reason.value.trim()) {
          e.preventDefault();
          fieldError(reason, '请填写撤销原因');
          reason.focus();
        }
      });
    },
  });
  return choice === 'confirm' ? reason.value.trim() : null;
}

/**
 * 撤销: the reason asked for, then POST `path` { reason } while `button` shows 撤销中…. Resolves to the
 * API's answer ({ ok, data } or { ok: false, error }), or to null when the clerk did not confirm.
 */
export async function reverseSettlement(view, path, button) {
  const reason = await askReversalReason(view);
  if (reason === null) return null;
  return busy(button ?? h('button'), '撤销中…', () => post(path, { reason }));
}

/** The stamp of a reversed settlement under its head: when, and why. */
export function reversedStamp(view) {
  return h('div', { class: 'reversed-stamp', 'data-testid': 'reversed', text: `已于 ${formatTime(view.reversedAt)} 撤销${view.reversalReason ? `：${view.reversalReason}` : ''}。各基金支付与本年累计已全部冲回。` });
}

const unsigned = (v) => String(v).replace(/^-/, '');
const sign = (v) => {
  const fen = toFenRounded(v) ?? 0n;
  return fen > 0n ? 1 : fen < 0n ? -1 : 0;
};

/** A fund's difference: 应补付 (the fund owes the hospital more) or 应追回 (it takes an overpayment back). */
function fundChange(amount) {
  const s = sign(amount);
  return s > 0 ? `应补付 ${formatAmount(amount)} 元` : s < 0 ? `应追回 ${formatAmount(unsigned(amount))} 元` : '不变';
}

/** The patient's difference, as a sentence: direction is the API's 应补 / 应退 / null. */
function patientChange(direction, amount) {
  if (direction === '应补') return `患者应补缴 ${formatAmount(unsigned(amount))} 元（应补）`;
  if (direction === '应退') return `应退还患者 ${formatAmount(unsigned(amount))} 元（应退）`;
  return '患者个人支付不变';
}

export function patientPill(direction, amount) {
  if (direction === '应补') return h('span', { class: 'pill warn', 'data-testid': 'patient-direction', text: `患者应补 ${formatAmount(unsigned(amount))} 元` });
  if (direction === '应退') return h('span', { class: 'pill info', 'data-testid': 'patient-direction', text: `应退患者 ${formatAmount(unsigned(amount))} 元` });
  return h('span', { class: 'pill', 'data-testid': 'patient-direction', text: '无应补应退' });
}

/** Per fund and for the patient, what changed. */
export function changesTable({ funds, fundPaysTotal, patientPays, patient }) {
  const order = fundOrder(funds);
  return h(
    'table',
    { class: 'compact changes', 'data-testid': 'changes' },
    h('thead', {}, h('tr', {}, h('th', { text: '' }), h('th', { class: 'num', text: '变化' }))),
    h(
      'tbody',
      {},
      order.map((f) => h('tr', { dataset: { fund: f } }, h('td', { text: fundName(f) }), h('td', { class: 'num', text: fundChange(funds[f]) }))),
      order.length > 1 ? h('tr', { class: 'subtotal' }, h('td', { text: '基金合计' }), h('td', { class: 'num', text: fundChange(fundPaysTotal) })) : null,
      h('tr', { class: 'patient-row' }, h('td', { text: '患者' }), h('td', { class: 'num', 'data-testid': 'patient-change', text: patientChange(patient, patientPays).replace(/^患者/, '') })),
    ),
  );
}

/** Printed at the top and bottom of a notice on paper only. */
export function printHead(title, issuer) {
  return h('div', { class: 'print-only print-head' }, h('h1', { text: title }), h('p', { text: `${issuer}　出具时间 ${formatTime(new Date().toISOString())}` }));
}
export function printSign() {
  return h('div', { class: 'print-only print-sign' }, h('span', { text: '经办人：__________' }), h('span', { text: '患者（家属）签字：__________' }), h('span', { text: '日期：__________' }));
}

/**
 * The notice of a reversal's answer (its readjudication) in `box`; hidden without one. `issuer` heads
 * it on paper (by default the reversed settlement's hospital, as a window issues it).
 */
export function showReversalNotice(box, view, { issuer = `${view.hospital.name}（${view.hospital.code}）` } = {}) {
  const r = view.readjudication;
  if (!r) {
    box.hidden = true;
    return;
  }
  const adjusted = r.adjustments ?? [];
  const intro = `撤销结算 ${view.id}（${view.person.name}，账单号 ${view.billNo}${view.reversedAt ? `，${formatTime(view.reversedAt)} 撤销` : ''}）。`;
  const outcome =
    r.settledAgain === 0
      ? '参保人本年度其后没有其他结算，无需重新结算，无应补应退。'
      : adjusted.length === 0
        ? `其后 ${r.settledAgain} 笔结算已按更正后的年度累计重新结算，金额均不变，无应补应退。`
        : `其后 ${r.settledAgain} 笔结算已按更正后的年度累计重新结算，其中 ${adjusted.length} 笔金额变化：`;
  const others = [...new Set(adjusted.filter((a) => a.otherHospital).map((a) => a.hospital.name))];
  // replaceChildren writes a null as the text "null": the parts a notice does not have are left out first.
  const parts = [
    printHead('应补应退通知', issuer),
    // On paper the printed title stands for this head.
    h('div', { class: 'card-head no-print' }, h('h2', { id: 'h-reversal-notice', text: '应补应退通知' }), patientPill(r.totals.patient, r.totals.patientPays)),
    h('p', { class: 'small', text: intro }),
    h('p', { 'data-testid': 'readjudication-outcome', text: outcome }),
    ...adjusted.map((a) =>
      h(
        'div',
        { class: 'adjusted', 'data-testid': 'adjusted-settlement', dataset: { settlement: a.settlementId } },
        h('h3', {}, `账单 ${a.billNo}`, h('span', { class: 'muted small', text: ` · ${a.hospital.name}${a.otherHospital ? '（其他医院）' : ''} · ${a.discharged} 出院` })),
        h('p', { class: 'muted small mono', text: `结算号 ${a.settlementId}` }),
        changesTable(a),
        a.otherHospital ? h('p', { class: 'hint', text: `此笔由${a.hospital.name}与患者及各基金办理。` }) : null,
      ),
    ),
    adjusted.length > 1
      ? h('div', { class: 'adjusted total', 'data-testid': 'readjudication-totals' }, h('h3', { text: '合计' }), changesTable(r.totals))
      : null,
    adjusted.length ? h('p', { class: 'notice-total', 'data-testid': 'readjudication-patient' }, h('b', { text: `合计：${patientChange(r.totals.patient, r.totals.patientPays)}。` })) : null,
    others.length ? h('p', { class: 'hint', text: `涉及其他医院（${others.join('、')}）的结算，由该医院与患者及各基金办理；该医院在其「应补应退通知」中可见。` }) : null,
    printSign(),
    h(
      'div',
      { class: 'actions no-print' },
      h('button', { type: 'button', class: 'primary', id: 'notice-print', text: '打印', onclick: () => printElement(box) }),
      h('button', { type: 'button', id: 'notice-close', text: '关闭', onclick: () => (box.hidden = true) }),
    ),
  ];
  box.replaceChildren(...parts.filter((p) => p !== null));
  box.hidden = false;
  box.scrollIntoView({ block: 'nearest' });
}
