/**
 * Year-to-date accumulators for the fund model, carried per person exactly as at the counter, but
 * stored compactly: a million admissions of 700,000 people must not become millions of objects.
 *
 * Same meaning as the engine's `YearToDateLedger` (§4): per person and year, per accumulator key and
 * field. Each (key, field) gets a column; each person a row of a BigInt64Array per scenario (baseline,
 * variant), holding the engine's own fixed-point value (`Units`, yuan x 10^10). Units hold fractions of
 * a fen exactly (an annual deductible scaled by a population factor, e.g. 0.5 x 155.55 = 77.775), so
 * no value needs a side table; one beyond the int64 range (over 922 million yuan in one person's year)
 * is kept in an exact bigint side table instead. Nothing is ever rounded or converted.
 *
 * Order: a person's admissions must come in order of discharge date (several on one day keep their
 * input order). An earlier date after a later one is refused with both line numbers; the model does
 * not sort (see docs/model.md). A later year starts the person's accumulators from zero.
 */
import { InputLineError } from '../formats/line-error.js';
import type { AccumulatorChanges, AccumulatorField, Accumulators } from '../engine/types.js';
import type { Units } from '../money/fixed.js';

const FIELDS: readonly AccumulatorField[] = ['paid', 'deductibleMet', 'cumulative'];

function dateNumber(iso: string): number {
  return Number(iso.slice(0, 4)) * 10000 + Number(iso.slice(5, 7)) * 100 + Number(iso.slice(8, 10));
}

/** Cell value meaning "see the side table" (outside the int64 range). */
const SPILLED = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Person id → row, for hundreds of thousands of people: open addressing (linear probing) over one
 * Int32Array of (hash, row + 1) pairs, at most half full. Compact, so a lookup touches few cache
 * lines; the hash is seeded per process, so no input can be made to collide on purpose.
 */
class PersonIndex {
  private table = new Int32Array(2 * 4096);
  private mask = 4095;
  readonly ids: string[] = [];
  /** The hash of each row's id, so that growing the table never reads the ids again. */
  private hashes = new Int32Array(1024);
  private readonly seed = (Math.random() * 0x7fffffff) | 0;

  private hash(id: string): number {
    let h = this.seed;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  /** The row of `id`; or, when it has none, gives it the next row r and returns -1 - r. */
  rowOf(id: string): number {
    const h = this.hash(id);
    const table = this.table;
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const r = table[2 * i + 1]! - 1;
      if (r === -1) break;
      if (table[2 * i] === h && this.ids[r] === id) return r;
      i = (i + 1) & mask;
    }
    const row = this.ids.length;
    this.ids.push(id);
    if (row === this.hashes.length) {
      const next = new Int32Array(2 * row);
      next.set(this.hashes);
      this.hashes = next;
    }
    this.hashes[row] = h;
    if (2 * this.ids.length > mask + 1) this.grow();
    else {
      table[2 * i] = h;
      table[2 * i + 1] = row + 1;
    }
    return -1 - row;
  }

  /** Twice the slots, every row placed again by its kept hash. */
  private grow(): void {
    const size = 2 * (this.mask + 1);
    const table = new Int32Array(2 * size);
    const mask = size - 1;
    for (let row = 0; row < this.ids.length; row++) {
      const h = this.hashes[row]!;
      let i = h & mask;
      while (table[2 * i + 1] !== 0) i = (i + 1) & mask;
      table[2 * i] = h;
      table[2 * i + 1] = row + 1;
    }
    this.table = table;
    this.mask = mask;
  }
}

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

export class CompactLedger {
  private readonly persons = new PersonIndex();
  private readonly columns: { key: string; field: AccumulatorField }[] = [];
  /** Accumulator key → column of each field (-1 = none yet), in FIELDS order. */
  private readonly columnOf = new Map<string, Int32Array>();
  /** Columns per scenario; a person's row holds every scenario's columns side by side (`stride` values). */
  private width: number;
  private stride: number;
  private capacity = 1024;
  private count = 0;
  /** capacity x stride values in Units (SPILLED = see `spilled`): one person's values are adjacent in memory. */
  private values: BigInt64Array;
  /** Values outside the int64 range, by cell. */
  private spilled = new Map<number, bigint>();
  /** Per person: the last discharge date (YYYYMMDD) and its line, side by side. */
  private last: Float64Array;
  /**
   * One reusable accumulator view per scenario, filled by `read`: the engine only reads the year-to-date
   * values during one settle call, and a field at 0 reads as an absent one (absent = 0).
   */
  private views: Map<readonly string[] | null, View>[] = [];

