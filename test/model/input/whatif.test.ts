/** What-if overlays: applied by path, every path checked before anything runs, a typo refused by name. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CoinsuranceStep, FloorStep, SegmentedStep } from '../../../src/engine/types.js';
import { applyWhatIf, loadWhatIfFile, parseWhatIfText } from '../../../src/model/input/whatif.js';
import { parseRatio, parseUnits } from '../../../src/money/text.js';
import type { Ratio } from '../../../src/money/units.js';
import { RulesLoadError } from '../../../src/rules/load.js';
import { resolveRuleset } from '../../../src/rules/resolve.js';
import { SEED_BILLS, cli, tempDir, writeTemp } from '../helpers.js';

const xingan = () => resolveRuleset('xingan-2018');
const step = <T>(r: ReturnType<typeof xingan>, id: string) => r.ruleset.visits.inpatient!.find((s) => s.id === id) as T;

function refusal(overlay: Record<string, unknown>): RulesLoadError {
  try {
    applyWhatIf(xingan(), overlay, 'w.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(RulesLoadError);
    return e as RulesLoadError;
  }
  throw new Error('the what-if was accepted');
}

describe('what-if overlays', () => {
  it('changes the field of the step named by its id, and leaves the baseline document alone', () => {
    const base = xingan();
    const before = JSON.stringify(base.document);
    const v = applyWhatIf(base, { 'visits.inpatient.floor.floor': 0.95 }, 'w.yaml');
    expect(step<FloorStep>(v.loaded, 'floor').floor).toBe(parseRatio('0.95'));
    expect(step<FloorStep>(base, 'floor').floor).toBe(parseRatio('0.90'));
    expect(JSON.stringify(base.document)).toBe(before);
    expect(v.changes).toEqual([
      { path: 'visits.inpatient.floor.floor', documentPath: ['visits', 'inpatient', 4, 'floor'], before: '0.90', after: 0.95, description: '住院 第 5 步「政府兜底（保底90%）」的保底比例' },
    ]);
    expect(v.loaded.hash).not.toBe(base.hash);
  });

  it('reaches nested fields: one tier of a per-tier map, one segment of a segmented step', () => {
    const v = applyWhatIf(xingan(), { 'visits.inpatient.basic.ratio.county': '0.80', 'visits.inpatient.serious.segments.0.ratio': 0.65 }, 'w.yaml');
    const basic = step<CoinsuranceStep>(v.loaded, 'basic');
    expect((basic.ratio as Record<string, Ratio>).county).toBe(parseRatio('0.80'));
    expect((basic.ratio as Record<string, Ratio>).league).toBe(parseRatio('0.65'));
    expect(step<SegmentedStep>(v.loaded, 'serious').segments[0]!.ratio as Ratio).toBe(parseRatio('0.65'));
  });

  it('may add a field the schema knows (a visit cap), which then applies', () => {
    const v = applyWhatIf(xingan(), { 'visits.inpatient.commercial.visitCap': 1000 }, 'w.yaml');
    expect(step<CoinsuranceStep>(v.loaded, 'commercial').visitCap).toBe(parseUnits('1000'));
    expect(v.changes[0]!.before).toBeNull();
  });

  it.each([
    ['a misspelt step id', 'visits.inpatient.flor.floor', /没有 id 为 “flor” 的步骤.*floor/],
    ['a misspelt field', 'visits.inpatient.floor.flor', /flor/],
    ['a misspelt visit type', 'visits.inpatiant.floor.floor', /inpatiant/],
    ['a misspelt top-level key', 'visit.inpatient.floor.floor', /没有 “visit”/],
    ['an index past the end', 'visits.inpatient.serious.segments.7.ratio', /没有第 “7” 项/],
    ['a path through a plain value', 'visits.inpatient.floor.floor.x', /不能再往下取 “x”/],
    ['an undeclared tier', 'visits.inpatient.basic.ratio.hospital', /hospital/],
  ])('refuses %s, naming the path', (_what, path, message) => {
    const e = refusal({ [path]: 0.5 });
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]!.path).toBe(path);
    expect(e.issues[0]!.file).toBe('w.yaml');
    expect(e.issues[0]!.message).toMatch(message);
  });

  it('refuses a value that makes the policy invalid, naming the what-if path, and the place in words (not visits.inpatient[4])', () => {
    const e = refusal({ 'visits.inpatient.floor.floor': 1.5 });
    expect(e.issues[0]!.path).toBe('visits.inpatient.floor.floor');
    expect(e.issues[0]!.message).toContain('不能大于 1');
    expect(e.issues[0]!.message).toContain('（改动后：住院 第 5 步「政府兜底（保底90%）」的保底比例）');
    expect(e.issues[0]!.message).not.toMatch(/visits|\[\d\]/);
  });

  it('names the variant by its `label`, or else by its changes in words', () => {
    const named = applyWhatIf(xingan(), { label: '保底比例提高到 95%', 'visits.inpatient.floor.floor': 0.95 }, 'w.yaml');
    expect(named.label).toBe('保底比例提高到 95%');
    expect(named.changes.map((c) => c.path)).toEqual(['visits.inpatient.floor.floor']);
    const unnamed = applyWhatIf(xingan(), { 'visits.inpatient.floor.floor': 0.95, 'visits.inpatient.basic.ratio.county': '0.80', 'visits.inpatient.assistance.aboveDeductibleOf': null }, 'w.yaml');
    expect(unnamed.label).toBe('住院 第 5 步「政府兜底（保底90%）」的保底比例改为 0.95；住院 第 1 步「基本医保」的报销比例（旗县级医院）改为 0.80；删去住院 第 4 步「医疗救助」的起付线分界');
    expect(refusal({ label: '只有名称' }).issues[0]!.message).toBe('测算方案没有任何修改');
    expect(refusal({ label: 3, 'visits.inpatient.floor.floor': 0.95 }).issues[0]).toMatchObject({ path: 'label', message: expect.stringContaining('方案名称') });
  });

  it('each what-if file beside its policy names itself', () => {
    for (const [rules, file] of [['xingan-2018', '152200-xingan/what-if/assistance-all-in-policy.yaml'], ['xingan-2018', '152200-xingan/what-if/self-pay-in-policy-only.yaml'], ['zhuozi-2016', '150921-zhuozi/what-if/serious-illness-only.yaml']] as const) {
      const v = applyWhatIf(resolveRuleset(rules), loadWhatIfFile(join('rules', file)), file);
      expect(v.label, file).toMatch(/[\u4e00-\u9fff]/);
      expect(v.label, file).not.toContain('.yaml');
      expect(v.label, file).toBe(/^# 测算方案：(.*)$/m.exec(readFileSync(join('rules', file), 'utf8'))![1]);
    }
  });

  it('reports every bad path at once, and applies none of a partly bad overlay', () => {
    const e = refusal({ 'visits.inpatient.floor.floor': 0.95, 'visits.inpatient.flor.floor': 0.95, 'visits.inpatient.oop.capp': 3000 });
    expect(e.issues.map((i) => i.path).sort()).toEqual(['visits.inpatient.flor.floor', 'visits.inpatient.oop.capp']);
  });

  it('reads YAML and JSON files; an empty overlay is refused', () => {
    expect(parseWhatIfText('# a comment\nvisits.inpatient.floor.floor: 0.95\n', 'w.yaml')).toEqual({ 'visits.inpatient.floor.floor': 0.95 });
    expect(parseWhatIfText('{"visits.inpatient.floor.floor": "0.95"}', 'w.json')).toEqual({ 'visits.inpatient.floor.floor': '0.95' });
    expect(() => parseWhatIfText('', 'w.yaml')).toThrow(RulesLoadError);
    expect(() => parseWhatIfText('{}', 'w.json')).toThrow(/没有任何修改/);
  });

  it('onestop model refuses a misspelt path before running: names it, exits 1, prints and writes nothing', () => {
    const dir = tempDir();
    const whatIf = writeTemp(dir, 'typo.yaml', 'visits.inpatient.floor.floor: 0.95\nvisits.inpatient.flor.floor: 0.95\n');
    const out = join(dir, 'out');
    const r = cli(['model', '--rules', 'xingan-2018', '--bills', SEED_BILLS, '--what-if', whatIf, '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('typo.yaml');
    expect(r.stderr).toContain('visits.inpatient.flor.floor');
    expect(r.stderr).toContain('没有 id 为 “flor” 的步骤');
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });
});
