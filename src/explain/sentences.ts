/**
 * One plain Chinese sentence per step of a settlement, the way a clerk would explain it to the patient
 * at the window: what the step worked on, what it took off, at what ratio, what it paid, and what (cap,
 * ceiling, nothing left) stopped it paying more.
 *
 * Everything here reads the stored step result (§5) and the step's definition in the ruleset version
 * the settlement used; nothing is recomputed, so the sentence tells what was actually paid.
 */
import type { SettlementJson, StepResultJson } from '../engine/result.js';
import { adjustedDeductible, adjustmentFor } from '../engine/pricing.js';
import type { Step } from '../engine/types.js';
import { fenHalfUp, fenUp } from '../money/rounding.js';
import { formatPercent, formatScaled, formatYuan, parseRatio, parseScaled, parseUnits } from '../money/text.js';
import { UNITS_DIGITS, RATIO_DIGITS, type Product, type Ratio, type Units } from '../money/units.js';
import { FUND_ORDER, fundLabel, visitLabel } from '../labels/labels.js';

/** "12,000.00 元": an amount for people, half-up to the fen (money/text.ts formatYuan). */
export function yuan(x: Units | string): string {
  return `${formatYuan(x)} 元`;
}

const pct = (x: Ratio | string) => formatPercent(x);
/** A stored amount (decimal text, exact beyond the fen where it has fractions). */
const amt = (x: string | null | undefined): Units => (x ? parseUnits(x) : 0n);
const rat = (x: string | null | undefined): Ratio => (x ? parseRatio(x) : 0n);
/** A stored product (a segment's exact payout): amount x ratio digits. */
const product = (x: string | null | undefined): Product => (x ? parseScaled(x, UNITS_DIGITS + RATIO_DIGITS) : 0n);

export interface SentenceContext {
  result: SettlementJson;
  /** The step's definition in the ruleset version the settlement used (undefined if it is not there). */
  def: Step | undefined;
  /** The hospital tier the bill was settled at (for the full deductible of a tiered step). */
  tier: string;
  /** The bill's diagnoses, principal first (for a step that applies to some diseases only). */
  diagnoses?: readonly { code: string; name?: string }[];
}

/** The label a sentence starts with: the layer of cover (基本医保, 政府兜底 …). */
export function stepLabel(step: StepResultJson): string {
  return fundLabel(step.fund, step.name);
}

function fullDeductible(def: Step | undefined, tier: string, population: string): Units | null {
  if (!def || (def.kind !== 'coinsurance' && def.kind !== 'segmented') || !def.deductible) return null;
  try {
    return adjustedDeductible(def.deductible, tier, def, adjustmentFor(def, population));
  } catch {
    return null;
  }
}

/** Why the payout is lower than ratio × base, appended to the sentence. */
function limitClause(step: StepResultJson, def: Step | undefined, raw: Product): string {
  const payout = amt(step.payout);
  switch (step.limitedBy) {
    case 'annualCap': {
      const cap = def && 'annualCap' in def && def.annualCap !== undefined ? def.annualCap : null;
      const room = amt(step.capRoom);
      if (room === 0n) return `，但本年已达封顶线${cap ? ` ${yuan(cap)}` : ''}，本次不再报销`;
      return `，应报 ${yuan(fenHalfUp(raw))}，但本年封顶线${cap ? ` ${yuan(cap)}` : ''}只剩 ${yuan(room)}，实际报销 ${yuan(payout)}`;
    }
    case 'visitCap': {
      const cap = def && 'visitCap' in def && def.visitCap !== undefined ? def.visitCap : amt(step.capRoom);
      return `，应报 ${yuan(fenHalfUp(raw))}，超过单次最高支付额 ${yuan(cap)}，实际报销 ${yuan(payout)}`;
    }
    case 'ceiling': {
      const ratio = def && 'ceiling' in def && def.ceiling ? def.ceiling.ratio : null;
      return `，应报 ${yuan(fenHalfUp(raw))}，为使实际报销比例不超过${ratio ? ` ${pct(ratio)}` : '规定比例'}，实际报销 ${yuan(payout)}`;
    }
    case 'remaining':
      return `，以尚未报销的费用为限，实际报销 ${yuan(payout)}`;
    default:
      return '';
  }
}

