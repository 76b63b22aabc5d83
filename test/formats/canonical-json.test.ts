/**
 * canonicalJson is what bill hashes (replay or conflict) and ruleset versions are computed from: its
 * output may never change, whatever is done to make it fast. The reference below is the first, plain
 * implementation; the fast one must agree with it on any JSON-like value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/formats/canonical-json.js';

function reference(v: unknown): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(v);
    case 'bigint':
      return JSON.stringify(v.toString());
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (Array.isArray(v)) return `[${v.map((x) => reference(x) ?? 'null').join(',')}]`;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return reference((v as { toJSON: () => unknown }).toJSON());
  const o = v as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(o).sort()) {
    const s = reference(o[k]);
    if (s !== undefined) parts.push(`${JSON.stringify(k)}:${s}`);
  }
  return `{${parts.join(',')}}`;
}

const value = fc.letrec((tie) => ({
  leaf: fc.oneof(fc.string({ unit: 'grapheme-composite' }), fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.bigInt()),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 5 }), fc.dictionary(fc.string(), tie('node'), { maxKeys: 6 })),
})).node;

describe('canonicalJson', () => {
  it('sorts keys at every level, drops undefined members, writes fixed-point bigints as their integer text', () => {
    expect(canonicalJson({ b: 1n, a: { d: undefined, c: [2, undefined, 'x"y'] } })).toBe('{"a":{"c":[2,null,"x\\"y"]},"b":"1"}');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson({ toJSON: () => ({ z: 1, y: 2 }) })).toBe('{"y":2,"z":1}');
  });

  it('agrees with the reference implementation on any JSON-like value', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(reference(v) ?? 'null');
      }),
      { numRuns: 2000 },
    );
  });
});
