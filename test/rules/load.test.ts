import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettlementError } from '../../src/engine/errors.js';
import { RulesLoadError, loadRulesDir, parseRulesText } from '../../src/rules/load.js';
import { RuleBook, regionLineage } from '../../src/rules/select.js';

const RULES_DIR = join(import.meta.dirname, '..', '..', 'rules');

const minimal = (over: Record<string, string> = {}) => `
id: ${over.id ?? 't-2018'}
title: test
region: { code: "${over.region ?? '152200'}", name: 兴安盟 }
effective: { from: ${over.from ?? '2018-01-01'}, to: ${over.to ?? '2018-12-31'} }
sources: [ { id: s1, title: test } ]
tiers: [county]
populations: [poverty, resident]
visits:
  inpatient:
    - { id: basic, fund: basic, kind: coinsurance, ratio: "0.80", ${over.extra ?? ''} source: s1 }
`;

function loadError(text: string, file = 'rules/x.yaml'): RulesLoadError {
  try {
    parseRulesText(text, file);
  } catch (e) {
    if (e instanceof RulesLoadError) return e;
    throw e;
  }
  throw new Error('expected the file to be refused');
}

describe('rules loader', () => {
  it('loads every policy file shipped under rules/, with distinct ids and no overlaps', () => {
    const loaded = loadRulesDir(RULES_DIR);
    const ids = loaded.map((l) => l.ruleset.id).sort();
    expect(ids).toEqual(['neimenggu-2016', 'wulanchabu-2019', 'xingan-2018', 'zhuozi-2016']);
    for (const l of loaded) expect(l.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the shipped policy files cite a declared source on every step', () => {
    for (const l of loadRulesDir(RULES_DIR)) {
      const ids = new Set(l.ruleset.sources.map((s) => s.id));
      for (const steps of Object.values(l.ruleset.visits)) for (const s of steps) expect(ids.has(s.source ?? ''), `${l.file} ${s.id}`).toBe(true);
    }
  });

  it('refuses a misspelt field, naming the file and the field path', () => {
    const e = loadError(minimal({ extra: 'annualCapp: "100.00",' }), 'rules/152200-xingan/2018.yaml');
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({ file: 'rules/152200-xingan/2018.yaml', path: 'visits.inpatient[0]' });
    expect(e.message).toContain('rules/152200-xingan/2018.yaml: visits.inpatient[0]');
    expect(e.message).toContain('annualCapp');
  });

  it('refuses a bad value with its path', () => {
    const e = loadError(minimal().replace('ratio: "0.80"', 'ratio: "1.5"'));
    expect(e.issues[0]!.path).toBe('visits.inpatient[0].ratio');
    expect(e.issues[0]!.message).toContain('不能大于 1');
  });

  it('refuses a source, population or tier that the file does not declare', () => {
    expect(loadError(minimal().replace('source: s1 }', 'source: s9 }')).issues[0]!.path).toBe('visits.inpatient[0].source');
    expect(loadError(minimal({ extra: 'only: [dibao],' })).issues[0]!.path).toBe('visits.inpatient[0].only');
    expect(loadError(minimal().replace('ratio: "0.80"', 'ratio: { county: "0.8", countyy: "0.7" }')).issues[0]!.path).toBe(
      'visits.inpatient[0].ratio.countyy',
    );
  });

  it('reads amounts and ratios exactly, written as numbers or strings', () => {
    const a = parseRulesText(minimal().replace('ratio: "0.80"', 'ratio: 0.8, annualCap: 150000.10'), 'a.yaml');
    const step = a.ruleset.visits.inpatient![0]!;
    expect(step.kind === 'coinsurance' && step.annualCap).toBe(1_500_001_000_000_000n); // 150,000.10 yuan in 10^-10 units
  });

  it('refuses overlapping effective dates for one region, and duplicate ids', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a', '2018.yaml'), minimal({ id: 'a-2018' }));
    writeFileSync(join(dir, 'a', '2018b.yaml'), minimal({ id: 'b-2018', from: '2018-12-31', to: '2019-12-31' }));
    writeFileSync(join(dir, 'other.yaml'), minimal({ id: 'a-2018', region: '150900' }));
    let err: RulesLoadError | undefined;
    try {
      loadRulesDir(dir);
    } catch (e) {
      err = e as RulesLoadError;
    }
    expect(err).toBeInstanceOf(RulesLoadError);
    const messages = err!.issues.map((i) => `${i.file} ${i.path} ${i.message}`);
    expect(messages.some((m) => m.includes('有效期重叠') && m.includes('b-2018') && m.includes('a-2018'))).toBe(true);
    expect(messages.some((m) => m.includes('id') && m.includes('重复'))).toBe(true);
  });

  it('every sourced step of the shipped files quotes its clause', () => {
    for (const l of loadRulesDir(RULES_DIR)) {
      const visits = (l.document as { visits: Record<string, { id: string; source?: string; clause?: unknown }[]> }).visits;
      for (const steps of Object.values(visits)) for (const s of steps) if (s.source) expect(s.clause, `${l.file} ${s.id}`).toBeTruthy();
    }
  });
});

