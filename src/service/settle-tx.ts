/**
 * What one settlement does inside its write transaction, once the bill is validated and resolved:
 * find an earlier settlement of the same bill number, lock the person's ledger row for the year, run the
 * engine on the year-to-date it holds, then write the settlement, its per-fund payouts, the new
 * year-to-date and an audit-log entry.
 *
 * It is written once and run wherever the store's writer is: in the API process (PostgreSQL, and SQLite
 * in memory) or in the SQLite writer thread (store/sqlite-writer.ts). So it takes only plain data (a
 * {@link SettleJob}, which crosses a thread boundary by structured clone) and returns plain data.
 */
import { createHash } from 'node:crypto';
import { accumulatorsFromJson, accumulatorsToJson, applyChanges, type AccumulatorsJson } from '../engine/accumulators.js';
import { SettlementError } from '../engine/errors.js';
import { settlementJson } from '../engine/result.js';
import { settle } from '../engine/settle.js';
import type { Bill, Ruleset } from '../engine/types.js';
import { toFenNumber as toFen } from '../money/fixed.js';
import type { SettlementTable } from '../store/schema.js';
import type { SettlementTx } from '../store/settlement-tx.js';

export interface SettleJob {
  /** The new settlement's id, issued by the API process ({@link newSettlementId}). */
  id: string;
  year: number;
  bill: Bill;
  rulesetId: string;
  rulesetHash: string;
  billHash: string;
  /** The bill as stored: as posted, with the tier and populations it was settled on. */
  billJson: string;
  /** Audit payload fields known before the engine runs. */
  createdAt: string;
  createdBy: string;
}

/**
 * `created`: this job's settlement, written. `existing`: the bill number was settled before (the caller
 * decides between replay and conflict from its bill hash). `refused`: the engine refused the bill (no
 * pipeline for the visit type, a tier not priced…): nothing was written.
 */
export type SettleOutcome =
  | { kind: 'created'; row: SettlementTable }
  | { kind: 'existing'; row: SettlementTable }
  | { kind: 'refused'; error: { code: SettlementError['code']; message: string; path: (string | number)[] } };

export async function settleInTx(tx: SettlementTx, job: SettleJob, ruleset: Ruleset): Promise<SettleOutcome> {
  const existing = await tx.findByBill(job.bill.hospital.code, job.bill.billNo);
  if (existing) return { kind: 'existing', row: existing };

  const ledger = await tx.lockLedger(job.bill.person.id, job.year);
  const ytdJson = JSON.parse(ledger.accumulators_json) as AccumulatorsJson;
  const ytd = accumulatorsFromJson(ytdJson);
  let s;
  try {
    s = settle(job.bill, ruleset, ytd);
  } catch (e) {
    if (e instanceof SettlementError) return { kind: 'refused', error: { code: e.code, message: e.message, path: [...e.path] } };
    throw e;
  }
  const result = settlementJson(s);
  const row: SettlementTable = {
    id: job.id,
    hospital_code: job.bill.hospital.code,
    bill_no: job.bill.billNo,
    person_id: job.bill.person.id,
    year: job.year,
    admitted: job.bill.visit.admitted,
    discharged: job.bill.visit.discharged,
    visit_type: job.bill.visit.type,
    population: s.population,
    ruleset_id: job.rulesetId,
    ruleset_hash: job.rulesetHash,
    bill_hash: job.billHash,
    bill_json: job.billJson,
    ytd_before_json: ledger.accumulators_json === '{}' ? '{}' : JSON.stringify(ytdJson),
    result_json: JSON.stringify(result),
    total_fen: toFen(s.total),
    fund_pays_fen: toFen(s.fundPaysTotal),
    patient_pays_fen: toFen(s.patientPays),
    status: 'settled',
    created_at: job.createdAt,
    created_by: job.createdBy,
    reversed_at: null,
    reversed_by: null,
    reversal_reason: null,
  };
  const funds = Object.entries(s.funds).map(([fund, amount]) => ({ settlement_id: job.id, fund, amount_fen: toFen(amount) }));
  await tx.insertSettlement(row, funds);
  const updated = await tx.updateLedger(job.bill.person.id, job.year, ledger.version, JSON.stringify(accumulatorsToJson(applyChanges(ytd, s.accumulators))));
  // The row is locked, so this cannot happen; if it ever does, refuse rather than double-count.
  if (!updated) throw new Error(`ledger ${job.bill.person.id}/${job.year} changed under a held lock`);
  await tx.appendAudit(
    {
      actor: job.createdBy,
      action: 'settlement.create',
      subject: job.id,
      payload: {
        hospital: job.bill.hospital.code,
        billNo: job.bill.billNo,
        person: job.bill.person.id,
        rulesetHash: job.rulesetHash,
        funds: result.funds,
        patientPays: result.patientPays,
        resultHash: createHash('sha256').update(row.result_json).digest('hex'),
      },
    },
    job.createdAt,
  );
  return { kind: 'created', row };
}
