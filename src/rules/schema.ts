/**
 * The rules file (SETTLEMENT.md §6), validated with zod.
 *
 * Strict on purpose: an unknown key is an error, so a misspelt `annualCapp` cannot silently leave a
 * cap out of a policy that pays real money. The contract lets a file "carry more (names, notes)";
 * the extra keys accepted are the annotation keys listed in ANNOTATIONS below, nothing else.
 *
 * Amounts and ratios may be numbers or strings and are read exactly as decimals.
 */
import * as z from 'zod';
import type { Adjustment, Deductible, PerTier, Ruleset, Step } from '../engine/types.js';
import { isoDateSchema } from '../formats/iso-date.js';
import { readAmount, readDecimal } from '../money/text.js';
import { RATIO_DIGITS, RATIO_ONE, type Ratio, type Units } from '../money/units.js';
import { decimalField } from '../money/zod.js';
import '../errors/zod-locale.js';

// Read exactly from their text (money/text.ts), held as fixed-point integers.
const amount = decimalField((v): Units => readAmount(v));
const ratio = decimalField((v): Ratio => readDecimal(v, { scale: RATIO_DIGITS, min: '0', max: '1' }));
const factor = decimalField((v): Ratio => readDecimal(v, { scale: RATIO_DIGITS, min: '0', max: '10' }));
const bonus = decimalField((v): Ratio => readDecimal(v, { scale: RATIO_DIGITS, min: '-1', max: '1' }));

const identifier = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, '应为英文标识符（字母开头，可含字母、数字、- 和 _）');
/** YAML reads an unquoted 2018-01-01 as a date; accept that too and keep the text. */
const dateField = z.union([z.date().transform((d) => d.toISOString().slice(0, 10)), isoDateSchema]).pipe(isoDateSchema);

/**
 * A value given once, or per hospital tier ({ county: "0.75", league: "0.65" }). Routed by shape rather
 * than with z.union, so the message says what is wrong with the value instead of "invalid input".
 */
function perTier<T extends z.ZodType>(scalar: T) {
  const byTier = z.record(identifier, scalar);
  return z.unknown().transform((v, ctx): z.output<T> | Record<string, z.output<T>> => {
    const schema = v !== null && typeof v === 'object' && !Array.isArray(v) ? byTier : scalar;
    const r = schema.safeParse(v);
    if (r.success) return r.data as z.output<T>;
    for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path as PropertyKey[] });
    return z.NEVER;
  });
}

const perTierAmount = perTier(amount);
const perTierRatio = perTier(ratio);

const deductible = z
  .strictObject({ perVisit: perTierAmount.optional(), annual: perTierAmount.optional() })
  .refine((d) => (d.perVisit === undefined) !== (d.annual === undefined), '起付线应写 perVisit（每次）或 annual（年度）之一');

const adjust = z.record(
  identifier,
  z.strictObject({ deductibleFactor: factor.optional(), ratioBonus: bonus.optional(), source: identifier.optional(), note: z.string().optional() }),
);

const ceiling = z.strictObject({ ratio, denominator: z.enum(['total', 'inPolicy']) });

/**
 * The words of the source a value comes from, quoted exactly: one passage, or a list when the values
 * come from several places of the document. An empty passage (or list) is refused: it would show a
 * citation that quotes nothing.
 */
const passage = z.string().refine((t) => t.trim().length > 0, '原文（clause）不能为空：请照录来源中的条文，或删去此键');
const clause = z.union([passage, z.array(passage).min(1, '原文（clause）不能为空列表')], { error: '原文（clause）应为一段文字，或若干段文字的列表' });

/**
 * A field's own citation (`cite`): a source id, or { source?, clause? } when the field's words are to be
 * quoted too. Without `source` the field comes from the step's own source, from another passage of it.
 */
const fieldCitation = z.union([
  identifier,
  z.strictObject({ source: identifier.optional(), clause: clause.optional() }).refine((c) => c.source !== undefined || c.clause !== undefined, 'cite 的字段应写 source（来源 id）或 clause（原文），或二者都写'),
]);

/** Keys that describe a step for people and carry no money: accepted on every step. */
const ANNOTATIONS = {
  name: z.string().optional(),
  note: z.string().optional(),
  /** The passage of `source` the step's values come from, quoted exactly (needs `source`). */
  clause: clause.optional(),
  /** { field: sourceId | { source?, clause? } } when one field comes from another source, or another passage, than the step's. */
  cite: z.record(z.string(), fieldCitation).optional(),
  /** { field: "why this value" } for every value that no source gives. */
  estimates: z.record(z.string(), z.string()).optional(),
};

