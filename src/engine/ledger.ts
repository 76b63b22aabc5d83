/**
 * Year-to-date accumulators carried across a sequence of bills, in memory (§4): what `onestop settle`,
 * the fund model and the tests use to settle bills one after another exactly as the counter would.
 * (The service keeps the same values in its store instead.)
 *
 * Stored compactly, since a million admissions of 700,000 people must not become millions of objects:
 * a row per person and year (./row-index.ts), a column per (accumulator key, field), each row holding
 * every scenario's columns side by side (the fund model settles each admission under a baseline and a
 * variant; everyone else has one scenario) in one BigInt64Array. Values are the engine's own `Units`,
 * fractions of a fen included (an annual deductible x a population factor, 0.5 x 155.55 = 77.775); one
 * beyond the int64 range (over 922 million yuan in one person's year) is kept in an exact bigint side
 * table. Nothing is rounded or converted. Columns come from the steps of the rulesets settled
 * (`accumulatorFields`), and any other a settlement records is added when first met.
 *
 * Changes are applied by the one rule of ./accumulators.ts (`changeDelta`).
 */
import { changeDelta } from './accumulators.js';
import { RowIndex } from './row-index.js';
import { settle } from './settle.js';
import { accumulatorFields } from './steps/index.js';
import type { AccumulatorChanges, AccumulatorField, Accumulators, Bill, Ruleset, Settlement } from './types.js';
import type { Units } from '../money/units.js';

const FIELDS: readonly AccumulatorField[] = ['paid', 'deductibleMet', 'cumulative'];

/** Cell value meaning "see the side table" (outside the int64 range). */
const SPILLED = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** What the engine reads for one accumulator key (one shape for every key, so filling it is cheap). */
class Entry {
  paid: Units | undefined = undefined;
  deductibleMet: Units | undefined = undefined;
  cumulative: Units | undefined = undefined;
}

/** One scenario's view: key → Entry, and the entry, field and column of each value it holds. */
interface View {
  byKey: Record<string, Entry>;
  entries: Entry[];
  /** Per entry filled: its field (as the index in FIELDS) and its column. */
  fields: Int8Array;
  columns: Int32Array;
}

export interface LedgerOptions {
  /** Independent sets of values per person and year (the fund model's baseline and variant). Default 1. */
  scenarios?: number;
  /** Columns known up front, e.g. `accumulatorFields(ruleset)`; others are added when first met. */
  fields?: Iterable<readonly [string, AccumulatorField]>;
}

export class YearToDateLedger {
  private readonly rows = new RowIndex();
  private readonly scenarios: number;
  private readonly columns: { key: string; field: AccumulatorField }[] = [];
  /** Accumulator key → column of each field (-1 = none yet), in FIELDS order. */
  private readonly columnOf = new Map<string, Int32Array>();
  /** Columns per scenario, and per row (`width` x scenarios): one row's values are adjacent in memory. */
  private width: number;
  private stride: number;
  private capacity = 1024;
  /** capacity x stride values in Units (SPILLED = see `spilled`). */
  private values: BigInt64Array;
  /** Values outside the int64 range, by cell. */
  private spilled = new Map<number, bigint>();
  /**
   * One reusable view per scenario and key set, filled by `read`: the engine only reads year-to-date
   * values during one settle call, and a field at 0 reads as an absent one (absent = 0).
   */
  private views: Map<readonly string[] | null, View>[] = [];
  /** Rulesets whose columns are known (`settle`). */
  private readonly known = new WeakSet<Ruleset>();

  constructor(options: LedgerOptions = {}) {
    this.scenarios = options.scenarios ?? 1;
    for (const [key, field] of options.fields ?? []) this.columnFor(key, field, false);
    this.width = Math.max(1, this.columns.length);
    this.stride = this.width * this.scenarios;
    this.values = new BigInt64Array(this.capacity * this.stride);
  }

  /** Person-years with a row. */
  get size(): number {
    return this.rows.size;
  }

  /** The row of a person's year, made (every value 0) when first asked for. */
  row(personId: string, year: number): number {
    const found = this.rows.rowOf(personId, year);
    if (found >= 0) return found;
    const row = -1 - found;
    if (row === this.capacity) this.relayout(this.width, this.capacity * 2);
    return row;
  }

  /**
   * A row's year-to-date accumulators in one scenario, as the engine reads them. The object is reused
   * by the next `read` of the same scenario and keys: use it for one settlement, then let it go.
   * `keys`, when given, are the only accumulator keys the settlement can read (those of the steps of
   * its visit type); the view then holds just those (any other reads as absent). Pass the same array
   * each time for a visit type: it identifies the view.
   */
  read(row: number, scenario = 0, keys: readonly string[] | null = null): Accumulators {
    const { byKey, entries, fields, columns } = this.viewOf(scenario, keys);
    const values = this.values;
    const spilled = this.spilled;
    const base = row * this.stride + scenario * this.width;
    for (let k = 0; k < entries.length; k++) {
      const cell = base + columns[k]!;
      let v = values[cell]!;
      if (spilled.size !== 0 && v === SPILLED) v = spilled.get(cell)!;
      const e = entries[k]!;
      const f = fields[k];
      if (f === 0) e.paid = v;
      else if (f === 1) e.deductibleMet = v;
      else e.cumulative = v;
    }
    return byKey;
  }

  /** Apply a settlement's recorded changes to a row (a reversal's with `direction` -1). */
  apply(row: number, scenario: number, changes: AccumulatorChanges, direction: 1 | -1 = 1): void {
    for (const key in changes) {
      const fields = changes[key]!;
      let cols = this.columnOf.get(key);
      for (let f = 0; f < FIELDS.length; f++) {
        const change = fields[FIELDS[f]!];
        if (!change) continue;
        let c = cols ? cols[f]! : -1;
        if (c === -1) {
          c = this.columnFor(key, FIELDS[f]!, true);
          cols = this.columnOf.get(key)!;
        }
        const cell = row * this.stride + scenario * this.width + c;
        this.set(cell, this.cell(cell) + changeDelta(change, direction));
      }
    }
  }

