/** Where two JSON documents differ, leaf by leaf, with paths like `steps[0].payout` and `funds.basic`. */
export interface Difference {
  path: string;
  stored: unknown;
  recomputed: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`;
}

export function diffJson(stored: unknown, recomputed: unknown, path = '', out: Difference[] = []): Difference[] {
  if (Array.isArray(stored) && Array.isArray(recomputed)) {
    const n = Math.max(stored.length, recomputed.length);
    for (let i = 0; i < n; i++) diffJson(stored[i], recomputed[i], join(path, i), out);
    return out;
  }
  if (isObject(stored) && isObject(recomputed)) {
    const keys = [...new Set([...Object.keys(stored), ...Object.keys(recomputed)])].sort();
    for (const k of keys) diffJson(stored[k], recomputed[k], join(path, k), out);
    return out;
  }
  if (JSON.stringify(stored) !== JSON.stringify(recomputed)) out.push({ path, stored: stored ?? null, recomputed: recomputed ?? null });
  return out;
}
