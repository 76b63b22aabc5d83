/**
 * The model's report as one CSV table for spreadsheets: one row per scenario (基线, 测算方案, 差额) and
 * group (合计, each population, tier, month). UTF-8 with a byte-order mark so Excel reads the Chinese;
 * amounts plain (no thousands separators) so they stay numbers.
 */
import { csvLine } from '../../formats/csv.js';
import { POPULATION_LABELS, TIER_LABELS, labelOf } from '../../labels/labels.js';
import type { GroupDifference, GroupSummary, ModelReport, Summary } from './report.js';

type Row = GroupSummary | GroupDifference;

export function reportCsv(r: ModelReport): string {
  const funds = Object.keys(r.baseline.funds);
  // Columns of what each fund owes (§3), only when some admission carried a payout made elsewhere.
  const owes = r.baseline.owed !== undefined || r.variant?.owed !== undefined;
  const header = [
    '方案',
    '分组维度',
    '分组',
    '分组代码',
    '人次',
    '医疗总费用',
    ...funds.map((f) => r.labels.funds[f] ?? f),
    ...(owes ? funds.map((f) => `${r.labels.funds[f] ?? f}应支付（扣除他处已付）`) : []),
    ...funds.map((f) => `${r.labels.funds[f] ?? f}支付人次`),
    '基金支付合计',
    '个人自付',
    '实际报销比例',
    '个人自付均值',
    '个人自付P95',
    '保底步骤人次',
    '保底步骤金额',
    '自付封顶步骤人次',
    '自付封顶步骤金额',
  ];
  const lines = [csvLine(header)];
  const row = (scenario: string, dimension: string, group: string, code: string, g: Row) =>
    lines.push(
      csvLine([
        scenario,
        dimension,
        group,
        code,
        g.admissions,
        g.total,
        ...funds.map((f) => g.funds[f] ?? '0.00'),
        ...(owes ? funds.map((f) => g.owed?.[f] ?? g.funds[f] ?? '0.00') : []),
        ...funds.map((f) => g.fundAdmissions[f] ?? 0),
        g.fundPaysTotal,
        g.patientPays,
        g.actualRatio,
        g.patient.mean ?? '',
        g.patient.p95 ?? '',
        g.floorPaidAdmissions,
        g.floorPaid,
        g.capPaidAdmissions,
        g.capPaid,
      ]),
    );
  const scenario = (name: string, s: Summary | (GroupDifference & { byPopulation: Record<string, Row>; byTier: Record<string, Row>; byMonth: Record<string, Row> })) => {
    row(name, '合计', '全部', 'all', s);
    for (const [k, g] of Object.entries(s.byPopulation)) row(name, '人群', labelOf(POPULATION_LABELS, k), k, g);
    for (const [k, g] of Object.entries(s.byTier)) row(name, '医院等级', labelOf(TIER_LABELS, k), k, g);
    for (const [k, g] of Object.entries(s.byMonth)) row(name, '月份', k, k, g);
  };
  scenario('基线', r.baseline);
  if (r.variant) scenario('测算方案', r.variant);
  if (r.difference) scenario('差额（方案−基线）', r.difference);
  return `\ufeff${lines.join('\r\n')}\r\n`;
}