describe('clauses (the quoted words a value comes from)', () => {
  /** The minimal file with the step's source line replaced by `step`. */
  const withStep = (step: string) => minimal().replace('source: s1 }', `${step} }`);

  it('accepts a clause, a list of clauses, and a field clause with or without its own source', () => {
    const one = parseRulesText(withStep('source: s1, clause: "报销比例为80%"'), 'a.yaml');
    expect((one.document as { visits: { inpatient: { clause: unknown }[] } }).visits.inpatient[0]!.clause).toBe('报销比例为80%');
    expect(() => parseRulesText(withStep('source: s1, clause: ["报销比例为80%", "年度封顶"]'), 'a.yaml')).not.toThrow();
    const text = minimal()
      .replace('sources: [ { id: s1, title: test } ]', 'sources: [ { id: s1, title: test }, { id: s2, title: other } ]')
      .replace('source: s1 }', 'source: s1, annualCap: "100.00", cite: { ratio: { clause: "按80%报销" }, annualCap: { source: s2, clause: "封顶100元" } } }');
    expect(() => parseRulesText(text, 'a.yaml')).not.toThrow();
  });

  it('refuses a clause on a step with no source, naming the step’s clause', () => {
    const e = loadError(withStep('clause: "报销比例为80%"'));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({ path: 'visits.inpatient[0].clause' });
    expect(e.issues[0]!.message).toContain('没有注明来源');
    // A field clause without a source of its own, on a step with none, has no document either.
    const f = loadError(withStep('cite: { ratio: { clause: "按80%报销" } }'));
    expect(f.issues.map((i) => i.path)).toEqual(['visits.inpatient[0].cite.ratio.clause']);
  });

  it('refuses an empty clause, an empty list, a blank passage and an empty field citation', () => {
    for (const [clause, path] of [
      ['""', 'visits.inpatient[0].clause'],
      ['"   "', 'visits.inpatient[0].clause'],
      ['[]', 'visits.inpatient[0].clause'],
      ['["报销比例为80%", ""]', 'visits.inpatient[0].clause[1]'],
    ] as const) {
      const e = loadError(withStep(`source: s1, clause: ${clause}`));
      expect(e.issues.map((i) => i.path), clause).toEqual([path]);
      expect(e.issues[0]!.message, clause).toMatch(/原文（clause）不能为空/);
    }
    const e = loadError(withStep('source: s1, cite: { ratio: {} }'));
    expect(e.issues[0]).toMatchObject({ path: 'visits.inpatient[0].cite.ratio' });
    expect(e.issues[0]!.message).toContain('source（来源 id）或 clause（原文）');
  });

  it('refuses a clause for a value marked as an estimate, and an undeclared field source', () => {
    const e = loadError(withStep('source: s1, cite: { ratio: { clause: "按80%报销" } }, estimates: { ratio: "未找到公开数值" }'));
    expect(e.issues.map((i) => i.path)).toEqual(['visits.inpatient[0].cite.ratio.clause']);
    expect(e.issues[0]!.message).toContain('估计值');
    expect(loadError(withStep('source: s1, cite: { ratio: { source: s9, clause: "x" } }')).issues.map((i) => i.path)).toEqual(['visits.inpatient[0].cite.ratio.source']);
  });
});

describe('choosing a ruleset', () => {
  const book = new RuleBook(loadRulesDir(RULES_DIR));

  it('walks a county up to its league and region', () => {
    expect(regionLineage('150921')).toEqual(['150921', '150900', '150000']);
    expect(regionLineage('152200')).toEqual(['152200', '150000']);
  });

  it('chooses by region and discharge date, most specific first', () => {
    expect(book.select('152200', '2018-06-30').ruleset.id).toBe('xingan-2018');
    expect(book.select('152201', '2018-06-30').ruleset.id).toBe('xingan-2018');
    expect(book.select('150921', '2016-03-01').ruleset.id).toBe('zhuozi-2016');
    // Zhuozi has no 2017 file of its own: the autonomous region's 2016-2017 rule applies.
    expect(book.select('150921', '2017-03-01').ruleset.id).toBe('neimenggu-2016');
  });

  it('is an error, never a zero payout, when no ruleset covers the date', () => {
    expect(() => book.select('152200', '2030-01-01')).toThrow(SettlementError);
    try {
      book.select('152200', '2030-01-01');
    } catch (e) {
      expect((e as SettlementError).code).toBe('DATE_NOT_COVERED');
    }
  });
});
