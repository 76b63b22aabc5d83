/**
 * The person-year statement (年度结算汇总) as plain text for a terminal or a printer: one block per entry
 * (what it moved per fund and for the patient, and the year-to-date after it), then the totals per fund
 * and the patient's 应补 / 应退. Chinese, amounts as people write them.
 */
import { FUND_ORDER, fundLabel, visitLabel } from '../labels/labels.js';
import { formatYuan } from '../money/text.js';
import type { PersonYearStatement, StatementEntry } from './person-year.js';

const KIND_LABEL: Record<StatementEntry['kind'], string> = { settlement: '结算', reversal: '撤销', adjustment: '应补应退调整' };

const fundRank = (f: string) => (FUND_ORDER.includes(f) ? FUND_ORDER.indexOf(f) : FUND_ORDER.length);

function fundsLine(funds: Record<string, string>): string {
  const parts = Object.entries(funds)
    .sort(([a], [b]) => fundRank(a) - fundRank(b) || a.localeCompare(b))
    .map(([f, v]) => `${fundLabel(f)} ${formatYuan(v)}`);
  return parts.length ? parts.join('，') : '各基金不变';
}

function ytdLine(ytd: PersonYearStatement['yearToDate']): string {
  const parts: string[] = [];
  for (const key of Object.keys(ytd).sort()) {
    for (const [field, v] of Object.entries(ytd[key] ?? {})) parts.push(`${key}.${field} ${formatYuan(v!)}`);
  }
  return parts.join('，') || '（无）';
}

export function formatStatement(st: PersonYearStatement): string {
  const out: string[] = [];
  out.push(`${st.year} 年度结算汇总　参保人 ${st.person.name}（${st.person.id}，身份证号 ${st.person.idNumber}）`);
  out.push(`结算 ${st.totals.settlements} 笔（其中已撤销 ${st.totals.reversed} 笔），应补应退调整 ${st.totals.adjustments} 笔；按参保人账本记录的顺序列出。`);
  out.push('');
  for (const e of st.entries) {
    const head = `${String(e.seq).padStart(3)}. ${KIND_LABEL[e.kind]}　${e.at.slice(0, 10)}　结算 ${e.settlementId}　${e.hospital.name}　账单 ${e.billNo}　${visitLabel(e.visit.type)} ${e.visit.discharged} 出院`;
    out.push(head);
    if (e.kind === 'adjustment') out.push(`     因撤销结算 ${e.reversalOf} 重新结算（调整 ${e.adjustmentId}）`);
    if (e.kind === 'reversal' && e.reason) out.push(`     撤销原因：${e.reason}`);
    if (e.kind !== 'adjustment') out.push(`     医疗费总额 ${formatYuan(e.total)}`);
    out.push(`     基金：${fundsLine(e.funds)}；合计 ${formatYuan(e.fundPaysTotal)}`);
    const patient = e.kind === 'adjustment' ? `${e.patient === '应补' ? '患者应补缴' : e.patient === '应退' ? '应退还患者' : '患者支付不变'} ${formatYuan(e.patientPays.replace(/^-/, ''))}` : `个人支付 ${formatYuan(e.patientPays)}`;
    out.push(`     ${patient}`);
    out.push(`     年度累计：${ytdLine(e.yearToDate)}`);
  }
  if (st.entries.length === 0) out.push('（本年度没有结算）');
  out.push('');
  const t = st.totals;
  out.push(`合计（未撤销结算，含应补应退调整）：医疗费总额 ${formatYuan(t.total)}，基金支付 ${formatYuan(t.fundPaysTotal)}，个人支付 ${formatYuan(t.patientPays)}`);
  out.push(`  各基金：${fundsLine(t.funds)}`);
  const pa = t.patientAdjustments;
  out.push(`  患者应补应退：应补 ${formatYuan(pa.owes)}，应退 ${formatYuan(pa.refund)}，${pa.direction === '应补' ? `净应补缴 ${formatYuan(pa.net)}` : pa.direction === '应退' ? `净应退还 ${formatYuan(pa.net.replace(/^-/, ''))}` : '净额为零'}`);
  out.push(`  年度累计：${ytdLine(st.yearToDate)}`);
  out.push(st.ledger.agrees ? '  ✓ 与参保人账本一致' : `  ✗ 与参保人账本（版本 ${st.ledger.version ?? '无'}）不一致：请运行 onestop doctor`);
  return `${out.join('\n')}\n`;
}
