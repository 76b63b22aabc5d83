/**
 * From a resolved bill to what the store writes: the engine run on the person's year-to-date as last
 * read, and the write set that records it (the settlement row, its per-fund rows, the ledger's
 * compare-and-set against the version the computation read, the audit entry). Pure: no store, no clock
 * (the caller passes the time and the id).
 */
import { accumulatorsFromJson, accumulatorsToJson, applyChanges, type AccumulatorsJson } from '../engine/accumulators.js';
import { SettlementError } from '../engine/errors.js';
import { settlementJson } from '../engine/result.js';
import { settle } from '../engine/settle.js';
import type { Bill, Ruleset } from '../engine/types.js';
import { toFen } from '../money/units.js';
import type { SettlementTable } from '../store/schema.js';
import { SETTLEMENT_COLUMNS } from '../store/statements.js';
import { named, type WriteSet, type WriteStep } from '../store/write-set.js';

/** A person's ledger row for a year, as read. */
export interface LedgerRow {
  accumulators_json: string;
  version: number;
}

/** What the engine decided for one bill on one ledger state, in the forms the store writes. */
export interface Computed {
  /** The ledger the computation read (undefined: the person had none for the year yet). */
  ledger: LedgerRow | undefined;
  population: string;
  ytdBeforeJson: string;
  resultJson: string;
  totalFen: number;
  fundPaysFen: number;
  patientPaysFen: number;
  /** Per fund: its payout, and what it owes the hospital (the payout less what was paid elsewhere, §3). */
  funds: { fund: string; amountFen: number; owedFen: number }[];
  /** The ledger's accumulators after this settlement. */
  ledgerAfterJson: string;
  /** For the audit entry. */
  resultFunds: Record<string, string>;
  patientPays: string;
}

/** Run the engine on a bill and a ledger state: the computation, or the engine's refusal. */
export function computeSettlement(bill: Bill, ruleset: Ruleset, ledger: LedgerRow | undefined): Computed | SettlementError {
  const ytdJson = ledger ? (JSON.parse(ledger.accumulators_json) as AccumulatorsJson) : {};
  const ytd = accumulatorsFromJson(ytdJson);
  let s;
  try {
    s = settle(bill, ruleset, ytd);
  } catch (e) {
    if (e instanceof SettlementError) return e;
    throw e;
  }
  const result = settlementJson(s);
  return {
    ledger,
    population: s.population,
    // The ledger's text as stored: written by JSON.stringify, so it is already what the settlement records.
    ytdBeforeJson: ledger ? ledger.accumulators_json : '{}',
    resultJson: JSON.stringify(result),
    totalFen: toFen(s.total),
    fundPaysFen: toFen(s.fundPaysTotal),
    patientPaysFen: toFen(s.patientPays),
    funds: Object.entries(s.funds).map(([fund, amount]) => ({ fund, amountFen: toFen(amount), owedFen: toFen(s.owed?.[fund] ?? amount) })),
    ledgerAfterJson: JSON.stringify(accumulatorsToJson(applyChanges(ytd, s.accumulators))),
    resultFunds: result.funds,
    patientPays: result.patientPays,
  };
}

/** Everything about a posted bill that does not depend on the year-to-date. */
export interface SettleJob {
  /** The new settlement's id ({@link newSettlementId}). */
  id: string;
  year: number;
  hospitalCode: string;
  billNo: string;
  personId: string;
  visit: Bill['visit'];
  rulesetId: string;
  rulesetHash: string;
  billHash: string;
  /** The bill as stored: as posted, with the tier and populations it was settled on. */
  billJson: string;
  /** What the settlement used of the register (settle/eligibility.ts), as stored; null without one. */
  /** What the settlement used of the register (none for a settlement made without one). */
  eligibilityJson?: string | null;
  /** What the catalogue did to the items (none for a settlement made without one). */
  catalogueJson?: string | null;
  /** An office settlement (经办): who is paid, the application, and a hospital outside the register to keep. */
  office?: { payee: 'hospital' | 'patient'; applicationJson: string; externalHospital: { code: string; name: string; tier: string; region_code: string; region_name: string } | null };
  createdAt: string;
  createdBy: string;
}