function coinsuranceSentence(step: StepResultJson, c: SentenceContext): string {
  const label = stepLabel(step);
  const r = c.result;
  const def = c.def?.kind === 'coinsurance' ? c.def : undefined;
  if (step.paidElsewhere) return paidElsewhereSentence(step);
  const remaining = amt(step.base);
  const onAll = def?.base === 'all';
  const inPolicy = amt(r.buckets.inPolicy);
  if (remaining === 0n) {
    if (!onAll && inPolicy === 0n) return `${label}：本次没有政策范围内费用，本项不予报销`;
    return `${label}：${onAll ? '医疗费用' : '政策范围内费用'}已由前面各项报销完毕，本项无需支付`;
  }
  let what = onAll ? (remaining === amt(r.total) ? '医疗费用' : '尚未报销的医疗费用') : remaining === inPolicy ? '政策范围内费用' : '政策范围内尚未报销的费用';
  // Above another step's deductible (§3 aboveDeductibleOf): only the part of what is left that lies above it.
  let base = remaining;
  const above = step.aboveDeductible;
  if (above) {
    const named = r.steps.find((x) => x.id === above.of);
    const of = named ? stepLabel(named) : above.of;
    base = amt(above.base);
    if (base === 0n) return `${label}：${what} ${yuan(remaining)}，全部在${of}起付线以下，按规定只报销${of}起付线以上的部分，本项不予报销`;
    what = `${what} ${yuan(remaining)}中，${of}起付线以上的部分`;
  }
  const ratio = rat(step.ratio);
  const applied = amt(step.deductible);
  const full = fullDeductible(def, c.tier, r.population);
  const annual = def?.deductible?.per === 'year';
  let ded: string;
  if (!def?.deductible || (full !== null && full === 0n && applied === 0n)) ded = '不设起付线，';
  else if (applied === 0n) ded = annual ? '本年起付线已达到，' : '';
  else if (applied >= base) {
    if (annual) return `${label}：${what} ${yuan(base)}，全部计入本年起付线${full !== null ? ` ${yuan(full)}` : ''}（尚未达到），本项不予报销`;
    return `${label}：${what} ${yuan(base)}，未超过起付线${full !== null ? ` ${yuan(full)}` : ''}，本项不予报销`;
  } else if (annual) ded = full !== null && applied !== full ? `扣除本年尚未达到的起付线 ${yuan(applied)} 后` : `扣除本年起付线 ${yuan(applied)} 后`;
  else ded = `扣除起付线 ${yuan(applied)} 后`;
  const raw = ratio * (base - applied);
  const limit = limitClause(step, def, raw);
  const gate = diagnosisClause(c);
  if (limit) return `${label}：${what} ${yuan(base)}，${ded}按 ${pct(ratio)} 报销${limit}${gate}`;
  return `${label}：${what} ${yuan(base)}，${ded}按 ${pct(ratio)} 报销 ${yuan(step.payout)}${gate}`;
}

/** A step whose payout another payer made (the bill's paidElsewhere, §3). */
function paidElsewhereSentence(step: StepResultJson): string {
  const ded = step.paidElsewhereDeductible && amt(step.paidElsewhereDeductible) !== 0n ? `（对方已扣除起付线 ${yuan(step.paidElsewhereDeductible)}）` : '';
  return `${stepLabel(step)}：已在他处结算（异地就医直接结算或零星报销），支付 ${yuan(step.payout)}${ded}，本次按已付金额计入，不再重复支付`;
}

