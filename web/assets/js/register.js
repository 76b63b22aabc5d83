// 登记库导入 (admin): a people or hospitals register file, tried first (dry run: nothing changes, the
// page shows what would), then applied. Confirming sends the very bytes the dry run checked, so what is
// applied is what was reviewed, even if the file on disk changes in between.
//
// The file goes to the API as it is (not decoded and re-encoded here): the server reads it strictly as
// UTF-8 and names the line of a GBK file, where a lenient decode in the browser would turn the names into
// replacement characters without a word. The page never shows the file's content, only what the API
// answers, whose ID numbers are masked.
import { getKey, qs } from './api.js';
import { POPULATIONS, TIERS } from './labels.js';
import { $, banner, busy, clearErrors, download, fieldError, h, pageReady, roleLabel, showApiError, startPage } from './ui.js';

/** The API's limit on a register file (REGISTER_LIMIT_BYTES). */
const LIMIT_BYTES = 64 * 1024 * 1024;
/** Issue rows drawn at most; the rest are counted and can be downloaded. */
const MAX_SHOWN = 500;

/** The values a file writes (in code, as they are typed) with their Chinese names: poverty（建档立卡贫困人口）、… */
function codes(labels) {
  return Object.entries(labels).flatMap(([k, v], i) => [i ? '、' : '', h('code', { text: k }), `（${v}）`]);
}

const KINDS = {
  people: {
    name: '人员',
    columns: 'id,name,idNumber,county,insuredRegion,population,from,to',
    chinese: '人员编号,姓名,身份证号,旗县,参保地,人员类别,开始日期,结束日期',
    note: () => ['每行一个人员类别期间；人员类别填 ', ...codes(POPULATIONS), ' 等；结束日期留空表示至今；参保地为 6 位区划代码，如 152200。'],
    counts: [
      { group: '人员', key: 'newPeople', label: '新增' },
      { group: '人员', key: 'changed', label: '变更' },
      { group: '人员', key: 'unchanged', label: '未变' },
      { group: '人员类别期间', key: 'membershipsStarted', label: '开始' },
      { group: '人员类别期间', key: 'membershipsEnded', label: '结束' },
      { group: '人员类别期间', key: 'membershipsWithdrawn', label: '撤回' },
    ],
  },
  hospitals: {
    name: '医院',
    columns: 'code,name,regionCode,regionName,county,tier,from,to',
    chinese: '医院编码,医院名称,区划代码,地区名称,旗县,医院等级,开始日期,结束日期',
    note: () => ['每行一个等级期间；等级填 ', ...codes(TIERS), '；结束日期留空表示至今。'],
    counts: [
      { group: '医院', key: 'newHospitals', label: '新增' },
      { group: '医院', key: 'changed', label: '变更' },
      { group: '医院', key: 'unchanged', label: '未变' },
      { group: '等级期间', key: 'tiersRecorded', label: '记录等级期间' },
    ],
  },
};

const OUTCOMES = {
  'dry-run': { text: '试导入 · 未更改', pill: 'warn' },
  applied: { text: '已导入', pill: 'ok' },
  unchanged: { text: '无需更改', pill: 'info' },
  refused: { text: '未导入', pill: 'danger' },
};

const form = $('#register-form');
const summary = $('#register-summary');
const fileInput = $('#register-file');
const applyBtn = $('#apply-btn');

/** The file picked: { name, size, bytes, format }. */
let picked = null;
/** The reading of the file picked last (a click on 试导入 waits for it). */
let picking = Promise.resolve();
/** The dry run that may be confirmed: { kind, file } (the same object as `picked` at the time). */
let tried = null;
/** The file last applied (for the hint beside the buttons). */
let applied = null;

const kind = () => form.elements.kind.value;
const DEFAULT_HINT = $('#apply-hint').textContent.trim();

// ───────────── the file ─────────────

/** CSV or JSON Lines, as the server tells them: by the name, else by the first character (after a BOM). */
function formatOf(name, bytes) {
  if (/\.(jsonl|ndjson|json)$/i.test(name)) return 'jsonl';
  if (/\.(csv|txt|tsv)$/i.test(name)) return 'csv';
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return bytes[i] === 0x7b ? 'jsonl' : 'csv';
}

const CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', jsonl: 'application/x-ndjson; charset=utf-8' };
const FORMAT_NAMES = { csv: 'CSV', jsonl: 'JSON Lines' };

