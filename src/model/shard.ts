/**
 * One shard of a model run: parses its admission rows, settles each under the baseline and the
 * variant with the person's year-to-date accumulators, and adds the results up. A worker thread runs
 * one shard; without worker threads, the whole run is one shard in the main thread. Both run this code.
 *
 * The runner sends every admission of a person to the same shard, in input order, so year-to-date
 * carrying is exact whatever the number of shards.
 */
import { InputLineError } from '../formats/line-error.js';
import { SettlementError, formatPath } from '../engine/errors.js';
import type { AccumulatorField, Ruleset } from '../engine/types.js';
import { parseRatio, type Ratio } from '../money/fixed.js';
import { rulesetFromDocument } from '../rules/load.js';
import { ShardAggregate, slotLayout, type PartialData } from './aggregate.js';
import { settleAdmission } from './engine.js';
import { CompactLedger } from './ledger.js';
import { growCost, rowFromCsv, rowFromJson, type CsvLayout, type ModelRow } from './rows.js';

/** Bumped whenever the messages between the runner and its workers change. */
export const PROTOCOL = 1;

export interface ShardInit {
  /** Baseline first, then the variant if there is one: rules documents, re-validated in the shard. */
  rulesets: { document: unknown; file: string }[];
  format: 'csv' | 'jsonl';
  csv: CsvLayout | null;
  weights: string | null;
  /** Cost growth factor as decimal text, or null. */
  growthCost: string | null;
}

const SCENARIO_LABEL = ['', '（测算方案）'];

/** The (accumulator, field) pairs a ruleset's steps use, so the ledger's columns are known up front. */
function accumulatorFields(r: Ruleset): [string, AccumulatorField][] {
  const out: [string, AccumulatorField][] = [];
  for (const steps of Object.values(r.visits)) {
    for (const s of steps) {
      if (s.kind === 'floor') continue;
      out.push([s.accumulator, 'paid']);
      if ((s.kind === 'coinsurance' || s.kind === 'segmented') && s.deductible?.per === 'year') out.push([s.accumulator, 'deductibleMet']);
      if (s.kind === 'segmented' && s.scope === 'year') out.push([s.accumulator, 'cumulative']);
    }
  }
  return out;
}

export class ModelShard {
  private readonly rulesets: Ruleset[];
  private readonly ledger: CompactLedger;
  private readonly aggregate: ShardAggregate;
  private readonly growth: Ratio | null;
  /** Per scenario: visit type → accumulator keys, and the last visit type asked for. */
  private readonly accumulatorKeys: Map<string, readonly string[] | null>[];
  private readonly lastVisitType: (string | null)[];
  private readonly lastKeys: (readonly string[] | null)[];

  constructor(private readonly init: ShardInit) {
    this.rulesets = init.rulesets.map((r) => rulesetFromDocument(r.document, r.file).ruleset);
    this.ledger = new CompactLedger(this.rulesets.length, this.rulesets.flatMap(accumulatorFields));
    this.aggregate = new ShardAggregate(slotLayout(this.rulesets), this.rulesets.length, init.weights !== null, this.rulesets);
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

  private parse(text: string, line: number): ModelRow {
    return this.init.format === 'csv' ? rowFromCsv(text, line, this.init.csv!) : rowFromJson(text, line, this.init.weights);
  }

  /** Settle a batch of rows (texts with their line numbers). Throws a InputLineError at the first bad row. */
  process(texts: readonly string[], lines: readonly number[]): void {
    for (let k = 0; k < texts.length; k++) {
      const line = lines[k]!;
      const row = this.parse(texts[k]!, line);
      const bill = this.growth ? growCost(row.bill, this.growth) : row.bill;
      const person = this.ledger.enter(bill.person.id, bill.visit.discharged, line, bill.billNo, row.date);
      this.aggregate.begin(bill.hospital.tier, bill.visit.discharged, row.weight, row.date);
      for (let s = 0; s < this.rulesets.length; s++) {
        let settlement;
        try {
          settlement = settleAdmission(bill, this.rulesets[s]!, this.ledger.read(person, s, this.keysOf(s, bill.visit.type)));
        } catch (e) {
          if (e instanceof SettlementError) throw new InputLineError(line, bill.billNo, [{ path: formatPath(e.path), message: `${e.message}${SCENARIO_LABEL[s]}` }]);
          throw e;
        }
        this.ledger.write(person, s, settlement.accumulators);
        this.aggregate.add(s, settlement, row.weight);
      }
    }
  }

  finish(): PartialData {
    return this.aggregate.data();
  }
}
