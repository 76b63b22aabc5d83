/**
 * What one shard of the fund model adds up (one worker thread, or the whole run in-thread).
 *
 * Per scenario (baseline, variant) and per group (all admissions; each population, hospital tier and
 * discharge month), the sums of ./slots.ts, exact (./weighted-sums.ts). An admission is added once, to
 * its cell (population x tier x month), and only to the slots it touches; the groups are sums of cells,
 * formed once when the shard hands its data over.
 *
 * For the mean and 95th percentile of patient payments, each admission's payment (fen) and its group
 * codes are kept in typed arrays: ~30 bytes an admission, no object per admission. They are merged by
 * concatenation (./merge.ts); the percentile is then an exact selection, never an approximation.
 */
import type { Settlement, StepResult } from '../../engine/types.js';
import { isoDateNumber } from '../../formats/iso-date.js';
import { toFen, type Units } from '../../money/units.js';
import { FIXED, SLOT, fundElsewhereSlot, fundSlot, stepCountSlot, stepPaidSlot, type SlotLayout } from './slots.js';
import { WeightedSums, type WeightedSumsData } from './weighted-sums.js';

/** A growable typed-array column. */
class Column<T extends Float64Array | Uint8Array | Uint16Array> {
  constructor(
    public array: T,
    private readonly make: (n: number) => T,
  ) {}
  set(i: number, v: number): void {
    if (i >= this.array.length) {
      const next = this.make(this.array.length * 2);
      next.set(this.array);
      this.array = next;
    }
    this.array[i] = v;
  }
  trimmed(n: number): T {
    return this.array.slice(0, n) as T;
  }
}

const f64 = (n: number) => new Float64Array(n);
const u8 = (n: number) => new Uint8Array(n);
const u16 = (n: number) => new Uint16Array(n);

/** Names → small integer codes (populations, tiers, months), in order of first appearance. */
class Registry {
  readonly names: string[] = [];
  private readonly codes = new Map<string, number>();
  constructor(private readonly max: number) {}
  code(name: string): number {
    let c = this.codes.get(name);
    if (c === undefined) {
      c = this.names.length;
      if (c >= this.max) throw new Error(`more than ${this.max} distinct values of one dimension`);
      this.names.push(name);
      this.codes.set(name, c);
    }
    return c;
  }
}

export interface Dimensions {
  populations: string[];
  tiers: string[];
  months: string[];
}

/** One scenario's group sums. */
export interface ScenarioData {
  all: WeightedSumsData;
  population: WeightedSumsData[];
  tier: WeightedSumsData[];
  month: WeightedSumsData[];
}

/** What a shard hands back: plain data and typed arrays (transferable between threads). */
export interface PartialData {
  rows: number;
  width: number;
  dims: Dimensions;
  scenarios: ScenarioData[];
  /** Per scenario: patient payment (fen) and population code of each admission. */
  patient: Float64Array[];
  population: Uint8Array[];
  tier: Uint8Array;
  month: Uint16Array;
  /** Weight (millionths) of each admission, or null when every weight is 1. */
  weight: Float64Array | null;
}

export function transferList(p: PartialData): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (a: ArrayBufferView) => out.push(a.buffer as ArrayBuffer);
  p.patient.forEach(add);
  p.population.forEach(add);
  add(p.tier);
  add(p.month);
  if (p.weight) add(p.weight);
  for (const s of p.scenarios) for (const d of [s.all, ...s.population, ...s.tier, ...s.month]) d.sums?.forEach(add);
  return out;
}

class ScenarioSums {
  readonly all: WeightedSums;
  readonly population: WeightedSums[] = [];
  readonly tier: WeightedSums[] = [];
  readonly month: WeightedSums[] = [];
  constructor(private readonly width: number) {
    this.all = new WeightedSums(width);
  }
  at(list: WeightedSums[], code: number): WeightedSums {
    while (list.length <= code) list.push(new WeightedSums(this.width));
    return list[code]!;
  }
  data(): ScenarioData {
    return { all: this.all.data(), population: this.population.map((s) => s.data()), tier: this.tier.map((s) => s.data()), month: this.month.map((s) => s.data()) };
  }
}

