/**
 * A path in a rules document in words, for the finance officer whose what-if it is and the bureau
 * officer who edits the file: `visits.inpatient[4].floor` → 住院 第 5 步「政府兜底（保底90%）」的保底比例.
 * The step is found by its index in the document the path belongs to, so its own name is used.
 */
import { POPULATION_LABELS, RULES_FIELD_LABELS, STEP_FIELD_LABELS, TIER_LABELS, labelOf, visitLabel } from '../labels/labels.js';

/** `visits.inpatient[4].floor` → ['visits', 'inpatient', 4, 'floor'] (a path as formatPath writes it). */
export function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : /^\d+$/.test(m[1]!) ? Number(m[1]) : m[1]!);
  return out;
}

const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

/** The words for a path; `document` gives the steps' names (without it, their ids). */
export function describeRulesPath(path: string | readonly (string | number)[], document?: unknown): string {
  const segs = typeof path === 'string' ? parsePath(path) : [...path];
  if (!segs.length) return '规则文件顶层';
  const doc = isObject(document) ? document : {};
  if (segs[0] !== 'visits') {
    const [first, ...rest] = segs;
    const words = [labelOf(RULES_FIELD_LABELS, String(first))];
    for (const s of rest) words.push(typeof s === 'number' ? `第 ${s + 1} 项` : labelOf(RULES_FIELD_LABELS, s));
    return words.join(' ');
  }
  if (segs.length === 1) return '就诊类型';
  const type = String(segs[1]);
  const words = [visitLabel(type)];
  if (segs.length === 2) return `${words[0]}的各步骤`;
  const pipeline = isObject(doc.visits) && Array.isArray(doc.visits[type]) ? (doc.visits[type] as unknown[]) : [];
  const at = segs[2]!;
  const index = typeof at === 'number' ? at : pipeline.findIndex((s) => isObject(s) && s.id === at);
  const step = index >= 0 && isObject(pipeline[index]) ? (pipeline[index] as Record<string, unknown>) : undefined;
  const name = typeof step?.name === 'string' ? step.name : typeof step?.id === 'string' ? step.id : typeof at === 'string' ? at : undefined;
  words.push(`${index >= 0 ? `第 ${index + 1} 步` : '步骤'}${name ? `「${name}」` : ''}`);
  const fields = segs.slice(3);
  if (!fields.length) return words.join(' ');
  // Each field a part; a tier, a population or a cited field goes in brackets after the part it qualifies;
  // `segments` and `deductible` give way to what is inside them (第 1 段, 每次起付线).
  const parts: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const parent = i === 0 ? undefined : fields[i - 1];
    const bracket = (label: string) => (parts.length ? (parts[parts.length - 1] += `（${label}）`) : parts.push(label));
    if (typeof f === 'number') {
      if (parent === 'segments') parts[parts.length - 1] = `第 ${f + 1} 段`;
      else bracket(`第 ${f + 1} 项`);
    } else if (parent === 'adjust') bracket(labelOf(POPULATION_LABELS, f));
    else if (i > 0 && Object.prototype.hasOwnProperty.call(TIER_LABELS, f)) bracket(labelOf(TIER_LABELS, f));
    else if (parent === 'cite') parts[parts.length - 1] = `${labelOf(STEP_FIELD_LABELS, f)}的依据`;
    // A field's own citation: its source, and its clause (the words quoted from it).
    else if (i >= 2 && fields[i - 2] === 'cite' && (f === 'source' || f === 'clause')) parts[parts.length - 1] += f === 'source' ? '来源' : '原文';
    else if (parent === 'estimates') bracket(labelOf(STEP_FIELD_LABELS, f));
    else if (parent === 'deductible') parts[parts.length - 1] = labelOf(STEP_FIELD_LABELS, f);
    else parts.push(labelOf(STEP_FIELD_LABELS, f));
  }
  const what = parts.join('的');
  return `${words.join(' ')}的${what}`;
}
