/**
 * The engine's vocabulary: a validated ruleset, a bill, year-to-date accumulators and the
 * settlement that comes out. All money is `Decimal`; the JSON forms (strings) live in
 * `result.ts` (out) and `rules/schema.ts`, `bill/schema.ts` (in).
 */
import type { Decimal } from '../money/money.js';

/** The funds a step can belong to; a ruleset may name others (a county's own fund, say). */
export type Fund = 'basic' | 'seriousIllness' | 'commercial' | 'assistance' | 'backstop' | (string & {});

/** A value priced either once for every hospital tier, or per tier. */
export type PerTier = Decimal | Readonly<Record<string, Decimal>>;

export interface Adjustment {
  /** Scales the deductible, e.g. 0.5 for 起付线降低50%. Not rounded. */
  deductibleFactor: Decimal;
  /** Added to the ratio (and to every segment), e.g. 0.10 for 报销比例提高10%; clamped to [0, 1]. */
  ratioBonus: Decimal;
}

export interface Deductible {
  /** perVisit: applies to each visit; annual: met once a year from the step's accumulator. */
  per: 'visit' | 'year';
  amount: PerTier;
}

export interface Ceiling {
  ratio: Decimal;
  denominator: 'total' | 'inPolicy';
}

interface StepCommon {
  id: string;
  fund: Fund;
  /** Populations that get the step; undefined = all. */
  only?: readonly string[];
  /** The accumulator key (defaults to the step id). */
  accumulator: string;
  /** Id of the ruleset source the step cites. */
  source?: string;
  /** Chinese label for people (基本医保, 大病保险 …). */
  name?: string;
  adjust?: Readonly<Record<string, Adjustment>>;
  /** Where the step sits in the rules file, e.g. ["visits","inpatient",0]; used in error paths. */
  path: readonly (string | number)[];
}

export interface CoinsuranceStep extends StepCommon {
  kind: 'coinsurance';
  base: 'inPolicy' | 'all';
  deductible?: Deductible;
  ratio: PerTier;
  visitCap?: Decimal;
  annualCap?: Decimal;
  ceiling?: Ceiling;
}

export interface Segment {
  /** Cumulative qualifying amount where the segment ends; undefined for the last. */
  upTo?: Decimal;
  ratio: PerTier;
}

export interface SegmentedStep extends StepCommon {
  kind: 'segmented';
  scope: 'year' | 'visit';
  deductible?: Deductible;
  segments: readonly Segment[];
  visitCap?: Decimal;
  annualCap?: Decimal;
  ceiling?: Ceiling;
}

export interface FloorStep extends StepCommon {
  kind: 'floor';
  floor: Decimal;
  denominator: 'total' | 'inPolicy';
}

export interface OutOfPocketCapStep extends StepCommon {
  kind: 'outOfPocketCap';
  cap: Decimal;
  base: 'all' | 'inPolicy';
}

export type Step = CoinsuranceStep | SegmentedStep | FloorStep | OutOfPocketCapStep;
export type StepKind = Step['kind'];

export interface Source {
  id: string;
  title: string;
  file?: string;
  url?: string;
  publisher?: string;
  date?: string;
  note?: string;
}

/** A validated ruleset: what the engine runs. */
export interface Ruleset {
  id: string;
  title: string;
  region: { code: string; name: string };
  /** Inclusive ISO dates. */
  effective: { from: string; to: string };
  sources: readonly Source[];
  tiers: readonly string[];
  /** Precedence when a person is in several populations. */
  populations: readonly string[];
  visits: Readonly<Record<string, readonly Step[]>>;
}

export type ItemClass = 'A' | 'B' | 'C';

export interface BillItem {
  code: string;
  name?: string;
  class: ItemClass;
  selfPayRatio?: Decimal;
  unitPrice: Decimal;
  quantity: Decimal;
  amount: Decimal;
  priceCap?: Decimal;
}

export interface Buckets {
  outOfCatalog: Decimal;
  overLimit: Decimal;
  preSelfPay: Decimal;
  inPolicy: Decimal;
}

/** A bill as the engine needs it: tier and populations already known. */
export interface Bill {
  billNo: string;
  hospital: { code: string; tier: string };
  person: { id: string; populations: readonly string[] };
  visit: { type: string; admitted: string; discharged: string };
  /** Line items; or, for modelling input, `buckets` directly (exactly one of the two). */
  items?: readonly BillItem[];
  buckets?: Buckets;
}

export type AccumulatorField = 'paid' | 'deductibleMet' | 'cumulative';

/** Year-to-date values of one person for one year, by accumulator key. Absent = 0. */
export type Accumulators = Readonly<Record<string, Partial<Record<AccumulatorField, Decimal>>>>;

export interface AccumulatorChange {
  before: Decimal;
  after: Decimal;
}

/** What a settlement read and wrote, by accumulator key and field. */
export type AccumulatorChanges = Record<string, Partial<Record<AccumulatorField, AccumulatorChange>>>;

export interface SegmentApplied {
  from: Decimal;
  to: Decimal;
  ratio: Decimal;
  payout: Decimal;
}

/** One step's trace: everything needed to explain and re-check its payout. */
export interface StepResult {
  id: string;
  name?: string;
  fund: Fund;
  kind: StepKind;
  /** The amount the step worked on: remaining in-policy or remaining total when it ran. */
  base: Decimal;
  /** Deductible applied this visit (coinsurance, segmented). */
  deductible: Decimal | null;
  /** The ratio applied, after population adjustment (coinsurance). */
  ratio: Decimal | null;
  /** The bands of a segmented step that this visit's amount fell in. */
  segments?: SegmentApplied[];
  /** Year-to-date qualifying amount before this visit (segmented, scope year). */
  cumulativeBefore?: Decimal;
  /** What was left under the annual cap (or the visit cap, or the ceiling) before the step. */
  capRoom: Decimal | null;
  /** What limited the payout, if anything did. */
  limitedBy?: 'visitCap' | 'annualCap' | 'ceiling' | 'remaining';
  /** Floor step: the guaranteed ratio, its denominator amount, and the amount it had to reach. */
  floor?: { ratio: Decimal; denominator: 'total' | 'inPolicy'; denominatorAmount: Decimal; earlierPayouts: Decimal };
  /** Out-of-pocket cap step: the cap and the patient's payments so far this year. */
  outOfPocket?: { cap: Decimal; paidBefore: Decimal; wouldPay: Decimal };
  payout: Decimal;
  source?: string;
}

export interface Settlement {
  rulesetId: string;
  population: string;
  year: number;
  visitType: string;
  total: Decimal;
  buckets: Buckets;
  steps: StepResult[];
  funds: Record<string, Decimal>;
  fundPaysTotal: Decimal;
  patientPays: Decimal;
  accumulators: AccumulatorChanges;
}
