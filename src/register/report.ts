/** What an import did, in the Chinese a clerk reads (the CLI prints it, the admin page shows it). */
import type { ImportReport } from './import.js';
import type { HospitalCounts, PeopleCounts } from './plan.js';
import type { RowProblem } from './rows.js';

export function describeCounts(counts: PeopleCounts | HospitalCounts): string {
  if ('newPeople' in counts) {
    return `新增人员 ${counts.newPeople}，变更 ${counts.changed}，未变 ${counts.unchanged}；人员类别期间：开始 ${counts.membershipsStarted}，结束 ${counts.membershipsEnded}，撤回 ${counts.membershipsWithdrawn}`;
  }
  return `新增医院 ${counts.newHospitals}，变更 ${counts.changed}，未变 ${counts.unchanged}；记录等级期间 ${counts.tiersRecorded}`;
}

/** A refused file: every problem with its line and column, then the count; nothing was applied. */
export function describeRefusal(what: string, file: string, problems: readonly RowProblem[]): string[] {
  const lines = new Set(problems.map((p) => p.line)).size;
  return [
    ...problems.map((p) => `✗ 第 ${p.line} 行${p.column ? `「${p.column}」` : ''}：${p.message}`),
    `${what} ${file} 有 ${problems.length} 处问题（涉及 ${lines} 行），未做任何更改。请更正后重新导入。`,
  ];
}

export function describeReport(r: ImportReport): string[] {
  const what = r.kind === 'people' ? '人员' : '医院';
  if (r.outcome === 'refused') return describeRefusal(`${what}登记文件`, r.file, r.problems);
  const counts = describeCounts(r.counts);
  if (r.outcome === 'unchanged') return [`${what}登记文件 ${r.file}（${r.rows} 行）与登记库现有内容一致，未做任何更改。${counts}`];
  if (r.outcome === 'dry-run') return [`试导入 ${r.file}（${r.rows} 行），未做任何更改。将会：${counts}`];
  return [`已导入 ${r.file}（${r.rows} 行），批次 ${r.batch}：${counts}`];
}
