// 稽核 (bureau): search settlements by period, hospital and person; open one with its full trace and
// citations; run an audit as a job on the server (progress, cancel, kept there) and read its findings; the receivables report, with its CSV download; 目录稽核,
// the items and bills whose declaration differed from the medical catalogue, with its CSV download.
import { get, isMissingEndpoint, post, qs } from './api.js';
import { CLASSES, RECEIVABLE_KINDS, STATUS, fundName, visitTypeName } from './labels.js';
import { fundOrder } from './chart.js';
import { fenToString, formatAmount, formatRatio, sumFen } from './money.js';
import { printSlip } from './slip.js';
import { loadTrace, renderTrace } from './trace.js';
import { $, $$, banner, busy, clearErrors, download, formatTime, h, pageReady, showApiError, startPage } from './ui.js';

// ───────────── tabs (arrow keys move between them; the hash remembers the one open) ─────────────

const TABS = ['search', 'audit', 'receivables', 'catalogue'];
function selectTab(name, { focus = false } = {}) {
  for (const t of TABS) {
    const tab = $(`#tab-${t}`);
    const on = t === name;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`#panel-${t}`).hidden = !on;
    if (on && focus) tab.focus();
  }
  // 目录稽核 starts from the period and hospital of 运行稽核 when its own are still empty.
  if (name === 'catalogue' && ['from', 'to', 'hospital'].every((k) => !$(`#c-${k}`).value)) {
    for (const k of ['from', 'to', 'hospital']) $(`#c-${k}`).value = $(`#a-${k}`).value;
  }
  history.replaceState(null, '', name === 'search' ? location.pathname + location.search : `#${name}`);
}

// ───────────── search ─────────────

const PAGE_SIZE = 20;
let page = 1;
let current = null;

const fieldFor = (prefix) => (path) => {
  const name = String(path ?? '').replace(/^query\./, '');
  return $(`#${prefix}-${name}`);
};

async function search(toPage = 1) {
  const formEl = $('#search-form');
  clearErrors(formEl);
  $('#search-summary').hidden = true;
  const params = {
    from: $('#s-from').value,
    to: $('#s-to').value,
    hospital: $('#s-hospital').value.trim(),
    person: $('#s-person').value.trim(),
    status: $('#s-status').value,
    page: toPage,
    pageSize: PAGE_SIZE,
  };
  await busy($('#search-btn'), '查询中…', async () => {
    const r = await get(`/v1/settlements${qs(params)}`);
    if (!r.ok) {
      showApiError($('#search-summary'), r.error, fieldFor('s'));
      return;
    }
    page = r.data.page;
    const body = $('#results-table tbody');
    body.replaceChildren(
      ...r.data.items.map((s) =>
        h(
          'tr',
          {
            class: `clickable${current === s.id ? ' selected' : ''}`,
            tabindex: '0',
            dataset: { id: s.id },
            title: '查看追溯',
            onclick: () => openDetail(s.id),
            onkeydown: (e) => e.key === 'Enter' && openDetail(s.id),
          },
          h('td', { class: 'mono', text: s.id }),
          h('td', { text: s.billNo }),
          h('td', { text: s.hospitalCode }),
          h('td', { text: `${s.personName} ${s.personId}` }),
          h('td', { text: visitTypeName(s.visitType) }),
          h('td', { text: s.discharged }),
          h('td', { class: 'num', text: formatAmount(s.total) }),
          h('td', { class: 'num', text: formatAmount(s.fundPaysTotal) }),
          h('td', { class: 'num', text: formatAmount(s.patientPays) }),
          h('td', {}, h('span', { class: `pill ${s.status === 'reversed' ? 'reversed' : 'ok'}`, text: STATUS[s.status] ?? s.status })),
        ),
      ),
    );
    const pages = Math.max(1, Math.ceil(r.data.total / r.data.pageSize));
    $('#results').hidden = false;
    $('#results-state').textContent = r.data.total ? `共 ${r.data.total} 笔；点一行查看计算过程与依据` : '没有符合条件的结算';
    $('#page-state').textContent = `第 ${page} / ${pages} 页`;
    $('#prev').disabled = page <= 1;
    $('#next').disabled = page >= pages;
    sessionStorage.setItem('onestop.audit.search', JSON.stringify(params));
  });
}

