// Small DOM helpers and the page shell: header, navigation by role, session check, messages, and the
// way every page shows an API error — a summary at the top and each issue next to its field.
import { clearSession, detectRole, get, getKey, getWho, onUnauthorized, setSession } from './api.js';
import { PAGES, ROLES } from './labels.js';

/** Create an element. Text is always set as text, never as HTML. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

/** The pages a key may use. A key whose role could not be told apart (auditor or finance) sees both. */
export function pagesFor(who) {
  if (!who) return [];
  // A key that may be an auditor's or a finance officer's is neither a window's nor the settlement office's.
  if (who.role === 'reader') return PAGES.filter((p) => p.id !== 'window' && p.id !== 'office');
  return PAGES.filter((p) => p.roles.includes(who.role));
}

export function roleLabel(who) {
  if (!who) return '';
  if (who.role === 'reader') return '稽核或测算';
  return ROLES[who.role]?.name ?? who.role;
}

/** A message at the top of the page (kind: info | ok | warn | error). Returns the element. */
export function banner(kind, text, { id, action } = {}) {
  const box = $('#banners');
  if (!box) return null;
  if (id) $(`[data-banner="${id}"]`, box)?.remove();
  const el = h('div', { class: `banner banner-${kind}`, role: kind === 'error' ? 'alert' : 'status', dataset: id ? { banner: id } : {} }, h('span', { text }));
  if (action) el.append(' ', action);
  el.append(h('button', { type: 'button', class: 'banner-close', 'aria-label': '关闭提示', text: '×', onclick: () => el.remove() }));
  box.append(el);
  return el;
}

function renderHeader(current, who) {
  const top = $('#top');
  if (!top) return;
  top.replaceChildren(
    h('a', { class: 'brand', href: '/' }, h('span', { class: 'brand-mark', text: '一站式' }), h('span', { text: '结算服务' })),
    h(
      'nav',
      { class: 'nav', 'aria-label': '页面' },
      pagesFor(who).map((p) => h('a', { href: p.path, class: p.id === current ? 'active' : '', 'aria-current': p.id === current ? 'page' : undefined, text: p.name })),
    ),
    who
      ? h(
          'div',
          { class: 'who' },
          h('span', { class: 'who-role', text: roleLabel(who) }),
          who.hospitalCode ? h('span', { class: 'who-hosp', text: who.hospitalName ?? who.hospitalCode, title: who.hospitalCode }) : null,
          h('button', {
            type: 'button',
            class: 'link',
            text: '退出',
            onclick: () => {
              // Logging out on a shared computer leaves nothing behind: the key, the role and any draft.
              for (const k of Object.keys(sessionStorage)) if (k.startsWith('onestop.')) sessionStorage.removeItem(k);
              clearSession();
              location.assign('/login?bye=1');
            },
          }),
        )
      : null,
  );
}

/**
 * Start a page: check the key (GET /v1/rulesets), learn the role, draw the header, and refuse a page
 * the role may not use. Resolves to { who, rulesets } or null when the page must not go on.
 */
export async function startPage(pageId) {
  const key = getKey();
  if (!key) {
    location.replace(`/login?next=${encodeURIComponent(location.pathname)}`);
    return null;
  }
  onUnauthorized(() => {
    banner('error', '密钥已失效或被停用：请重新登录。本页已填写的内容会保留在本标签页中，登录后回到此页即可继续。', {
      id: 'auth',
      action: h('a', { href: `/login?next=${encodeURIComponent(location.pathname)}`, text: '重新登录' }),
    });
  });
  const rs = await get('/v1/rulesets');
  if (rs.status === 401) {
    clearSession();
    location.replace(`/login?next=${encodeURIComponent(location.pathname)}&expired=1`);
    return null;
  }
  let who = getWho();
  if (!who && rs.ok) {
    who = await detectRole(key);
    if (who.role) setSession(key, who);
  }
  renderHeader(pageId, who);
  if (!rs.ok) banner('error', rs.error.message, { id: 'conn' });
  const page = PAGES.find((p) => p.id === pageId);
  if (who && page && !pagesFor(who).includes(page)) {
    const main = $('main');
    main.replaceChildren(
      h(
        'section',
        { class: 'card narrow' },
        h('h1', { text: `此密钥不能使用「${page.name}」` }),
        h('p', { text: `当前登录的角色是「${roleLabel(who)}」。` }),
        h('p', {}, ...pagesFor(who).map((p) => h('a', { class: 'button', href: p.path, text: `前往${p.name}` }))),
      ),
    );
    document.body.classList.add('ready');
    return null;
  }
  return { who, rulesets: rs.ok ? rs.data : [] };
}

/** The page has drawn itself: show it (tests wait for body.ready). */
export function pageReady() {
  document.body.classList.add('ready');
}

// ───────────── errors next to fields ─────────────

/** Remove every field error and the summary inside root. */
export function clearErrors(root) {
  for (const el of $$('.field-error', root)) el.remove();
  for (const el of $$('tr.row-errors', root)) el.remove();
  for (const el of $$('[aria-invalid="true"]', root)) {
    el.removeAttribute('aria-invalid');
    el.removeAttribute('aria-errormessage');
  }
  for (const el of $$('.has-error', root)) el.classList.remove('has-error');
}

