/**
 * What a step sees when it runs, and what it hands back. The pipeline owns the state;
 * a step only reads it and returns its payout and trace.
 */
import type { Units } from '../money/units.js';
import type { AccumulatorBook } from './accumulators.js';
import type { AccumulatorField, PaidElsewhere, Step, StepResult } from './types.js';

export interface VisitState {
  readonly total: Units;
  readonly inPolicy: Units;
  /** In-policy amount not yet paid by an earlier step (starts at `inPolicy`). */
  remainingInPolicy: Units;
  /** Out-of-catalogue, over-limit and pre-self-pay amounts not yet paid (starts at `total - inPolicy`). */
  remainingOther: Units;
  /** Sum of the payouts of the steps that ran before. */
  earlierPayouts: Units;
  /** What each step that ran reported of itself, by id: for a later step above its deductible. */
  readonly ran: Map<string, StepFacts>;
}

/** A step that ran this visit: its base, its payout, and the part of its base under its deductible. */
export interface StepFacts {
  base: Units;
  payout: Units;
  below: Units;
}

export interface StepContext {
  readonly tier: string;
  readonly population: string;
  readonly visit: Readonly<VisitState>;
  readonly acc: AccumulatorBook;
}

export interface StepOutcome {
  result: StepResult;
  /** Which remaining amount the payout comes off: in-policy only, or in-policy first then the rest. */
  draws: 'inPolicy' | 'all';
  /** The part of its base that fell under its deductible (segmented), for a later step above it. */
  below?: Units;
}

/**
 * A cap on what a step's accumulator `paid` may reach in a year: an annual cap (封顶线) on a fund's
 * payouts, or the out-of-pocket cap on the patient's own payments (§4).
 */
export interface YearCap {
  kind: 'annualCap' | 'outOfPocketCap';
  cap: Units;
}

/**
 * A step kind: how it pays (`run`), and what it knows about itself, so that nobody else (the model's
 * ledger, the audit, doctor) restates it: which accumulator fields it keeps, and what it caps.
 */
export interface StepKindModule<S extends Step> {
  run(step: S, ctx: StepContext): StepOutcome;
  /** Called once the visit's last step has run (the out-of-pocket cap records the patient's payment). */
  afterVisit?(step: S, ctx: StepContext, patientPays: Units): void;
  /**
   * The step when another payer already made its payout (the bill's `paidElsewhere`): its trace and its
   * accumulators as if it had computed `given`. Absent: the kind cannot be paid elsewhere (the
   * out-of-pocket cap, which counts the patient's own payments).
   */
  paidElsewhere?(step: S, ctx: StepContext, given: PaidElsewhere): StepOutcome;
  /** The fields of its accumulator this step reads and writes over the year (§4). */
  accumulates(step: S): readonly AccumulatorField[];
  /** The cap on its accumulator's `paid` over a year, if it has one. */
  yearCap(step: S): YearCap | undefined;
}

export function remainingAll(v: Readonly<VisitState>): Units {
  return v.remainingInPolicy + v.remainingOther;
}

/** A step's result: which step it is (id, name, fund, kind, source) and what it computed. */
export function stepResult(step: Step, computed: Omit<StepResult, 'id' | 'name' | 'fund' | 'kind' | 'source'>): StepResult {
  return { id: step.id, name: step.name, fund: step.fund, kind: step.kind, ...computed, source: step.source };
}