async function openDetail(id) {
  current = id;
  for (const tr of $$('#results-table tbody tr')) tr.classList.toggle('selected', tr.dataset.id === id);
  const detail = $('#detail');
  const body = $('#detail-body');
  detail.hidden = false;
  body.replaceChildren(h('p', { class: 'muted', text: `正在载入 ${id} 的追溯…` }));
  const t = await loadTrace(id);
  if (t.error) {
    body.replaceChildren(h('p', { class: 'banner banner-error', text: t.error.message }));
    return;
  }
  $('#detail-title').textContent = `结算追溯 ${id}`;
  body.replaceChildren(renderTrace(t));
  $('#detail-print').onclick = () => printSlip(t.view);
  $('#detail-json').onclick = () => download(new Blob([JSON.stringify({ settlement: t.view, trace: t.trace }, null, 2)], { type: 'application/json' }), `${id}-trace.json`);
  const url = new URL(location.href);
  url.searchParams.set('id', id);
  history.replaceState(null, '', url);
  detail.scrollIntoView({ block: 'start', behavior: 'smooth' });
}

// ───────────── audit ─────────────

function stat(label, value, tone) {
  return h('div', { class: `stat ${tone ?? ''}` }, h('span', { class: 'label muted', text: label }), h('span', { class: 'value', text: String(value) }));
}

function table(headers, rows, numeric = []) {
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', { class: 'compact' }, h('thead', {}, h('tr', {}, headers.map((t, i) => h('th', { class: numeric.includes(i) ? 'num' : '', text: t })))), h('tbody', {}, rows)),
  );
}

const idLink = (id) =>
  h('button', {
    type: 'button',
    class: 'link mono',
    text: id,
    onclick: () => {
      selectTab('search');
      openDetail(id);
    },
  });

/** An amount below zero (a reversal's, an adjustment's), shown in red. */
const negative = (v) => /^-/.test(String(v)) && /[1-9]/.test(String(v));

function fundTotals(totals) {
  return h(
    'div',
    { class: 'narrow-table' },
    table(
    ['基金', '金额（元）'],
      fundOrder(totals).map((f) => h('tr', {}, h('td', { text: fundName(f) }), h('td', { class: `num${negative(totals[f]) ? ' neg' : ''}`, text: formatAmount(totals[f]) }))),
      [1],
    ),
  );
}

