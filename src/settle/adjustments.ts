/**
 * Adjustments (应补应退) as stored, as answered and as told to people: the rows a reversal writes for each
 * later settlement whose figures changed (./readjudicate.ts), their views on a settlement and on the
 * reversal's answer, and the notice of who owes whom, in Chinese, for the window, the patient and the
 * hospitals whose settlements moved. Pure: no store, no clock.
 *
 * Signs: a fund's difference is positive when the fund owes the hospital more (基金应补付), negative when
 * it recovers an overpayment (基金应追回); the patient's is positive when the patient pays more (应补, the
 * hospital collects it), negative when the patient is refunded (应退).
 */
import { accumulatorsToJson, type AccumulatorsJson } from '../engine/accumulators.js';
import { settlementJson, type SettlementJson } from '../engine/result.js';
import { FUND_ORDER, fundLabel } from '../labels/labels.js';
import { formatUnits } from '../money/text.js';
import { fromFen, toFen } from '../money/units.js';
import type { AdjustmentTable } from '../store/schema.js';
import type { AdjustmentRow } from './person-year.js';
import type { Redone } from './readjudicate.js';
import { deltasToJson } from './standing.js';

/** What the reversal writes for one changed settlement: the row and its per-fund differences. */
export interface AdjustmentRecord {
  row: AdjustmentTable;
  funds: { fund: string; amountFen: number }[];
}

export function adjustmentRecord(
  r: Redone,
  ctx: { id: string; reversalOf: string; personId: string; year: number; ledgerVersion: number; at: string; actor: string },
): AdjustmentRecord {
  const d = r.difference;
  return {
    row: {
      id: ctx.id,
      settlement_id: r.id,
      reversal_of: ctx.reversalOf,
      person_id: ctx.personId,
      year: ctx.year,
      ledger_version: ctx.ledgerVersion,
      ytd_before_json: JSON.stringify(accumulatorsToJson(r.ytdBefore)),
      result_json: JSON.stringify(settlementJson(r.settlement)),
      changes_json: JSON.stringify(deltasToJson(d.changes)),
      fund_delta_fen: toFen(d.fundPaysTotal),
      patient_delta_fen: toFen(d.patientPays),
      created_at: ctx.at,
      created_by: ctx.actor,
    },
    funds: sortFunds(Object.entries(d.funds)).map(([fund, amount]) => ({ fund, amountFen: toFen(amount) })),
  };
}

const fundRank = (f: string) => (FUND_ORDER.includes(f) ? FUND_ORDER.indexOf(f) : FUND_ORDER.length);
function sortFunds<T>(entries: [string, T][]): [string, T][] {
  return entries.sort(([a], [b]) => fundRank(a) - fundRank(b) || a.localeCompare(b));
}

/** 应补 / 应退 / null (no change) for the patient's difference. */
export type PatientDirection = '应补' | '应退' | null;

export function patientDirection(fen: number | bigint): PatientDirection {
  const v = BigInt(fen);
  return v > 0n ? '应补' : v < 0n ? '应退' : null;
}

/** An adjustment as the API shows it on its settlement (GET /v1/settlements/{id}). */
export interface AdjustmentView {
  id: string;
  /** When the reversal that made it happened. */
  at: string;
  settlementId: string;
  /** The settlement whose reversal made it. */
  reversalOf: string;
  ledgerVersion: number;
  /** Per fund, the difference (only funds whose payout changed). */
  funds: Record<string, string>;
  fundPaysTotal: string;
  patientPays: string;
  patient: PatientDirection;
  /** Per accumulator key and field, the change in what the settlement adds to the year. */
  accumulators: AccumulatorsJson;
  /** The settlement as settled again on the corrected year-to-date. */
  result: SettlementJson;
  /** The same in one sentence, in Chinese. */
  notice: string;
}

const yuan = (fen: number | bigint) => formatUnits(fromFen(fen));

export function adjustmentView(a: AdjustmentRow, about?: { billNo?: string; hospitalName?: string; discharged?: string }): AdjustmentView {
  const funds = Object.fromEntries(sortFunds(a.funds.map((f) => [f.fund, f.amount_fen] as [string, number])).map(([f, v]) => [f, yuan(v)]));
  return {
    id: a.id,
    at: a.created_at,
    settlementId: a.settlement_id,
    reversalOf: a.reversal_of,
    ledgerVersion: Number(a.ledger_version),
    funds,
    fundPaysTotal: yuan(a.fund_delta_fen),
    patientPays: yuan(a.patient_delta_fen),
    patient: patientDirection(a.patient_delta_fen),
    accumulators: JSON.parse(a.changes_json) as AccumulatorsJson,
    result: JSON.parse(a.result_json) as SettlementJson,
    notice: adjustmentSentence({ settlementId: a.settlement_id, ...about, funds: a.funds.map((f) => ({ fund: f.fund, fen: BigInt(f.amount_fen) })), patientFen: BigInt(a.patient_delta_fen) }),
  };
}

/** One fund's difference in words: 大病保险应追回 2012.50 元. */
export function fundSentence(fund: string, fen: bigint): string {
  const amount = yuan(fen < 0n ? -fen : fen);
  return fen > 0n ? `${fundLabel(fund)}应补付 ${amount} 元` : `${fundLabel(fund)}应追回 ${amount} 元`;
}

