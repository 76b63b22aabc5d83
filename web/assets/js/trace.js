// A settlement's full trace for the auditor: every step with its base, deductible, ratio or segments,
// cap room, payout, the sentence that explains it, the source it cites with the clause quoted from it,
// and any value that is an estimate (with why, where no clause gives it). From GET /v1/settlements/{id}/trace; when a server lacks that endpoint, rebuilt here from
// the stored settlement and the ruleset document (GET /v1/rulesets/{id}), and marked as such.
import { get, isMissingEndpoint } from './api.js';
import { ACC_FIELDS, KINDS, LIMITED_BY, POPULATIONS, STATUS, accumulatorName, fundName, stepFieldName, visitTypeName } from './labels.js';
import { formatAmount, formatRatio } from './money.js';
import { formatTime, h } from './ui.js';
import { renderWaterfall, stepReason } from './waterfall.js';

/** Load a settlement and its trace: { view, trace, rebuilt } or { error }. */
export async function loadTrace(id) {
  const enc = encodeURIComponent(id);
  const [view, trace] = await Promise.all([get(`/v1/settlements/${enc}`), get(`/v1/settlements/${enc}/trace`)]);
  if (!view.ok) return { error: view.error };
  if (trace.ok) return { view: view.data, trace: trace.data, rebuilt: false };
  if (!isMissingEndpoint(trace)) return { view: view.data, trace: await rebuild(view.data), rebuilt: true, traceError: trace.error };
  return { view: view.data, trace: await rebuild(view.data), rebuilt: true };
}

/** A rules file's `clause` (one passage or a list) as a list of passages, or undefined. */
function passages(value) {
  const list = (typeof value === 'string' ? [value] : Array.isArray(value) ? value : []).filter((t) => typeof t === 'string' && t.trim());
  return list.length ? list.map((t) => t.trim()) : undefined;
}

/** The trace from the settlement and the current ruleset document (citations, clauses and estimates by step id). */
async function rebuild(view) {
  const rs = await get(`/v1/rulesets/${encodeURIComponent(view.rulesetId)}`);
  const doc = rs.ok ? rs.data.document : null;
  const sources = Object.fromEntries((doc?.sources ?? []).map((s) => [s.id, s]));
  const defs = doc?.visits?.[view.visit.type] ?? [];
  const r = view.result;
  return {
    settlementId: view.id,
    status: view.status,
    rulesetId: view.rulesetId,
    rulesetTitle: doc?.title ?? view.rulesetId,
    rulesetHash: view.rulesetHash,
    rulesetFile: rs.ok ? rs.data.file : '',
    sameVersion: rs.ok ? rs.data.hash === view.rulesetHash : null,
    ...r,
    summary: `医疗费用 ${formatAmount(r.total)} 元，五道保障共支付 ${formatAmount(r.fundPaysTotal)} 元（实际报销比例 ${formatRatio(r.actualRatio, 2)}），个人支付 ${formatAmount(r.patientPays)} 元。`,
    steps: r.steps.map((s) => {
      const def = defs.find((d) => d.id === s.id);
      const cite = (id, clause) => (sources[id] ? { sourceId: id, title: sources[id].title, file: sources[id].file, url: sources[id].url, clause: passages(clause) } : null);
      const fields = Object.entries(def?.cite ?? {})
        .map(([field, c]) => [field, typeof c === 'string' ? cite(c) : cite(c?.source ?? def.source, c?.clause)])
        .filter(([, c]) => c);
      return {
        ...s,
        sentence: stepReason(s),
        citation: cite(s.source ?? def?.source, s.source === undefined || s.source === def?.source ? def?.clause : undefined),
        estimates: def?.estimates ?? null,
        fieldCitations: fields.length ? Object.fromEntries(fields) : null,
      };
    }),
  };
}

/** A citation: the document (title, file, id), and under it the words of the clause the value comes from. */
function citationEl(c, prefix = '依据') {
  if (!c) return null;
  return h(
    'div',
    { class: 'citation' },
    `${prefix}：`,
    c.url ? h('a', { href: c.url, target: '_blank', rel: 'noopener noreferrer', text: `《${c.title}》` }) : h('b', { text: `《${c.title}》` }),
    c.file ? h('span', { class: 'mono', text: ` ${c.file}` }) : null,
    h('span', { class: 'muted', text: `（${c.sourceId}）` }),
    (c.clause ?? []).map((p) => h('blockquote', { class: 'clause', 'data-testid': 'clause', text: `“${p}”` })),
  );
}

function ratioCell(s) {
  if (s.segments?.length) {
    return h(
      'td',
      {},
      s.segments.map((g) => h('div', { class: 'seg' }, `${formatAmount(g.from)}–${formatAmount(g.to)}：${formatRatio(g.ratio)} → ${formatAmount(g.payout)}`)),
    );
  }
  if (s.floor) return h('td', { text: `保底 ${formatRatio(s.floor.ratio)}` });
  if (s.outOfPocket) return h('td', { text: `封顶 ${formatAmount(s.outOfPocket.cap)}` });
  return h('td', { class: 'num', text: s.ratio ? formatRatio(s.ratio) : '—' });
}

