/**
 * The sum identity of a stored settlement (SETTLEMENT.md §8): Σ fund payouts + patientPays = total, to
 * the fen, in the money columns, in the per-fund rows and in the stored result, which must all say the
 * same; each fund is the sum of its steps' payouts; the four buckets add up to the total; no payout is
 * negative, nor above the cap room its step saw. Every comparison is exact.
 *
 * The findings come in one order (columns, fund rows, result, buckets, steps); the audit and doctor each
 * word the ones they report.
 */
import type { Units } from '../money/units.js';
import type { ResultMoney, StoredMoney } from './stored-result.js';

export type SumFinding =
  /** The columns: fund_pays + patient_pays ≠ total. */
  | { kind: 'columns'; fundPays: Units; patientPays: Units; total: Units }
  /** Σ settlement_funds ≠ the fund_pays column. */
  | { kind: 'fundRowsVsColumn'; rows: Units; fundPays: Units }
  /** Σ settlement_funds + the patient_pays column ≠ the total column. */
  | { kind: 'fundRowsUnbalanced'; rows: Units; patientPays: Units; total: Units }
  | { kind: 'negative'; what: 'fundRow' | 'fund' | 'patientPays' | 'step'; name: string; amount: Units }
  /**
   * A value of the stored result that is missing or not decimal text: `totals` (total, fundPaysTotal or
   * patientPays: then nothing else of the result is checked), a fund, the buckets, a step's payout.
   */
  | { kind: 'unreadable'; what: 'totals' | 'fund' | 'buckets' | 'step'; name: string; paths: string[] }
  /** The result's total, fundPaysTotal or patientPays differs from its column (`fields` says which). */
  | { kind: 'resultVsColumns'; fields: ('total' | 'fundPays' | 'patientPays')[]; result: { total: Units; fundPays: Units; patientPays: Units } }
  /** A fund's row and the result's amount for it differ; either may be absent. */
  | { kind: 'fundRowVsResult'; fund: string; row: Units | undefined; result: Units | undefined }
  /** Σ result funds ≠ the result's fundPaysTotal. */
  | { kind: 'resultFundsVsTotal'; funds: Units; fundPaysTotal: Units }
  /** Σ result funds + the result's patientPays ≠ its total. */
  | { kind: 'resultUnbalanced'; funds: Units; patientPays: Units; total: Units }
  | { kind: 'buckets'; sum: Units; total: Units }
  /** A step paid more than the room its caps left it (`capRoom`). */
  | { kind: 'aboveCapRoom'; stepId: string; payout: Units; capRoom: Units }
  /** The steps of a fund add up to `steps`; the result records `recorded` (null: absent or unreadable). */
  | { kind: 'stepsVsFund'; fund: string; steps: Units; recorded: Units | null };

/** Every way the stored record disagrees with itself. */
export function sumFindings(stored: StoredMoney, r: ResultMoney): SumFinding[] {
  const out: SumFinding[] = [];
  const { total, fundPays, patientPays, fundRows } = stored;

  if (fundPays + patientPays !== total) out.push({ kind: 'columns', fundPays, patientPays, total });
  let rows = 0n;
  for (const v of fundRows.values()) rows += v;
  if (rows !== fundPays) out.push({ kind: 'fundRowsVsColumn', rows, fundPays });
  if (rows + patientPays !== total) out.push({ kind: 'fundRowsUnbalanced', rows, patientPays, total });
  for (const [fund, v] of fundRows) if (v < 0n) out.push({ kind: 'negative', what: 'fundRow', name: fund, amount: v });

  if (r.total === null || r.fundPaysTotal === null || r.patientPays === null) {
    const paths = (['total', 'fundPaysTotal', 'patientPays'] as const).filter((k) => r[k] === null);
    out.push({ kind: 'unreadable', what: 'totals', name: '', paths });
    return out;
  }
  const result = { total: r.total, fundPays: r.fundPaysTotal, patientPays: r.patientPays };
  const fields = (['total', 'fundPays', 'patientPays'] as const).filter((k) => result[k] !== stored[k]);
  if (fields.length) out.push({ kind: 'resultVsColumns', fields, result });

  let funds = 0n;
  for (const [fund, v] of r.funds) {
    if (v === null) {
      out.push({ kind: 'unreadable', what: 'fund', name: fund, paths: [`funds.${fund}`] });
      continue;
    }
    funds += v;
    if (v < 0n) out.push({ kind: 'negative', what: 'fund', name: fund, amount: v });
    const row = fundRows.get(fund);
    if (row !== v) out.push({ kind: 'fundRowVsResult', fund, row, result: v });
  }
  for (const [fund, row] of fundRows) if (!r.funds.has(fund)) out.push({ kind: 'fundRowVsResult', fund, row, result: undefined });
  if (funds !== r.fundPaysTotal) out.push({ kind: 'resultFundsVsTotal', funds, fundPaysTotal: r.fundPaysTotal });
  if (funds + r.patientPays !== r.total) out.push({ kind: 'resultUnbalanced', funds, patientPays: r.patientPays, total: r.total });
  if (r.patientPays < 0n) out.push({ kind: 'negative', what: 'patientPays', name: '', amount: r.patientPays });

  if (r.buckets === null || r.buckets.some((b) => b === null)) out.push({ kind: 'unreadable', what: 'buckets', name: '', paths: ['buckets'] });
  else {
    const sum = (r.buckets as Units[]).reduce((a, b) => a + b, 0n);
    if (sum !== r.total) out.push({ kind: 'buckets', sum, total: r.total });
  }

  const byFund = new Map<string, Units>();
  r.steps.forEach((st, i) => {
    if (st.payout === null) {
      out.push({ kind: 'unreadable', what: 'step', name: st.id, paths: [`steps[${i}].payout`] });
      return;
    }
    if (st.payout < 0n) out.push({ kind: 'negative', what: 'step', name: st.id, amount: st.payout });
    if (!st.patientRoom && st.capRoom !== null && st.payout > st.capRoom) out.push({ kind: 'aboveCapRoom', stepId: st.id, payout: st.payout, capRoom: st.capRoom });
    byFund.set(st.fund, (byFund.get(st.fund) ?? 0n) + st.payout);
  });
  for (const [fund, steps] of byFund) {
    const recorded = r.funds.get(fund) ?? null;
    if (recorded !== steps) out.push({ kind: 'stepsVsFund', fund, steps, recorded });
  }
  return out;
}
