/**
 * What a step of a rules document cites, read from the document as written (the engine's ruleset keeps
 * no annotations): the step's source and the clause its values come from, and each field's own source
 * and clause (`cite`). A clause is always a list of passages here, whether the file wrote one passage or
 * several. Read defensively: the document is the stored one of any ruleset version, old ones included.
 */

export interface StepClauses {
  /** The passages of the step's `source` its values come from; null when the file quotes none. */
  clause: string[] | null;
  /** Per field listed in `cite`: its source (the step's when the entry names none) and its passages, or null. */
  fields: Record<string, { source: string | undefined; clause: string[] | null }>;
}

const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

/** A `clause` value as a list of passages (null when absent or empty). */
export function passages(value: unknown): string[] | null {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : [];
  const out = list.map((t) => t.trim()).filter(Boolean);
  return out.length ? out : null;
}

export function stepClauses(step: unknown): StepClauses {
  const s = isObject(step) ? step : {};
  const own = typeof s.source === 'string' ? s.source : undefined;
  const fields: StepClauses['fields'] = {};
  for (const [field, c] of Object.entries(isObject(s.cite) ? s.cite : {})) {
    if (typeof c === 'string') fields[field] = { source: c, clause: null };
    else if (isObject(c)) fields[field] = { source: typeof c.source === 'string' ? c.source : own, clause: passages(c.clause) };
  }
  return { clause: passages(s.clause), fields };
}

/** The step named by id in a visit type of a rules document, as written. */
export function documentStep(document: unknown, visitType: string, stepId: string): Record<string, unknown> | undefined {
  const visits = isObject(document) && isObject(document.visits) ? document.visits : undefined;
  const pipeline = visits && Object.prototype.hasOwnProperty.call(visits, visitType) ? visits[visitType] : undefined;
  if (!Array.isArray(pipeline)) return undefined;
  return pipeline.find((x): x is Record<string, unknown> => isObject(x) && x.id === stepId);
}