function renderAudit(a) {
  const box = $('#audit-result');
  const count = (x) => (Array.isArray(x) ? x.length : 0);
  const problems = count(a.mismatches) + count(a.floorBreaches) + count(a.capBreaches) + count(a.sumBreaches) + count(a.anchorBreaches);
  const clean = a.clean ?? problems === 0;
  const parts = [
    h('div', { class: 'card-head' }, h('h2', { text: '稽核结果' }), h('span', { class: `pill ${clean ? 'ok' : 'danger'}`, 'data-testid': 'audit-verdict', text: clean ? '未发现问题' : `发现 ${problems} 项问题` })),
    h(
      'div',
      { class: 'stat-row' },
      stat('稽核结算笔数', a.count),
      stat('其中已撤销', a.reversed?.count ?? 0),
      stat('重算不符', count(a.mismatches), count(a.mismatches) ? 'bad' : 'good'),
      stat('保底未达', count(a.floorBreaches), count(a.floorBreaches) ? 'bad' : 'good'),
      stat('封顶突破', count(a.capBreaches), count(a.capBreaches) ? 'bad' : 'good'),
      a.sumBreaches ? stat('合计不符', count(a.sumBreaches), count(a.sumBreaches) ? 'bad' : 'good') : null,
      a.anchorBreaches ? stat('记录完整性', count(a.anchorBreaches), count(a.anchorBreaches) ? 'bad' : 'good') : null,
    ),
  ];
  if (a.totals) {
    parts.push(
      h(
        'p',
        { class: 'kpis' },
        h('span', {}, '医疗费用 ', h('b', { text: formatAmount(a.totals.total) }), ' 元'),
        h('span', {}, '基金支付 ', h('b', { text: formatAmount(a.totals.fundPaysTotal) }), ' 元'),
        h('span', {}, '个人支付 ', h('b', { text: formatAmount(a.totals.patientPays) }), ' 元'),
      ),
    );
  }
  parts.push(h('h3', { text: '各基金支付合计' }), fundTotals(a.totalsByFund));
  if (count(a.mismatches)) {
    parts.push(
      h('h3', { text: '重算与存储结果不符' }),
      table(
        ['结算号', '账单号', '参保人', '差异'],
        a.mismatches.map((m) =>
          h(
            'tr',
            {},
            h('td', {}, idLink(m.id)),
            h('td', { text: m.billNo }),
            h('td', { text: m.personId }),
            h('td', { text: m.error ?? (m.differences ?? []).map((d) => `${d.path}：存 ${d.stored ?? '—'}，重算 ${d.recomputed ?? '—'}`).join('；') }),
          ),
        ),
      ),
    );
  }
  if (count(a.floorBreaches)) {
    parts.push(
      h('h3', { text: '未达保底比例' }),
      table(
        ['结算号', '账单号', '参保人', '保底', '应达', '基金支付', '差额', '实际比例'],
        a.floorBreaches.map((f) =>
          h(
            'tr',
            {},
            h('td', {}, idLink(f.id)),
            h('td', { text: f.billNo }),
            h('td', { text: f.personId }),
            h('td', { text: formatRatio(f.floor) }),
            h('td', { class: 'num', text: formatAmount(f.required) }),
            h('td', { class: 'num', text: formatAmount(f.fundPaysTotal) }),
            h('td', { class: 'num', text: formatAmount(f.shortfall) }),
            h('td', { class: 'num', text: formatRatio(f.actualRatio, 2) }),
          ),
        ),
        [4, 5, 6, 7],
      ),
    );
  }
  if (count(a.capBreaches)) {
    parts.push(
      h('h3', { text: '突破年度封顶' }),
      table(
        ['结算号', '参保人', '年度', '步骤', '封顶', '累计', '超出'],
        a.capBreaches.map((c) =>
          h(
            'tr',
            {},
            h('td', {}, idLink(c.settlementId)),
            h('td', { text: c.personId }),
            h('td', { text: String(c.year) }),
            h('td', { text: c.stepId }),
            h('td', { class: 'num', text: formatAmount(c.cap) }),
            h('td', { class: 'num', text: formatAmount(c.cumulative) }),
            h('td', { class: 'num', text: formatAmount(c.excess) }),
          ),
        ),
        [4, 5, 6],
      ),
    );
  }
  if (count(a.sumBreaches)) {
    parts.push(
      h('h3', { text: '合计不符' }),
      table(['结算号', '账单号', '问题'], a.sumBreaches.map((s) => h('tr', {}, h('td', {}, idLink(s.id)), h('td', { text: s.billNo }), h('td', { text: s.problems.map((p) => p.message).join('；') })))),
    );
  }
  if (count(a.anchorBreaches)) {
    parts.push(h('h3', { text: '记录完整性' }), table(['结算号', '账单号', '问题'], a.anchorBreaches.map((s) => h('tr', {}, h('td', {}, idLink(s.id)), h('td', { text: s.billNo }), h('td', { text: s.message })))));
  }
  if (a.reversed?.ids?.length) {
    parts.push(h('details', {}, h('summary', { text: `已撤销的 ${a.reversed.count} 笔` }), h('p', { class: 'mono small' }, a.reversed.ids.flatMap((id) => [idLink(id), ' ']))));
  }
  parts.push(
    h('div', { class: 'actions' }, h('button', { type: 'button', text: '下载稽核结果 JSON', onclick: () => download(new Blob([JSON.stringify(a, null, 2)], { type: 'application/json' }), 'audit.json') })),
  );
  box.replaceChildren(...parts);
  box.hidden = false;
}

// ───────────── audit jobs: run on the server, followed here, kept there ─────────────

