/**
 * What-if overlays: changed values laid over a rules document by path, e.g.
 *
 *     visits.inpatient.floor.floor: 0.95          # the `floor` field of the step with id `floor`
 *     visits.inpatient.basic.ratio.county: 0.80   # one tier of a per-tier map
 *     visits.inpatient.serious.segments.0.ratio: 0.65
 *
 * Inside `visits.<visitType>` a segment names a step by its id (a number is taken as the step's index
 * only when no step has that id, and ids cannot start with a digit). Elsewhere a number indexes an array.
 *
 * A value of `null` removes the field (`visits.inpatient.assistance.aboveDeductibleOf: null`: the
 * assistance step without its tie to the serious-illness deductible).
 *
 * `populationMoves:` moves people between populations from a date (./moves.ts): "10% of the poor leave
 * the register on 1 July".
 *
 * `label: 保底比例提高到 95%` names the variant in the report (a rules file has no top-level `label`, so
 * the key cannot be a path). Without it the variant is named by its changes, in words.
 *
 * Every path is resolved before anything runs. Every segment but the last must exist; the last may
 * name a field the document does not have yet (adding a `visitCap`, say), because the result is then
 * validated with the same schema as a rules file: a misspelt field, an unknown step, a ratio above 1 or
 * a tier the file does not declare is refused with the what-if path that caused it. A typo can never
 * leave the baseline silently unchanged.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { formatPath } from '../../engine/errors.js';
import { describeRulesPath } from '../../rules/describe.js';
import { RulesLoadError, readRulesDocument, rulesetFromDocument, type LoadedRuleset, type RulesIssue } from '../../rules/load.js';
import { visitLabel } from '../../labels/labels.js';
import { MOVES_KEY, describeMove, readMoves, type PopulationMove } from './moves.js';

export interface WhatIfChange {
  /** The path as written in the what-if file. */
  path: string;
  /** Where it landed in the rules document, e.g. ["visits", "inpatient", 4, "floor"]. */
  documentPath: (string | number)[];
  /** The value before (null when the field was absent) and after. */
  before: unknown;
  after: unknown;
  /** Where it landed, in words: 住院 第 5 步「政府兜底（保底90%）」的保底比例. */
  description: string;
}

export interface Variant {
  loaded: LoadedRuleset;
  /** People moved between populations (./moves.ts); empty when the overlay moves nobody. */
  moves: PopulationMove[];
  /** How the report names the variant: the overlay's `label`, or its changes in words. */
  label: string;
  changes: WhatIfChange[];
}

/** A what-if overlay as read: { "<path>": value }. */
export type WhatIfOverlay = Record<string, unknown>;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && !(x instanceof Date);
}

function fail(file: string, path: string, message: string): never {
  throw new RulesLoadError([{ file, path, message }]);
}

/** Read a what-if file: YAML (`.yaml`, `.yml`) or JSON (`.json`), a map of path to value. */
export function parseWhatIfText(text: string, file: string): WhatIfOverlay {
  // Read as a rules file is read: every number exactly from its text, a key written twice refused.
  return checkOverlay(readRulesDocument(text, file), file);
}

export function loadWhatIfFile(path: string): WhatIfOverlay {
  return parseWhatIfText(readFileSync(path, 'utf8'), basename(path));
}

/** The overlay must be a non-empty map of path → value (and may carry a `label`). */
export function checkOverlay(doc: unknown, file: string): WhatIfOverlay {
  if (!isPlainObject(doc)) fail(file, '', '测算方案应为“路径: 新值”的映射，例如 visits.inpatient.floor.floor: 0.95');
  if (Object.keys(doc).filter((k) => k !== LABEL).length === 0) fail(file, '', '测算方案没有任何修改');
  if (LABEL in doc && (typeof doc[LABEL] !== 'string' || !doc[LABEL].trim() || doc[LABEL].length > 200)) fail(file, LABEL, '方案名称 label 应为不超过 200 字的文字');
  return doc;
}

/** The key that names a variant instead of changing it. */
const LABEL = 'label';