/** Codes of a cell: one population, tier and month (population < 255, tier < 255, month < 65535). */
const cellKey = (population: number, tier: number, month: number) => (population * 256 + tier) * 65536 + month;

/**
 * One scenario's sums per cell (population x tier x month). An admission is added to its one cell;
 * the four groupings (all, per population, per tier, per month) are sums of cells, formed exactly once
 * at the end (`data`), instead of four adds per admission.
 */
class CellSums {
  readonly cells = new Map<number, WeightedSums>();
  private lastKey = -1;
  private last: WeightedSums | null = null;
  constructor(private readonly width: number) {}
  cell(key: number): WeightedSums {
    if (key === this.lastKey) return this.last!;
    let c = this.cells.get(key);
    if (!c) this.cells.set(key, (c = new WeightedSums(this.width)));
    this.lastKey = key;
    this.last = c;
    return c;
  }
  data(): ScenarioData {
    const out = new ScenarioSums(this.width);
    // Cells in key order, so that every grouping adds its cells in one fixed order.
    for (const key of [...this.cells.keys()].sort((a, b) => a - b)) {
      const d = this.cells.get(key)!.data();
      const month = key % 65536;
      const tier = Math.floor(key / 65536) % 256;
      const population = Math.floor(key / 65536 / 256);
      out.all.merge(d);
      out.at(out.population, population).merge(d);
      out.at(out.tier, tier).merge(d);
      out.at(out.month, month).merge(d);
    }
    return out.data();
  }
}

/** What one step of a pipeline adds to: its fund's slot, its step slots, and the floor or cap slots. */
interface PipelineSlots {
  /** The ids of the steps that ran, in order. */
  ids: readonly string[];
  /** Per step of the pipeline, in order (= the settlement's `steps`, one result per step). */
  fund: Int32Array;
  paid: Int32Array;
  counted: Int32Array;
  /** 1 = floor step, 2 = out-of-pocket cap step, 0 = other. */
  kind: Uint8Array;
  /** The fund's paid-elsewhere slot, for a step whose payout another payer made. */
  elsewhere: Int32Array;
}

/** The aggregate of one shard (one worker thread, or the whole run in-thread). */
export class ShardAggregate {
  private rows = 0;
  private readonly populations = new Registry(255);
  private readonly tiers = new Registry(255);
  private readonly months = new Registry(65535);
  private readonly sums: CellSums[];
  private readonly patient: Column<Float64Array>[];
  private readonly population: Column<Uint8Array>[];
  private readonly tier = new Column(u8(4096), u8);
  private readonly month = new Column(u16(4096), u16);
  private readonly weight: Column<Float64Array> | null;
  /** This admission's quantities in one scenario; all zero between admissions. */
  private readonly vector: Float64Array;
  /** Which slots of `vector` this admission touched (a mark per slot), and their list. */
  private readonly touched: Uint8Array;
  private readonly slots: Int32Array;
  private readonly fundIndex: Map<string, number>;
  private readonly stepIndex: Map<string, number>;
  /** Per scenario: visit type → population → the pipeline's slots. */
  private readonly pipelines: Map<string, PipelineSlots>[];
  private readonly lastVisitType: (string | null)[];
  private readonly lastPopulation: (string | null)[];
  private readonly lastPipeline: (PipelineSlots | null)[];
  private readonly lastPopulationName: (string | null)[];
  private readonly lastPopulationCode: number[];
  private lastTotal: Units = -1n;
  private lastTotalFen = 0;
  private lastTier: string | null = null;
  private lastTierCode = -1;
  private readonly monthCodes = new Map<number, number>();
  private lastMonth = -1;
  private lastMonthCode = -1;