/**
 * `when: { diagnoses: [...], anyDiagnosis? }`: ICD-10 code prefixes (§3 "Diagnosis conditions"). An
 * empty list, an empty prefix or an empty `when` is refused.
 */
const when = z.strictObject({
  diagnoses: z.array(z.string().min(1, '诊断编码前缀不能为空').regex(/^[A-Z0-9.]+$/, '诊断编码前缀应为 ICD-10 编码的开头，如 "C"、"I21"、"E11.9"（大写字母、数字和点）'), { error: 'when 须写明 diagnoses（诊断编码前缀列表）' }).min(1, 'diagnoses 不能为空列表'),
  anyDiagnosis: z.boolean().optional(),
});

const common = {
  id: identifier,
  fund: identifier,
  only: z.array(identifier).min(1).optional(),
  when: when.optional(),
  accumulator: identifier.optional(),
  source: identifier.optional(),
  ...ANNOTATIONS,
};

const coinsuranceStep = z.strictObject({
  ...common,
  kind: z.literal('coinsurance'),
  base: z.enum(['inPolicy', 'all']).optional(),
  deductible: deductible.optional(),
  ratio: perTierRatio,
  visitCap: amount.optional(),
  annualCap: amount.optional(),
  ceiling: ceiling.optional(),
  adjust: adjust.optional(),
  aboveDeductibleOf: identifier.optional(),
});

const segmentedStep = z.strictObject({
  ...common,
  kind: z.literal('segmented'),
  base: z.literal('inPolicy').optional(),
  scope: z.enum(['year', 'visit']).optional(),
  deductible: deductible.optional(),
  segments: z.array(z.strictObject({ upTo: amount.optional(), ratio: perTierRatio })).min(1),
  visitCap: amount.optional(),
  annualCap: amount.optional(),
  ceiling: ceiling.optional(),
  adjust: adjust.optional(),
});

const floorStep = z.strictObject({
  ...common,
  kind: z.literal('floor'),
  floor: ratio,
  denominator: z.enum(['total', 'inPolicy']).optional(),
});

const outOfPocketCapStep = z.strictObject({
  ...common,
  kind: z.literal('outOfPocketCap'),
  cap: amount,
  base: z.enum(['all', 'inPolicy']).optional(),
});

const step = z.discriminatedUnion('kind', [coinsuranceStep, segmentedStep, floorStep, outOfPocketCapStep]);
type RawStep = z.output<typeof step>;

const source = z.strictObject({
  id: identifier,
  title: z.string().min(1),
  file: z.string().optional(),
  url: z.string().optional(),
  publisher: z.string().optional(),
  date: z.union([z.string(), z.date().transform((d) => d.toISOString().slice(0, 10))]).optional(),
  note: z.string().optional(),
});

const rulesFileShape = z.strictObject({
    id: identifier,
    title: z.string().min(1),
    region: z.strictObject({ code: z.string().regex(/^\d{6}$/, '行政区划代码应为 6 位数字'), name: z.string().min(1) }),
    effective: z.strictObject({ from: dateField, to: dateField }),
    sources: z.array(source).min(1),
    tiers: z.array(identifier).min(1),
    populations: z.array(identifier).min(1),
    /** The date whose register memberships and hospital tier count (§3): admission (default) or discharge. */
    eligibleOn: z.enum(['admitted', 'discharged'], { error: 'eligibleOn 应为 admitted（按入院日期，默认）或 discharged（按出院日期）' }).optional(),
    /** What a bill's declared class, ratio or cap that differs from the catalogue does (§2): refused (default) or overruled. */
    catalogue: z.enum(['strict', 'catalogueWins'], { error: 'catalogue 应为 strict（申报与目录不符即拒绝，默认）或 catalogueWins（按目录结算并记录申报值）' }).optional(),
    visits: z.record(identifier, z.array(step).min(1)),
    notes: z.string().optional(),
    name: z.string().optional(),
  });

export type RulesFile = z.output<typeof rulesFileShape>;
/**
 * The rules file's schema: the shape, and the cross-field rules. The cross-field rules run even when the
 * shape has problems (zod's `when`), on what could be read, so that one pass lists every problem of a
 * file (`onestop rules check`), not only the first kind.
 */
export const rulesFileSchema = rulesFileShape.check(z.superRefine(checkReferences, { when: () => true }));

