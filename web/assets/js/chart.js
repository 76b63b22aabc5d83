// Charts as inline SVG, drawn from the report's amount strings (shares computed on integer fen).
import { FUNDS, fundColor, fundName } from './labels.js';
import { formatAmount, share, toFenRounded } from './money.js';

const NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** The funds in the order they pay, then any the page does not know. */
export function fundOrder(...fundMaps) {
  const seen = new Set(fundMaps.flatMap((m) => Object.keys(m ?? {})));
  return [...FUNDS.map((f) => f.id).filter((f) => seen.has(f)), ...[...seen].filter((f) => !FUNDS.some((x) => x.id === f))];
}

/**
 * 100% stacked bars: for each series, the share of each fund and of the patient in the total.
 * series: [{ label, funds: {fund: amount}, patientPays, total }]
 */
export function shareBars(series, { title = '各道保障与个人支付占医疗费用的比例' } = {}) {
  const funds = fundOrder(...series.map((x) => x.funds));
  const W = 760;
  const left = 92;
  const barH = 34;
  const gap = 22;
  const top = 30;
  const H = top + series.length * (barH + gap) + 10;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title, 'data-testid': 'share-chart' });
  svg.append(s('title', {}, title));
  svg.append(s('text', { x: 0, y: 16, 'font-size': 14, 'font-weight': 600, fill: '#1f2933' }, title));
  series.forEach((row, r) => {
    const y = top + r * (barH + gap);
    svg.append(s('text', { x: 0, y: y + barH / 2 + 5, 'font-size': 13, fill: '#1f2933' }, row.label));
    let x = left;
    const width = W - left - 4;
    const parts = [...funds.map((f, i) => ({ key: f, name: fundName(f), amount: row.funds?.[f] ?? '0', color: fundColor(f, i) })), { key: 'patient', name: '个人支付', amount: row.patientPays, color: '#8c96a3' }];
    for (const p of parts) {
      const pct = share(p.amount, row.total);
      const w = (width * pct) / 100;
      if (w <= 0) continue;
      const rect = s('rect', { x, y, width: w, height: barH, fill: p.color, 'data-fund': p.key });
      rect.append(s('title', {}, `${p.name}：${formatAmount(p.amount)} 元（${pct.toFixed(1)}%）`));
      svg.append(rect);
      if (w > 38) svg.append(s('text', { x: x + w / 2, y: y + barH / 2 + 4, 'font-size': 11.5, fill: '#fff', 'text-anchor': 'middle' }, `${pct.toFixed(1)}%`));
      x += w;
    }
  });
  return svg;
}

/** Stacked columns by month: what each fund paid, in 万元 on the axis. byMonth: { "2018-01": { funds } } */
export function monthColumns(byMonth, { title = '各月基金支付（万元）' } = {}) {
  const months = Object.keys(byMonth ?? {}).sort();
  const funds = fundOrder(...months.map((m) => byMonth[m]?.funds));
  const W = 760;
  const H = 280;
  const left = 48;
  const bottom = 28;
  const top = 28;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title, 'data-testid': 'month-chart' });
  svg.append(s('title', {}, title));
  svg.append(s('text', { x: 0, y: 16, 'font-size': 14, 'font-weight': 600, fill: '#1f2933' }, title));
  if (!months.length) return svg;
  const totals = months.map((m) => funds.reduce((a, f) => a + (toFenRounded(byMonth[m].funds?.[f] ?? '0') ?? 0n), 0n));
  const maxFen = totals.reduce((a, b) => (b > a ? b : a), 1n);
  // A round axis maximum in 万元 (1 万元 = 1,000,000 fen).
  const maxWan = Number(maxFen) / 1e6;
  const step = [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000].find((x) => maxWan / x <= 5) ?? 10000;
  const axisMax = Math.max(step, Math.ceil(maxWan / step) * step);
  const plotH = H - top - bottom;
  const plotW = W - left - 8;
  for (let v = 0; v <= axisMax + 1e-9; v += step) {
    const y = top + plotH - (plotH * v) / axisMax;
    svg.append(s('line', { x1: left, x2: W - 8, y1: y, y2: y, stroke: '#e3e8ed' }));
    svg.append(s('text', { x: left - 6, y: y + 4, 'font-size': 11, fill: '#5f6b7a', 'text-anchor': 'end' }, String(Math.round(v * 100) / 100)));
  }
  const slot = plotW / months.length;
  const bw = Math.min(40, slot * 0.66);
  months.forEach((m, i) => {
    const x = left + i * slot + (slot - bw) / 2;
    let y = top + plotH;
    funds.forEach((f, k) => {
      const fen = toFenRounded(byMonth[m].funds?.[f] ?? '0') ?? 0n;
      const hgt = (plotH * (Number(fen) / 1e6)) / axisMax;
      if (hgt <= 0) return;
      y -= hgt;
      const rect = s('rect', { x, y, width: bw, height: hgt, fill: fundColor(f, k) });
      rect.append(s('title', {}, `${m} ${fundName(f)}：${formatAmount(byMonth[m].funds[f])} 元`));
      svg.append(rect);
    });
    svg.append(s('text', { x: x + bw / 2, y: H - 10, 'font-size': 11, fill: '#5f6b7a', 'text-anchor': 'middle' }, m.length === 7 ? `${Number(m.slice(5))}月` : m));
  });
  return svg;
}

/** A legend for the funds (and the patient) as HTML. */
export function legend(funds, { patient = true } = {}) {
  const el = document.createElement('div');
  el.className = 'legend';
  const items = [...funds.map((f, i) => [fundName(f), fundColor(f, i)]), ...(patient ? [['个人支付', '#8c96a3']] : [])];
  for (const [name, color] of items) {
    const span = document.createElement('span');
    const i = document.createElement('i');
    i.style.background = color;
    span.append(i, name);
    el.append(span);
  }
  return el;
}
