// 测算 (finance): bills from the store's year or a file, a ruleset, optional what-if values; run,
// watch the progress, read the report's charts and tables, download them.
import { get, isMissingEndpoint, post } from './api.js';
import { fundOrder, legend, monthColumns, shareBars } from './chart.js';
import { POPULATIONS, TIERS, fundName, ruleValueName } from './labels.js';
import { formatAmount, formatCount, formatRatio, toFenRounded } from './money.js';
import { $, $$, banner, busy, clearErrors, download, fieldError, h, pageReady, showApiError, startPage } from './ui.js';

const form = $('#model-form');
const summary = $('#model-summary');
const STATE = 'onestop.model.state';
let fileText = null;
let fileName = '';
let lastReport = null;
let lastRunId = null;

// ───────────── what-if rows ─────────────

/** Leaf paths of a rules document's steps, as what-if paths: visits.<type>.<step id>.<field>… */
function whatIfPaths(doc) {
  const out = [];
  const skip = new Set(['id', 'name', 'fund', 'kind', 'source', 'note', 'clause', 'cite', 'estimates', 'only', 'accumulator']);
  const walk = (v, path) => {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    else out.push({ path: path.join('.'), value: v });
  };
  for (const [type, steps] of Object.entries(doc?.visits ?? {})) {
    for (const step of steps ?? []) {
      for (const [k, v] of Object.entries(step)) if (!skip.has(k)) walk(v, ['visits', type, step.id, k]);
    }
  }
  return out;
}

let knownPaths = [];
async function loadPaths() {
  const id = $('#rules').value;
  if (!id) return;
  const r = await get(`/v1/rulesets/${encodeURIComponent(id)}`);
  knownPaths = r.ok ? whatIfPaths(r.data.document) : [];
  $('#whatif-paths').replaceChildren(...knownPaths.map((p) => h('option', { value: p.path, label: `现值 ${ruleValueName(p.value)}` })));
  for (const row of $$('.whatif-row')) showCurrent(row);
}

function showCurrent(row) {
  const path = $('.wi-path', row).value.trim();
  const known = knownPaths.find((p) => p.path === path);
  const current = $('.current', row);
  if (!path) current.replaceChildren();
  else if (!known) current.replaceChildren('现行规则中没有这个值（将作为新增字段，服务器会校验）');
  else {
    // A word of the rules file shows as it is typed (in code) with what it means.
    const meaning = ruleValueName(known.value);
    current.replaceChildren('现行规则中为 ', meaning === String(known.value) ? meaning : h('span', {}, h('code', { text: String(known.value) }), `（${meaning}）`));
  }
}

function addWhatIf(path = '', value = '') {
  const row = h(
    'div',
    { class: 'whatif-row' },
    h('input', { class: 'wi-path', value: path, list: 'whatif-paths', placeholder: 'visits.inpatient.floor.floor', 'aria-label': '规则路径', spellcheck: 'false' }),
    h('input', { class: 'wi-value num', value, placeholder: '0.95', 'aria-label': '新值', spellcheck: 'false' }),
    h('button', { type: 'button', class: 'link del', 'aria-label': '删除此假设', text: '×', onclick: () => (row.remove(), saveState()) }),
    h('div', { class: 'current hint' }),
  );
  $('#whatifs').append(row);
  showCurrent(row);
  return row;
}

/** A typed value: decimals stay exact strings; true/false/JSON are read as such; anything else is text. */
function typedValue(text) {
  const t = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return t;
  try {
    return JSON.parse(t);
  } catch {
    return t;
  }
}

function whatIfBody() {
  const out = {};
  for (const row of $$('.whatif-row')) {
    const path = $('.wi-path', row).value.trim();
    const value = $('.wi-value', row).value;
    if (path) out[path] = typedValue(value);
  }
  if (!Object.keys(out).length) return undefined;
  // The variant's name in the report; without one the server names it by its changes.
  const label = $('#whatif-label').value.trim();
  return label ? { label, ...out } : out;
}

// ───────────── source ─────────────

const sourceKind = () => $('input[name=source]:checked').value;

/** A JSON array of bills becomes JSON Lines; JSON Lines and CSV go as they are. */
function asSource(text, name) {
  const t = text.replace(/^\uFEFF/, '').trim();
  if (t.startsWith('[')) {
    try {
      return { jsonl: JSON.parse(t).map((b) => JSON.stringify(b)).join('\n') };
    } catch {
      /* not a JSON array after all: let the server say what is wrong */
    }
  }
  if (t.startsWith('{') || /\.(jsonl|ndjson|json)$/i.test(name)) return { jsonl: t };
  return { csv: t };
}