/** Read defensively: in a file with shape problems, any part may be missing or of the wrong type. */
const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const record = (x: unknown): Record<string, unknown> => (x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : {});
const text = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

/** Cross-field rules: every name a step uses must be declared in the file. */
function checkReferences(doc: unknown, ctx: z.RefinementCtx<unknown>): void {
  const f = record(doc);
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const effective = record(f.effective);
  const from = text(effective.from);
  const to = text(effective.to);
  if (from && to && from > to) issue(['effective'], `生效日期 from（${from}）晚于 to（${to}）`);
  const sourceIds = new Set(list(f.sources).map((x) => text(record(x).id)).filter((x): x is string => !!x));
  const tierList = list(f.tiers).filter((x): x is string => typeof x === 'string');
  const populationList = list(f.populations).filter((x): x is string => typeof x === 'string');
  const tiers = new Set(tierList);
  const populations = new Set(populationList);
  dupes(list(f.sources).map((x) => text(record(x).id)).filter((x): x is string => !!x)).forEach((id) => issue(['sources'], `来源 id "${id}" 重复`));
  dupes(tierList).forEach((t) => issue(['tiers'], `医院等级 "${t}" 重复`));
  dupes(populationList).forEach((p) => issue(['populations'], `人群 "${p}" 重复`));

  const accumulatorKinds = new Map<string, { kind: string; path: (string | number)[] }>();
  for (const [visitType, rawSteps] of Object.entries(record(f.visits))) {
    const steps = list(rawSteps).map(record) as unknown as RawStep[];
    dupes(steps.map((s) => text(s.id) ?? '').filter(Boolean)).forEach((id) => issue(['visits', visitType], `步骤 id "${id}" 在同一就诊类型中重复`));
    steps.forEach((s, i) => {
      const at = (...p: (string | number)[]) => ['visits', visitType, i, ...p];
      if (typeof s.source === 'string' && !sourceIds.has(s.source)) issue(at('source'), `来源 "${s.source}" 未在 sources 中声明`);
      if (s.clause !== undefined && typeof s.source !== 'string') issue(at('clause'), '步骤没有注明来源（source），原文（clause）无从出处：请先写明 source');
      const estimated = record(s.estimates);
      for (const [field, c] of Object.entries(record(s.cite))) {
        const src = typeof c === 'string' ? c : text(record(c).source);
        if (src !== undefined && !sourceIds.has(src)) issue(at('cite', field, ...(typeof c === 'string' ? [] : ['source'])), `来源 "${src}" 未在 sources 中声明`);
        if (!(field in s)) issue(at('cite', field), `步骤没有字段 "${field}"，无法为其注明来源`);
        if (src === undefined && typeof c !== 'string' && typeof s.source !== 'string') issue(at('cite', field, 'clause'), `步骤没有注明来源（source），字段 "${field}" 的原文无从出处：请写明 cite.${field}.source`);
        if (typeof c !== 'string' && record(c).clause !== undefined && field in estimated) issue(at('cite', field, 'clause'), `字段 "${field}" 已标为估计值（estimates），不能同时引用原文`);
      }
      for (const field of Object.keys(estimated)) {
        if (!(field in s)) issue(at('estimates', field), `步骤没有字段 "${field}"，无法标注为估算`);
      }
      for (const p of list(s.only)) if (typeof p === 'string' && !populations.has(p)) issue(at('only'), `人群 "${p}" 未在 populations 中声明`);
      if ('adjust' in s && s.adjust) {
        for (const [p, a] of Object.entries(record(s.adjust))) {
          if (!populations.has(p)) issue(at('adjust', p), `人群 "${p}" 未在 populations 中声明`);
          const src = text(record(a).source);
          if (src !== undefined && !sourceIds.has(src)) issue(at('adjust', p, 'source'), `来源 "${src}" 未在 sources 中声明`);
        }
      }
      for (const [field, value] of tierMaps(s)) {
        for (const t of Object.keys(value)) if (!tiers.has(t)) issue(at(...field, t), `医院等级 "${t}" 未在 tiers 中声明`);
      }
      if (s.kind === 'segmented') {
        const scope = s.scope ?? 'year';
        const deductible = record(s.deductible);
        if (deductible.annual !== undefined && scope === 'visit') issue(at('deductible'), 'scope: visit 的分段步骤应使用 perVisit 起付线');
        if (deductible.perVisit !== undefined && scope === 'year') issue(at('deductible'), 'scope: year 的分段步骤应使用 annual 起付线');
        let last: Units | undefined;
        const segments = list(s.segments).map(record);
        segments.forEach((seg, j) => {
          const isLast = j === segments.length - 1;
          if (isLast && seg.upTo !== undefined) issue(at('segments', j, 'upTo'), '最后一段不应有 upTo（上不封顶）');
          if (!isLast && seg.upTo === undefined) issue(at('segments', j, 'upTo'), '除最后一段外每段都需要 upTo');
          if (typeof seg.upTo === 'bigint') {
            if (last !== undefined && !(seg.upTo > last)) issue(at('segments', j, 'upTo'), '分段上限 upTo 应逐段递增');
            last = seg.upTo;
          }
        });
      }
      // Two segmented steps (or two out-of-pocket caps) of one visit type that share an accumulator and can
      // both run for one person would count the same visit twice in it: refused.
      if (s.kind === 'segmented' || s.kind === 'outOfPocketCap') {
        const key = s.accumulator ?? s.id;
        steps.slice(0, i).forEach((t, j) => {
          if (t.kind !== s.kind || (t.accumulator ?? t.id) !== key) return;
          const overlap = !Array.isArray(s.only) || !Array.isArray(t.only) || s.only.some((p) => t.only!.includes(p));
          if (overlap) issue(at('accumulator'), `步骤 ${s.id} 与 ${t.id}（visits.${visitType}[${j}]）共用累计项 "${key}" 且可能对同一人群同时适用，同一次就诊会被重复累计；请用 only 区分人群，或使用不同的累计项`);
        });
      }
      if (s.kind === 'coinsurance' && typeof s.aboveDeductibleOf === 'string') checkAboveDeductible(s, i, steps, populationList, at, issue);
      const key = s.accumulator ?? s.id;
      if (typeof key !== 'string') return;
      const family = s.kind === 'outOfPocketCap' ? 'outOfPocketCap' : s.kind === 'floor' ? 'floor' : 'payout';
      const seen = accumulatorKinds.get(key);
      if (seen && seen.kind !== family) {
        issue(at('accumulator'), `累计项 "${key}" 同时被自付封顶步骤和报销步骤使用（${seen.path.join('.')}），二者含义不同，不能共用`);
      } else if (!seen) accumulatorKinds.set(key, { kind: family, path: at() });
    });
  }
}