const JOB_STATUS = { queued: '排队中', running: '运行中', done: '已完成', error: '失败', cancelled: '已取消' };
const JOB_KIND = { audit: '重新计算审计', doctor: '数据体检' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** The job this tab follows (kept across a reload); a newer follow() stops an older one. */
let followed = null;

function scopeText(kind, scope = {}) {
  if (kind === 'doctor') return scope.year ? `${scope.year} 年` : '全部年度';
  const period = scope.from || scope.to ? `${scope.from ?? '…'} 至 ${scope.to ?? '…'}` : '全部期间';
  return scope.hospital ? `${period}，${scope.hospital}` : period;
}

function progressText(p) {
  if (p?.total === null || p?.total === undefined) return '';
  return `${Number(p.done).toLocaleString('zh-CN')} / ${Number(p.total).toLocaleString('zh-CN')}`;
}

function setAuditProgress(job) {
  const bar = $('#audit-bar');
  const { done, total } = job.progress ?? {};
  if (job.status === 'running' && total) {
    bar.classList.remove('indeterminate');
    $('div', bar).style.width = `${Math.min(100, (100 * done) / total).toFixed(1)}%`;
    $('#audit-progress-text').textContent = `已核对 ${Number(done).toLocaleString('zh-CN')} / ${Number(total).toLocaleString('zh-CN')} 笔结算`;
  } else if (job.status === 'queued' || job.status === 'running') {
    bar.classList.add('indeterminate');
    $('#audit-progress-text').textContent = job.status === 'queued' ? '排队中：另一项稽核正在运行，完成后自动开始…' : '正在统计范围内的结算…';
  } else {
    bar.classList.remove('indeterminate');
    if (job.status === 'done') $('div', bar).style.width = '100%';
    $('#audit-progress-text').textContent = job.status === 'done' ? '稽核完成。' : `${JOB_STATUS[job.status]}：${job.error ?? ''}`;
  }
  $('#audit-cancel').hidden = job.status !== 'queued' && job.status !== 'running';
}

async function runAudit() {
  const formEl = $('#audit-form');
  clearErrors(formEl);
  $('#audit-summary').hidden = true;
  const scope = {};
  for (const [k, id] of [['from', 'a-from'], ['to', 'a-to'], ['hospital', 'a-hospital']]) {
    const v = $(`#${id}`).value.trim();
    if (v) scope[k] = v;
  }
  await busy($('#audit-btn'), '已提交…', async () => {
    const r = await post('/v1/audit-jobs', { kind: 'audit', scope });
    if (!r.ok) {
      const error = isMissingEndpoint(r) ? { message: '服务器暂未提供稽核任务接口（POST /v1/audit-jobs）：请升级服务后再试。其余功能不受影响。' } : r.error;
      showApiError($('#audit-summary'), error, (path) => fieldFor('a')(String(path ?? '').replace(/^scope\./, '')));
      return;
    }
    $('#audit-result').hidden = true;
    follow(r.data.id);
  });
}

/** Poll a job until it has finished, showing its progress; then its report (or why there is none). */
async function follow(id, { restored = false } = {}) {
  followed = id;
  sessionStorage.setItem('onestop.audit.job', id);
  $('#audit-progress').hidden = false;
  $('#audit-job-id').textContent = `任务编号 ${id}`;
  setAuditProgress({ status: 'queued' });
  let wait = 300;
  for (;;) {
    const r = await get(`/v1/audit-jobs/${encodeURIComponent(id)}`);
    if (followed !== id) return;
    if (!r.ok) {
      if (r.status === 429) {
        await sleep(1000 * (r.error.retryAfter ?? 1));
        continue;
      }
      if (r.status === 0) {
        $('#audit-progress-text').textContent = '与服务器的连接中断，正在重试…（服务器上的稽核不受影响）';
        await sleep(2000);
        continue;
      }
      if (restored && r.status === 404) {
        sessionStorage.removeItem('onestop.audit.job');
        $('#audit-progress').hidden = true;
        return;
      }
      $('#audit-progress-text').textContent = r.error.message;
      return;
    }
    const job = r.data;
    setAuditProgress(job);
    if (job.status === 'done') {
      if (job.kind === 'audit') renderAudit(job.report);
      refreshJobs();
      return;
    }
    if (job.status !== 'queued' && job.status !== 'running') {
      refreshJobs();
      return;
    }
    await sleep(wait);
    wait = Math.min(2000, wait * 1.3);
  }
}

async function cancelJob() {
  const id = followed;
  if (!id) return;
  await busy($('#audit-cancel'), '取消中…', async () => {
    const r = await post(`/v1/audit-jobs/${encodeURIComponent(id)}/cancel`);
    if (r.ok) setAuditProgress(r.data);
    else $('#audit-progress-text').textContent = r.error.message;
  });
}

async function refreshJobs() {
  const r = await get('/v1/audit-jobs');
  const state = $('#audit-jobs-state');
  if (!r.ok) {
    state.textContent = isMissingEndpoint(r) ? '服务器暂未提供稽核任务接口。' : r.error.message;
    return;
  }
  const items = r.data.items;
  $('#audit-jobs-table tbody').replaceChildren(
    ...items.map((j) =>
      h(
        'tr',
        { 'data-job': j.id },
        h('td', { class: 'mono', text: j.id }),
        h('td', { text: JOB_KIND[j.kind] ?? j.kind }),
        h('td', { text: scopeText(j.kind, j.scope) }),
        h('td', { text: formatTime(j.createdAt) }),
        h('td', { text: JOB_STATUS[j.status] ?? j.status, title: j.error ?? '' }),
        h('td', { class: 'num', text: progressText(j.progress) }),
        h('td', {}, j.kind === 'audit' && (j.status !== 'error' && j.status !== 'cancelled') ? h('button', { type: 'button', text: j.status === 'done' ? '查看结果' : '查看进度', onclick: () => follow(j.id) }) : ''),
      ),
    ),
  );
  state.textContent = items.length ? `最近 ${items.length} 项（最多 50 项）。` : '还没有稽核任务。';
}

// ───────────── receivables ─────────────

function recParams() {
  return { from: $('#r-from').value, to: $('#r-to').value, hospital: $('#r-hospital').value.trim() };
}

async function receivables() {
  const formEl = $('#rec-form');
  clearErrors(formEl);
  $('#rec-summary').hidden = true;
  await busy($('#rec-btn'), '查询中…', async () => {
    const r = await get(`/v1/reports/receivables${qs(recParams())}`);
    if (!r.ok) {
      const error = isMissingEndpoint(r) ? { message: '服务器暂未提供应收款报表接口（GET /v1/reports/receivables）。' } : r.error;
      showApiError($('#rec-summary'), error, fieldFor('r'));
      return;
    }
    const d = r.data;
    const box = $('#rec-result');
    box.replaceChildren(
      h('div', { class: 'card-head' }, h('h2', { text: '应收款（医院垫付，应向各基金申领）' }), d.total ? h('span', {}, `合计 `, h('b', { class: 'num', text: formatAmount(d.total) }), ` 元`) : null),
      h('h3', { text: '按基金' }),
      fundTotals(d.totalsByFund),
      h('h3', { text: '按医院、月份和类型' }),
      pivot(d.rows),
      h('p', { class: 'hint', text: '结算计入出院当月；撤销冲回（撤销时冲回该笔结算各基金的支付，为负数）和应补应退（撤销后重新结算的差额，可正可负）计入发生当月，已报过的月份不会变动。下载的 CSV 每行是一家医院、一个基金、一个月的一种类型，含笔数。' }),
    );
    box.hidden = false;
  });
}

const KIND_ORDER = Object.keys(RECEIVABLE_KINDS);
const kindName = (k) => RECEIVABLE_KINDS[k] ?? k;

/**
 * Rows of (hospital, fund, month, kind, amount) as one row per hospital, month and kind (结算, 撤销冲回,
 * 应补应退), one column per fund. Amounts of a reversal, and some of an adjustment, are negative.
 */
function pivot(rows) {
  const funds = fundOrder(Object.fromEntries(rows.map((r) => [r.fund, '0'])));
  const groups = new Map();
  for (const r of rows) {
    const kind = r.kind ?? 'settlement';
    const key = `${r.hospitalCode}\u0000${r.month}\u0000${kind}`;
    if (!groups.has(key)) groups.set(key, { code: r.hospitalCode, hospital: `${r.hospitalName}（${r.hospitalCode}）`, month: r.month, kind, funds: {} });
    groups.get(key).funds[r.fund] = r.amount;
  }
  const rank = (k) => (KIND_ORDER.includes(k) ? KIND_ORDER.indexOf(k) : KIND_ORDER.length);
  const ordered = [...groups.values()].sort((a, b) => a.code.localeCompare(b.code) || a.month.localeCompare(b.month) || rank(a.kind) - rank(b.kind));
  return h(
    'div',
    { class: 'table-wrap scroll-y' },
    h(
      'table',
      { class: 'compact', 'data-testid': 'receivables' },
      h(
        'thead',
        {},
        h('tr', {}, h('th', { text: '医院' }), h('th', { text: '月份' }), h('th', { text: '类型' }), funds.map((f) => h('th', { class: 'num', text: fundName(f) })), h('th', { class: 'num', text: '合计' })),
      ),
      h(
        'tbody',
        {},
        ordered.map((g) => {
          const total = fenToString(sumFen(Object.values(g.funds)));
          return h(
            'tr',
            { dataset: { kind: g.kind } },
            h('td', { text: g.hospital }),
            h('td', { text: g.month }),
            h('td', {}, h('span', { class: `pill ${g.kind === 'reversal' ? 'reversed' : g.kind === 'adjustment' ? 'warn' : ''}`, text: kindName(g.kind) })),
            funds.map((f) => h('td', { class: `num${negative(g.funds[f]) ? ' neg' : ''}`, text: g.funds[f] === undefined ? '—' : formatAmount(g.funds[f]) })),
            h('td', { class: `num${negative(total) ? ' neg' : ''}` }, h('b', { text: formatAmount(total) })),
          );
        }),
      ),
    ),
  );
}

async function receivablesCsv() {
  clearErrors($('#rec-form'));
  $('#rec-summary').hidden = true;
  const p = recParams();
  await busy($('#rec-csv'), '下载中…', async () => {
    const r = await get(`/v1/reports/receivables${qs({ ...p, format: 'csv' })}`, { as: 'blob', accept: 'text/csv' });
    if (!r.ok) {
      const error = isMissingEndpoint(r) ? { message: '服务器暂未提供应收款报表接口（GET /v1/reports/receivables）。' } : r.error;
      showApiError($('#rec-summary'), error, fieldFor('r'));
      return;
    }
    const name = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(r.headers.get('content-disposition') ?? '')?.[1];
    download(r.data, name ? decodeURIComponent(name) : `receivables${p.from ? `-${p.from}` : ''}${p.to ? `-${p.to}` : ''}.csv`);
    banner('ok', '应收款 CSV 已下载。', { id: 'csv' });
  });
}

// ───────────── 目录稽核: declarations that differ from the medical catalogue ─────────────

/** Rows shown at once in each table; more are paged, none left out. */
const CATALOGUE_PAGE_ROWS = 500;

function catParams() {
  return { from: $('#c-from').value, to: $('#c-to').value, hospital: $('#c-hospital').value.trim() };
}

const catalogueUnavailable = { message: '服务器暂未提供目录稽核接口（GET /v1/audits/catalogue）：请升级服务后再试。其余功能不受影响。' };

/** Declared or catalogue values ({ class, selfPayRatio, priceCap }) for people; null is a code the catalogue lacks. */
function catalogueValues(v) {
  if (!v) return '目录外（只能按丙类）';
  const parts = [];
  if (v.class) parts.push(CLASSES[v.class] ?? v.class);
  if (v.selfPayRatio !== undefined) parts.push(`先行自付 ${formatRatio(v.selfPayRatio)}`);
  if (v.priceCap !== undefined) parts.push(`限价 ${formatAmount(v.priceCap)}`);
  return parts.length ? parts.join(' · ') : '（未填）';
}

/** A table of every row, CATALOGUE_PAGE_ROWS at a time with a pager when there are more. */
function pagedTable(headers, items, row, { numeric = [], testid, empty }) {
  const body = h('tbody');
  const box = h('div', {}, h('div', { class: 'table-wrap scroll-y' }, h('table', { class: 'compact', 'data-testid': testid }, h('thead', {}, h('tr', {}, headers.map((t, i) => h('th', { class: numeric.includes(i) ? 'num' : '', text: t })))), body)));
  if (!items.length) {
    body.append(h('tr', {}, h('td', { colspan: String(headers.length), class: 'muted', text: empty })));
    return box;
  }
  let first = 0;
  const state = h('span');
  const prev = h('button', { type: 'button', text: '上一页', onclick: () => show(first - CATALOGUE_PAGE_ROWS) });
  const next = h('button', { type: 'button', text: '下一页', onclick: () => show(first + CATALOGUE_PAGE_ROWS) });
  function show(at) {
    first = Math.max(0, Math.min(at, items.length - 1));
    const shown = items.slice(first, first + CATALOGUE_PAGE_ROWS);
    body.replaceChildren(...shown.map(row));
    state.textContent = `第 ${first + 1}–${first + shown.length} 条，共 ${items.length} 条`;
    prev.disabled = first === 0;
    next.disabled = first + CATALOGUE_PAGE_ROWS >= items.length;
  }
  show(0);
  if (items.length > CATALOGUE_PAGE_ROWS) box.append(h('div', { class: 'pager', 'data-testid': `${testid}-pager` }, prev, state, next));
  return box;
}

function renderCatalogueReport(d) {
  const box = $('#cat-result');
  const differences = d.differences ?? [];
  const refusals = d.refusals ?? [];
  const clean = !differences.length && !refusals.length;
  const scope = [d.period?.from || d.period?.to ? `${d.period.from ?? '…'} 至 ${d.period.to ?? '…'}` : '全部日期', d.hospital ? `医院 ${d.hospital}` : '全部医院'].join(' · ');
  box.replaceChildren(
    h(
      'div',
      { class: 'card-head' },
      h('h2', { text: '目录稽核' }),
      h('span', { class: 'muted small', text: scope }),
      h('span', { class: `pill ${clean ? 'ok' : 'warn'}`, 'data-testid': 'catalogue-verdict', text: clean ? '申报与目录一致' : `${differences.length} 项按目录结算，${refusals.length} 笔拒绝结算` }),
    ),
    h('div', { class: 'stat-row' }, stat('按目录结算的项目', differences.length, differences.length ? 'bad' : 'good'), stat('拒绝结算的账单', refusals.length, refusals.length ? 'bad' : 'good'), stat('涉及医院', (d.byHospital ?? []).length)),
    h('h3', { text: '按医院' }),
    h(
      'div',
      { class: 'narrow-table' },
      pagedTable(
        ['医院', '申报与目录不符'],
        d.byHospital ?? [],
        (x) => h('tr', { dataset: { hospital: x.hospitalCode } }, h('td', { text: x.hospitalCode }), h('td', { text: `按目录结算 ${x.differences} 项，拒绝结算 ${x.refusals} 笔` })),
        { testid: 'catalogue-hospitals', empty: '所选范围内没有与目录不符的申报' },
      ),
    ),
    h('h3', { text: '按目录结算的项目' }),
    h('p', { class: 'hint', text: '医院申报的值与目录不符，结算时按目录值计算（目录为准的规则下）。点账单号查看该笔结算的追溯。' }),
    pagedTable(
      ['医院', '账单号', '项目', '金额', '申报', '目录'],
      differences,
      (x) =>
        h(
          'tr',
          { dataset: { settlement: x.settlementId } },
          h('td', { text: x.hospitalCode }),
          h(
            'td',
            {},
            h('button', { type: 'button', class: 'link', text: x.billNo, title: `结算号 ${x.settlementId}：查看追溯`, onclick: () => (selectTab('search'), openDetail(x.settlementId)) }),
            x.status === 'reversed' ? h('span', {}, ' ', h('span', { class: 'pill reversed', text: STATUS.reversed })) : null,
          ),
          h('td', { class: 'wrap', text: `第 ${x.index + 1} 项 ${x.code}${x.name ? ` ${x.name}` : ''}` }),
          h('td', { class: 'num', text: formatAmount(x.amount) }),
          h('td', { text: catalogueValues(x.declared) }),
          h('td', { text: catalogueValues(x.catalogue) }),
        ),
      { numeric: [3], testid: 'catalogue-differences', empty: '没有按目录值结算的项目' },
    ),
    h('h3', { text: '拒绝结算的账单' }),
    h('p', { class: 'hint', text: '申报与目录不符、被拒绝结算的提交（严格核对的规则下），按提交时间。' }),
    pagedTable(
      ['医院', '账单号', '时间', '问题'],
      refusals,
      (x) =>
        h(
          'tr',
          { dataset: { refusal: x.id } },
          h('td', { text: x.hospitalCode }),
          h('td', { text: x.billNo, title: `参保人 ${x.personId} · 记录号 ${x.id} · 目录版本 ${x.catalogueVersion}` }),
          h('td', { text: formatTime(x.at) }),
          h(
            'td',
            { class: 'wrap' },
            (x.items ?? []).map((i) => h('div', { class: 'issue', text: `${typeof i.path?.[1] === 'number' ? `第 ${i.path[1] + 1} 项：` : ''}${i.message}` })),
          ),
        ),
      { testid: 'catalogue-refusals', empty: '没有被拒绝结算的账单' },
    ),
    h('p', { class: 'hint', text: '下载的 CSV 每行是一个项目：先列按目录结算的项目，再列拒绝结算账单中的每一处问题。' }),
  );
  box.hidden = false;
}

async function catalogueAudit() {
  clearErrors($('#cat-form'));
  $('#cat-summary').hidden = true;
  await busy($('#cat-btn'), '查询中…', async () => {
    const r = await get(`/v1/audits/catalogue${qs(catParams())}`);
    if (!r.ok) {
      showApiError($('#cat-summary'), isMissingEndpoint(r) ? catalogueUnavailable : r.error, fieldFor('c'));
      return;
    }
    renderCatalogueReport(r.data);
  });
}

async function catalogueCsv() {
  clearErrors($('#cat-form'));
  $('#cat-summary').hidden = true;
  const p = catParams();
  await busy($('#cat-csv'), '下载中…', async () => {
    const r = await get(`/v1/audits/catalogue${qs({ ...p, format: 'csv' })}`, { as: 'blob', accept: 'text/csv' });
    if (!r.ok) {
      showApiError($('#cat-summary'), isMissingEndpoint(r) ? catalogueUnavailable : r.error, fieldFor('c'));
      return;
    }
    const name = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(r.headers.get('content-disposition') ?? '')?.[1];
    download(r.data, name ? decodeURIComponent(name) : `catalogue${p.from ? `-${p.from}` : ''}${p.to ? `-${p.to}` : ''}.csv`);
    banner('ok', '目录稽核 CSV 已下载。', { id: 'csv' });
  });
}

// ───────────── start ─────────────

function wire() {
  for (const t of TABS) $(`#tab-${t}`).addEventListener('click', () => selectTab(t));
  $('.tabs').addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const i = TABS.findIndex((t) => $(`#tab-${t}`).getAttribute('aria-selected') === 'true');
    selectTab(TABS[(i + (e.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length], { focus: true });
  });
  $('#search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    search(1);
  });
  $('#prev').addEventListener('click', () => search(page - 1));
  $('#next').addEventListener('click', () => search(page + 1));
  $('#audit-form').addEventListener('submit', (e) => {
    e.preventDefault();
    runAudit();
  });
  $('#audit-cancel').addEventListener('click', cancelJob);
  $('#audit-jobs-refresh').addEventListener('click', refreshJobs);
  $('#rec-form').addEventListener('submit', (e) => {
    e.preventDefault();
    receivables();
  });
  $('#rec-csv').addEventListener('click', receivablesCsv);
  $('#cat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    catalogueAudit();
  });
  $('#cat-csv').addEventListener('click', catalogueCsv);
}

const started = await startPage('audit');
if (started) {
  wire();
  // The last search of this tab comes back after a reload.
  try {
    const last = JSON.parse(sessionStorage.getItem('onestop.audit.search') ?? 'null');
    if (last) for (const k of ['from', 'to', 'hospital', 'person', 'status']) if (last[k]) $(`#s-${k}`).value = last[k];
  } catch {
    /* a broken saved search is just not restored */
  }
  const tab = location.hash.slice(1);
  selectTab(TABS.includes(tab) ? tab : 'search');
  pageReady();
  const id = new URLSearchParams(location.search).get('id');
  if (id) openDetail(id);
  refreshJobs();
  // The audit this tab was following comes back after a reload (it went on running on the server).
  const job = sessionStorage.getItem('onestop.audit.job');
  if (job) follow(job, { restored: true });
}