async function readFile(file) {
  fileText = await file.text();
  fileName = file.name;
  const lines = fileText.split(/\r?\n/).filter((l) => l.trim()).length;
  $('#file-state').textContent = `${file.name}：${(file.size / 1024).toFixed(1)} KB，约 ${lines} 行。`;
  clearErrors($('#file-box'));
}

// ───────────── run and poll ─────────────

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function setProgress(p, status) {
  const bar = $('#progress');
  const done = p?.done ?? p?.rows;
  const total = p?.total ?? p?.totalRows;
  if (total) {
    bar.classList.remove('indeterminate');
    $('div', bar).style.width = `${Math.min(100, (100 * done) / total).toFixed(1)}%`;
    $('#progress-text').textContent = `已计算 ${done.toLocaleString('zh-CN')} / ${total.toLocaleString('zh-CN')} 份账单`;
  } else {
    bar.classList.add('indeterminate');
    $('#progress-text').textContent = done !== undefined ? `已计算 ${Number(done).toLocaleString('zh-CN')} 份账单…` : status === 'queued' ? '排队中…' : '计算中…';
  }
}

async function run() {
  clearErrors(form);
  summary.hidden = true;
  const body = { rules: $('#rules').value };
  const whatIf = whatIfBody();
  if (whatIf) body.whatIf = whatIf;
  if (sourceKind() === 'store') {
    const year = Number($('#year').value);
    if (!Number.isInteger(year) || year < 2000 || year > 2100) {
      fieldError($('#year'), '请填写年度，如 2018');
      return;
    }
    body.source = { store: { year } };
  } else {
    if (!fileText) {
      fieldError($('#bills-file'), '请选择账单文件');
      return;
    }
    body.source = asSource(fileText, fileName);
  }
  saveState();
  await busy($('#run-btn'), '已提交…', async () => {
    const r = await post('/v1/models', body);
    if (!r.ok) {
      const error = isMissingEndpoint(r) ? { message: '服务器暂未提供测算接口（POST /v1/models）：请升级服务后再试。' } : r.error;
      showApiError(summary, error, locate);
      summary.focus();
      return;
    }
    await follow(r.data.id);
  });
}

/** Field of an API issue path: rules, whatIf.<path>, source.store.year, source.jsonl … */
function locate(path) {
  const p = String(path ?? '');
  if (p === 'rules') return $('#rules');
  if (p.startsWith('source.store')) return $('#year');
  if (p.startsWith('source')) return sourceKind() === 'store' ? $('#year') : $('#bills-file');
  if (p === 'whatIf.label') return $('#whatif-label');
  if (p.startsWith('whatIf')) {
    const key = p.replace(/^whatIf\.?/, '').replace(/^\["?|"?\]$/g, '');
    const row = $$('.whatif-row').find((r) => key.startsWith($('.wi-path', r).value.trim()) && $('.wi-path', r).value.trim());
    return row ? $('.wi-value', row) : $('#add-whatif');
  }
  return null;
}

async function follow(id, { restored = false } = {}) {
  lastRunId = id;
  sessionStorage.setItem('onestop.model.run', id);
  $('#progress-card').hidden = false;
  $('#run-id').textContent = `测算编号 ${id}`;
  setProgress(null, 'queued');
  let wait = 400;
  for (;;) {
    const r = await get(`/v1/models/${encodeURIComponent(id)}`);
    if (lastRunId !== id) return;
    if (!r.ok) {
      if (r.status === 429) {
        await sleep(1000 * (r.error.retryAfter ?? 1));
        continue;
      }
      if (restored && r.status === 404) {
        // The run is gone (the server restarted): nothing to follow.
        sessionStorage.removeItem('onestop.model.run');
        $('#progress-card').hidden = true;
        return;
      }
      if (r.status === 0) {
        $('#progress-text').textContent = '与服务器的连接中断，正在重试…（服务器上的计算不受影响）';
        await sleep(2000);
        continue;
      }
      $('#progress-text').textContent = r.error.message;
      return;
    }
    const m = r.data;
    if (m.status === 'ok' && m.report) {
      $('div', $('#progress')).style.width = '100%';
      $('#progress').classList.remove('indeterminate');
      $('#progress-text').textContent = '计算完成。';
      showReport(id, m.report);
      return;
    }
    if (m.status === 'error') {
      $('#progress').classList.remove('indeterminate');
      const err = typeof m.error === 'string' ? { message: m.error } : (m.error ?? { message: '测算失败' });
      $('#progress-text').textContent = '测算失败：';
      showApiError(summary, err, locate);
      summary.focus();
      return;
    }
    setProgress(m.progress, m.status);
    await sleep(wait);
    wait = Math.min(2000, wait * 1.3);
  }
}