type CoinsuranceRaw = Extract<RawStep, { kind: 'coinsurance' }>;

/**
 * `aboveDeductibleOf` (§3): coinsurance on `inPolicy` only; the named step is a `segmented` step earlier
 * in the same visit type that runs whenever this one runs (for every population this one runs for, and
 * with no `when` of its own unless this one has the same `when`). Anything else is refused at load.
 * Also refused, as onestop's own limit: an annual deductible on such a step (its base is a fraction of
 * the remaining amount, and a year's met deductible must be exact).
 */
function checkAboveDeductible(
  s: CoinsuranceRaw,
  i: number,
  steps: readonly RawStep[],
  populations: readonly string[],
  at: (...p: (string | number)[]) => (string | number)[],
  issue: (path: (string | number)[], message: string) => void,
): void {
  const id = s.aboveDeductibleOf!;
  if ((s.base ?? 'inPolicy') !== 'inPolicy') issue(at('aboveDeductibleOf'), 'aboveDeductibleOf 只适用于 base: inPolicy 的按比例报销步骤');
  if (record(s.deductible).annual !== undefined) issue(at('deductible'), 'aboveDeductibleOf 的步骤不能有年度起付线（其计算基数是剩余金额的一个比例，年度累计起付线须为精确金额）；请用 perVisit');
  const j = steps.findIndex((t) => t.id === id);
  if (j === -1) return issue(at('aboveDeductibleOf'), `aboveDeductibleOf 指明的步骤 "${id}" 不在同一就诊类型中`);
  const named = steps[j]!;
  if (j >= i) return issue(at('aboveDeductibleOf'), `aboveDeductibleOf 指明的步骤 "${id}" 应排在本步骤之前`);
  if (named.kind !== 'segmented') return issue(at('aboveDeductibleOf'), `aboveDeductibleOf 指明的步骤 "${id}" 应为分段报销（segmented）步骤，而它是 ${named.kind}`);
  const mine = Array.isArray(s.only) ? s.only : populations;
  const notCovered = Array.isArray(named.only) ? mine.filter((p) => !named.only!.includes(p)) : [];
  if (notCovered.length) issue(at('aboveDeductibleOf'), `步骤 "${id}" 不适用于人群 ${notCovered.join('、')}，而本步骤适用：起付线以上的部分无从计算`);
  if (named.when && JSON.stringify(named.when) !== JSON.stringify(s.when)) {
    issue(at('aboveDeductibleOf'), `步骤 "${id}" 有自己的诊断条件（when），本步骤的 when 与之不同：它未结算时本步骤无从计算`);
  }
}

