/**
 * `onestop rules check` and `onestop rules diff`, as bureau staff run them (the built CLI).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'onestop.js');
const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });

function rulesFiles(dir = join(ROOT, 'rules')): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? rulesFiles(p) : /\.(ya?ml|json)$/.test(n) && !p.includes('/what-if/') ? [p] : [];
  });
}

const XINGAN = readFileSync(join(ROOT, 'rules', '152200-xingan', '2018.yaml'), 'utf8');

function withMistakes(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'rules-check-')), 'xingan-edited.yaml');
  let text = XINGAN.replace('annualCap: "150000.00"', 'annualCapp: "150000.00"'); // a misspelt key
  text = text.replace('ratio: "0.55"', 'ratio: "1.55"'); // a ratio above 1
  text = text.replace('only: [poverty]', 'only: [povrety]'); // a population the file does not declare
  expect(text).not.toBe(XINGAN);
  writeFileSync(file, text);
  return file;
}

describe('onestop rules check', () => {
  it('passes every file in rules/, and says so for each', () => {
    const files = rulesFiles();
    expect(files.length).toBeGreaterThanOrEqual(4);
    const r = run(['rules', 'check', ...files]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.match(/^✓ /gm)).toHaveLength(files.length);
    expect(r.stdout).toContain(`共检查 ${files.length} 个文件：${files.length} 个无误`);
  });

  it('checks a what-if overlay against the rules files of its folder: the shipped ones apply, a bad path is named', () => {
    const overlays = readdirSync(join(ROOT, 'rules')).flatMap((d) => {
      const w = join(ROOT, 'rules', d, 'what-if');
      return existsSync(w) ? readdirSync(w).map((f) => join(w, f)) : [];
    });
    expect(overlays.length).toBeGreaterThanOrEqual(3);
    const ok = run(['rules', 'check', ...overlays]);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout.match(/^✓ .*测算方案「.+」，可套用于 /gm)).toHaveLength(overlays.length);
    const dir = mkdtempSync(join(tmpdir(), 'rules-overlay-'));
    mkdirSync(join(dir, 'what-if'));
    writeFileSync(join(dir, '2018.yaml'), XINGAN);
    writeFileSync(join(dir, 'what-if', 'typo.yaml'), 'visits.inpatient.flor.floor: 0.95\n');
    const bad = run(['rules', 'check', join(dir, 'what-if', 'typo.yaml')]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/✗ .*typo\.yaml：visits\.inpatient\.flor\.floor：套用于 xingan-2018：.*flor/);
  });

  it('lists all three mistakes of a file, each with its field path, and exits 1', () => {
    const file = withMistakes();
    const r = run(['rules', 'check', file]);
    expect(r.status).toBe(1);
    const problems = r.stdout.split('\n').filter((l) => l.startsWith('✗ '));
    expect(problems.some((l) => l.includes('visits.inpatient[0]') && l.includes('annualCapp'))).toBe(true);
    expect(problems.some((l) => l.includes('visits.inpatient[2].ratio') && l.includes('不能大于 1'))).toBe(true);
    expect(problems.some((l) => l.includes('visits.inpatient[2].only') && l.includes('povrety'))).toBe(true);
    expect(r.stdout).toMatch(/1 个有问题，共 \d+ 处/);
  });

  it('refuses a number a float cannot hold, and two files for one region whose dates overlap', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-check-'));
    const exact = join(dir, 'a.yaml');
    writeFileSync(exact, XINGAN.replace('ratio: "0.55"', 'ratio: 0.10000000000000001'));
    const r = run(['rules', 'check', exact]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('visits.inpatient[2].ratio：不是有效数值：最多 8 位小数（收到 "0.10000000000000001"）');
    const twin = join(dir, 'b.yaml');
    writeFileSync(twin, XINGAN.replace('id: xingan-2018', 'id: xingan-2018-b'));
    const overlap = run(['rules', 'check', join(ROOT, 'rules', '152200-xingan', '2018.yaml'), twin]);
    expect(overlap.status).toBe(1);
    expect(overlap.stdout).toMatch(/effective：地区 152200（兴安盟）的规则 xingan-2018-b.*有效期重叠/);
  });
});

describe('onestop rules diff', () => {
  it('lists what changed, value by value, with the source each value cites and its clause', () => {
    const r = run(['rules', 'diff', 'xingan-2018', withMistakes()]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('删除 visits.inpatient.basic.annualCap：150000.00 → （无）　依据：s003 健康扶贫破解因病致贫之"痛"');
    // A sourced value cites its clause too; the deleted cap above is an estimate, and quotes none.
    expect(lines).toContain('修改 visits.inpatient.commercial.ratio：0.55 → 1.55　依据：s003 健康扶贫破解因病致贫之"痛"　原文：“商业补充保险报销55%”；“两不限即健康扶贫对象住院医疗费在商业补充保险支付不限定起付线,按55%支付”');
    expect(r.stdout).toContain('共 4 处改动');
    // A field with a clause of its own cites that one (the floor's denominator, from seed 000).
    const file = join(mkdtempSync(join(tmpdir(), 'rules-diff-')), 'xingan-inpolicy.yaml');
    writeFileSync(file, XINGAN.replace('denominator: total\n', 'denominator: inPolicy\n'));
    const denominator = run(['rules', 'diff', 'xingan-2018', file]).stdout.split('\n').filter((l) => l.includes('floor.denominator'));
    expect(denominator).toEqual([expect.stringMatching(/^修改 visits\.inpatient\.floor\.denominator：total → inPolicy　依据：s000 .*　原文：“2016年,全县贫困人口累计住院治疗1277人次,.*90%以上”$/)]);
    const same = run(['rules', 'diff', 'xingan-2018', join(ROOT, 'rules', '152200-xingan', '2018.yaml')]);
    expect(same.stdout).toContain('两者内容相同，没有改动');
  });
});
