// 二次补偿结算单: the page a settlement office prints for the patient after an office settlement — who,
// where and when, the bill's total and its four buckets (entered as such for assistance on application,
// or summed from the items), what was paid elsewhere per layer, what each fund pays now (owed),
// what the patient bears, who is paid and where, and the application's approval, with lines to sign.
// Pure functions, no DOM: a complete HTML page, shown in a sandboxed frame and printed from there.
import { BUCKETS, FUNDS, PAYEES, POPULATIONS, PROVINCES, TIERS, fundName, visitTypeName } from './labels.js';
import { fenToString, formatAmount, formatRatio, toFenRounded } from './money.js';

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const fen = (v) => toFenRounded(v ?? '0') ?? 0n;
const yuan = (v) => formatAmount(v ?? '0');

/** The funds of a result in the order they pay, then any this page does not know. */
function fundIds(result) {
  const seen = new Set([...Object.keys(result.funds ?? {}), ...Object.keys(result.owed ?? {})]);
  return [...FUNDS.map((f) => f.id).filter((f) => seen.has(f)), ...[...seen].filter((f) => !FUNDS.some((x) => x.id === f))];
}

/**
 * Per fund: what the settlement computed, what was paid elsewhere, what the fund owes now; and the totals.
 * Without `owed` (nothing was paid elsewhere) each fund owes what it computed.
 */
export function owedFigures(result) {
  const rows = fundIds(result).map((fund) => {
    const computed = fen(result.funds?.[fund]);
    const owed = result.owed?.[fund] !== undefined ? fen(result.owed[fund]) : computed;
    return { fund, computed: fenToString(computed), elsewhere: fenToString(computed - owed), owed: fenToString(owed) };
  });
  const sum = (k) => fenToString(rows.reduce((a, r) => a + fen(r[k]), 0n));
  return { rows, computed: sum('computed'), elsewhere: sum('elsewhere'), owed: sum('owed') };
}

/** The steps another payer made, with what each paid (and the deductible it applied). */
export function paidElsewhereSteps(result) {
  return (result.steps ?? []).filter((s) => s.paidElsewhere).map((s) => ({ id: s.id, name: s.name ?? fundName(s.fund), fund: s.fund, payout: s.payout, deductible: s.paidElsewhereDeductible ?? null }));
}

/** One line per step paid elsewhere: "基本医保 已由他处支付 23,483.40 元（已扣起付线 1,000.00 元）". */
export function paidElsewhereLine(step) {
  const ded = step.deductible && fen(step.deductible) !== 0n ? `（已扣起付线 ${yuan(step.deductible)} 元）` : '';
  return `${step.name} 已由他处支付 ${yuan(step.payout)} 元${ded}`;
}

/** The bill's four buckets as the slip lists them (目录外, 超限价, 先行自付, then 政策范围内), and the total. */
const SLIP_BUCKETS = ['outOfCatalog', 'overLimit', 'preSelfPay', 'inPolicy'].map((id) => BUCKETS.find((b) => b.id === id));

/**
 * The 二次补偿结算单 of a stored office settlement: the API's settlement view, with the payee, the
 * application and the bill's form as the server recorded them (never what a page meant to post).
 */
