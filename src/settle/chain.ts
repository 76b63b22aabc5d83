/**
 * A person's year recomputed as a chain (issue 23, for the audit and the fault scripts): from zero, every
 * unreversed settlement in ledger order, each from its stored bill under its recorded ruleset version,
 * on the year-to-date the ones before it left. After any sequence of settlements and reversals, each
 * settlement as it stands (original plus adjustments) must equal its link of the chain, per fund, for
 * the patient and in what it adds to the year (SETTLEMENT.md §4); its stored differences must add up
 * from the original to what it stands at; and the ledger must be where the chain ends. Because nothing
 * here reads a stored "before", an edited one cannot hide a wrong payout.
 *
 * Pure: the caller passes the rows (./person-year.ts), the ledger and how to settle a stored bill again.
 */
import { accumulatorsFromJson, addDeltas, type AccumulatorsJson, type MutableAccumulators } from '../engine/accumulators.js';
import { SettlementError } from '../engine/errors.js';
import type { SettlementJson } from '../engine/result.js';
import type { Accumulators, Settlement } from '../engine/types.js';
import { formatUnits } from '../money/text.js';
import { fromFen } from '../money/units.js';
import type { SettlementTable } from '../store/schema.js';
import type { PersonYear } from './person-year.js';
import { difference, figuresOfResult, figuresOfSettlement, isNoDifference, standingResultJson } from './standing.js';

export interface ChainFinding {
  kind: 'standing-differs' | 'adjustments-do-not-add-up' | 'ledger-differs' | 'cannot-settle';
  settlementId?: string;
  /** In Chinese, for the people who run the audit. */
  message: string;
}

export function chainFindings(py: PersonYear, ledgerJson: string | null, settleAgain: (row: SettlementTable, ytd: Accumulators) => Settlement): ChainFinding[] {
  const out: ChainFinding[] = [];
  const who = `参保人 ${py.personId} ${py.year} 年`;
  const ytd: MutableAccumulators = {};
  for (const s of py.settlements) {
    if (s.status !== 'settled') continue;
    const stands = figuresOfResult(JSON.parse(standingResultJson(s, py.adjustments)) as SettlementJson);
    let link;
    try {
      link = figuresOfSettlement(settleAgain(s, { ...ytd }));
    } catch (e) {
      if (!(e instanceof SettlementError)) throw e;
      out.push({ kind: 'cannot-settle', settlementId: s.id, message: `${who}结算 ${s.id}（账单 ${s.bill_no}）按账本顺序从零重算时无法结算：${e.message}` });
      // Carry on as it stands, so the rest of the chain is still checked.
      link = stands;
    }
    const d = difference(stands, link);
    if (!isNoDifference(d)) {
      const funds = Object.entries(d.funds).map(([f, v]) => `${f} ${formatUnits(v)}`);
      const fields = Object.entries(d.changes).flatMap(([k, fs]) => Object.entries(fs).map(([f, v]) => `${k}.${f} ${formatUnits(v!)}`));
      out.push({
        kind: 'standing-differs',
        settlementId: s.id,
        message: `${who}结算 ${s.id}（账单 ${s.bill_no}）现行金额（含应补应退调整）与按账本顺序从零重算不符：相差 ${[...funds, `个人 ${formatUnits(d.patientPays)}`, ...fields].join('，')}`,
      });
    }
    addDeltas(ytd, link.changes);

    // The stored differences add up from the original to what it stands at.
    const original = figuresOfResult(JSON.parse(s.result_json) as SettlementJson);
    const sums = new Map(Object.entries(original.funds));
    let patient = original.patientPays;
    for (const a of py.adjustments) {
      if (a.settlement_id !== s.id) continue;
      for (const f of a.funds) sums.set(f.fund, (sums.get(f.fund) ?? 0n) + fromFen(f.amount_fen));
      patient += fromFen(a.patient_delta_fen);
    }
    const off = [...new Set([...sums.keys(), ...Object.keys(stands.funds)])].filter((f) => (sums.get(f) ?? 0n) !== (stands.funds[f] ?? 0n));
    if (off.length || patient !== stands.patientPays) {
      out.push({ kind: 'adjustments-do-not-add-up', settlementId: s.id, message: `${who}结算 ${s.id}：原结算加各次调整之差（${[...off, ...(patient !== stands.patientPays ? ['个人支付'] : [])].join('、')}）与其现行金额不符` });
    }
  }
  const ledger = accumulatorsFromJson(JSON.parse(ledgerJson ?? '{}') as AccumulatorsJson);
  const keys = new Set([...Object.keys(ledger), ...Object.keys(ytd)]);
  const differ: string[] = [];
  for (const k of keys) {
    const fields = new Set([...Object.keys(ledger[k] ?? {}), ...Object.keys(ytd[k] ?? {})]) as Set<'paid'>;
    for (const f of fields) if ((ledger[k]?.[f] ?? 0n) !== (ytd[k]?.[f] ?? 0n)) differ.push(`${k}.${f}：账本 ${formatUnits(ledger[k]?.[f] ?? 0n)}，重算 ${formatUnits(ytd[k]?.[f] ?? 0n)}`);
  }
  if (differ.length) out.push({ kind: 'ledger-differs', message: `${who}累计值账本与按账本顺序从零重算的结果不符：${differ.join('；')}` });
  return out;
}
