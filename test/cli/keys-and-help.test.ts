/**
 * The command line a newcomer meets first (issue 25): `--version`, `keys list`, help and usage errors in
 * Chinese with the option names as typed, and an unknown ruleset that names the ones there are.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { errorInChinese, wrapText } from '../../src/cli/help.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'onestop.js');

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
}

/**
 * Latin words a reader of a help text would have to understand. Option names, placeholders, example
 * values and file names are typed, not read (they carry `-`, `.`, `=`, `/`, `<`, digits…), acronyms are
 * names (JSON, CSV, YAML, ICD-10); what remains must be one of the values the option takes.
 */
const VALUES = new Set(['window', 'office', 'auditor', 'finance', 'admin', 'csv', 'jsonl', 'default', 'inpatient', 'label', 'id', 'paid', 'entries', 'head', 'problems', 'secret', 'role', 'hospital', 'rules', 'tiers', 'classMix', 'populations', 'seq', 'hash', 'postgres', 'Excel', 'Poisson', 'SQLite', 'npm', 'start']);
function englishWords(text: string): string[] {
  return text
    .replace(/`[^`]*`/g, ' ')
    .split(/[\s\u3000-\u303f\uff00-\uffef\u4e00-\u9fff，。、；：（）“”《》]+/u)
    .filter((t) => /[A-Za-z]{2,}/.test(t))
    .filter((t) => !/[=./_\-\d{}<>":@|…$\\[\]]/.test(t))
    .filter((t) => !/^[A-Z]+$/.test(t))
    .filter((t) => !VALUES.has(t));
}

function commands(c: Command): Command[] {
  return [c, ...c.commands.flatMap(commands)];
}

describe('help in Chinese, option names as typed', () => {
  const all = commands(buildProgram());

  it('every command, option and argument is described in Chinese', () => {
    expect(all.length).toBeGreaterThan(15);
    const found: string[] = [];
    for (const c of all) {
      const texts = [c.description(), ...c.options.map((o) => o.description), ...c.registeredArguments.map((a) => a.description)];
      for (const t of texts) {
        expect(t, `${c.name()}: a description is missing`).toMatch(/[\u4e00-\u9fff]/);
        for (const w of englishWords(t)) found.push(`${c.name()}: “${w}” in “${t}”`);
      }
    }
    expect(found).toEqual([]);
  });

  it('the headings, help and version lines are Chinese; the flags are as typed', () => {
    const help = run(['--help']).stdout;
    expect(help).toMatch(/^用法： onestop \[选项\] \[命令\]/);
    for (const h of ['选项：', '命令：', '-V, --version', '显示版本号', '-h, --help', '显示帮助', 'keys', 'settle [选项] <bills>']) expect(help).toContain(h);
    expect(help).not.toMatch(/Usage:|Options:|Commands:|display help|output the version/);
    const model = run(['model', '--help']).stdout;
    expect(model).toContain('--rules <fileOrId>');
    expect(model).toContain('--growth <spec>');
  });

  it('long Chinese descriptions wrap at the terminal width, between characters, punctuation kept on its line', () => {
    const text = '一站式结算：一张住院或门诊账单依次经基本医保、大病保险、商业补充保险、医疗救助和政府兜底结算，患者只付余下部分';
    const lines = wrapText(text, 40, 0).split('\n');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join('')).toBe(text);
    for (const l of lines) expect([...l].length * 2).toBeLessThanOrEqual(40 + 2);
    for (const l of lines.slice(1)) expect(l).not.toMatch(/^[，。、；：）]/);
  });

  it('usage errors are in Chinese, with what to type instead', () => {
    const missing = run(['settle']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('错误：必须给出选项 --rules <fileOrId>\n（加 --help 查看用法）\n');
    expect(run(['stle']).stderr).toContain('错误：没有命令 stle（是否想用 settle？）');
    expect(run(['audit', '--frm', '2018-01-01']).stderr).toContain('错误：没有选项 --frm（是否想用 --from？）');
    expect(errorInChinese("error: too many arguments for 'explain'. Expected 1 argument but got 2.\n")).toBe('错误：命令 explain 的参数过多：应有 1 个，收到 2 个');
    expect(errorInChinese("error: option '--year <year>' argument '20x' is invalid. 年份应为四位数")).toBe('错误：选项 --year <year> 的取值 “20x” 不对：年份应为四位数');
  });

  it('--version prints the version in package.json', () => {
    const r = run(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}\n`);
  });

  it('an unknown ruleset id names the rulesets there are', () => {
    const r = run(['settle', '--rules', 'xingan-2019', 'seeds/bills.jsonl']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('找不到规则文件或规则 id "xingan-2019"');
    for (const id of ['xingan-2018', 'zhuozi-2016', 'wulanchabu-2019', 'neimenggu-2016']) expect(r.stderr).toContain(id);
  });
});

describe('onestop keys list', () => {
  it('lists every key, masked, with role, hospital, label, created and revoked; --full-ids and --json for revoking', () => {
    const env = { ONESTOP_DB: join(mkdtempSync(join(tmpdir(), 'keys-')), 'o.db') };
    expect(run(['keys', 'list'], env).stdout).toBe('还没有密钥：用 onestop keys create --role … 创建\n');
    const w = JSON.parse(run(['keys', 'create', '--role', 'window', '--hospital', 'H152200-L01', '--label', '一号窗口', '--json'], env).stdout) as { id: string; secret: string };
    const a = run(['keys', 'create', '--role', 'auditor'], env);
    expect(a.stderr).toMatch(/^已创建密钥 k_[0-9a-f]{12}（医保局稽核）；上面的密钥只显示这一次，请妥善保存\n$/);
    const auditorId = /k_[0-9a-f]{12}/.exec(a.stderr)![0];
    expect(run(['keys', 'revoke', auditorId], env).stderr).toBe(`已停用密钥 ${auditorId}\n`);

    const list = run(['keys', 'list'], env);
    expect(list.status).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^密钥编号\s+角色\s+医院\s+备注\s+创建时间（北京时间）\s+状态$/);
    expect(lines[1]).toMatch(new RegExp(`^${w.id.slice(0, 6)}…${w.id.slice(-4)}\\s+结算窗口\\s+兴安盟人民医院（H152200-L01）\\s+一号窗口\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+有效$`));
    expect(lines[2]).toMatch(/^k_[0-9a-f]{4}…[0-9a-f]{4}\s+医保局稽核\s+—\s+—\s+\S+ \S+\s+已于 \S+ \S+ 停用$/);
    expect(lines[3]).toBe('共 2 个密钥，有效 1 个；停用密钥需要完整编号：onestop keys list --full-ids');
    // Never a secret, nor its hash.
    expect(list.stdout).not.toContain(w.secret);
    expect(list.stdout).not.toContain(w.id);

    expect(run(['keys', 'list', '--full-ids'], env).stdout).toContain(w.id);
    const json = JSON.parse(run(['keys', 'list', '--json'], env).stdout) as Record<string, unknown>[];
    expect(json.map((k) => k.role)).toEqual(['window', 'auditor']);
    expect(json[0]).toMatchObject({ hospitalCode: 'H152200-L01', hospitalName: '兴安盟人民医院', label: '一号窗口', revokedAt: null });
    expect(json[1]!.revokedAt).toEqual(expect.any(String));
    expect(JSON.stringify(json)).not.toContain(w.id);
  });
});