let errSeq = 0;
/** Show one message right after a field (or inside a cell), tied to it for screen readers. */
export function fieldError(target, message) {
  if (!target) return null;
  const id = `err-${++errSeq}`;
  const msg = h('div', { class: 'field-error', id, role: 'alert', text: message });
  const input = target.matches('input,select,textarea') ? target : $('input,select,textarea', target);
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-errormessage', id);
  }
  const holder = target.closest('td, .field') ?? target.parentElement;
  holder.classList.add('has-error');
  const table = holder.closest('table[data-row-errors]');
  if (holder.matches('td') && table) {
    // In an entry table the cell turns red and the message goes on a line right under its row,
    // named by the column, so a narrow cell does not grow into a column of text.
    const tr = holder.parentElement;
    let line = tr.nextElementSibling;
    if (!line?.classList.contains('row-errors')) {
      line = h('tr', { class: 'row-errors' }, h('td', { colspan: String(tr.cells.length) }));
      tr.after(line);
    }
    const column = table.tHead?.rows[0]?.cells[holder.cellIndex]?.textContent?.trim();
    if (column) msg.textContent = `${column}：${message}`;
    line.cells[0].append(msg);
  } else holder.append(msg);
  return msg;
}

/** Take the error off one field (the user is correcting it). */
export function clearFieldError(input) {
  const id = input.getAttribute('aria-errormessage');
  const msg = id ? document.getElementById(id) : null;
  const line = msg?.closest('tr.row-errors');
  msg?.remove();
  if (line && !line.querySelector('.field-error')) line.remove();
  input.removeAttribute('aria-invalid');
  input.removeAttribute('aria-errormessage');
  const holder = input.closest('td, .field');
  if (holder && !holder.querySelector('[aria-invalid="true"], .field-error')) holder.classList.remove('has-error');
}

/**
 * Show an API error: a summary in `summaryBox` (message, then each issue as a link to its field) and
 * each issue next to the field `locate(path)` finds. Issues with no field stay in the summary only.
 */
export function showApiError(summaryBox, error, locate = () => null, describe = (p) => p) {
  summaryBox.replaceChildren();
  summaryBox.hidden = false;
  const issues = error.issues ?? [];
  // The API's message for a validation error names raw paths; the list below names the fields.
  const title = error.code === 'VALIDATION_FAILED' && issues.length ? `有 ${issues.length} 处需要修改，已在对应位置标出：` : error.message;
  summaryBox.append(h('p', { class: 'summary-title', text: title }));
  if (issues.length) {
    const list = h('ul');
    for (const issue of issues) {
      const target = locate(issue.path);
      if (target) fieldError(target, issue.message);
      const label = describe(issue.path);
      const text = `${label ? `${label}：` : ''}${issue.message}`;
      list.append(
        h(
          'li',
          {},
          target
            ? h('a', {
                href: '#',
                text,
                onclick: (e) => {
                  e.preventDefault();
                  const focusable = target.matches('input,select,textarea,button') ? target : $('input,select,textarea', target);
                  (focusable ?? target).focus();
                  target.scrollIntoView({ block: 'center' });
                },
              })
            : text,
        ),
      );
    }
    summaryBox.append(list);
  }
}

/** Busy state on a button while a request runs; the button keeps its place and label width. */
export async function busy(button, label, fn) {
  // The label's own elements (a <kbd> shortcut) come back with it.
  const old = [...button.childNodes];
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.textContent = label;
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.replaceChildren(...old);
  }
}

/** Undo printElement's marks (after printing, or before the next print). */
function clearPrintMarks() {
  for (const el of $$('.print-hide')) el.classList.remove('print-hide');
  for (const el of $$('.print-target')) el.classList.remove('print-target');
  document.documentElement.classList.remove('printing-one');
}

/**
 * Print one element of the page and nothing else: every element beside it and beside each of its
 * ancestors is marked .print-hide, which the print stylesheet leaves out (so no blank pages either);
 * the marks go when printing is done. Inside `el`, .print-only parts (a title, lines to sign) show on
 * paper only and .no-print parts (its buttons) on screen only.
 */
export function printElement(el) {
  clearPrintMarks();
  for (let node = el; node.parentElement && node !== document.body; node = node.parentElement) {
    for (const sibling of node.parentElement.children) if (sibling !== node) sibling.classList.add('print-hide');
  }
  el.classList.add('print-target');
  document.documentElement.classList.add('printing-one');
  addEventListener('afterprint', clearPrintMarks, { once: true });
  window.print();
}

/** Save a blob as a download with a file name. */
export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Show an HTML page from the API in a sandboxed frame: no scripts, same origin only so that the
 * parent can print it. Resolves when the frame has loaded.
 */
export function showHtmlInFrame(frame, html) {
  return new Promise((resolve) => {
    frame.addEventListener('load', () => resolve(frame), { once: true });
    frame.srcdoc = html;
  });
}

/** "2025-03-04T05:06:07Z" → "2025-03-04 13:06" in the browser's time zone. */
export function formatTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A modal dialog built from content; resolves with the button value that closed it. */
export function openDialog({ title, body, actions, className = '', onOpen }) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: `dialog ${className}`, 'aria-label': title });
    const form = h('form', { method: 'dialog' });
    form.append(h('header', { class: 'dialog-head' }, h('h2', { text: title }), h('button', { type: 'submit', value: 'cancel', class: 'link close', 'aria-label': '关闭', text: '×' })));
    form.append(h('div', { class: 'dialog-body' }, body));
    form.append(h('footer', { class: 'dialog-actions' }, actions));
    dialog.append(form);
    document.body.append(dialog);
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue || 'cancel');
      dialog.remove();
    });
    dialog.showModal();
    onOpen?.(dialog);
  });
}
