/**
 * Year-to-date accumulators carried across a sequence of bills, in memory: what the CLI, the fund
 * modelling and the tests use to settle bills one after another exactly as the counter would.
 * (The service keeps the same values in its store instead.)
 */
import { applyChanges } from './accumulators.js';
import { settle } from './settle.js';
import type { Accumulators, Bill, Ruleset, Settlement } from './types.js';

export class YearToDateLedger {
  private readonly values = new Map<string, Accumulators>();

  constructor(initial?: Iterable<[personId: string, year: number, accumulators: Accumulators]>) {
    for (const [person, year, acc] of initial ?? []) this.values.set(key(person, year), acc);
  }

  get(personId: string, year: number): Accumulators {
    return this.values.get(key(personId, year)) ?? {};
  }

  record(personId: string, settlement: Settlement): void {
    const k = key(personId, settlement.year);
    this.values.set(k, applyChanges(this.values.get(k) ?? {}, settlement.accumulators));
  }

  /** Settle a bill against this ledger and record its changes. */
  settle(bill: Bill, ruleset: Ruleset): Settlement {
    const year = Number(bill.visit.discharged.slice(0, 4));
    const s = settle(bill, ruleset, this.get(bill.person.id, year));
    this.record(bill.person.id, s);
    return s;
  }

  entries(): IterableIterator<[string, Accumulators]> {
    return this.values.entries();
  }
}

function key(personId: string, year: number): string {
  return `${year}\u0000${personId}`;
}
