/**
 * The model's order rule: a person's admissions must come in order of discharge date (several on one
 * day keep their input order), since each is settled against the year-to-date of the ones before it.
 * An earlier date after a later one is refused with both line numbers; the model does not sort (see
 * docs/model.md). The year-to-date values themselves are the engine's ledger's.
 */
import { RowIndex } from '../../engine/row-index.js';
import { InputLineError } from '../../formats/line-error.js';

export class DischargeOrder {
  private readonly people = new RowIndex();

  /**
   * `enforce` false: number the people and keep their last dates, refuse nothing. The store's year
   * comes in ledger order (the order the counter settled, SETTLEMENT.md §4), which may go back in date.
   */
  constructor(private readonly enforce = true) {}
  /** Per person: the last discharge date (YYYYMMDD) and its line, side by side. */
  private last = new Float64Array(2 * 1024);

  /**
   * Check an admission against the person's previous one and remember it; throws an InputLineError
   * naming both lines when its date goes backwards. `date` is `discharged` as YYYYMMDD. Returns the
   * person's number (0, 1, 2… in order of first appearance).
   */
  check(personId: string, discharged: string, date: number, line: number, billNo?: string): number {
    const found = this.people.rowOf(personId);
    const row = found >= 0 ? found : -1 - found;
    if (found < 0) {
      if (2 * row === this.last.length) {
        const next = new Float64Array(2 * this.last.length);
        next.set(this.last);
        this.last = next;
      }
    } else {
      const last = this.last[2 * row]!;
      if (this.enforce && date < last) {
        const l = String(last);
        throw new InputLineError(line, billNo, [
          {
            path: 'discharged',
            message: `参保人 ${personId} 的出院日期 ${discharged} 早于其第 ${this.last[2 * row + 1]} 行的 ${l.slice(0, 4)}-${l.slice(4, 6)}-${l.slice(6, 8)}；测算按窗口的顺序逐人累计年度数，每人的账单须按出院日期排列（同一天的按原顺序）`,
          },
        ]);
      }
    }
    this.last[2 * row] = date;
    this.last[2 * row + 1] = line;
    return row;
  }
}
