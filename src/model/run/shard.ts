/**
 * One shard of a model run: parses its admission rows, settles each under the baseline and the
 * variant with the person's year-to-date accumulators, and adds the results up. A worker thread runs
 * one shard; without worker threads, the whole run is one shard in the main thread. Both run this code.
 *
 * Every admission, in every scenario, is settled by the engine's own `settle()`, the same pure function
 * the counter (POST /v1/settlements) and `onestop settle` run, against the engine's own year-to-date
 * ledger: so a modelled figure and a counter figure cannot disagree.
 *
 * The runner sends every admission of a person to the same shard, in input order, so year-to-date
 * carrying is exact whatever the number of shards.
 */
import { SettlementError, formatPath } from '../../engine/errors.js';
import { YearToDateLedger } from '../../engine/ledger.js';
import { settle } from '../../engine/settle.js';
import { accumulatorFields } from '../../engine/steps/index.js';
import type { Ruleset } from '../../engine/types.js';
import { InputLineError } from '../../formats/line-error.js';
import { parseRatio } from '../../money/text.js';
import type { Ratio } from '../../money/units.js';
import { rulesetFromDocument } from '../../rules/load.js';
import { ShardAggregate, type PartialData } from '../aggregate/shard-aggregate.js';
import { slotLayout } from '../aggregate/slots.js';
import type { ModelRow } from '../input/admission.js';
import { rowFromCsv, type CsvLayout } from '../input/csv-rows.js';
import { growCost } from '../input/growth.js';
import { rowFromJson } from '../input/json-rows.js';
import { DischargeOrder } from '../input/order.js';
import { movedBill, type PopulationMove } from '../input/moves.js';

/** Bumped whenever the messages between the runner and its workers change. */
export const PROTOCOL = 3;

export interface ShardInit {
  /** Baseline first, then the variant if there is one: rules documents, re-validated in the shard. */
  rulesets: { document: unknown; file: string }[];
  format: 'csv' | 'jsonl';
  csv: CsvLayout | null;
  weights: string | null;
  /** Cost growth factor as decimal text, or null. */
  growthCost: string | null;
  /** Each person's rows in discharge-date order (checked), or in the store's ledger order (as given). */
  order: 'discharge' | 'ledger';
  /** The variant's population moves (input/moves.ts), applied to its admissions only. */
  moves?: PopulationMove[];
}

const SCENARIO_LABEL = ['', '（测算方案）'];

export class ModelShard {
  private readonly rulesets: Ruleset[];
  private readonly order: DischargeOrder;
  /** One scenario per ruleset, its columns those the rulesets' steps keep. */
  private readonly ledger: YearToDateLedger;
  private readonly aggregate: ShardAggregate;
  private readonly growth: Ratio | null;
  /** Per scenario: visit type → accumulator keys, and the last visit type asked for. */
  private readonly accumulatorKeys: Map<string, readonly string[] | null>[];
  private readonly lastVisitType: (string | null)[];
  private readonly lastKeys: (readonly string[] | null)[];
  /**
   * Per person (numbered by the order check): the year of their last admission (-1 before the first)
   * and that year's ledger row, so that a person's next admission of the same year needs no second
   * lookup by id.
   */
  private rowYear = new Int32Array(1024).fill(-1);
  private yearRow = new Int32Array(1024);

  constructor(private readonly init: ShardInit) {
    this.order = new DischargeOrder(init.order !== 'ledger');
    this.rulesets = init.rulesets.map((r) => rulesetFromDocument(r.document, r.file).ruleset);
    this.ledger = new YearToDateLedger({ scenarios: this.rulesets.length, fields: this.rulesets.flatMap(accumulatorFields) });
    this.aggregate = new ShardAggregate(slotLayout(this.rulesets), this.rulesets.length, init.weights !== null);
    this.growth = init.growthCost === null ? null : parseRatio(init.growthCost);
    this.accumulatorKeys = this.rulesets.map(() => new Map());
    this.lastVisitType = this.rulesets.map(() => null);
    this.lastKeys = this.rulesets.map(() => null);
  }

  /**
   * The accumulator keys a settlement of this visit type can read (those of its steps), which are all
   * the ledger needs to hand the engine; null for a visit type the rules lack (the engine refuses it).
   */
  private keysOf(scenario: number, visitType: string): readonly string[] | null {
    if (visitType === this.lastVisitType[scenario]) return this.lastKeys[scenario]!;
    const byType = this.accumulatorKeys[scenario]!;
    let keys = byType.get(visitType);
    if (keys === undefined) {
      const ruleset = this.rulesets[scenario]!;
      const steps = Object.prototype.hasOwnProperty.call(ruleset.visits, visitType) ? ruleset.visits[visitType] : undefined;
      keys = steps ? [...new Set(steps.map((st) => st.accumulator))] : null;
      byType.set(visitType, keys);
    }
    this.lastVisitType[scenario] = visitType;
    this.lastKeys[scenario] = keys;
    return keys;
  }

  /** The ledger row of person `p`'s year. */
  private ledgerRow(p: number, personId: string, year: number): number {
    if (p >= this.rowYear.length) {
      const years = new Int32Array(2 * this.rowYear.length).fill(-1);
      years.set(this.rowYear);
      this.rowYear = years;
      const rows = new Int32Array(years.length);
      rows.set(this.yearRow);
      this.yearRow = rows;
    }
    if (this.rowYear[p] === year) return this.yearRow[p]!;
    const row = this.ledger.row(personId, year);
    this.rowYear[p] = year;
    this.yearRow[p] = row;
    return row;
  }

  private parse(text: string, line: number): ModelRow {
    return this.init.format === 'csv' ? rowFromCsv(text, line, this.init.csv!) : rowFromJson(text, line, this.init.weights);
  }

  /** Settle a batch of rows (texts with their line numbers). Throws an InputLineError at the first bad row. */
  process(texts: readonly string[], lines: readonly number[]): void {
    for (let k = 0; k < texts.length; k++) {
      const line = lines[k]!;
      const row = this.parse(texts[k]!, line);
      const bill = this.growth ? growCost(row.bill, this.growth) : row.bill;
      const p = this.order.check(bill.person.id, bill.visit.discharged, row.date, line, bill.billNo);
      const person = this.ledgerRow(p, bill.person.id, Math.floor(row.date / 10000));
      this.aggregate.begin(bill.hospital.tier, bill.visit.discharged, row.weight, row.date);
      for (let s = 0; s < this.rulesets.length; s++) {
        let settlement;
        try {
          const mine = s > 0 && this.init.moves?.length ? movedBill(bill, this.init.moves, this.rulesets[s]!.eligibleOn) : bill;
          settlement = settle(mine, this.rulesets[s]!, this.ledger.read(person, s, this.keysOf(s, bill.visit.type)));
        } catch (e) {
          if (e instanceof SettlementError) throw new InputLineError(line, bill.billNo, [{ path: formatPath(e.path), message: `${e.message}${SCENARIO_LABEL[s]}` }]);
          throw e;
        }
        this.ledger.apply(person, s, settlement.accumulators);
        this.aggregate.add(s, settlement, row.weight);
      }
    }
  }

  finish(): PartialData {
    return this.aggregate.data();
  }
}
