/**
 * The engine's vocabulary: a validated ruleset, a bill, year-to-date accumulators and the
 * settlement that comes out. Amounts are exact fixed-point integers (`Units`, yuan x 10^10) and
 * ratios `Ratio` (x 10^8), see src/money/fixed.ts; the JSON forms (strings) live in `result.ts`
 * (out) and `rules/schema.ts`, `bill/schema.ts` (in).
 */
import type { Product, Ratio, Units } from '../money/units.js';

/** The funds a step can belong to; a ruleset may name others (a county's own fund, say). */
export type Fund = 'basic' | 'seriousIllness' | 'commercial' | 'assistance' | 'backstop' | (string & {});

/** A value priced either once for every hospital tier, or per tier. */
export type PerTier<T extends bigint = Units> = T | Readonly<Record<string, T>>;

export interface Adjustment {
  /** Scales the deductible, e.g. 0.5 for 起付线降低50%. Not rounded. */
  deductibleFactor: Ratio;
  /** Added to the ratio (and to every segment), e.g. 0.10 for 报销比例提高10%; clamped to [0, 1]. */
  ratioBonus: Ratio;
}

export interface Deductible {
  /** perVisit: applies to each visit; annual: met once a year from the step's accumulator. */
  per: 'visit' | 'year';
  amount: PerTier;
}

export interface Ceiling {
  ratio: Ratio;
  denominator: 'total' | 'inPolicy';
}

/** A condition on the bill's diagnoses (§3 "Diagnosis conditions"). */
export interface DiagnosisCondition {
  /** ICD-10 code prefixes ("C", "I21", "E11.9"): exact, case-sensitive prefixes of the code text. */
  diagnoses: readonly string[];
  /** Any of the bill's diagnoses may match; otherwise only the principal one (the first). */
  anyDiagnosis: boolean;
}

interface StepCommon {
  id: string;
  fund: Fund;
  /** Populations that get the step; undefined = all. */
  only?: readonly string[];
  /** The step runs only for a bill whose diagnoses meet this; undefined = every bill. */
  when?: DiagnosisCondition;
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
  ratio: PerTier<Ratio>;
  visitCap?: Units;
  annualCap?: Units;
  ceiling?: Ceiling;
  /** Only the in-policy part above this earlier segmented step's deductible is the base (§3). */
  aboveDeductibleOf?: string;
}

export interface Segment {
  /** Cumulative qualifying amount where the segment ends; undefined for the last. */
  upTo?: Units;
  ratio: PerTier<Ratio>;
}

export interface SegmentedStep extends StepCommon {
  kind: 'segmented';
  scope: 'year' | 'visit';
  deductible?: Deductible;
  segments: readonly Segment[];
  visitCap?: Units;
  annualCap?: Units;
  ceiling?: Ceiling;
}

export interface FloorStep extends StepCommon {
  kind: 'floor';
  floor: Ratio;
  denominator: 'total' | 'inPolicy';
}

export interface OutOfPocketCapStep extends StepCommon {
  kind: 'outOfPocketCap';
  cap: Units;
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
  /** Whose date's register memberships and hospital tier count (§3); read by the caller, not the engine. */
  eligibleOn: 'admitted' | 'discharged';
  /** The catalogue's mode (SETTLEMENT.md §2): a disagreeing declaration is refused, or the catalogue's values are used. */
  catalogue: 'strict' | 'catalogueWins';
  visits: Readonly<Record<string, readonly Step[]>>;
}

export type ItemClass = 'A' | 'B' | 'C';

export interface BillItem {
  code: string;
  name?: string;
  class: ItemClass;
  selfPayRatio?: Ratio;
  unitPrice: Units;
  /** x 10^4 (at most four decimals). */
  quantity: bigint;
  amount: Units;
  priceCap?: Units;
}

export interface Buckets {
  outOfCatalog: Units;
  overLimit: Units;
  preSelfPay: Units;
  inPolicy: Units;
}

/** A payout another payer already made for one of the steps (§3 "Payouts already made elsewhere"). */
export interface PaidElsewhere {
  payout: Units;
  /** The deductible that payer applied (0 when not given). */
  deductible: Units;
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
  /** ICD-10 codes, the principal diagnosis (主要诊断) first. */
  diagnoses?: readonly string[];
  /** By step id: payouts already made by another payer for this bill. */
  paidElsewhere?: Readonly<Record<string, PaidElsewhere>>;
}

export type AccumulatorField = 'paid' | 'deductibleMet' | 'cumulative';

/** Year-to-date values of one person for one year, by accumulator key. Absent = 0. */
export type Accumulators = Readonly<Record<string, Partial<Record<AccumulatorField, Units>>>>;

export interface AccumulatorChange {
  before: Units;
  after: Units;
}

/** What a settlement read and wrote, by accumulator key and field. */
export type AccumulatorChanges = Record<string, Partial<Record<AccumulatorField, AccumulatorChange>>>;

export interface SegmentApplied {
  from: Units;
  to: Units;
  ratio: Ratio;
  /** Unrounded (the step rounds the sum of its segments once). */
  payout: Product;
}

/** One step's trace: everything needed to explain and re-check its payout. */
export interface StepResult {
  id: string;
  name?: string;
  fund: Fund;
  kind: StepKind;
  /** The amount the step worked on: remaining in-policy or remaining total when it ran. */
  base: Units;
  /** Deductible applied this visit (coinsurance, segmented). */
  deductible: Units | null;
  /** The ratio applied, after population adjustment (coinsurance). */
  ratio: Ratio | null;
  /** The bands of a segmented step that this visit's amount fell in. */
  segments?: SegmentApplied[];
  /** Year-to-date qualifying amount before this visit (segmented, scope year). */
  cumulativeBefore?: Units;
  /** What was left under the annual cap (or the visit cap, or the ceiling) before the step. */
  capRoom: Units | null;
  /** What limited the payout, if anything did. */
  limitedBy?: 'visitCap' | 'annualCap' | 'ceiling' | 'remaining';
  /** Floor step: the guaranteed ratio, its denominator amount, and the amount it had to reach. */
  floor?: { ratio: Ratio; denominator: 'total' | 'inPolicy'; denominatorAmount: Units; earlierPayouts: Units };
  /** Out-of-pocket cap step: the cap and the patient's payments so far this year. */
  outOfPocket?: { cap: Units; paidBefore: Units; wouldPay: Units };
  /**
   * A step above another step's deductible: the named step's base, payout and the part of its base under
   * its deductible, the in-policy amount left when this step ran, and this step's base,
   * `remaining x (base - payout - below) / (base - payout)`, to the fen (`exact` when it is exactly so).
   */
  aboveDeductible?: { of: string; namedBase: Units; namedPayout: Units; below: Units; remaining: Units; base: Units; exact: boolean };
  /** The payout was made by another payer (the bill's `paidElsewhere`), not computed here. */
  paidElsewhere?: { deductible: Units };
  payout: Units;
  source?: string;
}

export interface Settlement {
  rulesetId: string;
  population: string;
  year: number;
  visitType: string;
  total: Units;
  buckets: Buckets;
  steps: StepResult[];
  funds: Record<string, Units>;
  fundPaysTotal: Units;
  patientPays: Units;
  /** Per fund, the payout less what was paid elsewhere: what is still owed. Only when something was. */
  owed?: Record<string, Units>;
  accumulators: AccumulatorChanges;
}