/** The patient's difference in words. */
export function patientSentence(fen: bigint): string {
  if (fen > 0n) return `患者应补缴 ${yuan(fen)} 元（应补）`;
  if (fen < 0n) return `应退还患者 ${yuan(-fen)} 元（应退）`;
  return '患者个人支付不变';
}

/**
 * One adjusted settlement in a sentence: 结算 JS…（兴安盟人民医院，账单 B，2018-05-10 出院）按更正后的年度累计
 * 重新结算：大病保险应追回 2012.50 元，商业补充保险应补付 1106.87 元；患者应补缴 1000.00 元（应补）。
 */
export function adjustmentSentence(a: { settlementId: string; billNo?: string; hospitalName?: string; discharged?: string; funds: { fund: string; fen: bigint }[]; patientFen: bigint }): string {
  const about = [a.hospitalName, a.billNo ? `账单 ${a.billNo}` : undefined, a.discharged ? `${a.discharged} 出院` : undefined].filter(Boolean).join('，');
  const funds = sortFunds(a.funds.map((f) => [f.fund, f.fen] as [string, bigint])).map(([f, v]) => fundSentence(f, v));
  return `结算 ${a.settlementId}${about ? `（${about}）` : ''}按更正后的年度累计重新结算：${funds.length ? funds.join('，') : '各基金支付不变'}；${patientSentence(a.patientFen)}。`;
}

/** One changed settlement on the reversal's answer. */
export interface ReadjustedSettlement {
  adjustmentId: string;
  settlementId: string;
  billNo: string;
  hospital: { code: string; name: string };
  /** Another hospital's settlement: that hospital settles the difference with the patient and the funds. */
  otherHospital: boolean;
  discharged: string;
  funds: Record<string, string>;
  fundPaysTotal: string;
  patientPays: string;
  patient: PatientDirection;
  notice: string;
}

/** What the reversal's answer says about the settlements it settled again. */
export interface ReadjudicationView {
  /** Later unreversed settlements of the person's year, settled again in ledger order. */
  settledAgain: number;
  /** Those whose figures changed, each with its adjustment. */
  adjustments: ReadjustedSettlement[];
  /** Σ of the adjustments per fund, and the patient's net difference. */
  totals: { funds: Record<string, string>; fundPaysTotal: string; patientPays: string; patient: PatientDirection };
  /** Who owes whom, for the window to print and read to the patient. */
  notice: string;
}

export function readjudicationView(
  settledAgain: number,
  changed: { record: AdjustmentRecord; billNo: string; hospital: { code: string; name: string }; discharged: string }[],
  reversingHospital: string,
  reversed: { id: string; billNo: string },
): ReadjudicationView {
  const totals = new Map<string, bigint>();
  let patient = 0n;
  let fundPays = 0n;
  const adjustments = changed.map(({ record, billNo, hospital, discharged }) => {
    for (const f of record.funds) totals.set(f.fund, (totals.get(f.fund) ?? 0n) + BigInt(f.amountFen));
    patient += BigInt(record.row.patient_delta_fen);
    fundPays += BigInt(record.row.fund_delta_fen);
    return {
      adjustmentId: record.row.id,
      settlementId: record.row.settlement_id,
      billNo,
      hospital,
      otherHospital: hospital.code !== reversingHospital,
      discharged,
      funds: Object.fromEntries(record.funds.map((f) => [f.fund, yuan(f.amountFen)])),
      fundPaysTotal: yuan(record.row.fund_delta_fen),
      patientPays: yuan(record.row.patient_delta_fen),
      patient: patientDirection(record.row.patient_delta_fen),
      notice: adjustmentSentence({
        settlementId: record.row.settlement_id,
        billNo,
        hospitalName: hospital.name,
        discharged,
        funds: record.funds.map((f) => ({ fund: f.fund, fen: BigInt(f.amountFen) })),
        patientFen: BigInt(record.row.patient_delta_fen),
      }),
    } satisfies ReadjustedSettlement;
  });
  let notice: string;
  if (settledAgain === 0) notice = `已撤销结算 ${reversed.id}（账单 ${reversed.billNo}）。参保人本年度其后没有其他结算，无需重新结算。`;
  else if (adjustments.length === 0) notice = `已撤销结算 ${reversed.id}（账单 ${reversed.billNo}）。其后 ${settledAgain} 笔结算已按更正后的年度累计重新结算，金额均不变，无应补应退。`;
  else {
    const others = adjustments.filter((a) => a.otherHospital).map((a) => a.hospital.name);
    notice =
      `已撤销结算 ${reversed.id}（账单 ${reversed.billNo}）。其后 ${settledAgain} 笔结算已按更正后的年度累计重新结算，其中 ${adjustments.length} 笔金额变化（应补应退）：` +
      adjustments.map((a) => a.notice).join('') +
      `合计：${patientSentence(patient)}。` +
      (others.length ? `涉及其他医院（${[...new Set(others)].join('、')}）的结算，由该医院与患者及各基金办理。` : '');
  }
  return {
    settledAgain,
    adjustments,
    totals: { funds: Object.fromEntries(sortFunds([...totals.entries()]).map(([f, v]) => [f, yuan(v)])), fundPaysTotal: yuan(fundPays), patientPays: yuan(patient), patient: patientDirection(patient) },
    notice,
  };
}

