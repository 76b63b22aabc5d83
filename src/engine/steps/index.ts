/**
 * The step kinds (§3), by name: what the pipeline runs, and what a step kind says about itself (its
 * accumulator fields, its caps) for the model's ledger, the audit and doctor.
 */
import type { StepKindModule, YearCap } from '../step-context.js';
import type { AccumulatorField, Ruleset, Step } from '../types.js';
import { coinsurance } from './coinsurance.js';
import { floor } from './floor.js';
import { outOfPocketCap } from './out-of-pocket-cap.js';
import { segmented } from './segmented.js';

const STEP_KINDS: { [K in Step['kind']]: StepKindModule<Extract<Step, { kind: K }>> } = {
  coinsurance,
  segmented,
  floor,
  outOfPocketCap,
};

/** The module of a step's kind. */
export function stepKind(step: Step): StepKindModule<Step> {
  return STEP_KINDS[step.kind] as StepKindModule<Step>;
}

/** Every (accumulator, field) a ruleset's steps keep, each once, in the order the file names them. */
export function accumulatorFields(ruleset: Ruleset): [key: string, field: AccumulatorField][] {
  const out: [string, AccumulatorField][] = [];
  const seen = new Set<string>();
  for (const steps of Object.values(ruleset.visits)) {
    for (const step of steps) {
      for (const field of stepKind(step).accumulates(step)) {
        const k = `${step.accumulator}\u0000${field}`;
        if (seen.has(k)) continue;
        seen.add(k);
        out.push([step.accumulator, field]);
      }
    }
  }
  return out;
}

/** A step's year cap, with the step it belongs to. */
export interface StepYearCap extends YearCap {
  step: Step;
}

/**
 * The year caps of a ruleset's steps, by accumulator key. Steps that share an accumulator each hold it
 * to their own cap; the largest is the bound (the smaller ones bind through their own payouts).
 */
export function yearCaps(ruleset: Ruleset): Map<string, StepYearCap> {
  const out = new Map<string, StepYearCap>();
  for (const steps of Object.values(ruleset.visits)) {
    for (const step of steps) {
      const cap = stepKind(step).yearCap(step);
      if (!cap) continue;
      const prev = out.get(step.accumulator);
      if (!prev || cap.cap > prev.cap) out.set(step.accumulator, { ...cap, step });
    }
  }
  return out;
}