function dupes(xs: readonly string[]): string[] {
  const seen = new Set<string>();
  const out = new Set<string>();
  for (const x of xs) (seen.has(x) ? out : seen).add(x);
  return [...out];
}

/** The per-tier maps of a step, with their field paths. */
function tierMaps(s: RawStep): [(string | number)[], Record<string, bigint>][] {
  const out: [(string | number)[], Record<string, bigint>][] = [];
  const add = (path: (string | number)[], v: unknown) => {
    // (A field that failed its own reader holds zod's NEVER in a partly valid file: not a map of tiers.)
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && v !== z.NEVER) out.push([path, v as Record<string, bigint>]);
  };
  if (s.kind === 'coinsurance' || s.kind === 'segmented') {
    add(['deductible', 'perVisit'], record(s.deductible).perVisit);
    add(['deductible', 'annual'], record(s.deductible).annual);
  }
  if (s.kind === 'coinsurance') add(['ratio'], s.ratio);
  if (s.kind === 'segmented') list(s.segments).forEach((seg, j) => add(['segments', j, 'ratio'], record(seg).ratio));
  return out;
}

/** The engine's ruleset from a validated file: defaults filled in, annotations dropped. */
export function toRuleset(f: RulesFile): Ruleset {
  const visits: Record<string, Step[]> = {};
  for (const [visitType, steps] of Object.entries(f.visits)) {
    visits[visitType] = steps.map((s, i) => toStep(s, ['visits', visitType, i]));
  }
  return {
    id: f.id,
    title: f.title,
    region: f.region,
    effective: f.effective,
    sources: f.sources.map((src) => ({ ...src, date: src.date })),
    tiers: f.tiers,
    populations: f.populations,
    eligibleOn: f.eligibleOn ?? 'admitted',
    catalogue: f.catalogue ?? 'strict',
    visits,
  };
}

function toStep(s: RawStep, path: (string | number)[]): Step {
  const common = {
    id: s.id,
    fund: s.fund,
    only: s.only,
    when: s.when ? { diagnoses: s.when.diagnoses, anyDiagnosis: s.when.anyDiagnosis ?? false } : undefined,
    accumulator: s.accumulator ?? s.id,
    source: s.source,
    name: s.name,
    path,
  };
  switch (s.kind) {
    case 'coinsurance':
      return {
        ...common,
        kind: 'coinsurance',
        base: s.base ?? 'inPolicy',
        deductible: toDeductible(s.deductible),
        ratio: s.ratio,
        visitCap: s.visitCap,
        annualCap: s.annualCap,
        ceiling: s.ceiling,
        adjust: toAdjust(s.adjust),
        aboveDeductibleOf: s.aboveDeductibleOf,
      };
    case 'segmented':
      return {
        ...common,
        kind: 'segmented',
        scope: s.scope ?? 'year',
        deductible: toDeductible(s.deductible),
        segments: s.segments,
        visitCap: s.visitCap,
        annualCap: s.annualCap,
        ceiling: s.ceiling,
        adjust: toAdjust(s.adjust),
      };
    case 'floor':
      return { ...common, kind: 'floor', floor: s.floor, denominator: s.denominator ?? 'total' };
    case 'outOfPocketCap':
      return { ...common, kind: 'outOfPocketCap', cap: s.cap, base: s.base ?? 'all' };
  }
}

function toDeductible(d: { perVisit?: PerTier; annual?: PerTier } | undefined): Deductible | undefined {
  if (!d) return undefined;
  if (d.perVisit !== undefined) return { per: 'visit', amount: d.perVisit };
  return { per: 'year', amount: d.annual as PerTier };
}

function toAdjust(a: Record<string, { deductibleFactor?: Ratio; ratioBonus?: Ratio }> | undefined): Record<string, Adjustment> | undefined {
  if (!a) return undefined;
  const out: Record<string, Adjustment> = {};
  for (const [p, v] of Object.entries(a)) {
    out[p] = { deductibleFactor: v.deductibleFactor ?? RATIO_ONE, ratioBonus: v.ratioBonus ?? 0n };
  }
  return out;
}
