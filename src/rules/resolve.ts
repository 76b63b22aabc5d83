/**
 * `--rules FILE_OR_ID`: a path to a rules file, or the id of a ruleset under the rules directory
 * (`ONESTOP_RULES`, default `rules/`).
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SettlementError } from '../engine/errors.js';
import { loadRulesDir, loadRulesFile, type LoadedRuleset } from './load.js';

export function defaultRulesDir(): string {
  return resolve(process.env.ONESTOP_RULES ?? 'rules');
}

export function resolveRuleset(fileOrId: string, rulesDir = defaultRulesDir()): LoadedRuleset {
  if (existsSync(fileOrId) && statSync(fileOrId).isFile()) return loadRulesFile(fileOrId);
  const all = existsSync(rulesDir) ? loadRulesDir(rulesDir) : [];
  const hit = all.find((l) => l.ruleset.id === fileOrId);
  if (hit) return hit;
  // Name what exists, so a mistyped id is put right without opening the rules directory.
  const known = all.map((l) => `${l.ruleset.id}（${l.ruleset.title}）`);
  throw new SettlementError(
    'RULESET_NOT_FOUND',
    `找不到规则文件或规则 id "${fileOrId}"。${known.length ? `规则目录 ${rulesDir} 中现有的规则：${known.join('、')}` : `规则目录 ${rulesDir} 中没有规则文件`}`,
  );
}
