/**
 * The printable settlement slip (结算单): one A4 page in Chinese that the window prints and hands to the
 * patient. Self-contained HTML (inline CSS, no fonts, images or scripts from anywhere), ready for
 * `@media print`; the web pages show it in an iframe.
 *
 * Every value a person typed or the store holds is HTML-escaped; the ID number is masked.
 */
import type { SettlementJson } from '../engine/result.js';
import { formatYuan } from '../money/text.js';
import { FUND_ORDER, beijingTime, fundLabel, populationLabel, statusLabel, stayDays, tierLabel, visitLabel } from '../labels/labels.js';
import { rmbUpper } from './rmb.js';
import { ratioPercent } from './sentences.js';

export interface SlipInput {
  id: string;
  status: 'settled' | 'reversed';
  billNo: string;
  hospital: { code: string; name: string; tier: string };
  region: { code: string; name: string };
  person: { id: string; name: string; idNumber: string };
  visit: { type: string; admitted: string; discharged: string };
  createdAt: string;
  reversedAt: string | null;
  reversalReason: string | null;
  rulesetId: string;
  rulesetTitle: string;
  rulesetHash: string;
  result: SettlementJson;
  /** The bill's diagnoses, principal first. */
  diagnoses: { code: string; name?: string }[];
  /** One plain sentence per step, in the order of result.steps. */
  sentences: string[];
  summary: string;
  /** Since when the person was in the population the pipeline took (the register), or null. */
  populationSince?: string | null;
  /** Items the catalogue has not got (目录外, settled as class C), from the settlement's catalogue record. */
  outOfCatalogue?: { code: string; name: string; amount: string }[];
}

const LAYER_NUMERALS = ['一', '二', '三', '四', '五'];

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const e = escapeHtml;
const y = (x: string) => e(formatYuan(x));

function layerOf(fund: string): string {
  const i = FUND_ORDER.indexOf(fund);
  return i >= 0 ? `第${LAYER_NUMERALS[i]}道` : '其他';
}

/** A step's own name when it says more than the layer's ("政府兜底（保底90%）" → "保底90%"). */
function detailName(name: string | undefined, label: string): string {
  if (!name || name === label) return '';
  const inner = name.startsWith(label) ? name.slice(label.length).replace(/^（(.*)）$/, '$1') : name;
  return inner;
}

/** Where a payout was made elsewhere (§3): what each fund still owes, so nobody pays the same yuan twice. */
function owedNote(r: SettlementJson): string {
  if (!r.owed) return '';
  const elsewhere = r.steps.filter((st) => st.paidElsewhere);
  const parts = elsewhere.map((st) => `${fundLabel(st.fund, st.name)} ${y(st.payout)} 元`).join('、');
  const owed = Object.entries(r.owed)
    .map(([f, v]) => `${fundLabel(f)} ${y(v)} 元`)
    .join('、');
  return `<p class="summary">其中 ${parts} 已在他处结算，本次不再支付；本次应由各项保障支付：${owed}。</p>`;
}