/** What the settlement changed in the person's year-to-date accumulators (named by the steps that keep them). */
function accumulatorsEl(acc, steps) {
  const rows = Object.entries(acc ?? {}).flatMap(([k, fields]) =>
    Object.entries(fields).map(([f, c]) => h('tr', {}, h('td', { text: `${accumulatorName(k, steps)} · ${ACC_FIELDS[f] ?? f}` }), h('td', { class: 'num', text: formatAmount(c.before) }), h('td', { class: 'num', text: formatAmount(c.after) }))),
  );
  return h(
    'div',
    {},
    h('h3', { text: '本年累计变化' }),
    h('p', { class: 'hint', text: '本次结算前后的年度累计；撤销时按此冲回。' }),
    h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, h('th', { text: '累计项' }), h('th', { class: 'num', text: '结算前' }), h('th', { class: 'num', text: '结算后' }))), h('tbody', {}, rows))),
  );
}

/** Values the rules file marks as estimates (no published figure found), folded: one line, open for why. */
function estimatesEl(estimates) {
  const entries = Object.entries(estimates ?? {});
  if (!entries.length) return null;
  return h(
    'details',
    { class: 'estimate' },
    h('summary', { text: `含估计值：${entries.map(([f]) => stepFieldName(f)).join('、')}（规则文件未找到公开数值，点开看依据）` }),
    h('ul', {}, entries.map(([field, why]) => h('li', {}, `${stepFieldName(field)}（`, h('code', { text: field }), `）：${why}`))),
  );
}

/** The trace as a card body: who and what, the summary, the waterfall, and the steps table. */
export function renderTrace({ view, trace, rebuilt, traceError }) {
  const meta = [
    ['结算号', view.id],
    ['状态', STATUS[view.status] ?? view.status],
    ['医院', `${view.hospital.name}（${view.hospital.code}）`],
    ['参保人', `${view.person.name}（${view.person.id}，${view.person.idNumber}）`],
    ['人群', POPULATIONS[view.result.population] ?? view.result.population],
    ['账单号', view.billNo],
    ['就诊', `${visitTypeName(view.visit.type)} ${view.visit.admitted} 至 ${view.visit.discharged}`],
    ['结算时间', formatTime(view.createdAt)],
    ['规则', trace.rulesetTitle ?? trace.rulesetId],
    ['规则版本', `${trace.rulesetHash.slice(0, 16)}…${trace.rulesetFile ? ` ${trace.rulesetFile}` : ''}`],
  ];
  if (view.status === 'reversed') meta.push(['撤销', `${formatTime(view.reversedAt)} ${view.reversalReason ?? ''}`]);

  const rows = trace.steps.map((s, i) =>
    h(
      'tr',
      { dataset: { step: s.id } },
      h('td', { class: 'num', text: String(i + 1) }),
      h('td', {}, h('b', { text: s.name ?? s.id }), h('div', { class: 'muted small', text: (s.name ?? '').startsWith(fundName(s.fund)) ? (KINDS[s.kind] ?? s.kind) : `${fundName(s.fund)} · ${KINDS[s.kind] ?? s.kind}` })),
      h('td', { class: 'num', text: formatAmount(s.base) }),
      h('td', { class: 'num', text: s.deductible === null || s.deductible === undefined ? '—' : formatAmount(s.deductible) }),
      ratioCell(s),
      h('td', { class: 'num', text: s.capRoom ? formatAmount(s.capRoom) : '—' }),
      h('td', { class: 'num' }, h('b', { text: formatAmount(s.payout) }), s.limitedBy ? h('div', { class: 'small muted', text: LIMITED_BY[s.limitedBy] ?? s.limitedBy }) : null),
      h(
        'td',
        {},
        h('div', { class: 'sentence', text: s.sentence }),
        citationEl(s.citation),
        ...Object.entries(s.fieldCitations ?? {}).map(([field, c]) => citationEl(c, `${stepFieldName(field)}依据`)),
        estimatesEl(s.estimates),
      ),
    ),
  );

  return h(
    'div',
    { class: 'trace', 'data-testid': 'trace' },
    rebuilt
      ? h('p', { class: 'banner banner-warn', text: `服务器${traceError ? `的解释接口出错（${traceError.message}）` : '暂未提供解释接口（/trace）'}：以下说明由本页根据结算结果和规则文件生成${trace.sameVersion === false ? '；注意规则文件已更新，引用以当前版本为准' : ''}。` })
      : null,
    h('div', { class: 'trace-meta' }, meta.map(([k, v]) => h('div', {}, h('span', { text: k }), v))),
    h('p', { class: 'summary-sentence', 'data-testid': 'trace-summary', text: trace.summary }),
    h('div', { class: 'trace-grid' }, h('div', {}, renderWaterfall(trace, { trace })), accumulatorsEl(view.result.accumulators, trace.steps)),
    h('h3', { text: '计算步骤与依据' }),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'steps-table' },
        // 本次起付: the part of the deductible this bill bore (the standard itself is in the sentence).
        h('thead', {}, h('tr', {}, ['#', '步骤', '计算基数', '本次起付', '比例 / 分段', '封顶余额', '支付', '说明与依据'].map((t, i) => h('th', { class: [0, 2, 3, 5, 6].includes(i) ? 'num' : '', text: t, ...(i === 3 ? { title: '起付线中由本次费用承担的部分；起付线标准见“说明与依据”' } : {}) })))),
        h('tbody', {}, rows),
      ),
    ),
  );
}
