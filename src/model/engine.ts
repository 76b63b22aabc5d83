/**
 * The one call from the fund model into the settlement engine.
 *
 * Every admission the model settles, in every scenario, in a worker thread or in-thread, goes through
 * this function and nothing else, and it is the engine's own `settle()`: the same pure function the
 * counter (POST /v1/settlements) and `onestop settle` run. So a modelled figure and a counter figure
 * cannot disagree. A faster engine with the same signature (an integer-fen fast path, say) plugs in here.
 */
import { settle } from '../engine/settle.js';
import type { Accumulators, Bill, Ruleset, Settlement } from '../engine/types.js';

export function settleAdmission(bill: Bill, ruleset: Ruleset, ytd: Accumulators): Settlement {
  return settle(bill, ruleset, ytd);
}