export function renderSlip(s: SlipInput): string {
  const r = s.result;
  const reversed = s.status === 'reversed';
  const isStay = s.visit.type === 'inpatient' || s.visit.admitted !== s.visit.discharged;
  const rows = r.steps
    .map((step, i) => {
      const label = fundLabel(step.fund, step.name);
      const detail = detailName(step.name, label);
      return `<tr>
        <td class="layer"><span class="no">${e(layerOf(step.fund))}</span><b>${e(label)}</b>${detail ? `<small>${e(detail)}</small>` : ''}</td>
        <td class="amt">${y(step.payout)}</td>
        <td class="why">${e(s.sentences[i] ?? '')}</td>
      </tr>`;
    })
    .join('\n');

  const stamp = reversed
    ? `<div class="stamp" aria-label="已撤销"><div class="stamp-main">已撤销</div><div class="stamp-sub">${e(s.reversedAt ? beijingTime(s.reversedAt) : '')}</div></div>`
    : '';
  const reversalNote = reversed
    ? `<p class="reversal">本结算已于 ${e(s.reversedAt ? beijingTime(s.reversedAt) : '—')} 撤销${s.reversalReason ? `（原因：${e(s.reversalReason)}）` : ''}，以上金额不再支付；本单仅供查询，不作报销凭证。</p>`
    : '';

  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>结算单 ${e(s.id)}</title>
<style>
  @page { size: A4; margin: 0; }
  * { box-sizing: border-box; }
  html, body { margin: 0; padding: 0; }
  body { background: #e9ebee; color: #1a1a1a; font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; font-size: 10.5pt; line-height: 1.45; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .page { position: relative; display: flex; flex-direction: column; width: 210mm; min-height: 297mm; margin: 0 auto; padding: 11mm 14mm 9mm; background: #fff; overflow: hidden; }
  @media screen { body { padding: 8mm 0; } .page { box-shadow: 0 1px 6px rgba(0,0,0,.18); } }
  @media print { body { background: #fff; } .page { width: auto; min-height: 0; height: 297mm; margin: 0; box-shadow: none; page-break-after: avoid; break-inside: avoid; } }
  header { text-align: center; border-bottom: 3px double #222; padding-bottom: 2.5mm; margin-bottom: 3mm; }
  header .region { font-size: 11pt; letter-spacing: .3em; color: #333; }
  header h1 { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", serif; font-size: 20pt; letter-spacing: .12em; margin: .5mm 0 .8mm; font-weight: 700; }
  header .sub { font-size: 9pt; color: #555; }
  .meta-top { display: flex; justify-content: space-between; font-size: 9pt; color: #333; margin-bottom: 2mm; }
  .meta-top b { font-family: "Noto Sans Mono CJK SC", monospace; font-weight: 600; }
  table { width: 100%; border-collapse: collapse; }
  table.info td { border: 1px solid #9a9a9a; padding: 0.9mm 2.2mm; vertical-align: middle; }
  table.info td.k { width: 21mm; background: #f3f4f6; color: #333; white-space: nowrap; text-align-last: justify; }
  h2 { font-size: 11pt; margin: 3mm 0 1.2mm; padding-left: 2mm; border-left: 3px solid #b22222; letter-spacing: .08em; line-height: 1.3; }
  table.buckets th, table.buckets td { border: 1px solid #9a9a9a; padding: 1.2mm 2mm; text-align: center; }
  table.buckets th { background: #f3f4f6; font-weight: 500; font-size: 9.5pt; }
  table.buckets td { font-variant-numeric: tabular-nums; font-size: 11pt; }
  table.steps th, table.steps td { border: 1px solid #9a9a9a; padding: 1mm 2.2mm; vertical-align: top; }
  table.steps th { background: #f3f4f6; font-weight: 500; font-size: 9.5pt; }
  table.steps td.layer { width: 33mm; }
  table.steps td.layer .no { display: block; font-size: 8.5pt; color: #777; }
  table.steps td.layer b { display: block; font-size: 10.5pt; }
  table.steps td.layer small { display: block; font-size: 8.5pt; color: #555; }
  table.steps td.amt { width: 27mm; text-align: right; font-variant-numeric: tabular-nums; font-size: 11pt; white-space: nowrap; }
  table.steps td.why { font-size: 8.6pt; line-height: 1.35; color: #333; }
  table.steps tr.total td { background: #f7f7f7; font-weight: 700; }
  .pay { position: relative; display: flex; align-items: center; justify-content: space-between; border: 2px solid #1a1a1a; margin-top: 4mm; padding: 2mm 5mm; }
  .pay .label { font-size: 15pt; font-weight: 700; letter-spacing: .2em; }
  .pay .label small { display: block; font-size: 8.5pt; font-weight: 400; letter-spacing: 0; color: #555; }
  .pay .figure { text-align: right; }
  .pay .figure .num { font-size: 26pt; font-weight: 700; font-variant-numeric: tabular-nums; line-height: 1.1; }
  .pay .figure .upper { font-size: 10pt; color: #333; }
  .summary { font-size: 9pt; color: #333; margin: 2.5mm 0 0; }
  .reversal { font-size: 9.5pt; color: #b22222; font-weight: 700; margin: 1.5mm 0 0; }
  footer { margin-top: auto; padding-top: 4mm; font-size: 8.5pt; color: #444; }
  footer .sign { display: flex; justify-content: space-between; font-size: 10pt; color: #1a1a1a; margin-bottom: 6mm; }
  footer .sign span { min-width: 50mm; }
  footer .basis { border-top: 1px solid #bbb; padding-top: 2mm; }
  footer code { font-family: "Noto Sans Mono CJK SC", monospace; font-size: 8pt; }
  .stamp { position: absolute; left: 44%; top: 50%; transform: translate(-50%, -50%) rotate(-10deg); border: 4px solid rgba(200,16,16,.85); color: rgba(200,16,16,.85); border-radius: 3mm; padding: .5mm 6mm 1mm; text-align: center; background: rgba(255,255,255,.35); }
  .stamp-main { font-size: 26pt; font-weight: 900; letter-spacing: .25em; text-indent: .25em; line-height: 1.15; }
  .stamp-sub { font-size: 9pt; font-weight: 700; }
</style>
</head>
<body>
<main class="page${reversed ? ' reversed' : ''}">
  <header>
    <div class="region">${e(s.region.name)}</div>
    <h1>医疗费用“一站式”结算单</h1>
    <div class="sub">基本医保 · 大病保险 · 商业补充保险 · 医疗救助 · 政府兜底　先诊疗后付费</div>
  </header>
  <div class="meta-top"><span>结算单号：<b>${e(s.id)}</b></span><span>结算时间：${e(beijingTime(s.createdAt))}（北京时间）</span><span>状态：<b>${e(statusLabel(s.status))}</b></span></div>
  <table class="info">
    <tr><td class="k">医疗机构</td><td colspan="3">${e(s.hospital.name)}（${e(s.hospital.code)}，${e(tierLabel(s.hospital.tier))}）</td><td class="k">就诊类别</td><td>${e(visitLabel(s.visit.type))}</td></tr>
    <tr><td class="k">姓名</td><td>${e(s.person.name)}</td><td class="k">身份证号</td><td>${e(s.person.idNumber)}</td><td class="k">人员类别</td><td>${e(populationLabel(r.population))}</td></tr>
    <tr><td class="k">${isStay ? '入院日期' : '就诊日期'}</td><td>${e(s.visit.admitted)}</td><td class="k">${isStay ? '出院日期' : '结束日期'}</td><td>${e(s.visit.discharged)}</td><td class="k">${isStay ? '住院天数' : '参保编号'}</td><td>${isStay ? `${stayDays(s.visit.admitted, s.visit.discharged)} 天` : e(s.person.id)}</td></tr>
    <tr><td class="k">账单号</td><td>${e(s.billNo)}</td><td class="k">参保编号</td><td>${e(s.person.id)}</td>${s.populationSince ? `<td class="k">类别起始</td><td>${e(s.populationSince)}</td>` : `<td class="k">结算年度</td><td>${r.year}</td>`}</tr>
    ${s.diagnoses.length ? `<tr><td class="k">诊断</td><td colspan="5">${s.diagnoses.map((d, i) => `${i === 0 ? '主要诊断 ' : ''}${e(d.code)}${d.name ? ` ${e(d.name)}` : ''}`).join('；')}</td></tr>` : ''}
  </table>

  <h2>费用构成（元）</h2>
  <table class="buckets">
    <tr><th>医疗费总额</th><th>政策范围内费用</th><th>乙类先行自付</th><th>超限价自费</th><th>全自费（目录外）</th></tr>
    <tr><td><b>${y(r.total)}</b></td><td>${y(r.buckets.inPolicy)}</td><td>${y(r.buckets.preSelfPay)}</td><td>${y(r.buckets.overLimit)}</td><td>${y(r.buckets.outOfCatalog)}</td></tr>
  </table>${s.outOfCatalogue?.length ? `
  <p class="summary">目录外项目（按丙类自费）：${s.outOfCatalogue.map((i) => `${e(i.code)} ${e(i.name)} ${y(i.amount)} 元`).join('；')}</p>` : ''}

  <h2>各项保障报销明细</h2>
  <table class="steps">
    <tr><th>保障项目</th><th>报销金额（元）</th><th>计算说明</th></tr>
    ${rows}
    <tr class="total"><td>基金支付合计</td><td class="amt">${y(r.fundPaysTotal)}</td><td class="why">实际报销比例 ${e(ratioPercent(r.actualRatio))}（基金支付合计 ÷ 医疗费总额）</td></tr>
  </table>

  <div class="pay">
    <div class="label">个人支付<small>（请在窗口缴纳，无需押金）</small></div>
    <div class="figure"><div class="num">¥ ${y(r.patientPays)}</div><div class="upper">人民币大写：${e(rmbUpper(r.patientPays))}</div></div>
    ${stamp}
  </div>
  <p class="summary">${e(s.summary)}</p>
  ${owedNote(r)}
  ${reversalNote}

  <footer>
    <div class="sign"><span>经办人：</span><span>患者（家属）签字：</span><span>医疗机构（盖章）：</span></div>
    <div class="basis">结算依据：${e(s.rulesetTitle)}（规则 <code>${e(s.rulesetId)}</code>，版本 <code>${e(s.rulesetHash.slice(0, 12))}</code>）<br>
    结算单号：<code>${e(s.id)}</code>　账单号：${e(s.billNo)}　状态：${e(statusLabel(s.status))}<br>
    各项报销按上述规则版本计算；如对金额有疑问，可凭结算单号向医院结算窗口或医保经办机构查询计算过程。</div>
  </footer>
</main>
</body>
</html>
`;
}
