// A settlement result as a waterfall: the bill total, its four buckets, each of the five layers with
// its amount and a one-line reason, and — in large type — what the patient pays now.
import { BUCKETS, FUNDS, KINDS, LIMITED_BY, PATIENT_COLOR, POPULATIONS, STATUS, fundName, visitTypeName } from './labels.js';
import { formatAmount, formatRatio, share, toFenRounded } from './money.js';
import { h } from './ui.js';

const yuan = (v) => `${formatAmount(v)} 元`;
const isZero = (v) => (toFenRounded(v) ?? 0n) === 0n;
const DENOMINATOR = { total: '医疗费用总额', inPolicy: '政策范围内费用' };

/**
 * One line saying why a step paid what it paid, from the step's own numbers (used when the trace
 * endpoint is not there, and for a preview, which has no stored trace).
 */
export function stepReason(s) {
  const parts = [];
  switch (s.kind) {
    case 'coinsurance': {
      const ded = s.deductible && !isZero(s.deductible) ? s.deductible : null;
      if (ded && (toFenRounded(s.base) ?? 0n) <= (toFenRounded(ded) ?? 0n) && isZero(s.payout)) {
        parts.push(`可报费用 ${yuan(s.base)} 未超过起付线 ${yuan(ded)}，本项不支付`);
        break;
      }
      parts.push(`可报费用 ${yuan(s.base)}`);
      if (ded) parts.push(`扣除起付线 ${yuan(ded)}`);
      if (s.ratio) parts.push(`按 ${formatRatio(s.ratio)} 报销`);
      if (s.capRoom) parts.push(`封顶余额 ${yuan(s.capRoom)}`);
      break;
    }
    case 'segmented': {
      parts.push(`合规自付 ${yuan(s.base)} 计入本年累计${s.cumulativeBefore ? `（此前累计 ${yuan(s.cumulativeBefore)}）` : ''}`);
      if (s.segments?.length) parts.push(s.segments.map((g) => `${formatAmount(g.from)}–${formatAmount(g.to)} 元段按 ${formatRatio(g.ratio)}`).join('、'));
      else if (isZero(s.payout)) parts.push(`本年累计未超过起付线${s.deductible ? `（尚差 ${yuan(s.deductible)}）` : ''}，本项不支付`);
      if (s.capRoom) parts.push(`封顶余额 ${yuan(s.capRoom)}`);
      break;
    }
    case 'floor': {
      const f = s.floor;
      if (!f) break;
      const denom = DENOMINATOR[f.denominator] ?? f.denominator;
      if (isZero(s.payout)) parts.push(`前几道已报 ${yuan(f.earlierPayouts)}，已达${denom}的 ${formatRatio(f.ratio)}，无需补足`);
      else parts.push(`保底 ${formatRatio(f.ratio)}：${denom} ${yuan(f.denominatorAmount)} × ${formatRatio(f.ratio)} − 前几道已报 ${yuan(f.earlierPayouts)}，补足差额`);
      break;
    }
    case 'outOfPocketCap': {
      const o = s.outOfPocket;
      if (!o) break;
      parts.push(`年度个人自付封顶 ${yuan(o.cap)}：本年此前自付 ${yuan(o.paidBefore)}，本次原应自付 ${yuan(o.wouldPay)}`);
      parts.push(isZero(s.payout) ? '未超过封顶，本项不支付' : '超出封顶的部分全部兜底');
      break;
    }
    default:
      parts.push(KINDS[s.kind] ?? s.kind);
  }
  if (s.limitedBy && !isZero(s.payout)) parts.push(LIMITED_BY[s.limitedBy] ?? s.limitedBy);
  return `${parts.join('，')}。`;
}

/** The trace step (issue 4) for a result step, when the trace was loaded. */
function traceStep(trace, step) {
  return trace?.steps?.find((t) => t.id === step.id) ?? null;
}

function bar(left, width, color) {
  return h('span', { class: 'wf-bar', style: `left:${left}%;width:${width}%;background:${color}` });
}

/**
 * Draw the waterfall of `result` (SETTLEMENT.md §8) into `box`. `trace` (issue 4), when present,
 * supplies each step's sentence.
 */
