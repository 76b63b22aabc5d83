/**
 * Canonical JSON: object keys sorted at every level, so the same document (a policy, a bill, an audit
 * entry) always gives the same text and the same hash, whatever order its keys were written in.
 * Fixed-point amounts (bigint) are written as their integer text in quotes; `undefined` members are
 * left out, as JSON.stringify does.
 */
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  return writeCanonical(value) ?? 'null';
}

/** sha256 of the canonical JSON, hex. */
export function canonicalHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** `"key":` for the keys seen so far: bills and policies use a small, fixed set of keys. */
const quotedKeys = new Map<string, string>();

function quotedKey(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = `${JSON.stringify(k)}:`;
    if (quotedKeys.size < 10_000) quotedKeys.set(k, q);
  }
  return q;
}

/**
 * Key lists seen before and their sorted order: a bill's objects come in a few fixed shapes (the schema's
 * output order), so the sort is looked up rather than done again. Compared key by key; small and bounded.
 */
const sortedCache: { keys: string[]; sorted: string[] }[] = [];

/** The keys of an object in sorted order (JavaScript's default sort, by UTF-16 code unit). */
function sortedKeys(o: object): string[] {
  const keys = Object.keys(o);
  search: for (let c = 0; c < sortedCache.length; c++) {
    const hit = sortedCache[c]!;
    if (hit.keys.length !== keys.length) continue;
    for (let i = 0; i < keys.length; i++) if (hit.keys[i] !== keys[i]) continue search;
    return hit.sorted;
  }
  let sorted = keys;
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      sorted = [...keys].sort();
      break;
    }
  }
  if (sortedCache.length < 64) sortedCache.push({ keys, sorted });
  return sorted;
}

// String concatenation rather than arrays joined: this hashes every bill a window posts.
function writeCanonical(v: unknown): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
    case 'boolean':
      return String(JSON.stringify(v));
    case 'bigint':
      return `"${v.toString()}"`;
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out += ',';
      out += writeCanonical(v[i]) ?? 'null';
    }
    return `${out}]`;
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return writeCanonical((v as { toJSON: () => unknown }).toJSON());
  const o = v as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const k of sortedKeys(o)) {
    const s = writeCanonical(o[k]);
    if (s === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += quotedKey(k) + s;
  }
  return `${out}}`;
}