  constructor(
    private readonly scenarios: number,
    known: Iterable<[string, AccumulatorField]> = [],
  ) {
    for (const [key, field] of known) this.addColumn(key, field);
    this.width = Math.max(1, this.columns.length);
    this.stride = this.width * scenarios;
    this.values = new BigInt64Array(this.capacity * this.stride);
    this.last = new Float64Array(this.capacity * 2);
  }

  get people(): number {
    return this.count;
  }

  private addColumn(key: string, field: AccumulatorField): number {
    let cols = this.columnOf.get(key);
    if (!cols) this.columnOf.set(key, (cols = new Int32Array(FIELDS.length).fill(-1)));
    const f = FIELDS.indexOf(field);
    if (cols[f] === -1) {
      cols[f] = this.columns.length;
      this.columns.push({ key, field });
      this.views = [];
    }
    return cols[f]!;
  }

  /** Re-lay the values for a new width (columns per scenario) or capacity (people). */
  private relayout(width: number, capacity: number): void {
    const stride = width * this.scenarios;
    const old = this.values;
    const next = new BigInt64Array(capacity * stride);
    if (width === this.width) next.set(old.subarray(0, this.count * stride));
    else {
      for (let r = 0; r < this.count; r++) {
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
    if (capacity !== this.capacity) {
      const l = new Float64Array(capacity * 2);
      l.set(this.last);
      this.last = l;
    }
    this.width = width;
    this.stride = stride;
    this.capacity = capacity;
  }

  /**
   * The person's row for this admission: checks the order of discharge dates and starts a new year
   * from zero. Throws a InputLineError naming both lines when a date goes backwards. `date` is the
   * discharge date as YYYYMMDD, when the caller has already read it.
   */
  enter(personId: string, discharged: string, line: number, billNo?: string, date = dateNumber(discharged)): number {
    const found = this.persons.rowOf(personId);
    const row = found >= 0 ? found : -1 - found;
    if (found < 0) {
      if (this.count === this.capacity) this.relayout(this.width, this.capacity * 2);
      this.count++;
    } else {
      const last = this.last[2 * row]!;
      if (date < last) {
        const l = String(last);
        throw new InputLineError(line, billNo, [
          {
            path: 'discharged',
            message: `参保人 ${personId} 的出院日期 ${discharged} 早于其第 ${this.last[2 * row + 1]} 行的 ${l.slice(0, 4)}-${l.slice(4, 6)}-${l.slice(6, 8)}；测算按窗口的顺序逐人累计年度数，每人的账单须按出院日期排列（同一天的按原顺序）`,
          },
        ]);
      }
      if (Math.floor(date / 10000) !== Math.floor(last / 10000)) this.clear(row);
    }
    this.last[2 * row] = date;
    this.last[2 * row + 1] = line;
    return row;
  }

  private clear(row: number): void {
    const from = row * this.stride;
    this.values.fill(0n, from, from + this.stride);
    if (this.spilled.size) for (let c = from; c < from + this.stride; c++) this.spilled.delete(c);
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

  /**
   * The person's year-to-date accumulators in one scenario, as the engine reads them. The object is
   * reused by the next `read` of the same scenario: use it for one settlement, then let it go.
   * `keys`, when given, are the only accumulator keys the settlement can read (those of the steps of
   * its visit type); the view then holds just those (any other reads as absent). Pass the same array
   * each time for a visit type: it identifies the view.
   */
  read(row: number, scenario: number, keys: readonly string[] | null = null): Accumulators {
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

  /** Record a settlement's accumulator changes (the `after` values) for the person. */
  write(row: number, scenario: number, changes: AccumulatorChanges): void {
    for (const key in changes) {
      const fields = changes[key]!;
      const cols = this.columnOf.get(key);
      for (let f = 0; f < FIELDS.length; f++) {
        const change = fields[FIELDS[f]!];
        if (!change) continue;
        let c = cols ? cols[f]! : -1;
        if (c === -1) {
          c = this.addColumn(key, FIELDS[f]!);
          if (this.columns.length > this.width) {
            this.relayout(this.columns.length, this.capacity);
            this.write(row, scenario, changes);
            return;
          }
        }
        const cell = row * this.stride + scenario * this.width + c;
        const after = change.after;
        if (after > SPILLED && after <= INT64_MAX) {
          this.values[cell] = after;
          if (this.spilled.size) this.spilled.delete(cell);
        } else {
          this.values[cell] = SPILLED;
          this.spilled.set(cell, after);
        }
      }
    }
  }
}