export function compensationHtml(view, { rulesetTitle, printedAt } = {}) {
  const r = view.result;
  const app = view.application ?? {};
  const figures = owedFigures(r);
  const elsewhere = paidElsewhereSteps(r);
  const code = view.hospital.regionCode ?? '';
  const name = view.hospital.regionName && view.hospital.regionName !== code ? view.hospital.regionName : PROVINCES[code];
  const regionText = name ? `${name}（${code}）` : code;
  const payee = view.payee === 'patient' ? `${PAYEES.patient}（${view.person.name}）` : `${PAYEES.hospital}（${view.hospital.name}）`;
  const byBuckets = view.billForm === 'buckets';
  const bucketRows = SLIP_BUCKETS.map((b) => `<tr><td>${esc(b.name)}</td><td class="n">${esc(yuan(r.buckets?.[b.id]))}</td></tr>`).join('');
  const costs = `<h2>医疗费用构成${byBuckets ? '（按申请填报的分类金额，无费用明细）' : '（按费用明细计算）'}</h2>
<table class="buckets" data-form="${byBuckets ? 'buckets' : 'items'}"><tr><th>费用分类</th><th class="n">金额（元）</th></tr>${bucketRows}<tr><th>医疗费总额</th><th class="n">${esc(yuan(r.total))}</th></tr></table>`;
  const fundRows = figures.rows
    .map((f) => `<tr><td>${esc(fundName(f.fund))}</td><td class="n">${esc(yuan(f.computed))}</td><td class="n">${esc(yuan(f.elsewhere))}</td><td class="n">${esc(yuan(f.owed))}</td></tr>`)
    .join('');
  const elsewhereText = elsewhere.length
    ? `<ul class="elsewhere">${elsewhere.map((s) => `<li>${esc(paidElsewhereLine(s))}</li>`).join('')}</ul>`
    : '<p>无他处支付。</p>';
  const reversed = view.status === 'reversed' ? `<p class="rev">本结算已于 ${esc(view.reversedAt)} 撤销${view.reversalReason ? `：${esc(view.reversalReason)}` : ''}</p>` : '';
  const docs = (app.documents ?? []).map(esc).join('、') || '—';
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>二次补偿结算单 ${esc(view.id)}</title><style>
@page { size: A4; margin: 15mm; }
body { font-family: "PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif; color:#111; margin: 24px; font-size: 13px; }
h1 { font-size: 20px; text-align:center; margin: 0 0 4px; } .sub { text-align:center; color:#555; margin:0 0 14px; }
h2 { font-size: 14px; margin: 14px 0 4px; }
table { border-collapse: collapse; width:100%; margin: 6px 0 10px; } td, th { border:1px solid #999; padding:4px 6px; text-align:left; }
th { background:#f1f1f1; } .n { text-align:right; font-variant-numeric: tabular-nums; white-space:nowrap; }
.meta td:nth-child(odd) { background:#f7f7f7; width: 13%; white-space: nowrap; }
.big { font-size: 18px; font-weight: 700; } .rev { border:2px solid #b00; color:#b00; padding:6px; font-weight:700; }
ul.elsewhere { margin: 4px 0 8px; padding-left: 20px; } .note { color:#555; font-size: 11px; }
.sign { display:flex; justify-content:space-between; gap: 12px; margin-top: 36px; flex-wrap: wrap; }
</style></head><body>
<h1>健康扶贫二次补偿结算单</h1>
<p class="sub">结算号 ${esc(view.id)} · 账单号 ${esc(view.billNo)}${printedAt ? ` · 出具时间 ${esc(printedAt)}` : ''}</p>
${reversed}
<table class="meta">
<tr><td>姓名</td><td>${esc(view.person.name)}</td><td>参保人编号</td><td>${esc(view.person.id)}</td><td>身份证号</td><td>${esc(view.person.idNumber)}</td></tr>
<tr><td>就诊医院</td><td colspan="3">${esc(view.hospital.name)}（${esc(view.hospital.code)}）</td><td>医院等级</td><td>${esc(TIERS[view.hospital.tier] ?? view.hospital.tier)}</td></tr>
<tr><td>所在地区</td><td>${esc(regionText || '—')}</td><td>就诊类型</td><td>${esc(visitTypeName(view.visit.type))}</td><td>人员类别</td><td>${esc(POPULATIONS[r.population] ?? r.population)}</td></tr>
<tr><td>入院日期</td><td>${esc(view.visit.admitted)}</td><td>出院日期</td><td>${esc(view.visit.discharged)}</td><td>医疗费总额</td><td class="n big">${esc(yuan(r.total))} 元</td></tr>
</table>
${costs}
<h2>已由他处支付</h2>
${elsewhereText}
<h2>各基金支付</h2>
<table><tr><th>保障</th><th class="n">按政策应支付（元）</th><th class="n">已由他处支付（元）</th><th class="n">本次支付（元）</th></tr>${fundRows}
<tr><th>合计（实际报销比例 ${esc(formatRatio(r.actualRatio, 2))}）</th><th class="n">${esc(yuan(figures.computed))}</th><th class="n">${esc(yuan(figures.elsewhere))}</th><th class="n big">${esc(yuan(figures.owed))}</th></tr>
<tr><th>患者个人负担</th><th colspan="3" class="n big">${esc(yuan(r.patientPays))}</th></tr></table>
<h2>收款与审批</h2>
<table class="meta">
<tr><td>收款方</td><td>${esc(payee)}</td><td>收款账户</td><td colspan="3">${esc(app.bankAccount || '—')}</td></tr>
<tr><td>申请人</td><td>${esc(app.applicant || '—')}</td><td>与患者关系</td><td>${esc(app.relation || '—')}</td><td>本次支付</td><td class="n big">${esc(yuan(figures.owed))} 元</td></tr>
<tr><td>审批人</td><td>${esc(app.approvedBy || '—')}</td><td>审批日期</td><td>${esc(app.approvedOn || '—')}</td><td>审批文号</td><td>${esc(app.reference || '—')}</td></tr>
<tr><td>已查验材料</td><td colspan="5">${docs}</td></tr>
</table>
<p class="note">规则：${esc(rulesetTitle ?? view.rulesetId)}（版本 ${esc(String(view.rulesetHash ?? '').slice(0, 12))}）。各道保障按同一账单计算，已由他处支付的部分本次不再支付；本次支付由各基金付给收款方。</p>
<div class="sign"><span>经办人：__________</span><span>审核人：__________</span><span>申请人（签字）：__________</span><span>日期：__________</span></div>
</body></html>`;
}
