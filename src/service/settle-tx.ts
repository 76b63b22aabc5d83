/**
 * What one settlement does inside its write transaction, once the bill is validated and resolved:
 * find an earlier settlement of the same bill number, lock the person's ledger row for the year, run the
 * engine on the year-to-date it holds, then write the settlement, its per-fund payouts, the new
 * year-to-date and an audit-log entry.
 *
 * The engine's part is usually done before the transaction, by the API thread, on the ledger as last
 * committed (`SettleJob.computed`): the transaction then only checks that the ledger it locked is that
 * same one, which it nearly always is, and writes. That keeps the work that runs one settlement at a time
 * (the SQLite writer thread, or a locked ledger row on PostgreSQL) to reading, comparing and writing. When
 * the ledger has moved (two bills of one person in flight at once), the transaction computes again on
 * the locked ledger, from the stored bill text, so nothing is ever settled on a stale year-to-date.
 *
 * It is written once and run wherever the store's writer is: in the API process (PostgreSQL, and SQLite
 * in memory) or in the SQLite writer thread (store/sqlite-writer.ts). So it takes only plain data (a
 * {@link SettleJob}, which crosses a thread boundary by structured clone) and returns plain data.
 */
import { createHash } from 'node:crypto';
import { parseBillInput } from '../bill/fast-parse.js';
import { toEngineBill } from '../bill/schema.js';
import { accumulatorsFromJson, accumulatorsToJson, applyChanges, type AccumulatorsJson } from '../engine/accumulators.js';
import { SettlementError } from '../engine/errors.js';
import { settlementJson } from '../engine/result.js';
import { settle } from '../engine/settle.js';
import type { Bill, Ruleset } from '../engine/types.js';
import { toFenNumber as toFen } from '../money/fixed.js';
import type { SettlementFundTable, SettlementTable } from '../store/schema.js';
import type { LedgerRow, SettlementTx } from '../store/settlement-tx.js';

export interface SettleJob {
  /** The new settlement's id, issued by the API process ({@link newSettlementId}). */
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
  /** Audit payload fields known before the engine runs. */
  createdAt: string;
  createdBy: string;
  /**
   * The engine's result, computed before the transaction on the ledger as last committed
   * ({@link computeSettlement}). The transaction uses it only if the ledger it locks is still exactly
   * that one (same version, same text); otherwise it computes again on the locked ledger.
   */
  computed?: Computed;
}

/** Everything a settlement writes that the engine decides, for one bill on one ledger state. */
export interface Computed {
  kind: 'computed';
  /** The ledger the computation read. */
  ledger: LedgerRow;
  population: string;
  ytdBeforeJson: string;
  resultJson: string;
  totalFen: number;
  fundPaysFen: number;
  patientPaysFen: number;
  funds: { fund: string; amount_fen: number }[];
  /** The ledger's accumulators after this settlement. */
  ledgerAfterJson: string;
  /** The audit entry's payload (the parts that depend on the result). */
  resultFunds: Record<string, string>;
  patientPays: string;
}

/**
 * `created`: this job's settlement, written (`computedAgain`: the ledger had moved, so the transaction
 * computed it again rather than writing `job.computed`). `existing`: the bill number was settled before (the caller
 * decides between replay and conflict from its bill hash). `refused`: the engine refused the bill (no
 * pipeline for the visit type, a tier not priced…): nothing was written.
 */
export type SettleOutcome =
  | { kind: 'created'; row: SettlementTable; computedAgain: boolean }
  | { kind: 'existing'; row: SettlementTable }
  | { kind: 'refused'; error: { code: SettlementError['code']; message: string; path: (string | number)[] } };

type Refused = Extract<SettleOutcome, { kind: 'refused' }>;

/** A ledger row that does not exist yet reads as this (lockLedger creates it so). */
export const EMPTY_LEDGER: LedgerRow = { accumulators_json: '{}', version: 0 };

