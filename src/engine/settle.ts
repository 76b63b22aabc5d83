/**
 * The pure engine: (bill, ruleset, year-to-date accumulators) -> settlement. No I/O, no clock.
 * The HTTP service, the CLI, the audit and the fund modelling all call this one function,
 * so a modelled figure and a counter figure can never disagree.
 */
import type { Units } from '../money/units.js';
import { AccumulatorBook } from './accumulators.js';
import { bucketsFromItems, totalOfBuckets } from './buckets.js';
import { SettlementError } from './errors.js';
import { formatUnits } from '../money/text.js';
import { remainingAll, type StepContext, type VisitState } from './step-context.js';
import { stepKind } from './steps/index.js';
import type { Accumulators, Bill, DiagnosisCondition, PaidElsewhere, Ruleset, Settlement, Step, StepResult } from './types.js';

/** The population the ruleset settles the person as: the first of its precedence list the person is in. */
export function choosePopulation(ruleset: Ruleset, populations: readonly string[]): string {
  const chosen = ruleset.populations.find((p) => populations.includes(p));
  if (!chosen) {
    throw new SettlementError(
      'POPULATION_NOT_COVERED',
      `参保人群 [${populations.join(', ')}] 不在规则 ${ruleset.id} 的人群 [${ruleset.populations.join(', ')}] 之内`,
      ['person', 'populations'],
    );
  }
  return chosen;
}

/** ruleset → visit type → population → steps. */
const pipelineCache = new WeakMap<Ruleset, Map<string, Map<string, readonly Step[]>>>();

/** The steps of the visit type that apply to the population, in order (worked out once per ruleset). */
export function stepsFor(ruleset: Ruleset, visitType: string, population: string): readonly Step[] {
  let byVisit = pipelineCache.get(ruleset);
  if (!byVisit) pipelineCache.set(ruleset, (byVisit = new Map()));
  let byPopulation = byVisit.get(visitType);
  if (!byPopulation) byVisit.set(visitType, (byPopulation = new Map()));
  const hit = byPopulation.get(population);
  if (hit) return hit;
  const steps = pipelineFor(ruleset, visitType, population);
  byPopulation.set(population, steps);
  return steps;
}

function pipelineFor(ruleset: Ruleset, visitType: string, population: string): readonly Step[] {
  const pipeline = Object.prototype.hasOwnProperty.call(ruleset.visits, visitType) ? ruleset.visits[visitType] : undefined;
  if (!pipeline) {
    throw new SettlementError(
      'VISIT_TYPE_NOT_COVERED',
      `规则 ${ruleset.id} 没有就诊类型 "${visitType}" 的结算办法（可用：${Object.keys(ruleset.visits).join('、')}）`,
      ['visit', 'type'],
    );
  }
  return pipeline.filter((s) => !s.only || s.only.includes(population));
}

export function settle(bill: Bill, ruleset: Ruleset, ytd: Accumulators): Settlement {
  const discharged = bill.visit.discharged;
  if (discharged < ruleset.effective.from || discharged > ruleset.effective.to) {
    throw new SettlementError(
      'DATE_NOT_COVERED',
      `出院日期 ${discharged} 不在规则 ${ruleset.id} 的有效期 ${ruleset.effective.from} 至 ${ruleset.effective.to} 之内`,
      ['visit', 'discharged'],
    );
  }
  if (!ruleset.tiers.includes(bill.hospital.tier)) {
    throw new SettlementError(
      'TIER_NOT_PRICED',
      `规则 ${ruleset.id} 不适用于医院等级 "${bill.hospital.tier}"（适用：${ruleset.tiers.join('、')}）`,
      ['hospital', 'tier'],
    );
  }
  const population = choosePopulation(ruleset, bill.person.populations);
  const steps = stepsForBill(stepsFor(ruleset, bill.visit.type, population), bill.diagnoses);
  const paidElsewhere = bill.paidElsewhere;
  if (paidElsewhere) checkPaidElsewhere(paidElsewhere, steps, ruleset, bill.visit.type);

  let total: Units;
  let buckets;
  if (bill.items) ({ total, buckets } = bucketsFromItems(bill.items));
  else if (bill.buckets) {
    buckets = bill.buckets;
    total = totalOfBuckets(buckets);
  } else throw new SettlementError('BILL_INVALID', '账单既没有明细（items）也没有分类金额（buckets）', ['items']);

  const visit: VisitState = {
    total,
    inPolicy: buckets.inPolicy,
    remainingInPolicy: buckets.inPolicy,
    remainingOther: total - buckets.inPolicy,
    earlierPayouts: 0n,
    ran: new Map(),
  };
  const acc = new AccumulatorBook(ytd);
  const ctx: StepContext = { tier: bill.hospital.tier, population, visit, acc };
  const funds: Record<string, Units> = {};
  const results: StepResult[] = [];

  for (const step of steps) {
    const given = paidElsewhere?.[step.id];
    const { result, draws, below } = given ? paidElsewhereOutcome(step, ctx, given) : stepKind(step).run(step, ctx);
    const payout = result.payout;
    visit.ran.set(step.id, { base: result.base, payout, below: below ?? 0n });
    if (draws === 'inPolicy' || payout <= visit.remainingInPolicy) {
      visit.remainingInPolicy -= payout;
    } else {
      visit.remainingOther -= payout - visit.remainingInPolicy;
      visit.remainingInPolicy = 0n;
    }
    visit.earlierPayouts += payout;
    funds[step.fund] = (funds[step.fund] ?? 0n) + payout;
    results.push(result);
  }

  const fundPaysTotal = visit.earlierPayouts;
  const patientPays = total - fundPaysTotal;
  const finished = new Set<string>();
  for (const step of steps) {
    const after = stepKind(step).afterVisit;
    if (after && !finished.has(step.accumulator)) {
      finished.add(step.accumulator);
      after(step, ctx, patientPays);
    }
  }

  let owed: Record<string, Units> | undefined;
  if (paidElsewhere) {
    owed = { ...funds };
    for (const step of steps) {
      const given = paidElsewhere[step.id];
      if (given) owed[step.fund]! -= given.payout;
    }
  }

  return {
    rulesetId: ruleset.id,
    population,
    year: Number(discharged.slice(0, 4)),
    visitType: bill.visit.type,
    total,
    buckets,
    steps: results,
    funds,
    fundPaysTotal,
    patientPays,
    ...(owed ? { owed } : {}),
    accumulators: acc.result(),
  };
}

