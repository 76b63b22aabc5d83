/**
 * A rules path in words (src/rules/describe.ts), for the clause keys: what a what-if's change or a
 * rules problem names when it touches the words a value is quoted from.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRulesPath } from '../../src/rules/describe.js';
import { loadRulesDir } from '../../src/rules/load.js';

const xingan = loadRulesDir(join(import.meta.dirname, '..', '..', 'rules')).find((l) => l.ruleset.id === 'xingan-2018')!;

describe('describeRulesPath: clauses', () => {
  it('names a step’s clause, one of its passages, and a field’s own source and clause', () => {
    const d = (p: string) => describeRulesPath(p, xingan.document);
    expect(d('visits.inpatient[4].clause')).toBe('住院 第 5 步「政府兜底（保底90%）」的依据原文');
    expect(d('visits.inpatient[4].clause[1]')).toBe('住院 第 5 步「政府兜底（保底90%）」的依据原文（第 2 项）');
    expect(d('visits.inpatient[4].cite.denominator')).toBe('住院 第 5 步「政府兜底（保底90%）」的比例的分母的依据');
    expect(d('visits.inpatient[4].cite.denominator.source')).toBe('住院 第 5 步「政府兜底（保底90%）」的比例的分母的依据来源');
    expect(d('visits.inpatient[4].cite.denominator.clause')).toBe('住院 第 5 步「政府兜底（保底90%）」的比例的分母的依据原文');
    // Estimates are unchanged: the field in brackets.
    expect(d('visits.inpatient[0].estimates.ratio')).toBe('住院 第 1 步「基本医保」的估计值（报销比例）');
  });
});