/** For a step that applies to some diseases only (§3 when.diagnoses): which diagnosis of the bill met it. */
function diagnosisClause(c: SentenceContext): string {
  const when = c.def?.when;
  if (!when || !c.diagnoses?.length) return '';
  const candidates = when.anyDiagnosis ? c.diagnoses : c.diagnoses.slice(0, 1);
  const met = candidates.find((d) => when.diagnoses.some((p) => d.code.startsWith(p)));
  if (!met) return '';
  return `（本项只适用于规定病种，本次${met === c.diagnoses[0] ? '主要诊断' : '诊断'} ${met.code}${met.name ? ` ${met.name}` : ''} 属于规定病种）`;
}

function segmentedSentence(step: StepResultJson, c: SentenceContext): string {
  const label = stepLabel(step);
  const r = c.result;
  if (step.paidElsewhere) return paidElsewhereSentence(step);
  const base = amt(step.base);
  const def = c.def?.kind === 'segmented' ? c.def : undefined;
  const yearly = step.cumulativeBefore !== undefined;
  if (base === 0n) {
    if (amt(r.buckets.inPolicy) === 0n) return `${label}：本次没有政策范围内费用，本项不予报销`;
    return `${label}：政策范围内费用已由前面各项报销完毕，本项无需支付`;
  }
  const before = amt(step.cumulativeBefore);
  const after = before + base;
  const full = fullDeductible(def, c.tier, r.population);
  const head = yearly
    ? `${label}：政策范围内尚未报销的 ${yuan(base)}计入本年累计${before === 0n ? '' : `（此前累计 ${yuan(before)}）`}`
    : `${label}：政策范围内尚未报销的费用 ${yuan(base)}`;
  const segments = step.segments ?? [];
  if (segments.length === 0) {
    return `${head}，${yearly && before !== 0n ? `累计 ${yuan(after)}，` : ''}未超过起付线${full !== null ? ` ${yuan(full)}` : ''}，本项不予报销`;
  }
  const applied = amt(step.deductible);
  const ded = applied === 0n ? '' : `，其中起付线${full !== null ? ` ${yuan(full)}` : ''}以下的 ${yuan(applied)} 不予报销`;
  const where = yearly ? '累计 ' : '';
  const bands = segments.map((g) => `${where}${formatYuan(g.from)} 至 ${formatYuan(g.to)} 元的部分按 ${pct(g.ratio)} 报销 ${yuan(fenHalfUp(product(g.payout)))}`).join('，');
  const raw = segments.reduce((s, g) => s + product(g.payout), 0n);
  const limit = limitClause(step, def, raw);
  const gate = diagnosisClause(c);
  if (limit) return `${head}${ded}；${bands}${limit}${gate}`;
  return `${head}${ded}；${bands}${segments.length > 1 ? `，共报销 ${yuan(step.payout)}` : ''}${gate}`;
}

function floorSentence(step: StepResultJson, c: SentenceContext): string {
  const label = stepLabel(step);
  if (step.paidElsewhere) return paidElsewhereSentence(step);
  const f = step.floor;
  if (!f) return `${label}：报销 ${yuan(step.payout)}`;
  const ratio = pct(f.ratio);
  const of = f.denominator === 'total' ? '总费用' : '政策范围内费用';
  const guarantee = f.denominator === 'total' ? '实际报销比例' : '政策范围内费用的报销比例';
  // What the floor needs, up to the fen as the step rounds it (money/rounding.ts fenUp).
  const target = fenUp(rat(f.ratio) * amt(f.denominatorAmount));
  const payout = amt(step.payout);
  const gate = diagnosisClause(c);
  if (payout === 0n) {
    return `${label}：确保${guarantee}不低于 ${ratio}；前面各项已报销 ${yuan(f.earlierPayouts)}，已达到${of} ${yuan(f.denominatorAmount)} 的 ${ratio}，无需补足${gate}`;
  }
  const limited = step.limitedBy === 'remaining' ? '（以尚未报销的费用为限）' : '';
  return `${label}：确保${guarantee}不低于 ${ratio}，补足 ${yuan(payout)}${limited}（${of} ${yuan(f.denominatorAmount)} 的 ${ratio} 为 ${yuan(target)}，前面各项已报销 ${yuan(f.earlierPayouts)}）${gate}`;
}