// ───────────── the report ─────────────

function money(v) {
  return v === undefined || v === null ? '—' : formatAmount(v);
}

/** A count of admissions, whole: the report's two-decimal counts (weights, growth) rounded half-up. */
function count(n) {
  if (n === undefined || n === null) return '—';
  return formatCount(n);
}
const isWhole = (n) => Number.isInteger(n);

function delta(v) {
  if (v === undefined || v === null) return '';
  const fen = toFenRounded(v) ?? 0n;
  const text = fen === 0n ? '±0.00' : `${fen > 0n ? '+' : ''}${formatAmount(v)}`;
  return h('span', { class: fen > 0n ? 'delta-up' : fen < 0n ? 'delta-down' : '', text });
}

function kpi(label, base, variant, diff, fmt = money) {
  return h(
    'div',
    { class: 'stat' },
    h('span', { class: 'label muted', text: label }),
    h('span', { class: 'value', text: fmt(base) }),
    variant !== undefined ? h('div', { class: 'small' }, `测算方案 ${fmt(variant)} `, diff !== undefined ? delta(diff) : '') : null,
  );
}

function groupTable(title, groups, labels = {}) {
  const keys = Object.keys(groups ?? {}).sort();
  if (!keys.length) return null;
  const funds = fundOrder(...keys.map((k) => groups[k].funds));
  const head = ['', '人次', '医疗费用', ...funds.map(fundName), '个人支付', '实际报销比例'];
  return h(
    'div',
    {},
    h('h3', { text: title }),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'compact', 'data-testid': `table-${title}` },
        h('thead', {}, h('tr', {}, head.map((t, i) => h('th', { class: i ? 'num' : '', text: t })))),
        h(
          'tbody',
          {},
          keys.map((k) => {
            const g = groups[k];
            return h(
              'tr',
              {},
              h('td', { text: labels[k] ?? k }),
              h('td', { class: 'num', text: count(g.admissions) }),
              h('td', { class: 'num', text: money(g.total) }),
              ...funds.map((f) => h('td', { class: 'num', text: money(g.funds?.[f] ?? '0') })),
              h('td', { class: 'num', text: money(g.patientPays) }),
              h('td', { class: 'num', text: g.actualRatio ? formatRatio(g.actualRatio, 2) : '—' }),
            );
          }),
        ),
      ),
    ),
  );
}

function fundsCsv(report) {
  const b = report.baseline;
  const v = report.variant;
  const d = report.difference;
  const funds = fundOrder(b.funds, v?.funds);
  const rows = [['项目', '现行规则', ...(v ? ['测算方案', '差额'] : [])]];
  const line = (name, key, get) => rows.push([name, get(b) ?? '', ...(v ? [get(v) ?? '', d ? (get(d) ?? '') : ''] : [])]);
  line('医疗费用', 'total', (x) => x.total);
  for (const f of funds) line(fundName(f), f, (x) => x.funds?.[f] ?? '0.00');
  line('基金支付合计', 'fundPaysTotal', (x) => x.fundPaysTotal);
  line('个人支付', 'patientPays', (x) => x.patientPays);
  line('实际报销比例', 'actualRatio', (x) => x.actualRatio);
  return `\uFEFF${rows.map((r) => r.join(',')).join('\r\n')}\r\n`;
}

