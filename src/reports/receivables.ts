/**
 * Receivables (应收): per hospital × fund × month of discharge, what each fund owes the hospital for the
 * settlements it advanced at the window (先诊疗后付费: the hospital collects only the patient's share and
 * claims each fund's payout).
 *
 * Reversals are netted by exclusion: a reversed settlement takes back its whole claim, so only settlements
 * whose status is `settled` count, in the month they were discharged. (A settlement reversed after the
 * hospital already claimed a month therefore lowers that month when the report is run again; finance
 * compares the two runs.) Sums are integer fen, in SQL, from settlement_funds, of what each fund owes
 * (`owed_fen`): a payout another payer already made (the bill's paidElsewhere) is never claimed again.
 */
import { sql, type Kysely } from 'kysely';
import { formatUnits } from '../money/text.js';
import { fromFen } from '../money/units.js';
import type { Database } from '../store/schema.js';
import { FUND_ORDER, fundLabel } from '../labels/labels.js';

export interface ReceivableRow {
  hospitalCode: string;
  hospitalName: string;
  fund: string;
  month: string;
  amount: string;
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

const fundRank = (f: string) => {
  const i = FUND_ORDER.indexOf(f);
  return i < 0 ? FUND_ORDER.length : i;
};

export async function receivables(db: Kysely<Database>, q: { from?: string; to?: string; hospital?: string }): Promise<ReceivablesReport> {
  const month = sql<string>`substr(settlements.discharged, 1, 7)`;
  const rows = await db
    .selectFrom('settlement_funds')
    .innerJoin('settlements', 'settlements.id', 'settlement_funds.settlement_id')
    .innerJoin('hospitals', 'hospitals.code', 'settlements.hospital_code')
    .where('settlements.status', '=', 'settled')
    .$if(!!q.from, (b) => b.where('settlements.discharged', '>=', q.from!))
    .$if(!!q.to, (b) => b.where('settlements.discharged', '<=', q.to!))
    .$if(!!q.hospital, (b) => b.where('settlements.hospital_code', '=', q.hospital!))
    .select([
      'settlements.hospital_code as hospitalCode',
      'hospitals.name as hospitalName',
      'settlement_funds.fund as fund',
      month.as('month'),
      // what the fund owes (§3 owed): never what another payer already paid
      sql<string | number | bigint>`sum(coalesce(settlement_funds.owed_fen, settlement_funds.amount_fen))`.as('fen'),
      sql<string | number | bigint>`count(distinct settlements.id)`.as('n'),
    ])
    .groupBy(['settlements.hospital_code', 'hospitals.name', 'settlement_funds.fund', month])
    .execute();

  const totals = new Map<string, bigint>();
  const out: ReceivableRow[] = rows.map((r) => {
    const f = BigInt(String(r.fen));
    totals.set(r.fund, (totals.get(r.fund) ?? 0n) + f);
    return { hospitalCode: r.hospitalCode, hospitalName: r.hospitalName, fund: r.fund, month: r.month, amount: formatUnits(fromFen(f)), settlements: Number(r.n) };
  });
  out.sort((a, b) => a.hospitalCode.localeCompare(b.hospitalCode) || a.month.localeCompare(b.month) || fundRank(a.fund) - fundRank(b.fund) || a.fund.localeCompare(b.fund));
  const funds = [...totals.keys()].sort((a, b) => fundRank(a) - fundRank(b) || a.localeCompare(b));
  const grand = [...totals.values()].reduce((s, v) => s + v, 0n);
  return {
    from: q.from ?? null,
    to: q.to ?? null,
    hospital: q.hospital ?? null,
    rows: out,
    totalsByFund: Object.fromEntries(funds.map((f) => [f, formatUnits(fromFen(totals.get(f)!))])),
    total: formatUnits(fromFen(grand)),
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
  const lines: (string | number)[][] = [['医院编码', '医院名称', '基金', '基金名称', '月份（出院）', '应收金额（元）', '结算笔数']];
  for (const row of r.rows) lines.push([row.hospitalCode, row.hospitalName, row.fund, fundLabel(row.fund), row.month, row.amount, row.settlements]);
  for (const [fund, amount] of Object.entries(r.totalsByFund)) {
    const n = r.rows.filter((x) => x.fund === fund).reduce((s, x) => s + x.settlements, 0);
    lines.push(['合计', '', fund, fundLabel(fund), `${r.from ?? '…'} 至 ${r.to ?? '…'}`, amount, n]);
  }
  return `\uFEFF${lines.map((l) => l.map(cell).join(',')).join('\r\n')}\r\n`;
}
