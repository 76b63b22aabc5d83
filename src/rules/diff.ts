/**
 * What changed between two rules documents, value by value: for bureau staff who edit the files and for
 * whoever reviews the change (`onestop rules diff A B`). Steps are matched by their id within a visit
 * type, so a reordered or inserted step is not read as every step having changed; each change carries
 * the source its step cites (the step's `source`, or a field's own `cite`) and the clause quoted from it.
 */
import { stepClauses } from './clauses.js';

export interface RulesChange {
  /** Where, as people read it: `visits.inpatient.assistance.ratio`, `effective.to`. */
  path: string;
  kind: 'changed' | 'added' | 'removed';
  before: unknown;
  after: unknown;
  /** The source id the value cites in the document it comes from (the new one, or the old one for a removal). */
  source?: string;
  /** The words of that source the value comes from (the field's own clause, else its step's), when the file quotes them. */
  clause?: string[];
}

type Doc = Record<string, unknown>;

const isObject = (x: unknown): x is Doc => x !== null && typeof x === 'object' && !Array.isArray(x);

/** Keys that annotate rather than price: compared too, but listed after the values that pay. */
const ANNOTATIONS = new Set(['name', 'note', 'notes', 'cite', 'clause', 'estimates', 'title']);

export function diffRules(before: Doc, after: Doc): RulesChange[] {
  const out: RulesChange[] = [];
  for (const key of union(Object.keys(before), Object.keys(after))) {
    if (key === 'visits') continue;
    compare(key, before[key], after[key], undefined, undefined, out);
  }
  const va = isObject(before.visits) ? before.visits : {};
  const vb = isObject(after.visits) ? after.visits : {};
  for (const visitType of union(Object.keys(va), Object.keys(vb))) {
    const sa = stepsById(va[visitType]);
    const sb = stepsById(vb[visitType]);
    for (const id of union([...sa.keys()], [...sb.keys()])) {
      const a = sa.get(id);
      const b = sb.get(id);
      const path = `visits.${visitType}.${id}`;
      if (!a) out.push({ path, kind: 'added', before: undefined, after: b, ...citedBy(b, undefined) });
      else if (!b) out.push({ path, kind: 'removed', before: a, after: undefined, ...citedBy(a, undefined) });
      else {
        const changes: RulesChange[] = [];
        for (const field of union(Object.keys(a), Object.keys(b))) compare(`${path}.${field}`, a[field], b[field], b, field, changes);
        changes.sort((x, y) => Number(ANNOTATIONS.has(lastField(x.path))) - Number(ANNOTATIONS.has(lastField(y.path))));
        out.push(...changes);
      }
    }
  }
  return out;
}

function lastField(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

function stepsById(list: unknown): Map<string, Doc> {
  const out = new Map<string, Doc>();
  if (Array.isArray(list)) list.forEach((s, i) => isObject(s) && out.set(typeof s.id === 'string' ? s.id : `#${i}`, s));
  return out;
}

/**
 * The source a step's field cites and the clause it is quoted from: the field's own `cite` entry (by its
 * top-level name), else the step's source and clause (no clause for a field the file marks as an estimate).
 */
function citedBy(step: Doc | undefined, field: string | undefined): { source?: string; clause?: string[] } {
  if (!step) return {};
  const top = field?.split('.')[0];
  const c = top !== undefined ? stepClauses(step).fields[top] : undefined;
  const estimated = top !== undefined && isObject(step.estimates) && top in step.estimates;
  const source = c ? c.source : typeof step.source === 'string' ? step.source : undefined;
  const clause = c ? c.clause : estimated ? null : stepClauses(step).clause;
  return { ...(source !== undefined ? { source } : {}), ...(clause ? { clause } : {}) };
}

function compare(path: string, a: unknown, b: unknown, step: Doc | undefined, field: string | undefined, out: RulesChange[]): void {
  if (same(a, b)) return;
  const source = citedBy(step, field);
  if (a === undefined) return void out.push({ path, kind: 'added', before: undefined, after: b, ...source });
  if (b === undefined) return void out.push({ path, kind: 'removed', before: a, after: undefined, ...source });
  if (isObject(a) && isObject(b)) {
    for (const k of union(Object.keys(a), Object.keys(b))) compare(`${path}.${k}`, a[k], b[k], step, field, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x) => isObject(x)) && b.every((x) => isObject(x))) {
    a.forEach((x, i) => compare(`${path}.${i}`, x, b[i], step, field, out));
    return;
  }
  out.push({ path, kind: 'changed', before: a, after: b, ...source });
}

/** Equal as values: "0.90", 0.9 and "0.9" are one ratio; lists and maps compared member by member. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((typeof a === 'number' || typeof a === 'string') && (typeof b === 'number' || typeof b === 'string')) {
    const decimal = /^-?\d+(\.\d+)?$/;
    return decimal.test(String(a).trim()) && decimal.test(String(b).trim()) && normal(String(a)) === normal(String(b));
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = union(Object.keys(a), Object.keys(b));
    return keys.every((k) => same(a[k], b[k]));
  }
  return false;
}

/** A plain decimal's text without a sign on zero, leading zeros or trailing fractional zeros. */
function normal(text: string): string {
  const t = text.trim();
  const neg = t.startsWith('-');
  let [int = '0', frac = ''] = t.replace(/^-/, '').split('.');
  int = int.replace(/^0+(?=\d)/, '');
  frac = frac.replace(/0+$/, '');
  const body = frac ? `${int}.${frac}` : int;
  return neg && body !== '0' ? `-${body}` : body;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}
