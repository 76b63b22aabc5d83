/**
 * `onestop model`'s summary table as a finance officer reads it (issue 25): the variant's own name, one
 * decimal convention for percentages, a difference of ratios in 个百分点, and no fractional admissions
 * under --growth (rounded half-up, and the table says so).
 */
import { describe, expect, it } from 'vitest';
import { SEED_BILLS, cli, tempDir, writeTemp } from '../helpers.js';

const columns = (line: string) => line.trim().split(/\s{2,}/);

describe('onestop model summary', () => {
  it('names the variant, writes every percentage with two decimals and the difference in 个百分点', () => {
    const w = writeTemp(tempDir(), 'floor.yaml', 'label: 保底比例提高到 95%\nvisits.inpatient.floor.floor: 0.95\n');
    const r = cli(['model', '--rules', 'xingan-2018', '--bills', SEED_BILLS, '--what-if', w, '--workers', '0']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/；测算方案：保底比例提高到 95%$/);
    const ratio = columns(lines.find((l) => l.startsWith('实际报销比例'))!);
    expect(ratio).toHaveLength(4);
    expect(ratio[1]).toMatch(/^\d{1,3}\.\d\d%$/);
    expect(ratio[2]).toMatch(/^\d{1,3}\.\d\d%$/);
    // The difference is the variant's percentage less the baseline's, in points, to the same two decimals.
    const pct = (s: string) => Math.round(Number(s.replace('%', '')) * 100);
    expect(ratio[3]).toBe(`${((pct(ratio[2]!) - pct(ratio[1]!)) / 100).toFixed(2)} 个百分点`);
    expect(ratio[3]).not.toContain('%'); // a difference of ratios is not a percentage
  });

  it('without a label, names the variant by its change in words, never by "whatIf" or the file name', () => {
    const w = writeTemp(tempDir(), 'w.yaml', 'visits.inpatient.floor.floor: 0.95\n');
    const r = cli(['model', '--rules', 'xingan-2018', '--bills', SEED_BILLS, '--what-if', w, '--workers', '0']);
    expect(r.stdout.split('\n')[0]).toMatch(/；测算方案：住院 第 5 步「政府兜底（保底90%）」的保底比例改为 0\.95$/);
  });

  it('--growth: whole admissions, rounded half-up, and a note saying so', () => {
    const r = cli(['model', '--rules', 'xingan-2018', '--bills', SEED_BILLS, '--growth', 'cost=1.06,admissions=1.03', '--workers', '0']);
    expect(r.status).toBe(0);
    const json = JSON.parse(cli(['model', '--rules', 'xingan-2018', '--bills', SEED_BILLS, '--growth', 'cost=1.06,admissions=1.03', '--workers', '0', '--json']).stdout);
    // The report keeps two decimals (420 × 1.03 = 432.6); the table shows 433.
    expect(json.weightedAdmissions).toBe(432.6);
    expect(r.stdout).toContain('记录 420 条；按增长系数（费用 ×1.06，人次 ×1.03）折算为 433 人次');
    const half = (n: number) => String(Math.floor(n + 0.5));
    expect(columns(r.stdout.split('\n').find((l) => l.startsWith('保底步骤人次'))!)[1]).toBe(half(json.baseline.floorPaidAdmissions));
    expect(columns(r.stdout.split('\n').find((l) => l.startsWith('自付封顶步骤人次'))!)[1]).toBe(half(json.baseline.capPaidAdmissions));
    expect(r.stdout).toContain('注：折算后的人次（及保底、封顶步骤人次）四舍五入到整数显示');
    // No count anywhere in the table with a fraction: only amounts (two decimals) and percentages.
    for (const line of r.stdout.split('\n').filter((l) => /人次/.test(l) && !/均值|P95|注：|增长系数/.test(l))) expect(line).not.toMatch(/\d\.\d/);
  });
});
