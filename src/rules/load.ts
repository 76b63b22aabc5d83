/**
 * Loading rules files (YAML or JSON) from disk: validated, hashed, and checked against each other.
 *
 * A bad file is refused with the file, the field path and what is wrong; two files for one region
 * whose effective dates overlap are refused, since a discharge date must choose exactly one policy.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { parseDocument, visit, type YAMLError } from 'yaml';
import { formatPath } from '../engine/errors.js';
import { canonicalHash } from '../formats/canonical-json.js';
import { exactNumber } from '../formats/exact-number.js';
import { JsonInputError, parseJson } from '../formats/json.js';
import type { Ruleset } from '../engine/types.js';
import { rulesFileSchema, toRuleset } from './schema.js';

export interface LoadedRuleset {
  ruleset: Ruleset;
  /** Where it came from (relative to the rules directory when loaded from one). */
  file: string;
  /** The document as written (after YAML/JSON parsing): what `GET /v1/rulesets/{id}` shows. */
  document: unknown;
  /** sha256 of the canonical JSON of the document: the version a settlement records. */
  hash: string;
}

export interface RulesIssue {
  file: string;
  path: string;
  message: string;
}

export class RulesLoadError extends Error {
  constructor(readonly issues: RulesIssue[]) {
    super(issues.map((i) => `${i.file}${i.path ? `: ${i.path}` : ''}: ${i.message}`).join('\n'));
    this.name = 'RulesLoadError';
  }
}

/** Validate a parsed rules document (from a file, a test case, or a what-if overlay). */
export function rulesetFromDocument(document: unknown, file: string): LoadedRuleset {
  const parsed = rulesFileSchema.safeParse(document);
  if (!parsed.success) {
    throw new RulesLoadError(parsed.error.issues.map((i) => ({ file, path: formatPath(i.path), message: i.message })));
  }
  return { ruleset: toRuleset(parsed.data), file, document, hash: canonicalHash(document) };
}

/**
 * A rules document from its text, every number kept exact: JSON through formats/json.ts, YAML with each
 * number taken from its own text (formats/exact-number.ts), so `ratio: 0.10000000000000001` reaches the
 * schema as written (and is refused there) instead of as the float 0.1. A key written twice in one
 * mapping is refused, in either.
 */
export function readRulesDocument(text: string, file: string): unknown {
  try {
    if (extname(file).toLowerCase() === '.json') return parseJson(text);
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length) throw new RulesLoadError(doc.errors.map((e) => ({ file, path: '', message: yamlProblem(e) })));
    visit(doc, {
      Scalar(_key, node) {
        if (typeof node.value === 'number' && node.source !== undefined) node.value = exactNumber(node.source, node.value);
      },
    });
    return doc.toJS();
  } catch (e) {
    if (e instanceof RulesLoadError) throw e;
    if (e instanceof JsonInputError && e.key !== undefined) {
      throw new RulesLoadError([{ file, path: formatPath([...e.path, e.key]), message: `键 "${e.key}" 出现了两次，无法确定以哪个为准` }]);
    }
    throw new RulesLoadError([{ file, path: '', message: `无法解析：${(e as Error).message}` }]);
  }
}

/** What the YAML parser found wrong, in Chinese for the bureau staff who edit the files, with its place. */
const YAML_PROBLEMS: Record<string, string> = {
  DUPLICATE_KEY: '同一层级中键重复，无法确定以哪个为准',
  BAD_INDENT: '缩进不对',
  BLOCK_AS_IMPLICIT_KEY: '缩进或冒号不对：这一行被当成了键',
  MISSING_CHAR: '缺少字符（如冒号、引号或括号）',
  MULTILINE_IMPLICIT_KEY: '键不能跨行',
  TAB_AS_INDENT: '缩进不能用制表符（Tab），请用空格',
  UNEXPECTED_TOKEN: '此处有多余或不合语法的内容',
  BAD_SCALAR_START: '值的开头不合语法（以特殊字符开头的文字请加引号）',
};

function yamlProblem(e: YAMLError): string {
  const where = e.linePos?.[0] ? `第 ${e.linePos[0].line} 行第 ${e.linePos[0].col} 列：` : '';
  return `${where}${YAML_PROBLEMS[e.code] ?? 'YAML 格式错误'}（${e.message.split('\n')[0]}）`;
}

export function parseRulesText(text: string, file: string): LoadedRuleset {
  return rulesetFromDocument(readRulesDocument(text, file), file);
}

export function loadRulesFile(path: string, displayName = path): LoadedRuleset {
  return parseRulesText(readFileSync(path, 'utf8'), displayName);
}

const RULES_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** A folder of what-if overlays beside a policy (`rules/<region>/what-if/`): variants for modelling, not policy. */
export const WHAT_IF_DIR = 'what-if';

function listRulesFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== WHAT_IF_DIR) out.push(...listRulesFiles(full));
    } else if (RULES_EXTENSIONS.has(extname(name).toLowerCase())) out.push(full);
  }
  return out;
}

/** Every rules file under a directory, all validated; every problem in every file reported at once. */
export function loadRulesDir(dir: string): LoadedRuleset[] {
  const loaded: LoadedRuleset[] = [];
  const issues: RulesIssue[] = [];
  for (const full of listRulesFiles(dir)) {
    try {
      loaded.push(loadRulesFile(full, relative(dir, full) || full));
    } catch (e) {
      if (e instanceof RulesLoadError) issues.push(...e.issues);
      else throw e;
    }
  }
  issues.push(...crossFileIssues(loaded));
  if (issues.length) throw new RulesLoadError(issues);
  return loaded;
}

/** Duplicate ids, and overlapping effective dates for one region. */
export function crossFileIssues(loaded: readonly LoadedRuleset[]): RulesIssue[] {
  const issues: RulesIssue[] = [];
  const byId = new Map<string, LoadedRuleset>();
  for (const l of loaded) {
    const other = byId.get(l.ruleset.id);
    if (other) issues.push({ file: l.file, path: 'id', message: `规则 id "${l.ruleset.id}" 与 ${other.file} 重复` });
    else byId.set(l.ruleset.id, l);
  }
  const byRegion = new Map<string, LoadedRuleset[]>();
  for (const l of loaded) byRegion.set(l.ruleset.region.code, [...(byRegion.get(l.ruleset.region.code) ?? []), l]);
  for (const group of byRegion.values()) {
    group.sort((a, b) => a.ruleset.effective.from.localeCompare(b.ruleset.effective.from));
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        const a = group[i]!.ruleset;
        const b = group[j]!.ruleset;
        if (a.effective.from <= b.effective.to && b.effective.from <= a.effective.to) {
          issues.push({
            file: group[j]!.file,
            path: 'effective',
            message: `地区 ${b.region.code}（${b.region.name}）的规则 ${b.id}（${b.effective.from}～${b.effective.to}）与 ${group[i]!.file} 的 ${a.id}（${a.effective.from}～${a.effective.to}）有效期重叠`,
          });
        }
      }
    }
  }
  return issues;
}
