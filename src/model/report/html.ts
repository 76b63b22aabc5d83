/**
 * The model's report as one self-contained HTML page a finance officer can open offline: inline CSS,
 * charts as inline SVG drawn here (no CDN, no script), Chinese labels, amounts with thousands separators.
 *
 * Charts: the share of each fund (and of the patient) in each month's cost, stacked; the distribution
 * of patient payments per admission; baseline against variant per fund.
 *
 * Amounts are shown from the report's exact strings, read back as integers where they are compared or
 * shortened; `Number()` is used only for pixel geometry and a bar's share shown as a percentage.
 */
import { POPULATION_LABELS, TIER_LABELS, labelOf } from '../../labels/labels.js';
import { formatPercent, formatScaled, formatYuan, parseRatio, parseUnits } from '../../money/text.js';
import { UNITS_DIGITS } from '../../money/units.js';
import type { GroupDifference, GroupSummary, HistogramBin, ModelReport, Summary } from './report.js';

const PALETTE: Record<string, string> = {
  basic: '#4e79a7',
  seriousIllness: '#f28e2b',
  commercial: '#59a14f',
  assistance: '#b07aa1',
  backstop: '#e15759',
};
const EXTRA = ['#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#8cd17d'];
const PATIENT_COLOUR = '#bab0ac';
const BASELINE_COLOUR = '#4e79a7';
const VARIANT_COLOUR = '#f28e2b';

function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function colours(funds: string[]): Record<string, string> {
  let k = 0;
  return Object.fromEntries(funds.map((f) => [f, PALETTE[f] ?? EXTRA[k++ % EXTRA.length]!]));
}

const yuan = (s: string | null) => (s === null ? '—' : formatYuan(s));
const signedYuan = (s: string | null) => (s === null ? '—' : `${parseUnits(s) <= 0n ? '' : '+'}${formatYuan(s)}`);
const ratio = (s: string) => formatPercent(s);
const signedRatio = (s: string) => `${parseRatio(s) <= 0n ? '' : '+'}${formatPercent(s)}`;
const num = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });
const signedNum = (n: number) => `${n <= 0 ? '' : '+'}${num(n)}`;
const plain = (x: unknown) => (typeof x === 'string' ? x : JSON.stringify(x));

/** Round axis maximum: 1, 2 or 5 times a power of ten. */
function niceMax(x: number): number {
  if (x <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/** Stacked 100% bars: each month's cost split into the funds and the patient's share. */
function monthShares(s: Summary, funds: string[], fundLabels: Record<string, string>, title: string): string {
  const months = Object.entries(s.byMonth);
  if (!months.length) return '';
  const col = colours(funds);
  const W = 760;
  const H = 300;
  const left = 48;
  const top = 30;
  const plotH = 200;
  const slot = (W - left - 10) / months.length;
  const barW = Math.min(44, slot * 0.7);
  const parts: string[] = [];
  for (let pct = 0; pct <= 100; pct += 25) {
    const y = top + plotH - (pct / 100) * plotH;
    parts.push(`<line x1="${left}" x2="${W - 10}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${left - 6}" y="${y + 4}" text-anchor="end" class="axis">${pct}%</text>`);
  }
  months.forEach(([month, g], i) => {
    const total = Number(g.total);
    const x = left + i * slot + (slot - barW) / 2;
    let y = top + plotH;
    const segments: [string, string, string][] = funds.map((f) => [fundLabels[f] ?? f, g.funds[f] ?? '0', col[f]!]);
    segments.push(['个人自付', g.patientPays, PATIENT_COLOUR]);
    for (const [name, amount, colour] of segments) {
      const share = total > 0 ? Number(amount) / total : 0;
      const h = share * plotH;
      if (h <= 0) continue;
      y -= h;
      parts.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${colour}"><title>${esc(month)} ${esc(name)}：${esc(formatYuan(amount))} 元（${(share * 100).toFixed(1)}%）</title></rect>`);
    }
    parts.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle" class="axis">${esc(month.slice(5))}月</text>`);
  });
  const legend = [...funds.map((f) => [fundLabels[f] ?? f, col[f]!] as const), ['个人自付', PATIENT_COLOUR] as const]
    .map(([name, colour], i) => `<rect x="${left + i * 120}" y="${top + plotH + 30}" width="12" height="12" fill="${colour}"/><text x="${left + i * 120 + 16}" y="${top + plotH + 40}" class="legend">${esc(name)}</text>`)
    .join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(title)}">${parts.join('')}${legend}</svg></figure>`;
}

/** Grouped bars: admissions per band of patient payment, baseline and variant side by side. */
function distribution(series: { name: string; colour: string; bins: HistogramBin[] }[]): string {
  const bins = series[0]!.bins;
  const W = 760;
  const H = 300;
  const left = 56;
  const top = 20;
  const plotH = 210;
  const max = niceMax(Math.max(...series.flatMap((s) => s.bins.map((b) => b.admissions))));
  const slot = (W - left - 10) / bins.length;
  const barW = (slot * 0.8) / series.length;
  const parts: string[] = [];
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    const y = top + plotH - (v / max) * plotH;
    parts.push(`<line x1="${left}" x2="${W - 10}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${left - 6}" y="${y + 4}" text-anchor="end" class="axis">${esc(num(v))}</text>`);
  }
  bins.forEach((b, i) => {
    const x0 = left + i * slot + slot * 0.1;
    series.forEach((s, j) => {
      const v = s.bins[i]!.admissions;
      const h = (v / max) * plotH;
      parts.push(`<rect x="${(x0 + j * barW).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${s.colour}"><title>${esc(s.name)} ${esc(binLabel(b))}：${esc(num(v))} 人次</title></rect>`);
    });
    parts.push(`<text x="${(left + i * slot + slot / 2).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle" class="axis">${esc(binLabel(b))}</text>`);
  });
  const legend = series.map((s, i) => `<rect x="${left + i * 140}" y="${top + plotH + 34}" width="12" height="12" fill="${s.colour}"/><text x="${left + i * 140 + 16}" y="${top + plotH + 44}" class="legend">${esc(s.name)}</text>`).join('');
  return `<figure><figcaption>每人次个人自付金额分布（元，人次）</figcaption><svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="个人自付分布">${parts.join('')}${legend}</svg></figure>`;
}