function showReport(id, report) {
  lastReport = report;
  const b = report.baseline;
  const v = report.variant ?? undefined;
  const d = report.difference ?? undefined;
  const funds = fundOrder(b.funds, v?.funds);
  $('#report-title').textContent = `测算报告：${report.rulesetTitle ?? report.rulesetId ?? ''}`;

  const series = [{ label: '现行规则', funds: b.funds, patientPays: b.patientPays, total: b.total }];
  if (v) series.push({ label: '测算方案', funds: v.funds, patientPays: v.patientPays, total: v.total });

  const fundRows = [
    ['医疗费用', (x) => x?.total],
    ...funds.map((f) => [fundName(f), (x) => (x ? (x.funds?.[f] ?? '0.00') : undefined)]),
    ['五道保障合计', (x) => x?.fundPaysTotal],
    ['个人支付', (x) => x?.patientPays],
  ];
  const fundTable = h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'compact', 'data-testid': 'fund-table' },
      h('thead', {}, h('tr', {}, h('th', { text: '' }), h('th', { class: 'num', text: '现行规则（元）' }), v ? h('th', { class: 'num', text: '测算方案（元）' }) : null, v ? h('th', { class: 'num', text: '差额' }) : null)),
      h(
        'tbody',
        {},
        fundRows.map(([name, pick]) => h('tr', {}, h('td', { text: name }), h('td', { class: 'num', text: money(pick(b)) }), v ? h('td', { class: 'num', text: money(pick(v)) }) : null, v ? h('td', { class: 'num' }, delta(pick(d))) : null)),
        h('tr', {}, h('td', { text: '实际报销比例' }), h('td', { class: 'num', text: formatRatio(b.actualRatio, 2) }), v ? h('td', { class: 'num', text: formatRatio(v.actualRatio, 2) }) : null, v ? h('td', {}) : null),
      ),
    ),
  );

  const shown = (x) => (x === null || x === undefined ? '（无）' : typeof x === 'object' ? JSON.stringify(x) : String(x));
  const whatIf = report.whatIf?.changes?.length
    ? h(
        'div',
        { 'data-testid': 'whatif-changes' },
        h('h3', { text: `测算方案：${report.whatIf.label}` }),
        h(
          'ul',
          {},
          report.whatIf.changes.map((c) =>
            h('li', {}, `${c.description ?? c.path}：${shown(c.before)} → ${c.after === null ? '删去' : shown(c.after)} `, h('code', { class: 'muted small', text: c.path })),
          ),
        ),
      )
    : null;

  const body = [
    h(
      'p',
      { class: 'muted small', id: 'report-input', text: `输入：${report.input?.source === 'store' ? `库中 ${report.input.year} 年已结算账单` : (report.input?.file ?? report.input?.source ?? '上传文件')}；人次 ${count(report.weightedAdmissions ?? report.admissions ?? b.admissions)}${isWhole(report.weightedAdmissions ?? 0) ? '' : '（按权重或增长系数折算，四舍五入到整数）'}；规则版本 ${String(report.rulesetHash ?? '').slice(0, 12)}` },
    ),
    h(
      'div',
      { class: 'stat-row' },
      kpi('医疗费用（元）', b.total, v?.total, d?.total),
      kpi('五道保障支付（元）', b.fundPaysTotal, v?.fundPaysTotal, d?.fundPaysTotal),
      kpi('个人支付（元）', b.patientPays, v?.patientPays, d?.patientPays),
      kpi('实际报销比例', b.actualRatio, v?.actualRatio, undefined, (x) => (x ? formatRatio(x, 2) : '—')),
      b.patient?.p95 ? kpi('个人支付 95% 分位（元）', b.patient.p95, v?.patient?.p95, d?.patient?.p95) : null,
    ),
    whatIf,
    h('div', { class: 'chart-box' }, shareBars(series), legend(funds)),
    h('div', { class: 'report-grid' }, h('div', {}, h('h3', { text: '各道保障支付' }), fundTable), h('div', {}, b.byMonth ? monthColumns(b.byMonth) : null, b.byMonth ? legend(fundOrder(...Object.values(b.byMonth).map((m) => m.funds)), { patient: false }) : null)),
    groupTable('按月份（现行规则）', b.byMonth),
    groupTable('按人群（现行规则）', b.byPopulation, POPULATIONS),
    groupTable('按医院级别（现行规则）', b.byTier, TIERS),
    h('h3', { text: '服务器生成的完整报告' }),
    h('p', { class: 'muted small', id: 'report-html-state', text: '正在载入…' }),
  ];
  const frame = h('iframe', { class: 'report-frame', title: '测算报告（HTML）', sandbox: 'allow-same-origin', hidden: true });
  body.push(frame);
  $('#report-body').replaceChildren(...body.filter(Boolean));

  const base = `report-${id}`;
  $('#report-actions').replaceChildren(
    h('button', { type: 'button', text: '下载报告 JSON', onclick: () => download(new Blob([JSON.stringify(report, null, 2)], { type: 'application/json' }), `${base}.json`) }),
    h('button', {
      type: 'button',
      id: 'report-csv-download',
      text: '下载报告 CSV',
      onclick: async (e) => {
        // The server's CSV has every table of the report; a server without it gets the fund summary made here.
        const r = await get(`/v1/models/${encodeURIComponent(id)}/report.csv`, { as: 'blob', accept: 'text/csv' });
        download(r.ok ? r.data : new Blob([fundsCsv(report)], { type: 'text/csv;charset=utf-8' }), `${base}.csv`);
        e.target.blur();
      },
    }),
    h('button', {
      type: 'button',
      id: 'report-html-download',
      text: '下载报告 HTML',
      onclick: async (e) => {
        const r = await get(`/v1/models/${encodeURIComponent(id)}/report.html`, { as: 'blob', accept: 'text/html' });
        if (r.ok) download(r.data, `${base}.html`);
        else banner('error', isMissingEndpoint(r) ? '服务器暂未提供 HTML 报告（report.html）。' : r.error.message);
        e.target.blur();
      },
    }),
  );
  $('#report').hidden = false;
  $('#report').scrollIntoView({ block: 'start', behavior: 'smooth' });
  loadReportHtml(id, frame);
}