function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} 字节`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function pick(file) {
  picked = null;
  forgetDryRun();
  clearErrors($('#register-file').closest('.field'));
  summary.hidden = true;
  const state = $('#file-state');
  if (!file) {
    state.textContent = '未选择文件';
    return;
  }
  if (file.size > LIMIT_BYTES) {
    state.textContent = '';
    fieldError(fileInput, `文件 ${sizeText(file.size)}，超过 64 MB 的上限：请分批导入`);
    return;
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const format = formatOf(file.name, bytes);
  picked = { name: file.name, size: file.size, bytes, format };
  state.textContent = `${file.name}：${FORMAT_NAMES[format]}，${sizeText(file.size)}。请先点「试导入（不更改）」。`;
}

function showColumns() {
  const k = KINDS[kind()];
  $('#columns-hint').replaceChildren(
    `${k.name}登记文件的列：`,
    h('code', { text: k.columns }),
    '（或中文表头 ',
    h('code', { text: k.chinese }),
    '）。',
    ...k.note(),
  );
}

// ───────────── dry run and confirm ─────────────

function forgetDryRun() {
  tried = null;
  applyBtn.disabled = true;
  $('#apply-hint').textContent = DEFAULT_HINT;
}

/** POST the file; the answer in the same { ok, status, data, error } shape as api.js's call(). */
async function send(file, k, dryRun) {
  const path = `/v1/register/${k}${qs({ dryRun: String(dryRun), file: file.name.slice(0, 200), source: $('#source').value.trim() })}`;
  let res;
  try {
    res = await fetch(path, {
      method: 'POST',
      headers: { Authorization: `Bearer ${getKey()}`, 'Content-Type': CONTENT_TYPES[file.format] },
      body: file.bytes,
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    return { ok: false, status: 0, error: { code: 'NETWORK', message: '无法连接服务器：请检查网络或服务器是否在运行，恢复后可重试。试导入和确认导入都可以放心重试。' } };
  }
  const type = res.headers.get('content-type') ?? '';
  let body;
  try {
    body = type.includes('json') ? await res.json() : undefined;
  } catch {
    body = undefined;
  }
  if (res.ok) return { ok: true, status: res.status, data: body };
  const error = body?.error ?? { code: `HTTP_${res.status}`, message: `服务器返回 ${res.status}` };
  if (res.status === 401) {
    banner('error', '密钥已失效或被停用：请重新登录后再导入。', {
      id: 'auth',
      action: h('a', { href: `/login?next=${encodeURIComponent(location.pathname)}`, text: '重新登录' }),
    });
  }
  return { ok: false, status: res.status, error };
}

async function run(dryRun) {
  clearErrors(form);
  summary.hidden = true;
  await picking;
  const k = kind();
  const file = dryRun ? picked : tried?.file;
  if (!file) {
    fieldError(fileInput, '请选择登记文件');
    $('#register-file-pick').focus();
    return;
  }
  if (!dryRun && (tried?.kind !== k || tried.file !== picked)) {
    forgetDryRun();
    return;
  }
  const button = dryRun ? $('#dry-run-btn') : applyBtn;
  await busy(button, dryRun ? '试导入中…' : '导入中…', async () => {
    const r = await send(file, k, dryRun);
    // The user may have picked another file or kind while the request ran: this answer is not theirs.
    if (file !== picked || k !== kind()) return;
    applied = r.ok && r.data.outcome === 'applied' ? file : null;
    if (r.ok) {
      showReport(r.data);
      tried = dryRun && r.data.outcome === 'dry-run' ? { kind: k, file } : null;
    } else {
      tried = null;
      if (r.status === 422 && r.error.code === 'REGISTER_FILE_INVALID') showIssues(r.error, k, file);
      else {
        $('#register-result').hidden = true;
        showApiError(summary, r.error);
        summary.focus();
      }
    }
  });
  // busy() enables the button again: confirming is only for a dry run that found something to change.
  applyBtn.disabled = !tried;
  $('#apply-hint').textContent = tried
    ? `可以确认导入 ${tried.file.name}：将按上面的试导入结果更改登记库。`
    : applied === picked && applied
      ? `${applied.name} 已导入。再导入其他文件时请重新选择文件并试导入。`
      : DEFAULT_HINT;
}

// ───────────── what the API answered ─────────────

function showResultCard(outcome, ...body) {
  const o = OUTCOMES[outcome] ?? { text: outcome, pill: '' };
  $('#h-result').textContent = outcome === 'refused' ? '文件有问题，未导入' : outcome === 'dry-run' ? '试导入结果' : '导入结果';
  $('#result-pill').replaceChildren(h('span', { class: `pill ${o.pill}`, 'data-testid': 'outcome', text: o.text }));
  $('#result-body').replaceChildren(...body.filter(Boolean));
  const card = $('#register-result');
  card.hidden = false;
  card.scrollIntoView({ block: 'nearest' });
}

function countsTable(k, counts) {
  const cols = KINDS[k].counts;
  const groups = [];
  for (const c of cols) {
    const last = groups.at(-1);
    if (last?.name === c.group) last.span++;
    else groups.push({ name: c.group, span: 1 });
  }
  return h(
    'div',
    { class: 'table-wrap', style: 'max-width: 720px' },
    h(
      'table',
      { class: 'compact', 'data-testid': 'counts' },
      h('thead', {}, h('tr', {}, groups.map((g) => h('th', { colspan: String(g.span), style: 'text-align:center; border-left:1px solid var(--line)', text: g.name }))), h('tr', {}, cols.map((c) => h('th', { class: 'num', text: c.label })))),
      h('tbody', {}, h('tr', {}, cols.map((c) => h('td', { class: 'num', dataset: { count: c.key }, text: String(counts?.[c.key] ?? '—') })))),
    ),
  );
}

function showReport(report) {
  const k = report.kind;
  const facts = [`文件 ${report.file}`, `${report.rows} 行`];
  if (report.batch) facts.push(`批次 ${report.batch}`);
  const next =
    report.outcome === 'dry-run'
      ? '登记库尚未更改。核对无误后点「确认导入」。'
      : report.outcome === 'applied'
        ? '已记入登记库。此后结算按新的登记判断参保身份；此前的结算不受影响，稽核时可查更正前后的记录。'
        : '文件与登记库现有内容一致，无需导入。';
  showResultCard(
    report.outcome,
    h('p', { class: 'summary-sentence', 'data-testid': 'register-message', text: report.message }),
    h('p', { class: 'muted small', text: facts.join(' · ') }),
    countsTable(k, report.counts),
    h('p', { class: 'small', text: next }),
  );
}

/** "第 3 行 身份证号" → { line: '3', column: '身份证号' }; a path of another shape stays whole. */
function splitPath(path) {
  const m = /^第\s*(\d+)\s*行\s*(.*)$/.exec(path ?? '');
  return m ? { line: m[1], column: m[2] } : { line: '', column: path ?? '' };
}

function issuesCsv(issues) {
  const cell = (v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return ['行,列,问题', ...issues.map((i) => {
    const { line, column } = splitPath(i.path);
    return [line, column, i.message].map(cell).join(',');
  })].join('\r\n');
}

function showIssues(error, k, file) {
  const issues = error.issues ?? [];
  const shown = issues.slice(0, MAX_SHOWN);
  const more = issues.length - shown.length;
  const lines = new Set(issues.map((i) => splitPath(i.path).line)).size;
  showResultCard(
    'refused',
    h('p', { class: 'summary-sentence', 'data-testid': 'register-message', text: error.message }),
    h(
      'div',
      { class: 'actions', style: 'margin: 0.4rem 0 0.6rem' },
      h('b', { 'data-testid': 'issue-count', text: `共 ${issues.length} 处问题（涉及 ${lines} 行）${more > 0 ? `，下表列出前 ${shown.length} 处，另有 ${more} 处未列出` : ''}` }),
      h('button', {
        type: 'button',
        id: 'issues-csv',
        text: '下载全部问题（CSV）',
        onclick: () => download(new Blob(['\uFEFF', issuesCsv(issues)], { type: 'text/csv;charset=utf-8' }), `${file.name.replace(/\.[^.]*$/, '')}-问题.csv`),
      }),
    ),
    h(
      'div',
      { class: 'table-wrap scroll-y' },
      h(
        'table',
        { class: 'compact', 'data-testid': 'issues' },
        h('colgroup', {}, h('col', { style: 'width: 5rem' }), h('col', { style: 'width: 10rem' }), h('col')),
        h('thead', {}, h('tr', {}, h('th', { class: 'num', text: '行' }), h('th', { text: '列' }), h('th', { text: '问题' }))),
        h(
          'tbody',
          {},
          shown.map((i) => {
            const { line, column } = splitPath(i.path);
            return h('tr', {}, h('td', { class: 'num', text: line }), h('td', { text: column || '（整行）' }), h('td', { style: 'white-space: normal', text: i.message }));
          }),
        ),
      ),
    ),
    more > 0 ? h('p', { class: 'small', 'data-testid': 'issues-more', text: `另有 ${more} 处问题未在上表列出，请下载全部问题（CSV）查看。` }) : null,
    h('p', { class: 'small', text: `${KINDS[k].name}登记库没有任何更改。请按上表更正文件后重新选择文件、再次试导入。` }),
  );
}

// ───────────── start ─────────────

function refuse(who) {
  $('main').replaceChildren(
    h('section', { class: 'card narrow' }, h('h1', { text: '此密钥不能使用「登记库导入」' }), h('p', { text: `当前登录的角色是「${roleLabel(who)}」；导入登记库需要管理员密钥。` })),
  );
  pageReady();
}

function init() {
  showColumns();
  form.addEventListener('change', (e) => {
    if (e.target.name === 'kind') {
      showColumns();
      forgetDryRun();
      $('#register-result').hidden = true;
      summary.hidden = true;
    }
  });
  $('#register-file-pick').addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', () => {
    $('#register-result').hidden = true;
    picking = pick(fileInput.files?.[0]);
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run(true);
  });
  applyBtn.addEventListener('click', () => run(false));
  pageReady();
}

const started = await startPage('register');
if (started) {
  if (started.who?.role !== 'admin') refuse(started.who);
  else init();
}
