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
import { Decimal, ZERO, decimalFromRatio, decimalFromUnits, formatPercent, formatYuan, roundFloorNeed, roundPayout } from '../money/money.js';
import { FUND_ORDER, fundLabel, visitLabel } from '../labels/labels.js';

/** "12,000.00 元" */
export function yuan(x: Decimal | string): string {
  return `${formatYuan(x)} 元`;
}

const pct = (x: Decimal | string) => formatPercent(x);
const dec = (x: string | null | undefined) => new Decimal(x ?? '0');

export interface SentenceContext {
  result: SettlementJson;
  /** The step's definition in the ruleset version the settlement used (undefined if it is not there). */
  def: Step | undefined;
  /** The hospital tier the bill was settled at (for the full deductible of a tiered step). */
  tier: string;
}

/** The label a sentence starts with: the layer of cover (基本医保, 政府兜底 …). */
export function stepLabel(step: StepResultJson): string {
  return fundLabel(step.fund, step.name);
}

function fullDeductible(def: Step | undefined, tier: string, population: string): Decimal | null {
  if (!def || (def.kind !== 'coinsurance' && def.kind !== 'segmented') || !def.deductible) return null;
  try {
    return decimalFromUnits(adjustedDeductible(def.deductible, tier, def, adjustmentFor(def, population)));
  } catch {
    return null;
  }
}

