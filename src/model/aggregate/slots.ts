/**
 * What the model adds up per admission, as a vector of slots: admissions, the floor and cap counts,
 * total, fund payouts, patient payments, each fund, each step. Every quantity of one admission is a
 * whole number (fen from the engine's Units, or a count).
 */
import type { Ruleset } from '../../engine/types.js';

/**
 * Fixed slots, then one per fund, then paid amount and admission count per step, then admissions per
 * fund, then what each fund's steps were paid elsewhere (§3: a fund owes its payout less that).
 */
export const SLOT = { admissions: 0, floorAdmissions: 1, capAdmissions: 2, total: 3, fundPays: 4, patientPays: 5, floorPaid: 6, capPaid: 7 } as const;
export const FIXED = 8;

export interface SlotLayout {
  funds: string[];
  /** "<visitType>.<stepId>" */
  steps: string[];
  width: number;
}

export function fundSlot(layout: SlotLayout, i: number): number {
  return FIXED + i;
}
export function stepPaidSlot(layout: SlotLayout, j: number): number {
  return FIXED + layout.funds.length + j;
}
export function stepCountSlot(layout: SlotLayout, j: number): number {
  return FIXED + layout.funds.length + layout.steps.length + j;
}
/** Admissions for which the fund paid something. */
export function fundCountSlot(layout: SlotLayout, i: number): number {
  return FIXED + layout.funds.length + 2 * layout.steps.length + i;
}

/** What a fund's steps were paid elsewhere (the bills' paidElsewhere). */
export function fundElsewhereSlot(layout: SlotLayout, i: number): number {
  return FIXED + 2 * layout.funds.length + 2 * layout.steps.length + i;
}

/** Funds and steps of the rulesets, in the order they first appear (baseline first). */
export function slotLayout(rulesets: readonly Ruleset[]): SlotLayout {
  const funds: string[] = [];
  const steps: string[] = [];
  for (const r of rulesets) {
    for (const [visitType, pipeline] of Object.entries(r.visits)) {
      for (const s of pipeline) {
        if (!funds.includes(s.fund)) funds.push(s.fund);
        const key = `${visitType}.${s.id}`;
        if (!steps.includes(key)) steps.push(key);
      }
    }
  }
  return { funds, steps, width: FIXED + 3 * funds.length + 2 * steps.length };
}

