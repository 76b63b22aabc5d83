// The printable settlement slip: GET /v1/settlements/{id}/slip (a complete HTML page, fetched with the
// key) shown in a sandboxed frame and printed from there. A server without that endpoint gets the
// slip this page builds from the settlement itself.
import { get, isMissingEndpoint } from './api.js';
import { h, openDialog, showHtmlInFrame } from './ui.js';
import { slipHtml } from './waterfall.js';

export async function printSlip(view) {
  // Same origin so the page can call print() on it; no scripts run inside.
  const frame = h('iframe', { class: 'slip-frame', title: '结算单打印预览', sandbox: 'allow-same-origin allow-modals' });
  const state = h('p', { class: 'muted small', text: '正在生成结算单…' });
  const printBtn = h('button', { type: 'button', class: 'primary', id: 'slip-print', disabled: true, text: '打印', onclick: () => frame.contentWindow?.print() });
  const closed = openDialog({
    title: `结算单 ${view.id}`,
    className: 'wide',
    body: [state, frame],
    actions: [h('button', { type: 'submit', value: 'close', text: '关闭' }), printBtn],
  });
  const slip = await get(`/v1/settlements/${encodeURIComponent(view.id)}/slip`, { as: 'text', accept: 'text/html' });
  let html;
  if (slip.ok) {
    html = slip.data;
    state.textContent = '结算单由服务器生成，可直接打印（A4）。';
  } else {
    html = slipHtml(view);
    state.textContent = isMissingEndpoint(slip)
      ? '服务器暂未提供结算单接口（/slip），以下为本页按结算结果生成的结算单。'
      : `结算单接口出错（${slip.error.message}），以下为本页按结算结果生成的结算单。`;
  }
  await showHtmlInFrame(frame, html);
  printBtn.disabled = false;
  printBtn.focus();
  await closed;
}
