/**
 * The floor guarantee (SETTLEMENT.md §3.3): where a settlement's pipeline has a floor step that runs for
 * its bill (its ruleset version, visit type and population, and the bill's diagnoses where a step is
 * gated by them: the engine's own `stepsFor` and `stepsForBill`), the funds together paid at least
 * floor × denominator (the total, or the in-policy amount). A payout made elsewhere counts, as the floor
 * step itself counts it among the earlier payouts.
 */
import { actualRatio } from '../engine/result.js';
import { stepsFor, stepsForBill } from '../engine/settle.js';
import type { Ruleset } from '../engine/types.js';
import { fenUp } from '../money/rounding.js';
import { asProduct, type Ratio, type Units } from '../money/units.js';

export interface FloorShortfall {
  stepId: string;
  floor: Ratio;
  denominator: 'total' | 'inPolicy';
  denominatorAmount: Units;
  /** floor × denominator, up to the fen (as the floor step rounds its need). */
  required: Units;
  fundPaysTotal: Units;
  /** What the funds paid too little, up to the fen. */
  shortfall: Units;
  /** fundPaysTotal / denominator, truncated to four decimals. */
  actualRatio: string;
}

/**
 * The floor steps the settlement's funds fell short of. Throws the engine's SettlementError when the
 * ruleset has no such visit type.
 */
export function floorShortfalls(
  ruleset: Ruleset,
  settled: { visitType: string; population: string; diagnoses: readonly string[] | undefined; total: Units; inPolicy: Units; fundPaysTotal: Units },
): FloorShortfall[] {
  const out: FloorShortfall[] = [];
  for (const step of stepsForBill(stepsFor(ruleset, settled.visitType, settled.population), settled.diagnoses)) {
    if (step.kind !== 'floor') continue;
    const denominatorAmount = step.denominator === 'total' ? settled.total : settled.inPolicy;
    const need = step.floor * denominatorAmount - asProduct(settled.fundPaysTotal);
    if (need <= 0n) continue;
    out.push({
      stepId: step.id,
      floor: step.floor,
      denominator: step.denominator,
      denominatorAmount,
      required: fenUp(step.floor * denominatorAmount),
      fundPaysTotal: settled.fundPaysTotal,
      shortfall: fenUp(need),
      actualRatio: actualRatio(settled.fundPaysTotal, denominatorAmount),
    });
  }
  return out;
}