const TEN_THOUSAND_YUAN = parseUnits('10000');

function binLabel(b: HistogramBin): string {
  // Yuan without trailing zeros, in 万 (ten thousand) from 10,000 up: "200", "1万", "1.5万".
  const short = (s: string) => {
    const u = parseUnits(s);
    return u >= TEN_THOUSAND_YUAN ? `${formatScaled(u, UNITS_DIGITS + 4, 0)}万` : formatScaled(u, UNITS_DIGITS, 0);
  };
  return b.to === null ? `${short(b.from)}以上` : `${short(b.from)}–${short(b.to)}`;
}

/** Horizontal grouped bars: each fund (and the patient) under baseline and variant. */
function comparison(r: ModelReport, funds: string[]): string {
  const v = r.variant!;
  const rows: [string, string, string][] = funds.map((f) => [r.labels.funds[f] ?? f, r.baseline.funds[f] ?? '0', v.funds[f] ?? '0']);
  rows.push(['个人自付', r.baseline.patientPays, v.patientPays]);
  const W = 760;
  const left = 110;
  const right = 150;
  const rowH = 44;
  const H = 30 + rows.length * rowH + 30;
  const max = niceMax(Math.max(...rows.flatMap(([, a, b]) => [Number(a), Number(b)])));
  const scale = (W - left - right) / max;
  const parts: string[] = [];
  rows.forEach(([name, a, b], i) => {
    const y = 20 + i * rowH;
    parts.push(`<text x="${left - 8}" y="${y + 22}" text-anchor="end" class="legend">${esc(name)}</text>`);
    for (const [k, amount, colour] of [
      [0, a, BASELINE_COLOUR],
      [1, b, VARIANT_COLOUR],
    ] as const) {
      const w = Math.max(0, Number(amount) * scale);
      const yy = y + 4 + k * 18;
      parts.push(`<rect x="${left}" y="${yy}" width="${w.toFixed(1)}" height="16" fill="${colour}"><title>${k ? '测算方案' : '基线'} ${esc(name)}：${esc(formatYuan(amount))} 元</title></rect>`);
      parts.push(`<text x="${(left + w + 4).toFixed(1)}" y="${yy + 12}" class="axis">${esc(formatYuan(amount))}</text>`);
    }
  });
  const y = 20 + rows.length * rowH + 8;
  const legend = `<rect x="${left}" y="${y}" width="12" height="12" fill="${BASELINE_COLOUR}"/><text x="${left + 16}" y="${y + 10}" class="legend">基线</text><rect x="${left + 90}" y="${y}" width="12" height="12" fill="${VARIANT_COLOUR}"/><text x="${left + 106}" y="${y + 10}" class="legend">测算方案</text>`;
  return `<figure><figcaption>基线与测算方案：各基金支出（元）</figcaption><svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="基线与测算方案对比">${parts.join('')}${legend}</svg></figure>`;
}