  constructor(
    private readonly layout: SlotLayout,
    scenarios: number,
    weighted: boolean,
  ) {
    this.sums = Array.from({ length: scenarios }, () => new CellSums(layout.width));
    this.patient = Array.from({ length: scenarios }, () => new Column(f64(4096), f64));
    this.population = Array.from({ length: scenarios }, () => new Column(u8(4096), u8));
    this.weight = weighted ? new Column(f64(4096), f64) : null;
    this.vector = new Float64Array(layout.width);
    this.touched = new Uint8Array(layout.width);
    // The fixed slots lead every admission's list of slots.
    this.slots = new Int32Array(layout.width).map((_, k) => (k < FIXED ? k : 0));
    this.fundIndex = new Map(layout.funds.map((f, i) => [f, i]));
    this.stepIndex = new Map(layout.steps.map((k, j) => [k, j]));
    this.pipelines = Array.from({ length: scenarios }, () => new Map());
    this.lastVisitType = new Array<string | null>(scenarios).fill(null);
    this.lastPopulation = new Array<string | null>(scenarios).fill(null);
    this.lastPipeline = new Array<PipelineSlots | null>(scenarios).fill(null);
    this.lastPopulationName = new Array<string | null>(scenarios).fill(null);
    this.lastPopulationCode = new Array<number>(scenarios).fill(-1);
  }

  /**
   * Start an admission: its tier, month and weight are the same in every scenario. `date` is the
   * discharge date as the number YYYYMMDD when the caller has it (it saves reading the text again).
   */
  begin(tier: string, discharged: string, weight: number, date = isoDateNumber(discharged)): void {
    const i = this.rows++;
    let t = tier === this.lastTier ? this.lastTierCode : -1;
    if (t === -1) {
      t = this.tiers.code(tier);
      this.lastTier = tier;
      this.lastTierCode = t;
    }
    this.tier.set(i, t);
    const month = Math.floor(date / 100);
    let m = month === this.lastMonth ? this.lastMonthCode : (this.monthCodes.get(month) ?? -1);
    if (m === -1) {
      m = this.months.code(discharged.slice(0, 7));
      this.monthCodes.set(month, m);
    }
    this.lastMonth = month;
    this.lastMonthCode = m;
    this.month.set(i, m);
    this.weight?.set(i, weight);
  }

  /**
   * The slots of each step of a settlement's pipeline, by position, worked out once per pipeline: per
   * visit type, population and the steps that ran (a step gated by a diagnosis, §3, runs for some bills of
   * a population and not others, so the steps' ids are part of the key). The last pipeline is checked
   * first, step by step (the ids are the ruleset's own strings, so the comparison is by reference).
   */
  private pipelineOf(scenario: number, s: Settlement): PipelineSlots {
    const last = this.lastPipeline[scenario] ?? null;
    if (last !== null && s.visitType === this.lastVisitType[scenario] && s.population === this.lastPopulation[scenario] && sameSteps(last.ids, s.steps)) return last;
    const key = `${s.visitType}\u0000${s.population}\u0000${s.steps.map((r) => r.id).join('\u0000')}`;
    let p = this.pipelines[scenario]!.get(key);
    if (!p) this.pipelines[scenario]!.set(key, (p = this.slotsOf(s.visitType, s.steps)));
    this.lastVisitType[scenario] = s.visitType;
    this.lastPopulation[scenario] = s.population;
    this.lastPipeline[scenario] = p;
    return p;
  }

  private slotsOf(visitType: string, results: readonly StepResult[]): PipelineSlots {
    const layout = this.layout;
    const n = results.length;
    const p: PipelineSlots = { ids: results.map((r) => r.id), fund: new Int32Array(n), paid: new Int32Array(n), counted: new Int32Array(n), kind: new Uint8Array(n), elsewhere: new Int32Array(n) };
    results.forEach((r, k) => {
      const j = this.stepIndex.get(`${visitType}.${r.id}`)!;
      p.fund[k] = fundSlot(layout, this.fundIndex.get(r.fund)!);
      p.elsewhere[k] = fundElsewhereSlot(layout, this.fundIndex.get(r.fund)!);
      p.paid[k] = stepPaidSlot(layout, j);
      p.counted[k] = stepCountSlot(layout, j);
      p.kind[k] = r.kind === 'floor' ? 1 : r.kind === 'outOfPocketCap' ? 2 : 0;
    });
    return p;
  }