export function renderWaterfall(result, { trace } = {}) {
  const wrap = h('div', { class: 'wf', 'data-testid': 'waterfall' });
  const total = result.total;

  wrap.append(
    h(
      'div',
      { class: 'wf-row total' },
      h('div', { class: 'wf-label', text: '医疗费用总额' }),
      h('div', { class: 'wf-track' }, bar(0, 100, '#8593a3')),
      h('div', { class: 'wf-amount', 'data-testid': 'total', text: formatAmount(total) }),
    ),
  );

  // The four buckets.
  const bucketColors = { inPolicy: '#6d8fb0', preSelfPay: '#b9a36a', overLimit: '#c98b6b', outOfCatalog: '#a46b7a' };
  wrap.append(
    h(
      'div',
      { class: 'buckets', 'data-testid': 'buckets' },
      BUCKETS.map((b) =>
        h(
          'div',
          { class: 'bucket', title: b.hint },
          h('span', { class: 'label muted' }, h('i', { style: `display:inline-block;width:.6rem;height:.6rem;border-radius:2px;margin-right:.3rem;background:${bucketColors[b.id]}` }), b.name),
          h('span', { class: 'amount num', text: formatAmount(result.buckets[b.id]) }),
        ),
      ),
    ),
    h(
      'div',
      { class: 'stackbar', 'aria-hidden': 'true' },
      BUCKETS.map((b) => h('span', { style: `width:${share(result.buckets[b.id], total)}%;background:${bucketColors[b.id]}` })),
    ),
  );

  // The five layers, each bar starting where the earlier layers stopped.
  let paidBefore = 0;
  FUNDS.forEach((fund, i) => {
    const steps = result.steps.filter((s) => s.fund === fund.id);
    const amount = result.funds[fund.id];
    const applies = steps.length > 0 || amount !== undefined;
    const width = applies ? share(amount ?? '0', total) : 0;
    const reasons = applies
      ? steps.map((s) => {
          const sentence = traceStep(trace, s)?.sentence;
          // The trace's sentences start with their layer ("基本医保：…"); the row already names it.
          if (sentence) return steps.length > 1 ? sentence : sentence.replace(new RegExp(`^${fund.name}[：:]\\s*`), '');
          return steps.length > 1 ? `${s.name ?? s.id}：${stepReason(s)}` : stepReason(s);
        })
      : [`本次${POPULATIONS[result.population] ? `（${POPULATIONS[result.population]}，${visitTypeName(result.visitType)}）` : ''}不享受此项保障。`];
    wrap.append(
      h(
        'div',
        { class: `wf-row layer${applies ? '' : ' na'}`, 'data-fund': fund.id },
        h('div', { class: 'wf-label' }, `${'①②③④⑤'[i]} ${fund.name}`),
        h('div', { class: 'wf-track' }, applies ? bar(paidBefore, width, fund.color) : null),
        h('div', { class: `wf-amount${applies && !isZero(amount ?? '0') ? '' : ' zero'}`, 'data-testid': `fund-${fund.id}`, text: applies ? formatAmount(amount ?? '0') : '—' }),
        h('div', { class: 'wf-reason' }, reasons.map((r) => h('div', { text: r }))),
      ),
    );
    paidBefore += width;
  });
  // A fund this page does not know (a new ruleset) still shows.
  for (const [fund, amount] of Object.entries(result.funds)) {
    if (FUNDS.some((f) => f.id === fund)) continue;
    wrap.append(h('div', { class: 'wf-row layer', 'data-fund': fund }, h('div', { class: 'wf-label', text: fundName(fund) }), h('div', { class: 'wf-track' }), h('div', { class: 'wf-amount', text: formatAmount(amount) })));
  }

  wrap.append(
    h(
      'div',
      { class: 'wf-row' },
      h('div', { class: 'wf-label', text: '个人支付' }),
      h('div', { class: 'wf-track' }, bar(Math.min(paidBefore, 100), share(result.patientPays, total), PATIENT_COLOR)),
      h('div', { class: 'wf-amount', text: formatAmount(result.patientPays) }),
    ),
  );

  const kpis = h(
    'div',
    { class: 'kpis' },
    h('span', {}, '五道保障合计支付 ', h('b', { 'data-testid': 'fund-total', text: formatAmount(result.fundPaysTotal) }), ' 元'),
    h('span', {}, '实际报销比例 ', h('b', { 'data-testid': 'actual-ratio', text: formatRatio(result.actualRatio, 2) })),
  );

  const patient = h(
    'div',
    { class: 'patient-box' },
    h('div', { class: 'label' }, '患者本次支付', h('small', { text: '先诊疗后付费：其余由医院垫付，向各基金申领' })),
    h('div', { class: 'patient-amount', 'data-testid': 'patient-pays' }, h('span', { class: 'cur', text: '¥' }), h('span', { class: 'value', text: formatAmount(result.patientPays) })),
  );
  return h('div', {}, wrap, kpis, patient);
}