async function loadReportHtml(id, frame) {
  const r = await get(`/v1/models/${encodeURIComponent(id)}/report.html`, { as: 'text', accept: 'text/html' });
  const state = $('#report-html-state');
  if (!r.ok) {
    state.textContent = isMissingEndpoint(r) || r.status === 404 ? '服务器暂未提供 HTML 报告；上方图表和表格由本页根据报告数据绘制。' : `HTML 报告载入失败：${r.error.message}`;
    return;
  }
  state.textContent = '可打印或下载；图表为报告自带。';
  frame.hidden = false;
  frame.srcdoc = r.data;
}

// ───────────── keep the form across reloads ─────────────

function saveState() {
  const state = {
    source: sourceKind(),
    year: $('#year').value,
    rules: $('#rules').value,
    whatIf: $$('.whatif-row').map((r) => [$('.wi-path', r).value, $('.wi-value', r).value]),
  };
  sessionStorage.setItem(STATE, JSON.stringify(state));
}

function restoreState() {
  try {
    const s = JSON.parse(sessionStorage.getItem(STATE) ?? 'null');
    if (!s) return;
    const radio = $(`input[name=source][value=${s.source}]`);
    if (radio) radio.checked = true;
    $('#year').value = s.year ?? $('#year').value;
    if ([...$('#rules').options].some((o) => o.value === s.rules)) $('#rules').value = s.rules;
    for (const [p, v] of s.whatIf ?? []) addWhatIf(p, v);
  } catch {
    /* nothing to restore */
  }
}

function syncSource() {
  $('#file-box').hidden = sourceKind() !== 'file';
}

function init({ rulesets }) {
  const sorted = [...rulesets].sort((a, b) => (a.id === 'xingan-2018' ? -1 : b.id === 'xingan-2018' ? 1 : a.id.localeCompare(b.id)));
  $('#rules').replaceChildren(...sorted.map((r) => h('option', { value: r.id, text: `${r.title}（${r.effective.from} 至 ${r.effective.to}）` })));
  restoreState();
  syncSource();
  loadPaths();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run();
  });
  form.addEventListener('change', (e) => {
    if (e.target.name === 'source') syncSource();
    if (e.target.id === 'rules') loadPaths();
    if (e.target.id === 'bills-file' && e.target.files?.[0]) readFile(e.target.files[0]);
    saveState();
  });
  form.addEventListener('input', (e) => {
    const row = e.target.closest('.whatif-row');
    if (row) showCurrent(row);
    saveState();
  });
  $('#add-whatif').addEventListener('click', () => $('.wi-path', addWhatIf()).focus());
  $('#bills-file-pick').addEventListener('click', () => $('#bills-file').click());
  pageReady();
  // A run started before a reload is followed again.
  const running = sessionStorage.getItem('onestop.model.run');
  if (running) follow(running, { restored: true });
}

const started = await startPage('model');
if (started) init(started);
