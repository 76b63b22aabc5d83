/**
 * From a person's year as read to what a reversal writes (SETTLEMENT.md §4): the reversed settlement
 * taken back as it stands, every later unreversed settlement settled again in ledger order
 * (./readjudicate.ts), and one write set: the ledger's compare-and-set against the version the
 * computation read, the settlement marked reversed, an adjustment per changed settlement with its
 * per-fund rows, and an audit entry for the reversal and for each adjustment. Pure: the caller passes the
 * time, the ids and how a stored settlement is settled again.
 */
import { accumulatorsFromJson, accumulatorsToJson, type AccumulatorsJson } from '../engine/accumulators.js';
import type { SettlementJson } from '../engine/result.js';
import type { Accumulators, Settlement } from '../engine/types.js';
import { formatUnits } from '../money/text.js';
import { fromFen } from '../money/units.js';
import type { SettlementTable } from '../store/schema.js';
import { ADJUSTMENT_COLUMNS } from '../store/statements.js';
import { named, type WriteSet, type WriteStep } from '../store/write-set.js';
import { adjustmentRecord, type AdjustmentRecord } from './adjustments.js';
import { ledgerCas, type LedgerRow } from './compute.js';
import type { PersonYear } from './person-year.js';
import { readjudicate, type Blocked, type StandingSettlement } from './readjudicate.js';
import { figuresOfResult, standingResultJson } from './standing.js';

export interface ReversalRequest {
  /** The settlement to reverse. */
  id: string;
  reason: string | null;
  at: string;
  actor: string;
  /** A new adjustment id each time it is called. */
  newAdjustmentId: () => string;
  /** Settle a stored settlement's bill again under its recorded ruleset version, on a year-to-date. */
  settleAgain: (row: SettlementTable, ytd: Accumulators) => Settlement;
}

export interface ComputedReversal {
  target: SettlementTable;
  /** What the reversal takes back: the settlement as it stands. */
  standing: SettlementJson;
  /** The later settlements settled again, and the adjustments of those that changed, in ledger order. */
  later: SettlementTable[];
  adjustments: AdjustmentRecord[];
  ledgerAfterJson: string;
  set: WriteSet;
}

const RESULT_JSON = ADJUSTMENT_COLUMNS.indexOf('result_json');

/**
 * Compute the reversal of `req.id` on `py` read together with `ledger` (rows no newer than it: see
 * person-year.ts newestVersion). Blocked when a later settlement can no longer be settled.
 */
export function computeReversal(py: PersonYear, ledger: LedgerRow, req: ReversalRequest): ComputedReversal | Blocked {
  const target = py.settlements.find((s) => s.id === req.id);
  if (!target) throw new Error(`settlement ${req.id} is not in the person's year read`);
  const standingOf = (s: SettlementTable) => standingResultJson(s, py.adjustments);
  const later = py.settlements.filter((s) => s.status === 'settled' && s.id !== target.id && s.ledger_version > target.ledger_version);
  const standing = JSON.parse(standingOf(target)) as SettlementJson;
  const done = readjudicate(
    accumulatorsFromJson(JSON.parse(ledger.accumulators_json) as AccumulatorsJson),
    { standing: figuresOfResult(standing) },
    later.map(
      (s): StandingSettlement => ({
        id: s.id,
        standing: figuresOfResult(JSON.parse(standingOf(s)) as SettlementJson),
        settleAgain: (ytd) => req.settleAgain(s, ytd),
      }),
    ),
  );
  if ('blocked' in done) return done;

  const version = Number(ledger.version) + 1;
  const adjustments = done.changed.map((r) =>
    adjustmentRecord(r, { id: req.newAdjustmentId(), reversalOf: target.id, personId: target.person_id, year: target.year, ledgerVersion: version, at: req.at, actor: req.actor }),
  );
  const ledgerAfterJson = JSON.stringify(accumulatorsToJson(done.ledgerAfter));
  const steps: WriteStep[] = [
    // The ledger first: when it moved, nothing of the set is written and the caller reads the year again.
    ledgerCas(target.person_id, target.year, ledger, ledgerAfterJson),
    {
      kind: 'one',
      run: named('reverseSettlement', { reversed_at: req.at, reversed_by: req.actor, reversal_reason: req.reason, reversed_version: version, id: target.id }),
      otherwise: 'existing',
      read: named('settlementById', { id: target.id }),
    },
    {
      kind: 'audit',
      at: req.at,
      entry: {
        actor: req.actor,
        action: 'settlement.reverse',
        subject: target.id,
        payload: { reason: req.reason, funds: standing.funds, patientPays: standing.patientPays, adjustments: adjustments.map((a) => a.row.id) },
      },
    },
  ];
  for (const a of adjustments) {
    const at = steps.length;
    steps.push({ kind: 'run', run: { statement: 'insertAdjustment', values: ADJUSTMENT_COLUMNS.map((c) => a.row[c]) } });
    for (const f of a.funds) steps.push({ kind: 'run', run: named('insertAdjustmentFund', { adjustment_id: a.row.id, fund: f.fund, amount_fen: f.amountFen }) });
    steps.push({
      kind: 'audit',
      at: req.at,
      entry: {
        actor: req.actor,
        action: 'settlement.adjust',
        subject: a.row.id,
        payload: {
          settlement: a.row.settlement_id,
          reversalOf: target.id,
          funds: Object.fromEntries(a.funds.map((f) => [f.fund, formatUnits(fromFen(f.amountFen))])),
          patientPays: formatUnits(fromFen(a.row.patient_delta_fen)),
        },
      },
      // The hash of the settlement as settled again, by which the audit knows the row is as written.
      digests: [{ field: 'resultHash', step: at, value: RESULT_JSON }],
    });
  }
  return { target, standing, later, adjustments, ledgerAfterJson, set: { steps } };
}