/** A value as the variant's name writes it: numbers and text as written, anything else as JSON. */
function plain(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

const STEP_LIST = (p: readonly (string | number)[]) => p.length === 2 && p[0] === 'visits';

/** Resolve every segment of a what-if path against the document; throws naming the path. */
function locate(document: unknown, path: string, file: string): { parent: Record<string, unknown> | unknown[]; key: string | number; documentPath: (string | number)[] } {
  const segments = path.split('.');
  if (segments.some((s) => s.trim() === '')) fail(file, path, '路径格式不对：应为用点分隔的字段名，例如 visits.inpatient.floor.floor');
  let node: unknown = document;
  const at: (string | number)[] = [];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const last = i === segments.length - 1;
    const where = at.length ? `${describeRulesPath(at, document)}（${formatPath(at)}）` : '规则文件顶层';
    if (Array.isArray(node)) {
      let index: number;
      if (STEP_LIST(at)) {
        index = node.findIndex((s) => isPlainObject(s) && s.id === seg);
        if (index === -1 && /^\d+$/.test(seg) && Number(seg) < node.length) index = Number(seg);
        if (index === -1) {
          const ids = node.map((s) => (isPlainObject(s) ? `${String(s.id)}${typeof s.name === 'string' ? `（${s.name}）` : ''}` : '?')).join('、');
          fail(file, path, `就诊类型 ${String(at[1])}（${visitLabel(String(at[1]))}）没有 id 为 “${seg}” 的步骤（现有步骤：${ids}）`);
        }
      } else {
        if (!/^\d+$/.test(seg) || Number(seg) >= node.length) fail(file, path, `${where} 是有 ${node.length} 项的列表，没有第 “${seg}” 项（序号从 0 开始）`);
        index = Number(seg);
      }
      if (last) return { parent: node, key: index, documentPath: [...at, index] };
      node = node[index];
      at.push(index);
      continue;
    }
    if (isPlainObject(node)) {
      const has = Object.prototype.hasOwnProperty.call(node, seg);
      if (last) return { parent: node, key: seg, documentPath: [...at, seg] };
      if (!has) {
        const keys = Object.keys(node).join('、');
        fail(file, path, `${where} 下没有 “${seg}”（现有：${keys}）`);
      }
      node = node[seg];
      at.push(seg);
      continue;
    }
    fail(file, path, `${where} 的值是 ${JSON.stringify(node)}，不能再往下取 “${seg}”`);
  }
  /* c8 ignore next */
  fail(file, path, '路径为空');
}

/** Is `prefix` the start of `path` at a field boundary? */
function startsWith(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/**
 * Lay the overlay over the baseline's document and validate the result. Throws a RulesLoadError whose
 * issues name the what-if paths at fault; nothing is half-applied (the baseline document is not touched).
 */
export function applyWhatIf(baseline: LoadedRuleset, overlay: WhatIfOverlay, source: string): Variant {
  checkOverlay(overlay, source);
  const document = structuredClone(baseline.document);
  const changes: WhatIfChange[] = [];
  const issues: RulesIssue[] = [];
  let moves: PopulationMove[] = [];
  for (const [path, value] of Object.entries(overlay)) {
    if (path === LABEL) continue;
    if (path === MOVES_KEY) {
      const read = readMoves(value, baseline.ruleset.populations);
      issues.push(...read.issues.map((i) => ({ file: source, path: i.path, message: i.message })));
      moves = read.moves;
      continue;
    }
    try {
      const { parent, key, documentPath } = locate(document, path, source);
      const before = (parent as Record<string | number, unknown>)[key];
      if (value === null && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key];
      else (parent as Record<string | number, unknown>)[key] = value;
      const description = describeRulesPath(documentPath, baseline.document);
      changes.push({ path, documentPath, before: before === undefined ? null : before, after: value, description });
    } catch (e) {
      if (e instanceof RulesLoadError) issues.push(...e.issues);
      else throw e;
    }
  }
  // Validate what could be applied even when some paths could not be found, so that every mistake
  // (a missing step and a misspelt field alike) is reported in one go.
  let loaded: LoadedRuleset | null = null;
  try {
    loaded = rulesetFromDocument(document, source);
  } catch (e) {
    if (!(e instanceof RulesLoadError)) throw e;
    // Name the what-if path whose landing place contains the bad field; the rules path goes in the message.
    const located = changes.map((c) => ({ c, at: formatPath(c.documentPath) }));
    for (const i of e.issues) {
      const hit = located.find((l) => startsWith(i.path, l.at)) ?? located.find((l) => startsWith(l.at, i.path) && i.path !== '');
      issues.push(
        hit
          ? { file: source, path: hit.c.path, message: `${i.message}（改动后：${describeRulesPath(i.path, document)}）` }
          : { file: source, path: i.path, message: `改动后的规则不合法：${describeRulesPath(i.path, document)}：${i.message}` },
      );
    }
  }
  if (issues.length || !loaded) throw new RulesLoadError(issues);
  const named = typeof overlay[LABEL] === 'string' ? overlay[LABEL].trim() : '';
  const out = changes.map((c) => ({ ...c, before: jsonable(c.before), after: jsonable(c.after) }));
  const words = [...out.map((c) => (c.after === null ? `删去${c.description}` : `${c.description}改为 ${plain(c.after)}`)), ...moves.map(describeMove)];
  return { loaded, moves, label: named || words.join('；'), changes: out };
}

/** Values as the report shows them (YAML dates as ISO text). */
function jsonable(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x ?? null, (_k, v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))) as unknown;
}