function summaryTable(r: ModelReport, funds: string[]): string {
  const v = r.variant;
  const d = r.difference;
  const head = `<tr><th>项目</th><th>基线</th>${v ? '<th>测算方案</th><th>差额</th>' : ''}</tr>`;
  const line = (name: string, b: string, vv?: string | null, dd?: string | null) => `<tr><th>${esc(name)}</th><td>${b}</td>${v ? `<td>${vv}</td><td>${dd}</td>` : ''}</tr>`;
  const rows = [
    line('人次', num(r.baseline.admissions), v && num(v.admissions), d && signedNum(d.admissions)),
    line('医疗总费用（元）', yuan(r.baseline.total), v && yuan(v.total), d && signedYuan(d.total)),
    ...funds.map((f) => line(`${r.labels.funds[f] ?? f}（元）`, yuan(r.baseline.funds[f] ?? '0'), v && yuan(v.funds[f] ?? '0'), d && signedYuan(d.funds[f] ?? '0'))),
    // A payout made elsewhere (§3) counts in what a fund paid, but it owes only the rest.
    ...(r.baseline.owed || v?.owed
      ? funds.map((f) => line(`${r.labels.funds[f] ?? f}应支付（扣除他处已付，元）`, yuan(r.baseline.owed?.[f] ?? r.baseline.funds[f] ?? '0'), v && yuan(v.owed?.[f] ?? v.funds[f] ?? '0'), d && signedYuan(d.owed?.[f] ?? d.funds[f] ?? '0')))
      : []),
    ...funds.map((f) => line(`${r.labels.funds[f] ?? f}支付人次`, num(r.baseline.fundAdmissions[f] ?? 0), v && num(v.fundAdmissions[f] ?? 0), d && signedNum(d.fundAdmissions[f] ?? 0))),
    line('基金支付合计（元）', yuan(r.baseline.fundPaysTotal), v && yuan(v.fundPaysTotal), d && signedYuan(d.fundPaysTotal)),
    line('个人自付（元）', yuan(r.baseline.patientPays), v && yuan(v.patientPays), d && signedYuan(d.patientPays)),
    line('实际报销比例', ratio(r.baseline.actualRatio), v && ratio(v.actualRatio), d && signedRatio(d.actualRatio)),
    line('每人次个人自付均值（元）', yuan(r.baseline.patient.mean), v && yuan(v.patient.mean), d && signedYuan(d.patient.mean)),
    line('每人次个人自付第95百分位（元）', yuan(r.baseline.patient.p95), v && yuan(v.patient.p95), d && signedYuan(d.patient.p95)),
    line('保底步骤支付人次', num(r.baseline.floorPaidAdmissions), v && num(v.floorPaidAdmissions), d && signedNum(d.floorPaidAdmissions)),
    line('保底步骤支付金额（元）', yuan(r.baseline.floorPaid), v && yuan(v.floorPaid), d && signedYuan(d.floorPaid)),
    line('自付封顶步骤支付人次', num(r.baseline.capPaidAdmissions), v && num(v.capPaidAdmissions), d && signedNum(d.capPaidAdmissions)),
    line('自付封顶步骤支付金额（元）', yuan(r.baseline.capPaid), v && yuan(v.capPaid), d && signedYuan(d.capPaid)),
  ];
  return `<table class="summary">${head}${rows.join('')}</table>`;
}

function groupTable(title: string, funds: string[], fundLabels: Record<string, string>, groups: [string, GroupSummary | GroupDifference][], signed = false): string {
  if (!groups.length) return '';
  const y = signed ? signedYuan : yuan;
  const n = signed ? signedNum : num;
  const head = `<tr><th>${esc(title)}</th><th>人次</th><th>医疗总费用</th>${funds.map((f) => `<th>${esc(fundLabels[f] ?? f)}</th>`).join('')}<th>个人自付</th><th>实际报销比例</th><th>自付均值</th><th>自付P95</th><th>保底人次</th><th>封顶人次</th></tr>`;
  const rows = groups.map(
    ([name, g]) =>
      `<tr><th>${esc(name)}</th><td>${n(g.admissions)}</td><td>${y(g.total)}</td>${funds.map((f) => `<td>${y(g.funds[f] ?? '0')}</td>`).join('')}<td>${y(g.patientPays)}</td><td>${signed ? signedRatio(g.actualRatio) : ratio(g.actualRatio)}</td><td>${y(g.patient.mean)}</td><td>${y(g.patient.p95)}</td><td>${n(g.floorPaidAdmissions)}</td><td>${n(g.capPaidAdmissions)}</td></tr>`,
  );
  return `<table class="groups">${head}${rows.join('')}</table>`;
}

function breakdowns(name: string, s: Summary | ModelReport['difference'], funds: string[], fundLabels: Record<string, string>, signed = false): string {
  if (!s) return '';
  return `<section><h2>${esc(name)}</h2>
${groupTable('人群', funds, fundLabels, Object.entries(s.byPopulation).map(([k, g]) => [labelOf(POPULATION_LABELS, k), g]), signed)}
${groupTable('医院等级', funds, fundLabels, Object.entries(s.byTier).map(([k, g]) => [labelOf(TIER_LABELS, k), g]), signed)}
${groupTable('出院月份', funds, fundLabels, Object.entries(s.byMonth), signed)}</section>`;
}

