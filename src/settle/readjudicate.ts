/**
 * Re-adjudication on reversal (SETTLEMENT.md §4): a reversal takes back exactly what the reversed
 * settlement stands at, and settles every later unreversed settlement of the same person and year again,
 * in ledger order, each with what it recorded, on the year-to-date as corrected. Where a settlement's
 * figures change, the difference is an adjustment (应补应退), measured against what it stands at.
 *
 * Pure: the caller hands over the ledger it read, the settlements as they stand and a way to settle
 * each again (its stored bill under its recorded ruleset version); nothing here reads a store or a clock.
 * The service writes what comes out in one write set, by compare-and-set on the ledger version it read.
 */
import { addDeltas, type MutableAccumulators } from '../engine/accumulators.js';
import { SettlementError } from '../engine/errors.js';
import type { Accumulators, Settlement } from '../engine/types.js';
import { difference, figuresOfSettlement, isNoDifference, type Difference, type Figures } from './standing.js';

export interface StandingSettlement {
  id: string;
  /** Its figures as they now stand (its own, or its latest adjustment's). */
  standing: Figures;
  /** Settle its bill again, with what it recorded, on `ytd`: the engine's result, or a SettlementError thrown. */
  settleAgain(ytd: Accumulators): Settlement;
}

export interface Redone {
  id: string;
  /** The year-to-date it was settled again on. */
  ytdBefore: Accumulators;
  settlement: Settlement;
  figures: Figures;
  /** Its new figures less what it stood at. */
  difference: Difference;
}

export interface Readjudication {
  /** The ledger after the reversal: as if the reversed bill had never been settled. */
  ledgerAfter: Accumulators;
  /** The later settlements whose figures changed, in ledger order. */
  changed: Redone[];
  /** How many later settlements were settled again. */
  settledAgain: number;
}

/** A later settlement could not be settled again (a payout made elsewhere now above what is left, say). */
export interface Blocked {
  blocked: { id: string; error: SettlementError };
}

function copy(a: Accumulators): MutableAccumulators {
  const out: MutableAccumulators = {};
  for (const [k, v] of Object.entries(a)) out[k] = { ...v };
  return out;
}

/**
 * Reverse `reversed` on `ledger`, settling `later` (the unreversed settlements after it, in ledger
 * order) again. The year-to-date they start from is the ledger less what the reversed settlement and
 * every later one stand at: what the settlements before the reversed one add up to.
 */
export function readjudicate(ledger: Accumulators, reversed: Pick<StandingSettlement, 'standing'>, later: readonly StandingSettlement[]): Readjudication | Blocked {
  const ytd = copy(ledger);
  addDeltas(ytd, reversed.standing.changes, -1);
  for (const s of later) addDeltas(ytd, s.standing.changes, -1);
  const changed: Redone[] = [];
  for (const s of later) {
    const before = copy(ytd);
    let settlement: Settlement;
    try {
      settlement = s.settleAgain(before);
    } catch (e) {
      if (e instanceof SettlementError) return { blocked: { id: s.id, error: e } };
      throw e;
    }
    const figures = figuresOfSettlement(settlement);
    const d = difference(figures, s.standing);
    if (!isNoDifference(d)) changed.push({ id: s.id, ytdBefore: before, settlement, figures, difference: d });
    addDeltas(ytd, figures.changes);
  }
  return { ledgerAfter: ytd, changed, settledAgain: later.length };
}
