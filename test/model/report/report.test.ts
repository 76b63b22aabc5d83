/** The report files: a self-contained Chinese HTML page, a CSV for spreadsheets, the same JSON as --json. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatYuan } from '../../../src/money/text.js';
import { SEED_BILLS, cli, tempDir, writeTemp } from '../helpers.js';

describe('onestop model --out', () => {
  const dir = tempDir();
  const out = join(dir, 'report');
  const whatIf = writeTemp(dir, 'floor95.yaml', 'visits.inpatient.floor.floor: 0.95\n');
  const run = cli(['model', '--rules', 'xingan-2018', '--bills', SEED_BILLS, '--what-if', whatIf, '--out', out]);
  const json = cli(['model', '--rules', 'xingan-2018', '--bills', SEED_BILLS, '--what-if', whatIf, '--json']);

  it('prints a Chinese summary, and writes report.json (the same as --json), report.csv and report.html', () => {
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('基金需求测算');
    expect(run.stdout).toContain('政府兜底');
    expect(run.stdout).toContain('测算方案');
    for (const f of ['report.json', 'report.csv', 'report.html']) expect(existsSync(join(out, f))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).toEqual(JSON.parse(json.stdout));
    expect(json.stderr).toBe('');
  });

  it('the HTML page is self-contained (no script, no external resource) with Chinese labels, charts and thousands separators', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const report = JSON.parse(json.stdout);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(|src=|href=/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect((html.match(/<svg /g) ?? []).length).toBe(4); // two month-share charts, the distribution, the comparison
    for (const label of ['基金需求测算报告', '各月费用构成', '个人自付金额分布', '基线与测算方案', '基本医保', '大病保险', '商业补充保险', '医疗救助', '政府兜底', '实际报销比例', '医院等级']) {
      expect(html).toContain(label);
    }
    expect(html).toContain(formatYuan(report.baseline.total));
    expect(html).toContain(formatYuan(report.variant.funds.backstop));
    expect(formatYuan(report.baseline.total)).toMatch(/^\d{1,3}(,\d{3})+\.\d\d$/);
    expect(html).toContain('visits.inpatient.floor.floor');
  });

  it('the CSV has a BOM, Chinese headers and one row per scenario and group, amounts as in the JSON', () => {
    const csv = readFileSync(join(out, 'report.csv'), 'utf8');
    const report = JSON.parse(json.stdout);
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const rows = csv.slice(1).trim().split('\r\n').map((l) => l.split(','));
    expect(rows[0]!.slice(0, 6)).toEqual(['方案', '分组维度', '分组', '分组代码', '人次', '医疗总费用']);
    const groups = 1 + Object.keys(report.baseline.byPopulation).length + Object.keys(report.baseline.byTier).length + Object.keys(report.baseline.byMonth).length;
    expect(rows).toHaveLength(1 + 3 * groups);
    const totalRow = rows.find((r) => r[0] === '基线' && r[3] === 'all')!;
    expect(totalRow[5]).toBe(report.baseline.total);
    expect(totalRow[rows[0]!.indexOf('政府兜底')]).toBe(report.baseline.funds.backstop);
    const diff = rows.find((r) => r[0] === '差额（方案−基线）' && r[3] === 'all')!;
    expect(diff[rows[0]!.indexOf('政府兜底')]).toBe(report.difference.funds.backstop);
  });

  it('refuses bad options in Chinese with exit code 1', () => {
    const growth = cli(['model', '--rules', 'xingan-2018', '--bills', SEED_BILLS, '--growth', 'cost=abc']);
    expect(growth.status).toBe(1);
    expect(growth.stderr).toContain('增长系数');
    const both = cli(['model', '--rules', 'xingan-2018']);
    expect(both.status).toBe(1);
    expect(both.stderr).toContain('--bills');
    const missing = cli(['model', '--rules', 'xingan-2018', '--bills', join(dir, 'nope.csv')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('找不到文件');
  });
});