function describeInput(r: ModelReport): string {
  const i = r.input;
  const source = i.source === 'store' ? `本系统已结算账单（${i.year} 年）` : `${i.source === 'csv' ? 'CSV' : 'JSON Lines'} 文件${i.file ? ` ${i.file}` : ''}`;
  const parts = [`数据来源：${source}`, `记录 ${num(r.admissions)} 条`];
  if (r.weights) parts.push(`按权重列 “${r.weights}” 推算，加权人次 ${num(r.weightedAdmissions)}`);
  if (r.growth) parts.push(`增长系数：费用 ×${r.growth.cost}，人次 ×${r.growth.admissions}`);
  return parts.map(esc).join('；');
}

export function reportHtml(r: ModelReport): string {
  const funds = Object.keys(r.baseline.funds);
  const fundLabels = r.labels.funds;
  const whatIf = r.whatIf
    ? `<section><h2>测算方案：${esc(r.whatIf.label)}</h2><table class="groups"><tr><th>改动</th><th>规则路径</th><th>原值</th><th>新值</th></tr>${r.whatIf.changes
        .map((c) => `<tr><td>${esc(c.description ?? '')}</td><td><code>${esc(c.path)}</code></td><td>${esc(plain(c.before))}</td><td>${esc(plain(c.after))}</td></tr>`)
        .join('')}</table></section>`
    : '';
  const histogramSeries = [{ name: '基线', colour: BASELINE_COLOUR, bins: r.baseline.patient.histogram }];
  if (r.variant) histogramSeries.push({ name: '测算方案', colour: VARIANT_COLOUR, bins: r.variant.patient.histogram });
  const need = r.difference ? parseUnits(r.difference.fundPaysTotal) : null;
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>基金需求测算报告 · ${esc(r.rulesetTitle)}</title>
<style>
body { font-family: "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; margin: 24px auto; max-width: 1100px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ccc; padding-bottom: 4px; }
.meta { color: #555; font-size: 13px; line-height: 1.7; }
table { border-collapse: collapse; margin: 10px 0; font-size: 13px; }
th, td { border: 1px solid #d0d0d0; padding: 4px 8px; } td { text-align: right; font-variant-numeric: tabular-nums; }
table.summary th { text-align: left; background: #f6f6f6; } table.groups th { background: #f6f6f6; white-space: nowrap; }
figure { margin: 16px 0; } figcaption { font-weight: bold; margin-bottom: 6px; }
svg .axis { font-size: 11px; fill: #555; } svg .legend { font-size: 12px; fill: #222; }
.note { font-size: 12px; color: #666; }
@media print { body { margin: 0; } }
</style>
</head>
<body>
<h1>基金需求测算报告</h1>
<div class="meta">规则：${esc(r.rulesetTitle)}（${esc(r.rulesetId)}）<br>${describeInput(r)}</div>
${whatIf}
<section><h2>总体结果${need !== null ? `（测算方案比基线${need < 0n ? '少支出' : '多支出'} ${esc(formatYuan(need < 0n ? -need : need))} 元）` : ''}</h2>
${summaryTable(r, funds)}
</section>
<section><h2>图表</h2>
${monthShares(r.baseline, funds, fundLabels, '各月费用构成（基线）：各基金与个人自付所占比例')}
${r.variant ? monthShares(r.variant, funds, fundLabels, '各月费用构成（测算方案）：各基金与个人自付所占比例') : ''}
${distribution(histogramSeries)}
${r.variant ? comparison(r, funds) : ''}
</section>
${breakdowns('分组结果（基线）', r.baseline, funds, fundLabels)}
${r.variant ? breakdowns('分组结果（测算方案）', r.variant, funds, fundLabels) : ''}
${r.difference ? breakdowns('分组差额（方案−基线）', r.difference, funds, fundLabels, true) : ''}
<p class="note">说明：每条就诊记录都由与结算窗口相同的结算引擎逐笔结算，按人按年累计起付线、封顶线和自付额（按出院日期顺序）。金额单位为元；实际报销比例 = 基金支付合计 ÷ 医疗总费用。第95百分位为最近秩法。保底步骤指把实际报销比例补足到规定比例的步骤（不论由哪个基金支付），自付封顶步骤指年度累计自付超过上限部分全额报销的步骤。${r.weights ? '加权结果按权重列放大各条记录的金额和人次。' : ''}${r.growth ? '增长系数：费用增长在结算前乘到每笔金额上（四舍五入到分），人次增长放大人次和金额，不改变比例和百分位。' : ''}</p>
</body>
</html>
`;
}
