/**
 * Shared accumulators within one visit type (SETTLEMENT.md §4, §6): two `segmented` steps, or two
 * `outOfPocketCap` steps, that share an accumulator and can both run for one person would count the
 * same visit twice in it (the cumulative amount, or the patient's payments). The loader refuses that,
 * at the later step's `accumulator`; steps whose `only` lists are disjoint never both run, and load
 * (rules/150900-wulanchabu/2019.yaml: seriousResident and seriousPoverty share `serious`).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RulesLoadError, loadRulesDir, parseRulesText } from '../../src/rules/load.js';

const RULES_DIR = join(import.meta.dirname, '..', '..', 'rules');

/** A rules file whose visit types hold the given steps (YAML flow mappings, one per line). */
function rulesText(visits: Record<string, string[]>): string {
  const body = Object.entries(visits)
    .map(([type, steps]) => `  ${type}:\n${steps.map((s) => `    - ${s}`).join('\n')}`)
    .join('\n');
  return `
id: acc-2018
title: test
region: { code: "152200", name: 兴安盟 }
effective: { from: 2018-01-01, to: 2018-12-31 }
sources: [ { id: s1, title: test } ]
tiers: [county]
populations: [poverty, resident, dibao]
visits:
${body}
`;
}

const segmented = (id: string, extra = '') =>
  `{ id: ${id}, fund: seriousIllness, kind: segmented, deductible: { annual: 1000 }, segments: [ { upTo: 50000, ratio: "0.5" }, { ratio: "0.6" } ], ${extra} }`;
const oop = (id: string, extra = '') => `{ id: ${id}, fund: backstop, kind: outOfPocketCap, cap: 5000, ${extra} }`;
const coinsurance = (id: string, extra = '') => `{ id: ${id}, fund: basic, kind: coinsurance, ratio: "0.8", annualCap: 100000, ${extra} }`;
const basic = coinsurance('basic');

function loadError(text: string): RulesLoadError {
  try {
    parseRulesText(text, 'rules/x.yaml');
  } catch (e) {
    if (e instanceof RulesLoadError) return e;
    throw e;
  }
  throw new Error('expected the file to be refused');
}

/** The paths of the issues about shared accumulators. */
function accumulatorPaths(text: string): string[] {
  return loadError(text)
    .issues.filter((i) => i.path.endsWith('.accumulator'))
    .map((i) => i.path);
}

describe.each([
  ['segmented', segmented],
  ['outOfPocketCap', oop],
] as const)('two %s steps of one visit type sharing an accumulator', (_kind, make) => {
  it('are refused when neither names its populations, at the later step\'s accumulator', () => {
    const e = loadError(rulesText({ inpatient: [basic, make('a', 'accumulator: shared,'), make('b', 'accumulator: shared,')] }));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({ file: 'rules/x.yaml', path: 'visits.inpatient[2].accumulator' });
    // the message names both steps and the accumulator
    expect(e.issues[0]!.message).toContain('a');
    expect(e.issues[0]!.message).toContain('b');
    expect(e.issues[0]!.message).toContain('"shared"');
    expect(e.message).toContain('rules/x.yaml: visits.inpatient[2].accumulator');
  });

  it('are refused when only one of them names its populations (the other runs for everyone)', () => {
    expect(accumulatorPaths(rulesText({ inpatient: [make('a', 'accumulator: shared, only: [poverty],'), make('b', 'accumulator: shared,')] }))).toEqual([
      'visits.inpatient[1].accumulator',
    ]);
    expect(accumulatorPaths(rulesText({ inpatient: [make('a', 'accumulator: shared,'), make('b', 'accumulator: shared, only: [dibao],')] }))).toEqual([
      'visits.inpatient[1].accumulator',
    ]);
  });

  it('are refused when their `only` lists intersect', () => {
    // resident gets both
    const text = rulesText({
      inpatient: [make('a', 'accumulator: shared, only: [poverty, resident],'), basic, make('b', 'accumulator: shared, only: [resident, dibao],')],
    });
    expect(accumulatorPaths(text)).toEqual(['visits.inpatient[2].accumulator']);
    // identical lists
    expect(accumulatorPaths(rulesText({ inpatient: [make('a', 'accumulator: shared, only: [poverty],'), make('b', 'accumulator: shared, only: [poverty],')] }))).toEqual([
      'visits.inpatient[1].accumulator',
    ]);
  });

  it('are refused when the later step names the earlier step\'s own id as its accumulator', () => {
    expect(accumulatorPaths(rulesText({ inpatient: [make('a'), make('b', 'accumulator: a,')] }))).toEqual(['visits.inpatient[1].accumulator']);
  });

  it('are refused in any visit type, at the step that overlaps an earlier one', () => {
    const text = rulesText({
      inpatient: [basic],
      outpatient: [make('a', 'accumulator: shared, only: [poverty],'), make('b', 'accumulator: shared, only: [resident],'), make('c', 'accumulator: shared,')],
    });
    // c overlaps a (poverty) and b (resident); a and b are disjoint
    expect(new Set(accumulatorPaths(text))).toEqual(new Set(['visits.outpatient[2].accumulator']));
  });

  it('load when their `only` lists are disjoint', () => {
    const { ruleset } = parseRulesText(
      rulesText({
        inpatient: [basic, make('a', 'accumulator: shared, only: [resident],'), make('b', 'accumulator: shared, only: [poverty, dibao],')],
      }),
      'rules/x.yaml',
    );
    expect(ruleset.visits.inpatient!.map((s) => [s.id, s.accumulator, s.only])).toEqual([
      ['basic', 'basic', undefined],
      ['a', 'shared', ['resident']],
      ['b', 'shared', ['poverty', 'dibao']],
    ]);
  });

  it('load when they share across visit types (one year-to-date value for inpatient and outpatient)', () => {
    expect(() => parseRulesText(rulesText({ inpatient: [make('a', 'accumulator: shared,')], outpatient: [make('b', 'accumulator: shared,')] }), 'rules/x.yaml')).not.toThrow();
  });

  it('load when they do not share', () => {
    expect(() => parseRulesText(rulesText({ inpatient: [make('a'), make('b')] }), 'rules/x.yaml')).not.toThrow();
  });
});

describe('the rule is about one kind of step', () => {
  it('a segmented step and an out-of-pocket cap may not share at all (the older rule: they count different things)', () => {
    const e = loadError(rulesText({ inpatient: [segmented('a', 'accumulator: shared,'), oop('b', 'accumulator: shared,')] }));
    expect(e.issues.map((i) => i.path)).toEqual(['visits.inpatient[1].accumulator']);
  });

  it('coinsurance steps may still share one annual cap for everyone', () => {
    expect(() =>
      parseRulesText(rulesText({ inpatient: [coinsurance('a', 'accumulator: shared,'), coinsurance('b', 'accumulator: shared,')] }), 'rules/x.yaml'),
    ).not.toThrow();
  });
});

describe('the shipped Wulanchabu 2019 file', () => {
  it('shares the serious-illness accumulator between two segmented steps with disjoint populations, and loads', () => {
    const wulanchabu = loadRulesDir(RULES_DIR).find((l) => l.ruleset.id === 'wulanchabu-2019');
    expect(wulanchabu).toBeDefined();
    const serious = wulanchabu!.ruleset.visits.inpatient!.filter((s) => s.kind === 'segmented' && s.accumulator === 'serious');
    expect(serious.map((s) => [s.id, s.only])).toEqual([
      ['seriousResident', ['resident']],
      ['seriousPoverty', ['poverty']],
    ]);
  });
});
