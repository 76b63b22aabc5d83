/**
 * Loading rules files (YAML or JSON) from disk: validated, hashed, and checked against each other.
 *
 * A bad file is refused with the file, the field path and what is wrong; two files for one region
 * whose effective dates overlap are refused, since a discharge date must choose exactly one policy.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { formatPath } from '../engine/errors.js';
import { canonicalHash } from '../formats/canonical-json.js';
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

export function parseRulesText(text: string, file: string): LoadedRuleset {
  let document: unknown;
  try {
    document = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (e) {
    throw new RulesLoadError([{ file, path: '', message: `无法解析：${(e as Error).message}` }]);
  }
  return rulesetFromDocument(document, file);
}

export function loadRulesFile(path: string, displayName = path): LoadedRuleset {
  return parseRulesText(readFileSync(path, 'utf8'), displayName);
}

const RULES_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

function listRulesFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listRulesFiles(full));
    else if (RULES_EXTENSIONS.has(extname(name).toLowerCase())) out.push(full);
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