/**
 * The steps that run for this bill: those of its population whose diagnosis condition it meets (§3
 * "Diagnosis conditions": the principal diagnosis, the first, starts with one of the prefixes; or any
 * diagnosis with `anyDiagnosis`). A bill without diagnoses meets no condition.
 */
export function stepsForBill(steps: readonly Step[], diagnoses: readonly string[] | undefined): readonly Step[] {
  if (!steps.some((s) => s.when)) return steps;
  return steps.filter((s) => !s.when || meets(s.when, diagnoses));
}

function meets(when: DiagnosisCondition, diagnoses: readonly string[] | undefined): boolean {
  if (!diagnoses || diagnoses.length === 0) return false;
  const candidates = when.anyDiagnosis ? diagnoses : diagnoses.slice(0, 1);
  return candidates.some((code) => when.diagnoses.some((prefix) => code.startsWith(prefix)));
}

/** A payout made elsewhere may name only a step that runs for this bill and can be paid elsewhere. */
function checkPaidElsewhere(given: Readonly<Record<string, PaidElsewhere>>, steps: readonly Step[], ruleset: Ruleset, visitType: string): void {
  for (const id of Object.keys(given)) {
    const step = steps.find((s) => s.id === id);
    if (!step) {
      const inFile = (ruleset.visits[visitType] ?? []).some((s) => s.id === id);
      throw new SettlementError(
        'PAID_ELSEWHERE_INVALID',
        inFile
          ? `paidElsewhere 写明了步骤 ${id} 已由他处支付，但按参保人群和诊断，本次结算不适用该步骤`
          : `paidElsewhere 写明的步骤 ${id} 不在规则 ${ruleset.id} 的“${visitType}”结算办法中（有：${(ruleset.visits[visitType] ?? []).map((s) => s.id).join('、')}）`,
        ['paidElsewhere', id],
      );
    }
    if (!stepKind(step).paidElsewhere) {
      throw new SettlementError('PAID_ELSEWHERE_INVALID', `步骤 ${id} 是个人年度自付封顶，计算的是患者自己的支付，不能写为已由他处支付`, ['paidElsewhere', id]);
    }
  }
}

/** A step whose payout another payer made: never more than what is left to pay when it runs (§3). */
function paidElsewhereOutcome(step: Step, ctx: StepContext, given: PaidElsewhere) {
  const outcome = stepKind(step).paidElsewhere!(step, ctx, given);
  const left = outcome.draws === 'all' ? remainingAll(ctx.visit) : ctx.visit.remainingInPolicy;
  if (given.payout > left) {
    throw new SettlementError(
      'PAID_ELSEWHERE_INVALID',
      `paidElsewhere 中步骤 ${step.id} 的已付金额 ${formatUnits(given.payout)} 超过了该步骤结算时尚未支付的${outcome.draws === 'all' ? '费用' : '政策范围内费用'} ${formatUnits(left)}`,
      ['paidElsewhere', step.id, 'payout'],
    );
  }
  return outcome;
}
