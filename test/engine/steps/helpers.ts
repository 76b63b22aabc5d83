/**
 * Helpers for the step-kind tests: a rules document with the given steps, a bill, a settlement as JSON.
 */
import { expect } from 'vitest';
import { bucketsFromItems } from '../../../src/engine/buckets.js';
import { SettlementError } from '../../../src/engine/errors.js';
import { YearToDateLedger } from '../../../src/engine/ledger.js';
import { settlementJson, type SettlementJson, type StepResultJson } from '../../../src/engine/result.js';
import type { Bill, Ruleset } from '../../../src/engine/types.js';
import { formatUnits } from '../../../src/money/text.js';
import { rulesetFromDocument } from '../../../src/rules/load.js';
import { engineBill } from '../../helpers.js';

export type StepDoc = Record<string, unknown>;

export function rulesDoc(visits: Record<string, StepDoc[]>, overrides: Record<string, unknown> = {}) {
  return {
    id: 'unit',
    title: 'unit test ruleset',
    region: { code: '150000', name: 'test' },
    effective: { from: '2018-01-01', to: '2018-12-31' },
    sources: [{ id: 's1', title: 'test' }],
    tiers: ['township', 'county', 'league'],
    populations: ['poverty', 'dibao', 'resident'],
    visits,
    ...overrides,
  };
}

/** A ruleset whose inpatient pipeline is the given steps. */
export function rules(...steps: StepDoc[]): Ruleset {
  return rulesetFromDocument(rulesDoc({ inpatient: steps }), 'unit.rules').ruleset;
}

export interface BillOpts {
  inPolicy?: string;
  outOfCatalog?: string;
  overLimit?: string;
  preSelfPay?: string;
  items?: unknown[];
  tier?: string;
  populations?: string[];
  type?: string;
  discharged?: string;
  /** ICD-10 codes, the principal diagnosis first. */
  diagnoses?: string[];
  paidElsewhere?: Record<string, { payout: string; deductible?: string }>;
}

let billNo = 0;
export function bill(o: BillOpts): Bill {
  const discharged = o.discharged ?? '2018-06-15';
  return engineBill({
    billNo: `B-${++billNo}`,
    hospital: { code: 'H-1', tier: o.tier ?? 'county' },
    person: { id: 'P-1', populations: o.populations ?? ['resident'] },
    visit: { type: o.type ?? 'inpatient', admitted: discharged, discharged },
    ...(o.diagnoses ? { diagnoses: o.diagnoses.map((code) => ({ code, name: `诊断 ${code}` })) } : {}),
    ...(o.paidElsewhere ? { paidElsewhere: o.paidElsewhere } : {}),
    ...(o.items
      ? { items: o.items }
      : {
          buckets: {
            outOfCatalog: o.outOfCatalog ?? '0',
            overLimit: o.overLimit ?? '0',
            preSelfPay: o.preSelfPay ?? '0',
            inPolicy: o.inPolicy ?? '0',
          },
        }),
  });
}

/** Settle one bill on a fresh ledger. */
export function settleOne(ruleset: Ruleset, o: BillOpts): SettlementJson {
  return settlementJson(new YearToDateLedger().settle(bill(o), ruleset));
}

export function step(s: SettlementJson, id: string): StepResultJson {
  const found = s.steps.find((x) => x.id === id);
  if (!found) throw new Error(`no step ${id} in [${s.steps.map((x) => x.id).join(', ')}]`);
  return found;
}

export function settlementError(fn: () => unknown): SettlementError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SettlementError) return e;
    throw e;
  }
  throw new Error('expected a SettlementError, but it settled');
}
