/**
 * 支付清单: what each fund pays patients directly (office settlements with payee patient, issue 24), per
 * settlement: the person (ID masked), the amount per fund and in all, the bank reference the application
 * gave; reversals (撤销冲回) and adjustments (应补应退) as their own rows in the month they happened, like
 * receivables (statement/claims.ts). With the hospitals' receivables it adds up to what the funds owe.
 */
import type { Kysely } from 'kysely';
import { csvLine } from '../formats/csv.js';
import { fundLabel } from '../labels/labels.js';
import { formatUnits } from '../money/text.js';
import { fromFen } from '../money/units.js';
import { maskIdNumber } from '../register/mask.js';
import { claimEntries, type ClaimKind } from '../statement/claims.js';
import type { Database } from '../store/schema.js';
import { KIND_LABELS } from './receivables.js';

export interface PaymentRow {
  settlementId: string;
  kind: ClaimKind;
  date: string;
  billNo: string;
  personId: string;
  personName: string;
  idNumber: string;
  funds: Record<string, string>;
  total: string;
  bankAccount: string | null;
}

export interface PaymentsReport {
  from: string | null;
  to: string | null;
  rows: PaymentRow[];
  totalsByFund: Record<string, string>;
  total: string;
}

export async function patientPayments(db: Kysely<Database>, q: { from?: string; to?: string }): Promise<PaymentsReport> {
  const entries = await claimEntries(db, { ...q, payee: 'patient' });
  const ids = [...new Set(entries.map((e) => e.settlementId))];
  const info = new Map<string, { bill_no: string; person_id: string; name: string; id_number: string; application_json: string | null }>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('settlements')
      .innerJoin('people', 'people.id', 'settlements.person_id')
      .select(['settlements.id', 'settlements.bill_no', 'settlements.person_id', 'people.name', 'people.id_number', 'settlements.application_json'])
      .where('settlements.id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) info.set(r.id, r);
  }
  const groups = new Map<string, { kind: ClaimKind; date: string; settlementId: string; funds: Map<string, bigint> }>();
  const totals = new Map<string, bigint>();
  for (const e of entries) {
    const k = `${e.settlementId}\u0000${e.kind}\u0000${e.adjustmentId ?? ''}`;
    const g = groups.get(k) ?? { kind: e.kind, date: e.date, settlementId: e.settlementId, funds: new Map<string, bigint>() };
    g.funds.set(e.fund, (g.funds.get(e.fund) ?? 0n) + e.amountFen);
    groups.set(k, g);
    totals.set(e.fund, (totals.get(e.fund) ?? 0n) + e.amountFen);
  }
  const yuan = (f: bigint) => formatUnits(fromFen(f));
  const rows: PaymentRow[] = [...groups.values()]
    .map((g) => {
      const s = info.get(g.settlementId)!;
      const application = s.application_json ? (JSON.parse(s.application_json) as { bankAccount?: string }) : {};
      return {
        settlementId: g.settlementId, kind: g.kind, date: g.date, billNo: s.bill_no, personId: s.person_id, personName: s.name, idNumber: maskIdNumber(s.id_number),
        funds: Object.fromEntries([...g.funds].map(([f, v]) => [f, yuan(v)])), total: yuan([...g.funds.values()].reduce((a, b) => a + b, 0n)), bankAccount: application.bankAccount ?? null,
      };
    })
    .sort((a, b) => a.date.localeCompare(b.date) || a.settlementId.localeCompare(b.settlementId));
  return {
    from: q.from ?? null,
    to: q.to ?? null,
    rows,
    totalsByFund: Object.fromEntries([...totals].map(([f, v]) => [f, yuan(v)])),
    total: yuan([...totals.values()].reduce((a, b) => a + b, 0n)),
  };
}

/** One row per settlement and fund, for the office's payment run (UTF-8 with a BOM for Excel). */
export function paymentsCsv(r: PaymentsReport): string {
  const lines = [csvLine(['日期', '类型', '结算号', '账单号', '人员编号', '姓名', '身份证号', '基金', '基金名称', '金额（元）', '收款账户'])];
  for (const row of r.rows) for (const [fund, amount] of Object.entries(row.funds)) lines.push(csvLine([row.date, KIND_LABELS[row.kind], row.settlementId, row.billNo, row.personId, row.personName, row.idNumber, fund, fundLabel(fund), amount, row.bankAccount ?? '']));
  for (const [fund, amount] of Object.entries(r.totalsByFund)) lines.push(csvLine(['合计', '', '', '', '', '', '', fund, fundLabel(fund), amount, '']));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