  /** Add one scenario's settlement of the admission begun last. */
  add(scenario: number, s: Settlement, weight: number): void {
    const i = this.rows - 1;
    const v = this.vector;
    const touched = this.touched;
    const slots = this.slots;
    // The fixed slots always count (a zero adds nothing); the others are listed once when first touched.
    const patient = toFen(s.patientPays);
    v[SLOT.admissions] = 1;
    // The total is the bill's, the same in every scenario: converted once per admission.
    if (s.total !== this.lastTotal) {
      this.lastTotal = s.total;
      this.lastTotalFen = toFen(s.total);
    }
    v[SLOT.total] = this.lastTotalFen;
    v[SLOT.fundPays] = toFen(s.fundPaysTotal);
    v[SLOT.patientPays] = patient;
    let n = FIXED;
    const p = this.pipelineOf(scenario, s);
    const steps = s.steps;
    for (let k = 0; k < steps.length; k++) {
      const payout = steps[k]!.payout;
      if (payout === 0n) continue;
      const fen = toFen(payout);
      const f = p.fund[k]!;
      v[f]! += fen;
      if (touched[f] === 0) {
        touched[f] = 1;
        slots[n++] = f;
      }
      const paid = p.paid[k]!;
      v[paid]! += fen;
      if (touched[paid] === 0) {
        touched[paid] = 1;
        slots[n++] = paid;
      }
      const counted = p.counted[k]!;
      v[counted] = 1;
      if (touched[counted] === 0) {
        touched[counted] = 1;
        slots[n++] = counted;
      }
      if (steps[k]!.paidElsewhere !== undefined) {
        const e = p.elsewhere[k]!;
        v[e]! += fen;
        if (touched[e] === 0) {
          touched[e] = 1;
          slots[n++] = e;
        }
      }
      const kind = p.kind[k]!;
      if (kind === 1) {
        v[SLOT.floorAdmissions] = 1;
        v[SLOT.floorPaid]! += fen;
      } else if (kind === 2) {
        v[SLOT.capAdmissions] = 1;
        v[SLOT.capPaid]! += fen;
      }
    }
    const funds = this.layout.funds.length;
    const fundCounts = FIXED + funds + 2 * this.layout.steps.length;
    for (let f = 0; f < funds; f++) {
      if (v[FIXED + f]! > 0) {
        v[fundCounts + f] = 1;
        slots[n++] = fundCounts + f;
      }
    }

    let pop = s.population === this.lastPopulationName[scenario] ? this.lastPopulationCode[scenario]! : -1;
    if (pop === -1) {
      pop = this.populations.code(s.population);
      this.lastPopulationName[scenario] = s.population;
      this.lastPopulationCode[scenario] = pop;
    }
    this.sums[scenario]!.cell(cellKey(pop, this.tier.array[i]!, this.month.array[i]!)).addSlots(weight, v, slots, n);
    for (let k = 0; k < n; k++) {
      const slot = slots[k]!;
      v[slot] = 0;
      touched[slot] = 0;
    }
    this.patient[scenario]!.set(i, patient);
    this.population[scenario]!.set(i, pop);
  }

  data(): PartialData {
    const n = this.rows;
    return {
      rows: n,
      width: this.layout.width,
      dims: { populations: this.populations.names, tiers: this.tiers.names, months: this.months.names },
      scenarios: this.sums.map((s) => s.data()),
      patient: this.patient.map((c) => c.trimmed(n)),
      population: this.population.map((c) => c.trimmed(n)),
      tier: this.tier.trimmed(n),
      month: this.month.trimmed(n),
      weight: this.weight ? this.weight.trimmed(n) : null,
    };
  }
}


function sameSteps(ids: readonly string[], steps: readonly StepResult[]): boolean {
  if (ids.length !== steps.length) return false;
  for (let k = 0; k < ids.length; k++) if (ids[k] !== steps[k]!.id) return false;
  return true;
}
