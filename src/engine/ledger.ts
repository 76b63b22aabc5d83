/**
 * Year-to-date accumulators carried across a sequence of bills, in memory: what the CLI, the fund
 * modelling and the tests use to settle bills one after another exactly as the counter would.
 * (The service keeps the same values in its store instead.)
 */
import { addChanges, applyChanges, type MutableAccumulators } from './accumulators.js';
import { settle } from './settle.js';
import type { Accumulators, Bill, Ruleset, Settlement } from './types.js';

type Mutable = MutableAccumulators;

export class YearToDateLedger {
  /** Owned snapshots, updated in place (the engine only reads a snapshot during one settle call). */
  private readonly values = new Map<string, Mutable>();

  constructor(initial?: Iterable<[personId: string, year: number, accumulators: Accumulators]>) {
    for (const [person, year, acc] of initial ?? []) this.values.set(key(person, year), applyChanges(acc, {}) as Mutable);
  }

  /** A live view: later `record` calls change it. Copy it (applyChanges(view, {})) to keep a snapshot. */
  get(personId: string, year: number): Accumulators {
    return this.values.get(key(personId, year)) ?? {};
  }

  record(personId: string, settlement: Settlement): void {
    const k = key(personId, settlement.year);
    let snapshot = this.values.get(k);
    if (!snapshot) this.values.set(k, (snapshot = {}));
    addChanges(snapshot, settlement.accumulators);
  }

  /** Settle a bill against this ledger and record its changes. */
  settle(bill: Bill, ruleset: Ruleset): Settlement {
    const k = key(bill.person.id, Number(bill.visit.discharged.slice(0, 4)));
    let snapshot = this.values.get(k);
    if (!snapshot) this.values.set(k, (snapshot = {}));
    const s = settle(bill, ruleset, snapshot);
    addChanges(snapshot, s.accumulators);
    return s;
  }

  entries(): IterableIterator<[string, Accumulators]> {
    return this.values.entries();
  }
}

function key(personId: string, year: number): string {
  return `${year}\u0000${personId}`;
}
