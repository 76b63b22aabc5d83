/**
 * Year-to-date accumulators for the fund model, carried per person exactly as at the counter, but
 * stored compactly: a million admissions of 700,000 people must not become millions of Decimal objects.
 *
 * Same meaning as the engine's `YearToDateLedger` (§4): per person and year, per accumulator key and
 * field. Each (key, field) gets a column; each person a row of a Float64Array per scenario (baseline,
 * variant), holding the value in integer fen, which is exact for every sum of payouts and bases. The
 * one value that can carry fractions of a fen (an annual deductible scaled by a population factor,
 * e.g. 0.5 x 155.55) is kept as an exact Decimal in a side table instead. Nothing is ever rounded.
 *
 * Order: a person's admissions must come in order of discharge date (several on one day keep their
 * input order). An earlier date after a later one is refused with both line numbers; the model does
 * not sort (see docs/model.md). A later year starts the person's accumulators from zero.
 */
import { BillLineError } from '../cli/settle.js';
import type { AccumulatorChanges, AccumulatorField, Accumulators } from '../engine/types.js';
import type { Decimal } from '../money/money.js';
import { decimalOfFen, fenOf } from './fen.js';

const FIELDS: readonly AccumulatorField[] = ['paid', 'deductibleMet', 'cumulative'];

function dateNumber(iso: string): number {
  return Number(iso.slice(0, 4)) * 10000 + Number(iso.slice(5, 7)) * 100 + Number(iso.slice(8, 10));
}

export class CompactLedger {
  private readonly slots = new Map<string, number>();
  private readonly columns: { key: string; field: AccumulatorField }[] = [];
  /** Accumulator key → column of each field (-1 = none yet), in FIELDS order. */
  private readonly columnOf = new Map<string, Int32Array>();
  private width: number;
  private capacity = 1024;
  private count = 0;
  /** Per scenario: capacity x width values in fen (NaN = see `exact`). */
  private values: Float64Array[];
  /** Exact values that are not whole fen, by scenario and cell. */
  private readonly exact: Map<number, Decimal>[];
  private lastDate = new Int32Array(this.capacity);
  private lastLine = new Float64Array(this.capacity);

  constructor(
    private readonly scenarios: number,
    known: Iterable<[string, AccumulatorField]> = [],
  ) {
    for (const [key, field] of known) this.addColumn(key, field);
    this.width = Math.max(1, this.columns.length);
    this.values = Array.from({ length: scenarios }, () => new Float64Array(this.capacity * this.width));
    this.exact = Array.from({ length: scenarios }, () => new Map<number, Decimal>());
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
    }
    return cols[f]!;
  }

  /** Re-lay every scenario's values for a new width or capacity. */
  private relayout(width: number, capacity: number): void {
    for (let s = 0; s < this.scenarios; s++) {
      const old = this.values[s]!;
      const next = new Float64Array(capacity * width);
      if (width === this.width) next.set(old.subarray(0, this.count * width));
      else for (let r = 0; r < this.count; r++) next.set(old.subarray(r * this.width, (r + 1) * this.width), r * width);
      this.values[s] = next;
      if (width !== this.width) {
        const moved = new Map<number, Decimal>();
        for (const [cell, v] of this.exact[s]!) moved.set(Math.floor(cell / this.width) * width + (cell % this.width), v);
        this.exact[s] = moved;
      }
    }
    if (capacity !== this.capacity) {
      const d = new Int32Array(capacity);
      d.set(this.lastDate);
      this.lastDate = d;
      const l = new Float64Array(capacity);
      l.set(this.lastLine);
      this.lastLine = l;
    }
    this.width = width;
    this.capacity = capacity;
  }

  /**
   * The person's row for this admission: checks the order of discharge dates and starts a new year
   * from zero. Throws a BillLineError naming both lines when a date goes backwards.
   */
  enter(personId: string, discharged: string, line: number, billNo?: string): number {
    const date = dateNumber(discharged);
    let row = this.slots.get(personId);
    if (row === undefined) {
      if (this.count === this.capacity) this.relayout(this.width, this.capacity * 2);
      row = this.count++;
      this.slots.set(personId, row);
    } else {
      const last = this.lastDate[row]!;
      if (date < last) {
        const l = String(last);
        throw new BillLineError(line, billNo, [
          {
            path: 'discharged',
            message: `参保人 ${personId} 的出院日期 ${discharged} 早于其第 ${this.lastLine[row]} 行的 ${l.slice(0, 4)}-${l.slice(4, 6)}-${l.slice(6, 8)}；测算按窗口的顺序逐人累计年度数，每人的账单须按出院日期排列（同一天的按原顺序）`,
          },
        ]);
      }
      if (Math.floor(date / 10000) !== Math.floor(last / 10000)) this.clear(row);
    }
    this.lastDate[row] = date;
    this.lastLine[row] = line;
    return row;
  }

  private clear(row: number): void {
    for (let s = 0; s < this.scenarios; s++) {
      this.values[s]!.fill(0, row * this.width, (row + 1) * this.width);
      for (let c = 0; c < this.width; c++) this.exact[s]!.delete(row * this.width + c);
    }
  }

  /** The person's year-to-date accumulators in one scenario, as the engine reads them. */
  read(row: number, scenario: number): Accumulators {
    const out: Record<string, Partial<Record<AccumulatorField, Decimal>>> = {};
    const values = this.values[scenario]!;
    const base = row * this.width;
    for (let c = 0; c < this.columns.length; c++) {
      const fen = values[base + c]!;
      if (fen === 0) continue;
      const { key, field } = this.columns[c]!;
      const v = Number.isNaN(fen) ? this.exact[scenario]!.get(base + c)! : decimalOfFen(fen);
      (out[key] ??= {})[field] = v;
    }
    return out;
  }

  /** Record a settlement's accumulator changes (the `after` values) for the person. */
  write(row: number, scenario: number, changes: AccumulatorChanges): void {
    const values = this.values[scenario]!;
    const exact = this.exact[scenario]!;
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
        const cell = row * this.width + c;
        const fen = fenOf(change.after);
        if (fen !== null) {
          values[cell] = fen;
          if (exact.size) exact.delete(cell);
        } else {
          values[cell] = Number.NaN;
          exact.set(cell, change.after);
        }
      }
    }
  }
}
