/**
 * The folders of src/ import one another without a cycle, and only cli/ imports cli/ (scripts/layers.mjs,
 * `npm run check:layers`). A cycle means a rule or a use case sits in the wrong folder.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script, without types
import { folderGraph, layerProblems } from '../scripts/layers.mjs';

describe('the layers of src/', () => {
  it('have no import cycle between folders, and nothing but cli/ imports cli/', () => {
    const edges = folderGraph() as Map<string, Set<string>>;
    expect(edges.size).toBeGreaterThan(10);
    expect(layerProblems(edges)).toEqual({ cycles: [], cliUsers: [] });
  });

  it('would name a cycle and a library folder that imports cli/', () => {
    const edges = new Map([
      ['store', new Set(['settle'])],
      ['settle', new Set(['store'])],
      ['model', new Set(['cli'])],
      ['cli', new Set(['model'])],
    ]);
    const found = layerProblems(edges) as { cycles: string[][]; cliUsers: string[] };
    expect(found.cycles.sort()).toEqual([['cli', 'model'], ['settle', 'store']]);
    expect(found.cliUsers).toEqual(['model']);
  });
});