/** Why the payout is lower than ratio × base, appended to the sentence. */
function limitClause(step: StepResultJson, def: Step | undefined, raw: Decimal): string {
  const payout = dec(step.payout);
  switch (step.limitedBy) {
    case 'annualCap': {
      const cap = def && 'annualCap' in def && def.annualCap !== undefined ? decimalFromUnits(def.annualCap) : null;
      const room = dec(step.capRoom);
      if (room.isZero()) return `，但本年已达封顶线${cap ? ` ${yuan(cap)}` : ''}，本次不再报销`;
      return `，应报 ${yuan(roundPayout(raw))}，但本年封顶线${cap ? ` ${yuan(cap)}` : ''}只剩 ${yuan(room)}，实际报销 ${yuan(payout)}`;
    }
    case 'visitCap': {
      const cap = def && 'visitCap' in def && def.visitCap !== undefined ? decimalFromUnits(def.visitCap) : dec(step.capRoom);
      return `，应报 ${yuan(roundPayout(raw))}，超过单次最高支付额 ${yuan(cap)}，实际报销 ${yuan(payout)}`;
    }
    case 'ceiling': {
      const ratio = def && 'ceiling' in def && def.ceiling ? decimalFromRatio(def.ceiling.ratio) : null;
      return `，应报 ${yuan(roundPayout(raw))}，为使实际报销比例不超过${ratio ? ` ${pct(ratio)}` : '规定比例'}，实际报销 ${yuan(payout)}`;
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
  const base = dec(step.base);
  const def = c.def?.kind === 'coinsurance' ? c.def : undefined;
  const onAll = def?.base === 'all';
  const inPolicy = dec(r.buckets.inPolicy);
  if (base.isZero()) {
    if (!onAll && inPolicy.isZero()) return `${label}：本次没有政策范围内费用，本项不予报销`;
    return `${label}：${onAll ? '医疗费用' : '政策范围内费用'}已由前面各项报销完毕，本项无需支付`;
  }
  const what = onAll ? (base.eq(dec(r.total)) ? '医疗费用' : '尚未报销的医疗费用') : base.eq(inPolicy) ? '政策范围内费用' : '政策范围内尚未报销的费用';
  const ratio = dec(step.ratio);
  const applied = dec(step.deductible);
  const full = fullDeductible(def, c.tier, r.population);
  const annual = def?.deductible?.per === 'year';
  let ded: string;
  if (!def?.deductible || (full !== null && full.isZero() && applied.isZero())) ded = '不设起付线，';
  else if (applied.isZero()) ded = annual ? '本年起付线已达到，' : '';
  else if (applied.gte(base)) {
    if (annual) return `${label}：${what} ${yuan(base)}，全部计入本年起付线${full ? ` ${yuan(full)}` : ''}（尚未达到），本项不予报销`;
    return `${label}：${what} ${yuan(base)}，未超过起付线${full ? ` ${yuan(full)}` : ''}，本项不予报销`;
  } else if (annual) ded = full && !applied.eq(full) ? `扣除本年尚未达到的起付线 ${yuan(applied)} 后` : `扣除本年起付线 ${yuan(applied)} 后`;
  else ded = `扣除起付线 ${yuan(applied)} 后`;
  const raw = ratio.mul(base.minus(applied));
  const limit = limitClause(step, def, raw);
  if (limit) return `${label}：${what} ${yuan(base)}，${ded}按 ${pct(ratio)} 报销${limit}`;
  return `${label}：${what} ${yuan(base)}，${ded}按 ${pct(ratio)} 报销 ${yuan(step.payout)}`;
}

function segmentedSentence(step: StepResultJson, c: SentenceContext): string {
  const label = stepLabel(step);
  const r = c.result;
  const base = dec(step.base);
  const def = c.def?.kind === 'segmented' ? c.def : undefined;
  const yearly = step.cumulativeBefore !== undefined;
  if (base.isZero()) {
    if (dec(r.buckets.inPolicy).isZero()) return `${label}：本次没有政策范围内费用，本项不予报销`;
    return `${label}：政策范围内费用已由前面各项报销完毕，本项无需支付`;
  }
  const before = dec(step.cumulativeBefore);
  const after = before.plus(base);
  const full = fullDeductible(def, c.tier, r.population);
  const head = yearly
    ? `${label}：政策范围内尚未报销的 ${yuan(base)}计入本年累计${before.isZero() ? '' : `（此前累计 ${yuan(before)}）`}`
    : `${label}：政策范围内尚未报销的费用 ${yuan(base)}`;
  const segments = step.segments ?? [];
  if (segments.length === 0) {
    return `${head}，${yearly && !before.isZero() ? `累计 ${yuan(after)}，` : ''}未超过起付线${full ? ` ${yuan(full)}` : ''}，本项不予报销`;
  }
  const applied = dec(step.deductible);
  const ded = applied.isZero() ? '' : `，其中起付线${full ? ` ${yuan(full)}` : ''}以下的 ${yuan(applied)} 不予报销`;
  const where = yearly ? '累计 ' : '';
  const bands = segments.map((g) => `${where}${formatYuan(g.from)} 至 ${formatYuan(g.to)} 元的部分按 ${pct(g.ratio)} 报销 ${yuan(roundPayout(dec(g.payout)))}`).join('，');
  const raw = segments.reduce((s, g) => s.plus(dec(g.payout)), ZERO);
  const limit = limitClause(step, def, raw);
  if (limit) return `${head}${ded}；${bands}${limit}`;
  return `${head}${ded}；${bands}${segments.length > 1 ? `，共报销 ${yuan(step.payout)}` : ''}`;
}

function floorSentence(step: StepResultJson): string {
  const label = stepLabel(step);
  const f = step.floor;
  if (!f) return `${label}：报销 ${yuan(step.payout)}`;
  const ratio = pct(f.ratio);
  const of = f.denominator === 'total' ? '总费用' : '政策范围内费用';
  const guarantee = f.denominator === 'total' ? '实际报销比例' : '政策范围内费用的报销比例';
  const target = roundFloorNeed(dec(f.ratio).mul(dec(f.denominatorAmount)));
  const payout = dec(step.payout);
  if (payout.isZero()) {
    return `${label}：确保${guarantee}不低于 ${ratio}；前面各项已报销 ${yuan(f.earlierPayouts)}，已达到${of} ${yuan(f.denominatorAmount)} 的 ${ratio}，无需补足`;
  }
  const limited = step.limitedBy === 'remaining' ? '（以尚未报销的费用为限）' : '';
  return `${label}：确保${guarantee}不低于 ${ratio}，补足 ${yuan(payout)}${limited}（${of} ${yuan(f.denominatorAmount)} 的 ${ratio} 为 ${yuan(target)}，前面各项已报销 ${yuan(f.earlierPayouts)}）`;
}

function outOfPocketSentence(step: StepResultJson, c: SentenceContext): string {
  const label = stepLabel(step);
  const o = step.outOfPocket;
  if (!o) return `${label}：报销 ${yuan(step.payout)}`;
  const def = c.def?.kind === 'outOfPocketCap' ? c.def : undefined;
  const what = def?.base === 'inPolicy' ? '政策范围内自付' : '自付';
  const before = dec(o.paidBefore);
  const would = dec(o.wouldPay);
  const year = before.plus(would);
  const payout = dec(step.payout);
  if (payout.isZero()) {
    return `${label}：本年${what}累计 ${yuan(year)}（含本次 ${yuan(would)}），未超过 ${yuan(o.cap)}，本项不支付`;
  }
  const so = before.isZero() ? `本次需${what} ${yuan(would)}` : `本年此前已${what} ${yuan(before)}，加上本次 ${yuan(would)}`;
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
      return tidy(floorSentence(step));
    case 'outOfPocketCap':
      return tidy(outOfPocketSentence(step, c));
  }
}

/** The actual reimbursement ratio for people, always with two decimals: "0.9613" → "96.13%". */
export function ratioPercent(actualRatio: string): string {
  return `${new Decimal(actualRatio).mul(100).toFixed(2, Decimal.ROUND_DOWN)}%`;
}

/** The funds that paid something, in the order of the five layers, as "基本医保、大病保险和政府兜底". */
export function payingFunds(r: SettlementJson): string {
  const paid = Object.entries(r.funds)
    .filter(([, v]) => !dec(v).isZero())
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
  const paid = dec(r.fundPaysTotal);
  const body = paid.isZero()
    ? `各项保障均未报销，个人支付 ${yuan(r.patientPays)}`
    : `${funds}共报销 ${yuan(r.fundPaysTotal)}，实际报销比例 ${ratioPercent(r.actualRatio)}，个人支付 ${yuan(r.patientPays)}`;
  const stamp = status === 'reversed' ? '（该结算已撤销，以上金额不再支付）' : '';
  return tidy(`本次${visitLabel(r.visitType)}总费用 ${yuan(r.total)}，其中政策范围内 ${yuan(r.buckets.inPolicy)}；${body}${stamp}。`);
}
