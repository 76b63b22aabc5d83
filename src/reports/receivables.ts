/**
 * Receivables (应收): what each fund owes each hospital, per hospital × fund × month, as entries that never
 * move once a month is reported (statement/claims.ts): a settlement in the month of its discharge; a
 * reversal (撤销冲回) as a negative entry in the month it happened, taking back what the settlement stood at;
 * an adjustment (应补应退) in the month of the reversal that made it, for the hospital of the settlement it
 * corrected. So a report of March run again in June is the report of March: a reversal in June shows in
 * June. Sums are integer fen of what each fund owes (`owed`): a payout another payer already made (the
 * bill's paidElsewhere) is never claimed again.
 */
import type { Kysely } from 'kysely';
import { claimSums, monthlyClaims, type ClaimKind } from '../statement/claims.js';
import type { Database } from '../store/schema.js';
import { fundLabel } from '../labels/labels.js';

export interface ReceivableRow {
  hospitalCode: string;
  hospitalName: string;
  fund: string;
  month: string;
  /** settlement 结算, reversal 撤销冲回 (negative), adjustment 应补应退 (either sign). */
  kind: ClaimKind;
  amount: string;
  /** Settlements, reversals or adjustments counted in the row. */
  settlements: number;
}

export interface ReceivablesReport {
  from: string | null;
  to: string | null;
  hospital: string | null;
  rows: ReceivableRow[];
  totalsByFund: Record<string, string>;
  total: string;
}

export const KIND_LABELS: Record<ClaimKind, string> = { settlement: '结算', reversal: '撤销冲回', adjustment: '应补应退' };

export async function receivables(db: Kysely<Database>, q: { from?: string; to?: string; hospital?: string }): Promise<ReceivablesReport> {
  // The hospitals' claims: settlements an office made payable to the patient are on the payment list instead.
  // The settlements come added up by the store (a region's year is millions of fund rows); the same rows as
  // monthlyClaims over claimEntries.
  const { sums, entries } = await claimSums(db, { ...q, payee: 'hospital' });
  const codes = [...new Set([...sums.map((s) => s.hospitalCode), ...entries.map((e) => e.hospitalCode)])];
  const names = new Map<string, string>();
  for (let i = 0; i < codes.length; i += 500) {
    for (const h of await db.selectFrom('hospitals').select(['code', 'name']).where('code', 'in', codes.slice(i, i + 500)).execute()) names.set(h.code, h.name);
  }
  const m = monthlyClaims(entries, names, sums);
  return {
    from: q.from ?? null,
    to: q.to ?? null,
    hospital: q.hospital ?? null,
    rows: m.rows.map((r) => ({ hospitalCode: r.hospitalCode, hospitalName: r.hospitalName, fund: r.fund, month: r.month, kind: r.kind, amount: r.amount, settlements: r.entries })),
    totalsByFund: m.totalsByFund,
    total: m.total,
  };
}

/** A CSV cell: quoted when needed, and never read by a spreadsheet as a formula. */
function cell(v: string | number): string {
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * CSV for Excel: UTF-8 with a BOM (so Excel opens the Chinese correctly), CRLF line ends, Chinese headers,
 * plain amounts ("12345.67", a number to Excel), then one 合计 line per fund.
 */
export function receivablesCsv(r: ReceivablesReport): string {
  const lines: (string | number)[][] = [['医院编码', '医院名称', '基金', '基金名称', '月份', '类型', '应收金额（元）', '笔数']];
  for (const row of r.rows) lines.push([row.hospitalCode, row.hospitalName, row.fund, fundLabel(row.fund), row.month, KIND_LABELS[row.kind], row.amount, row.settlements]);
  for (const [fund, amount] of Object.entries(r.totalsByFund)) {
    const n = r.rows.filter((x) => x.fund === fund).reduce((s, x) => s + x.settlements, 0);
    lines.push(['合计', '', fund, fundLabel(fund), `${r.from ?? '…'} 至 ${r.to ?? '…'}`, '', amount, n]);
  }
  return `\uFEFF${lines.map((l) => l.map(cell).join(',')).join('\r\n')}\r\n`;
}