function outOfPocketSentence(step: StepResultJson, c: SentenceContext): string {
  const label = stepLabel(step);
  const o = step.outOfPocket;
  if (!o) return `${label}：报销 ${yuan(step.payout)}`;
  const def = c.def?.kind === 'outOfPocketCap' ? c.def : undefined;
  const what = def?.base === 'inPolicy' ? '政策范围内自付' : '自付';
  const before = amt(o.paidBefore);
  const would = amt(o.wouldPay);
  const year = before + would;
  const payout = amt(step.payout);
  if (payout === 0n) {
    return `${label}：本年${what}累计 ${yuan(year)}（含本次 ${yuan(would)}），未超过 ${yuan(o.cap)}，本项不支付`;
  }
  const so = before === 0n ? `本次需${what} ${yuan(would)}` : `本年此前已${what} ${yuan(before)}，加上本次 ${yuan(would)}`;
  return `${label}：${so}，年度${what}已达 ${yuan(year)}，超过 ${yuan(o.cap)} 的部分 ${yuan(payout)} 由政府兜底全额报销`;
}

/** "1,000.00 元 后" → "1,000.00 元后": a space only between a figure and its unit. */
function tidy(s: string): string {
  return s.replace(/元 (?=[\u4e00-\u9fff（])/g, '元');
}

export function stepSentence(step: StepResultJson, c: SentenceContext): string {
  switch (step.kind) {
    case 'coinsurance':
      return tidy(coinsuranceSentence(step, c));
    case 'segmented':
      return tidy(segmentedSentence(step, c));
    case 'floor':
      return tidy(floorSentence(step, c));
    case 'outOfPocketCap':
      return tidy(outOfPocketSentence(step, c));
  }
}

/** The actual reimbursement ratio for people, always with two decimals: "0.9613" → "96.13%". */
export function ratioPercent(actualRatio: string): string {
  // actualRatio has four decimals (truncated when computed): as a percentage, two, with nothing rounded.
  return `${formatScaled(parseScaled(actualRatio, 4), 2, 2)}%`;
}

/** The funds that paid something, in the order of the five layers, as "基本医保、大病保险和政府兜底". */
export function payingFunds(r: SettlementJson): string {
  const paid = Object.entries(r.funds)
    .filter(([, v]) => amt(v) !== 0n)
    .map(([f]) => f)
    .sort((a, b) => rank(a) - rank(b));
  const labels = paid.map((f) => fundLabel(f, r.steps.find((s) => s.fund === f)?.name));
  if (labels.length <= 1) return labels.join('');
  return `${labels.slice(0, -1).join('、')}和${labels[labels.length - 1]}`;
}

function rank(fund: string): number {
  const i = FUND_ORDER.indexOf(fund);
  return i < 0 ? FUND_ORDER.length : i;
}

/** One sentence for the whole settlement. */
export function summarySentence(r: SettlementJson, status: 'settled' | 'reversed'): string {
  const funds = payingFunds(r);
  const paid = amt(r.fundPaysTotal);
  const body = paid === 0n
    ? `各项保障均未报销，个人支付 ${yuan(r.patientPays)}`
    : `${funds}共报销 ${yuan(r.fundPaysTotal)}，实际报销比例 ${ratioPercent(r.actualRatio)}，个人支付 ${yuan(r.patientPays)}`;
  const stamp = status === 'reversed' ? '（该结算已撤销，以上金额不再支付）' : '';
  return tidy(`本次${visitLabel(r.visitType)}总费用 ${yuan(r.total)}，其中政策范围内 ${yuan(r.buckets.inPolicy)}；${body}${stamp}。`);
}
