/**
 * `onestop rules check FILE...` and `onestop rules diff A B`: for bureau staff who edit the policy files.
 *
 *   check: validates each file exactly as the service loads it (the same reader and schema), and the
 *          files against each other (ids, overlapping dates for one region); every problem with its
 *          file, field path and what is wrong, in Chinese; exit 1 on any.
 *   diff:  what changed from A to B, value by value, with the source each value cites and its clause.
 */
import type { Command } from 'commander';
import { CommanderError } from 'commander';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { applyWhatIf, loadWhatIfFile } from '../model/input/whatif.js';
import { RulesLoadError, crossFileIssues, loadRulesFile, readRulesDocument, type LoadedRuleset, type RulesIssue } from '../rules/load.js';
import { diffRules } from '../rules/diff.js';
import { resolveRuleset } from '../rules/resolve.js';

function show(v: unknown): string {
  if (v === undefined) return '（无）';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** A what-if overlay (a file in a `what-if/` folder beside the rules files it changes), checked against each of them. */
export interface CheckedOverlay {
  file: string;
  label: string;
  /** The rulesets of the folder above it that the overlay applies to cleanly. */
  rulesets: string[];
}

const isOverlay = (file: string) => basename(dirname(file)) === 'what-if';

/** The overlay laid over every ruleset of its folder, as `onestop model --what-if` would: every problem named. */
function checkOverlay(file: string, issues: RulesIssue[]): CheckedOverlay | null {
  let overlay;
  try {
    overlay = loadWhatIfFile(file);
  } catch (e) {
    if (e instanceof RulesLoadError) issues.push(...e.issues);
    else if ((e as NodeJS.ErrnoException).code === 'ENOENT') issues.push({ file, path: '', message: '找不到文件' });
    else throw e;
    return null;
  }
  const folder = dirname(dirname(file));
  const baselines = readdirSync(folder).filter((f) => /\.(ya?ml|json)$/.test(f)).map((f) => loadRulesFile(join(folder, f)));
  if (baselines.length === 0) {
    issues.push({ file, path: '', message: `测算方案所在目录 ${folder} 中没有规则文件可以套用` });
    return null;
  }
  const before = issues.length;
  const checked: CheckedOverlay = { file, label: '', rulesets: [] };
  for (const baseline of baselines) {
    try {
      const v = applyWhatIf(baseline, overlay, file);
      checked.label = v.label;
      checked.rulesets.push(baseline.ruleset.id);
    } catch (e) {
      if (e instanceof RulesLoadError) issues.push(...e.issues.map((i) => ({ ...i, message: `套用于 ${baseline.ruleset.id}：${i.message}` })));
      else throw e;
    }
  }
  return issues.length === before ? checked : null;
}

export function checkRulesFiles(files: readonly string[]): { loaded: LoadedRuleset[]; overlays: CheckedOverlay[]; issues: RulesIssue[] } {
  const loaded: LoadedRuleset[] = [];
  const overlays: CheckedOverlay[] = [];
  const issues: RulesIssue[] = [];
  for (const file of files) {
    if (isOverlay(file)) {
      const o = checkOverlay(file, issues);
      if (o) overlays.push(o);
      continue;
    }
    try {
      loaded.push(loadRulesFile(file));
    } catch (e) {
      if (e instanceof RulesLoadError) issues.push(...e.issues);
      else if ((e as NodeJS.ErrnoException).code === 'ENOENT') issues.push({ file, path: '', message: '找不到文件' });
      else throw e;
    }
  }
  issues.push(...crossFileIssues(loaded));
  return { loaded, overlays, issues };
}

export function registerRulesCommands(program: Command): void {
  const rules = program.command('rules').description('规则文件：检查与对比（供编辑规则文件的医保局工作人员使用）');
  rules
    .command('check')
    .description('按服务加载规则的方式逐一检查规则文件，列出每一处问题（文件、字段路径、原因）；有问题时退出码为 1')
    .argument('<files...>', '规则文件（YAML 或 JSON）')
    .action((files: string[]) => {
      const { loaded, overlays, issues } = checkRulesFiles(files);
      for (const l of loaded) {
        if (!issues.some((i) => i.file === l.file)) {
          process.stdout.write(`✓ ${l.file}：规则 ${l.ruleset.id}（${l.ruleset.title}），${l.ruleset.effective.from} 至 ${l.ruleset.effective.to}，就诊类型 ${Object.keys(l.ruleset.visits).join('、')}\n`);
        }
      }
      for (const o of overlays) process.stdout.write(`✓ ${o.file}：测算方案「${o.label}」，可套用于 ${o.rulesets.join('、')}\n`);
      for (const i of issues) process.stdout.write(`✗ ${i.file}${i.path ? `：${i.path}` : ''}：${i.message}\n`);
      const bad = new Set(issues.map((i) => i.file)).size;
      process.stdout.write(`共检查 ${files.length} 个文件：${files.length - bad} 个无误${issues.length ? `，${bad} 个有问题，共 ${issues.length} 处` : ''}\n`);
      if (issues.length) throw new CommanderError(1, 'onestop.rules.invalid', `${issues.length} problem(s)`);
    });
  rules
    .command('diff')
    .description('对比两个规则文件（或规则 id）：逐项列出改动的数值及其引用的来源和原文')
    .argument('<a>', '原规则：文件或规则 id')
    .argument('<b>', '新规则：文件或规则 id')
    .action((a: string, b: string) => {
      // A file is read as written (it need not be valid yet: the diff is how an edit is reviewed); an id
      // is the ruleset loaded from the rules directory.
      const read = (ref: string): Record<string, unknown> =>
        (existsSync(ref) && statSync(ref).isFile() ? readRulesDocument(readFileSync(ref, 'utf8'), ref) : resolveRuleset(ref).document) as Record<string, unknown>;
      const before = read(a);
      const after = read(b);
      const changes = diffRules(before, after);
      const title = (d: Record<string, unknown>, ref: string) => `${ref}（${String(d.id)}，${String(d.title)}）`;
      process.stdout.write(`规则对比：${title(before, a)} → ${title(after, b)}\n`);
      if (changes.length === 0) process.stdout.write('两者内容相同，没有改动\n');
      const cite = (id: string | undefined, clause: string[] | undefined, d: Record<string, unknown>) => {
        if (!id) return '';
        const s = (Array.isArray(d.sources) ? d.sources : []).find((x: { id?: unknown }) => x?.id === id) as { title?: string } | undefined;
        return `　依据：${id}${s?.title ? ` ${s.title}` : ''}${clause?.length ? `　原文：${clause.map((p) => `“${p}”`).join('；')}` : ''}`;
      };
      for (const c of changes) {
        const from = c.kind === 'removed' ? before : after;
        const what = c.kind === 'added' ? '新增' : c.kind === 'removed' ? '删除' : '修改';
        process.stdout.write(`${what} ${c.path}：${show(c.before)} → ${show(c.after)}${cite(c.source, c.clause, from)}\n`);
      }
      process.stdout.write(`共 ${changes.length} 处改动\n`);
    });
}