/**
 * Run the engine on a bill and a ledger state, and build what the transaction will write. Pure: the API
 * thread calls it before handing a settlement to the writer (on the ledger as last committed), and the
 * transaction calls it again only if the ledger it locks has moved since.
 */
export function computeSettlement(bill: Bill, ruleset: Ruleset, ledger: LedgerRow): Computed | Refused {
  const ytdJson = JSON.parse(ledger.accumulators_json) as AccumulatorsJson;
  const ytd = accumulatorsFromJson(ytdJson);
  let s;
  try {
    s = settle(bill, ruleset, ytd);
  } catch (e) {
    if (e instanceof SettlementError) return { kind: 'refused', error: { code: e.code, message: e.message, path: [...e.path] } };
    throw e;
  }
  const result = settlementJson(s);
  const resultJson = JSON.stringify(result);
  return {
    kind: 'computed',
    ledger: { accumulators_json: ledger.accumulators_json, version: ledger.version },
    population: s.population,
    ytdBeforeJson: ledger.accumulators_json === '{}' ? '{}' : JSON.stringify(ytdJson),
    resultJson,
    totalFen: toFen(s.total),
    fundPaysFen: toFen(s.fundPaysTotal),
    patientPaysFen: toFen(s.patientPays),
    funds: Object.entries(s.funds).map(([fund, amount]) => ({ fund, amount_fen: toFen(amount) })),
    ledgerAfterJson: JSON.stringify(accumulatorsToJson(applyChanges(ytd, s.accumulators))),
    resultFunds: result.funds,
    patientPays: result.patientPays,
  };
}

/** The engine's bill from a stored bill text ({@link SettleJob.billJson}): what the settlement is computed from. */
export function billFromStored(billJson: string): Bill {
  const parsed = parseBillInput(JSON.parse(billJson));
  if (!parsed.success) throw new Error(`the stored bill does not parse: ${parsed.error.message}`);
  const input = parsed.data;
  if (input.hospital.tier === undefined || input.person.populations === undefined) throw new Error('the stored bill has no tier or populations');
  return toEngineBill(input, input.hospital.tier, input.person.populations);
}

/** The settlements row a job writes, given what the engine decided for it. */
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
  };
}

export async function settleInTx(tx: SettlementTx, job: SettleJob, ruleset: Ruleset): Promise<SettleOutcome> {
  const existing = await tx.findByBill(job.hospitalCode, job.billNo);
  if (existing) return { kind: 'existing', row: existing };

  const ledger = await tx.lockLedger(job.personId, job.year);
  let c = job.computed;
  let computedAgain = false;
  if (c === undefined || c.ledger.version !== ledger.version || c.ledger.accumulators_json !== ledger.accumulators_json) {
    // Computed on a ledger that has moved since (another settlement of the person got in first), or not
    // computed at all: compute on the ledger this transaction holds.
    const fresh = computeSettlement(billFromStored(job.billJson), ruleset, ledger);
    if (fresh.kind === 'refused') return fresh;
    c = fresh;
    computedAgain = true;
  }
  const row = settlementRow(job, c);
  const funds: SettlementFundTable[] = c.funds.map((f) => ({ settlement_id: job.id, fund: f.fund, amount_fen: f.amount_fen }));
  await tx.insertSettlement(row, funds);
  const updated = await tx.updateLedger(job.personId, job.year, ledger.version, c.ledgerAfterJson);
  // The row is locked, so this cannot happen; if it ever does, refuse rather than double-count.
  if (!updated) throw new Error(`ledger ${job.personId}/${job.year} changed under a held lock`);
  await tx.appendAudit(
    {
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
        // Hashed here rather than with the computation: on SQLite this runs in the writer thread, which
        // has time to spare, and the API thread, which has none, is spared ~10 µs a settlement.
        resultHash: createHash('sha256').update(c.resultJson).digest('hex'),
      },
    },
    job.createdAt,
  );
  return { kind: 'created', row, computedAgain };
}