/** The settlements row of a job, given what the engine decided for it. */
export function settlementRow(job: SettleJob, c: Computed): SettlementTable {
  return {
    id: job.id,
    hospital_code: job.hospitalCode,
    bill_no: job.billNo,
    person_id: job.personId,
    year: job.year,
    admitted: job.visit.admitted,
    discharged: job.visit.discharged,
    visit_type: job.visit.type,
    population: c.population,
    ruleset_id: job.rulesetId,
    ruleset_hash: job.rulesetHash,
    bill_hash: job.billHash,
    bill_json: job.billJson,
    ytd_before_json: c.ytdBeforeJson,
    result_json: c.resultJson,
    total_fen: c.totalFen,
    fund_pays_fen: c.fundPaysFen,
    patient_pays_fen: c.patientPaysFen,
    status: 'settled',
    created_at: job.createdAt,
    created_by: job.createdBy,
    reversed_at: null,
    reversed_by: null,
    reversal_reason: null,
    eligibility_json: job.eligibilityJson ?? null,
    catalogue_json: job.catalogueJson ?? null,
    channel: job.office ? 'office' : null,
    payee: job.office?.payee ?? null,
    application_json: job.office?.applicationJson ?? null,
    // The version its compare-and-set writes: its place in the order the person's year was settled in.
    ledger_version: (c.ledger ? Number(c.ledger.version) : 0) + 1,
    reversed_version: null,
  };
}

/**
 * The compare-and-set of a person's ledger for a year: from the row the computation read (or from no
 * row) to `accumulatorsJson` at the next version. When the ledger has moved since, the step fails as
 * `stale`, with the ledger as it now is.
 */
export function ledgerCas(personId: string, year: number, read: LedgerRow | undefined, accumulatorsJson: string): WriteSet['steps'][number] {
  return {
    kind: 'one',
    run: read
      ? named('updateLedger', { accumulators_json: accumulatorsJson, next_version: read.version + 1, person_id: personId, year, version: read.version })
      : named('insertLedger', { person_id: personId, year, accumulators_json: accumulatorsJson, version: 1 }),
    otherwise: 'stale',
    read: named('ledger', { person_id: personId, year }),
  };
}

const RESULT_JSON = SETTLEMENT_COLUMNS.indexOf('result_json');

/**
 * The write set of a settlement: nothing if the bill number was settled before (`existing`, with that
 * settlement) or if the person's ledger moved since it was read (`stale`, with the ledger as it is);
 * otherwise the settlement, its funds, the new year-to-date and the audit entry, together.
 */
export function settlementWriteSet(job: SettleJob, c: Computed): WriteSet {
  const row = settlementRow(job, c);
  // A hospital outside the register is kept the first time an office settles a stay there.
  const external: WriteStep[] = job.office?.externalHospital ? [{ kind: 'run', run: named('insertExternalHospital', job.office.externalHospital) }] : [];
  return {
    steps: [
      { kind: 'absent', run: named('settlementByBill', { hospital_code: job.hospitalCode, bill_no: job.billNo }), otherwise: 'existing' },
      ledgerCas(job.personId, job.year, c.ledger, c.ledgerAfterJson),
      ...external,
      { kind: 'run', run: { statement: 'insertSettlement', values: SETTLEMENT_COLUMNS.map((col) => row[col]) } },
      ...c.funds.map((f) => ({ kind: 'run' as const, run: named('insertFund', { settlement_id: job.id, fund: f.fund, amount_fen: f.amountFen, owed_fen: f.owedFen }) })),
      {
        kind: 'audit',
        at: job.createdAt,
        entry: {
          actor: job.createdBy,
          action: 'settlement.create',
          subject: job.id,
          payload: {
            hospital: job.hospitalCode,
            billNo: job.billNo,
            person: job.personId,
            rulesetHash: job.rulesetHash,
            funds: c.resultFunds,
            patientPays: c.patientPays,
          },
        },
        // The hash of the stored result, by which the audit later knows the row is as written.
        digests: [{ field: 'resultHash', step: 2 + external.length, value: RESULT_JSON }],
      },
    ],
  };
}
