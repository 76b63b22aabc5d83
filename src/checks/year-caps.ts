/**
 * Year caps (SETTLEMENT.md §4): over a person's year, what an accumulator's `paid` holds never passes the
 * year cap of the steps that keep it: an annual cap (封顶线) on a fund's payouts, or the out-of-pocket
 * cap on the patient's own payments. Which steps cap what is the step modules' to say
 * (engine/steps/index.ts `yearCaps`); this only adds up and compares.
 */
import { stepKind, yearCaps, type StepYearCap } from '../engine/steps/index.js';
import type { Ruleset, Step } from '../engine/types.js';
import type { Units } from '../money/units.js';
import { amountOf } from './stored-result.js';

/** Year caps by accumulator key, over every ruleset version a person's settlements used. */
export class YearCapBook {
  private readonly caps = new Map<string, StepYearCap>();

  /** Take in a ruleset's caps: of two versions, the larger cap of a key is the bound. */
  add(ruleset: Ruleset): void {
    for (const [key, cap] of yearCapsOf(ruleset)) {
      const prev = this.caps.get(key);
      if (!prev || cap.cap > prev.cap) this.caps.set(key, cap);
    }
  }

  get(key: string): StepYearCap | undefined {
    return this.caps.get(key);
  }

  /** Every key with a cap, in the order first seen. */
  entries(): IterableIterator<[string, StepYearCap]> {
    return this.caps.entries();
  }
}

const cache = new WeakMap<Ruleset, Map<string, StepYearCap>>();
function yearCapsOf(ruleset: Ruleset): Map<string, StepYearCap> {
  let caps = cache.get(ruleset);
  if (!caps) cache.set(ruleset, (caps = yearCaps(ruleset)));
  return caps;
}

export interface CapExcess {
  key: string;
  cap: StepYearCap;
  paid: Units;
}

/** The capped accumulators whose `paid` is above their cap. */
export function capsExceeded(caps: YearCapBook, paid: (key: string) => Units): CapExcess[] {
  const out: CapExcess[] = [];
  for (const [key, cap] of caps.entries()) {
    const p = paid(key);
    if (p > cap.cap) out.push({ key, cap, paid: p });
  }
  return out;
}

/**
 * What one stored settlement added to each year-capped `paid`, by accumulator key, read from its result
 * as stored: under an annual cap, its step's payout; under an out-of-pocket cap, the patient's own
 * payment on the cap's base (engine/steps/out-of-pocket-cap.ts): the settlement's patientPays when the
 * base is the whole bill, else what the settlement added to the accumulator. `steps` is the visit type's
 * pipeline in the ruleset version the settlement used; a step result it does not define adds nothing.
 */
export function addedUnderCaps(result: unknown, steps: readonly Step[]): Map<string, Units> {
  const r = (result ?? {}) as {
    steps?: { id?: unknown; payout?: unknown }[];
    patientPays?: unknown;
    accumulators?: Record<string, { paid?: { before?: unknown; after?: unknown } } | undefined>;
  };
  const out = new Map<string, Units>();
  for (const s of Array.isArray(r.steps) ? r.steps : []) {
    const def = steps.find((x) => x.id === s?.id);
    const cap = def && stepKind(def).yearCap(def);
    if (!def || !cap) continue;
    let added: Units;
    if (cap.kind === 'annualCap') added = amountOf(s.payout) ?? 0n;
    else if ('base' in def && def.base === 'all') added = amountOf(r.patientPays) ?? 0n;
    else {
      const c = r.accumulators?.[def.accumulator]?.paid;
      added = c ? (amountOf(c.after) ?? 0n) - (amountOf(c.before) ?? 0n) : 0n;
    }
    out.set(def.accumulator, (out.get(def.accumulator) ?? 0n) + added);
  }
  return out;
}