  /** Set the values of a person's year (starting values, e.g. from a year-to-date file). */
  load(personId: string, year: number, accumulators: Accumulators, scenario = 0): void {
    const changes: AccumulatorChanges = {};
    const row = this.row(personId, year);
    const current = this.read(row, scenario);
    for (const [key, fields] of Object.entries(accumulators)) {
      const entry: AccumulatorChanges[string] = (changes[key] = {});
      for (const [field, v] of Object.entries(fields) as [AccumulatorField, Units][]) entry[field] = { before: current[key]?.[field] ?? 0n, after: v };
    }
    this.apply(row, scenario, changes);
  }

  /** A copy of a person's year-to-date values in one scenario, values at 0 left out ({} when it has none). */
  get(personId: string, year: number, scenario = 0): Accumulators {
    const row = this.rows.find(personId, year);
    return row === -1 ? {} : this.copy(row, scenario);
  }

  /** Record a settlement of the person's (its year's changes). */
  record(personId: string, settlement: Settlement, scenario = 0): void {
    this.apply(this.row(personId, settlement.year), scenario, settlement.accumulators);
  }

  /** Settle a bill against this ledger and record its changes. */
  settle(bill: Bill, ruleset: Ruleset, scenario = 0): Settlement {
    if (!this.known.has(ruleset)) {
      this.known.add(ruleset);
      for (const [key, field] of accumulatorFields(ruleset)) this.columnFor(key, field, true);
    }
    const row = this.row(bill.person.id, Number(bill.visit.discharged.slice(0, 4)));
    const s = settle(bill, ruleset, this.read(row, scenario));
    this.apply(row, scenario, s.accumulators);
    return s;
  }

  /** Every person's year with its values (copies), in order of first appearance. */
  *entries(scenario = 0): Generator<[personId: string, year: number, accumulators: Accumulators]> {
    for (let row = 0; row < this.rows.size; row++) yield [this.rows.idOf(row), this.rows.yearOf(row), this.copy(row, scenario)];
  }

  private copy(row: number, scenario: number): Accumulators {
    const out: Record<string, Partial<Record<AccumulatorField, Units>>> = {};
    // A value at 0 is left out, as absent reads as 0 (§4): a row only made, by a bill that failed, is {}.
    this.columns.forEach(({ key, field }, c) => {
      const v = this.cell(row * this.stride + scenario * this.width + c);
      if (v !== 0n) (out[key] ??= {})[field] = v;
    });
    return out;
  }

  private cell(cell: number): bigint {
    const v = this.values[cell]!;
    return this.spilled.size !== 0 && v === SPILLED ? this.spilled.get(cell)! : v;
  }

  private set(cell: number, v: bigint): void {
    if (v > SPILLED && v <= INT64_MAX) {
      this.values[cell] = v;
      if (this.spilled.size !== 0) this.spilled.delete(cell);
    } else {
      this.values[cell] = SPILLED;
      this.spilled.set(cell, v);
    }
  }

  /** The column of (key, field), added when new (with `relayout`, the rows are widened at once). */
  private columnFor(key: string, field: AccumulatorField, relayout: boolean): number {
    let cols = this.columnOf.get(key);
    if (!cols) this.columnOf.set(key, (cols = new Int32Array(FIELDS.length).fill(-1)));
    const f = FIELDS.indexOf(field);
    if (cols[f] === -1) {
      cols[f] = this.columns.length;
      this.columns.push({ key, field });
      this.views = [];
      if (relayout && this.columns.length > this.width) this.relayout(this.columns.length, this.capacity);
    }
    return cols[f]!;
  }

  /** Re-lay the values for a new width (columns per scenario) or capacity (rows). */
  private relayout(width: number, capacity: number): void {
    const stride = width * this.scenarios;
    const old = this.values;
    const next = new BigInt64Array(capacity * stride);
    const rows = this.rows.size;
    if (width === this.width) next.set(old.subarray(0, Math.min(rows, this.capacity) * stride));
    else {
      for (let r = 0; r < Math.min(rows, this.capacity); r++) {
        for (let s = 0; s < this.scenarios; s++) next.set(old.subarray(r * this.stride + s * this.width, r * this.stride + (s + 1) * this.width), r * stride + s * width);
      }
      const moved = new Map<number, bigint>();
      for (const [cell, v] of this.spilled) {
        const r = Math.floor(cell / this.stride);
        const s = Math.floor((cell % this.stride) / this.width);
        moved.set(r * stride + s * width + (cell % this.width), v);
      }
      this.spilled = moved;
    }
    this.values = next;
    this.width = width;
    this.stride = stride;
    this.capacity = capacity;
  }

  /** The view of the columns of `keys` (every column when null). */
  private viewOf(scenario: number, keys: readonly string[] | null): View {
    let views = this.views[scenario];
    if (!views) this.views[scenario] = views = new Map();
    let view = views.get(keys);
    if (!view) {
      const byKey: Record<string, Entry> = {};
      const entries: Entry[] = [];
      const fields: number[] = [];
      const columns: number[] = [];
      this.columns.forEach(({ key, field }, c) => {
        if (keys && !keys.includes(key)) return;
        entries.push((byKey[key] ??= new Entry()));
        fields.push(FIELDS.indexOf(field));
        columns.push(c);
      });
      view = { byKey, entries, fields: Int8Array.from(fields), columns: Int32Array.from(columns) };
      views.set(keys, view);
    }
    return view;
  }
}