// ───────────── the printable slip, when the API has none (issue 4 adds GET …/slip) ─────────────

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/** A complete printable HTML page for a stored settlement (SettlementView). */
export function slipHtml(view) {
  const r = view.result;
  const rows = FUNDS.map((f) => {
    const amount = r.funds[f.id];
    return `<tr><td>${esc(f.name)}</td><td class="n">${amount === undefined ? '—' : esc(formatAmount(amount))}</td></tr>`;
  }).join('');
  const buckets = BUCKETS.map((b) => `<tr><td>${esc(b.name)}</td><td class="n">${esc(formatAmount(r.buckets[b.id]))}</td></tr>`).join('');
  const steps = r.steps
    .map((s) => `<tr><td>${esc(s.name ?? s.id)}</td><td>${esc(stepReason(s))}</td><td class="n">${esc(formatAmount(s.payout))}</td></tr>`)
    .join('');
  const reversed = view.status === 'reversed' ? `<p class="rev">本结算已于 ${esc(view.reversedAt)} 撤销${view.reversalReason ? `：${esc(view.reversalReason)}` : ''}</p>` : '';
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>结算单 ${esc(view.id)}</title><style>
@page { size: A4; margin: 15mm; }
body { font-family: "PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif; color:#111; margin: 24px; font-size: 13px; }
h1 { font-size: 20px; text-align:center; margin: 0 0 4px; } .sub { text-align:center; color:#555; margin:0 0 14px; }
table { border-collapse: collapse; width:100%; margin: 8px 0 12px; } td, th { border:1px solid #999; padding:4px 6px; text-align:left; }
th { background:#f1f1f1; } .n { text-align:right; font-variant-numeric: tabular-nums; white-space:nowrap; }
.meta td:nth-child(odd) { background:#f7f7f7; width: 14%; }
.big { font-size: 22px; font-weight: 700; } .rev { border:2px solid #b00; color:#b00; padding:6px; font-weight:700; }
.sign { display:flex; justify-content:space-between; margin-top: 28px; } .note { color:#555; font-size: 11px; }
</style></head><body>
<h1>健康扶贫“一站式”结算单</h1>
<p class="sub">${esc(view.hospital.name)}（${esc(view.hospital.code)}）· 结算号 ${esc(view.id)} · ${esc(STATUS[view.status] ?? view.status)}</p>
${reversed}
<table class="meta">
<tr><td>姓名</td><td>${esc(view.person.name)}</td><td>参保人编号</td><td>${esc(view.person.id)}</td><td>身份证号</td><td>${esc(view.person.idNumber)}</td></tr>
<tr><td>账单号</td><td>${esc(view.billNo)}</td><td>就诊类型</td><td>${esc(visitTypeName(view.visit.type))}</td><td>人群</td><td>${esc(POPULATIONS[r.population] ?? r.population)}</td></tr>
<tr><td>入院日期</td><td>${esc(view.visit.admitted)}</td><td>出院日期</td><td>${esc(view.visit.discharged)}</td><td>结算时间</td><td>${esc(view.createdAt)}</td></tr>
</table>
<table><tr><th>费用分类</th><th class="n">金额（元）</th></tr>${buckets}<tr><th>医疗费用总额</th><th class="n">${esc(formatAmount(r.total))}</th></tr></table>
<table><tr><th>五道保障</th><th class="n">支付（元）</th></tr>${rows}<tr><th>基金支付合计（实际报销比例 ${esc(formatRatio(r.actualRatio, 2))}）</th><th class="n">${esc(formatAmount(r.fundPaysTotal))}</th></tr>
<tr><th>个人支付</th><th class="n big">${esc(formatAmount(r.patientPays))}</th></tr></table>
<table><tr><th>计算步骤</th><th>说明</th><th class="n">支付（元）</th></tr>${steps}</table>
<p class="note">规则：${esc(view.rulesetId)}（版本 ${esc(view.rulesetHash.slice(0, 12))}）。先诊疗后付费：患者仅支付个人支付部分，其余由医院垫付后向各基金申领。</p>
<div class="sign"><span>经办人：__________</span><span>患者（家属）签字：__________</span><span>日期：__________</span></div>
</body></html>`;
}
