/**
 * What each fund owes each hospital, month by month, as entries that never move once a month is
 * reported (issue 23): a settlement counts in the month of its discharge, as receivables always did; a
 * reversal is an entry of its own, in the month it happened, taking back what the settlement stood at;
 * an adjustment (应补应退) is an entry in the month of the reversal that made it, for the hospital of
 * the settlement it corrected. So a reversal never changes an earlier month on a re-run: it shows in its
 * own month, as 撤销冲回 and 应补应退 rows.
 *
 * `claimEntries` reads them from the store for a period; `monthlyClaims` adds them up per hospital ×
 * fund × month × kind, purely; the receivables report (src/reports/receivables.ts) is these rows. Amounts
 * are what each fund owes (`owed`, §3): a payout another payer made is never claimed.
 */
import { sql, type Kysely } from 'kysely';
import { FUND_ORDER } from '../labels/labels.js';
import { beijingTime } from '../labels/labels.js';
import { formatUnits } from '../money/text.js';
import { fromFen } from '../money/units.js';
import type { Database } from '../store/schema.js';

export type ClaimKind = 'settlement' | 'reversal' | 'adjustment';

export interface ClaimEntry {
  kind: ClaimKind;
  hospitalCode: string;
  /** The day it counts on: the discharge date of a settlement, the (Beijing) date of a reversal or adjustment. */
  date: string;
  fund: string;
  /** Signed fen: what the fund owes the hospital by this entry. */
  amountFen: bigint;
  settlementId: string;
  adjustmentId?: string;
}

export interface ClaimRow {
  hospitalCode: string;
  hospitalName: string;
  fund: string;
  month: string;
  kind: ClaimKind;
  amount: string;
  /** Settlements (kind settlement), reversals or adjustments counted. */
  entries: number;
}

/**
 * Settlements already added up by the store, per hospital × fund × month of discharge: what `count`
 * settlement entries of kind settlement would add up to (each settlement has one row per fund).
 */
export interface ClaimSum {
  hospitalCode: string;
  fund: string;
  month: string;
  amountFen: bigint;
  count: number;
}

export interface MonthlyClaims {
  rows: ClaimRow[];
  totalsByFund: Record<string, string>;
  total: string;
}

const KIND_ORDER: readonly ClaimKind[] = ['settlement', 'reversal', 'adjustment'];
const fundRank = (f: string) => (FUND_ORDER.includes(f) ? FUND_ORDER.indexOf(f) : FUND_ORDER.length);

/**
 * Add entries up per hospital × fund × month × kind (entries with a zero amount still count as entries);
 * `sums` are settlements the store added up already (claimSums), counted as the entries they stand for.
 */
export function monthlyClaims(entries: readonly ClaimEntry[], hospitalNames: ReadonlyMap<string, string> = new Map(), sums: readonly ClaimSum[] = []): MonthlyClaims {
  const groups = new Map<string, { row: Omit<ClaimRow, 'amount' | 'entries'>; fen: bigint; ids: Set<string>; summed: number }>();
  const totals = new Map<string, bigint>();
  const group = (hospitalCode: string, fund: string, month: string, kind: ClaimKind) => {
    const key = `${hospitalCode}\u0000${fund}\u0000${month}\u0000${kind}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { row: { hospitalCode, hospitalName: hospitalNames.get(hospitalCode) ?? hospitalCode, fund, month, kind }, fen: 0n, ids: new Set(), summed: 0 }));
    return g;
  };
  for (const s of sums) {
    const g = group(s.hospitalCode, s.fund, s.month, 'settlement');
    g.fen += s.amountFen;
    g.summed += s.count;
    totals.set(s.fund, (totals.get(s.fund) ?? 0n) + s.amountFen);
  }
  for (const e of entries) {
    const g = group(e.hospitalCode, e.fund, e.date.slice(0, 7), e.kind);
    g.fen += e.amountFen;
    g.ids.add(e.adjustmentId ?? e.settlementId);
    totals.set(e.fund, (totals.get(e.fund) ?? 0n) + e.amountFen);
  }
  const rows = [...groups.values()]
    .map((g) => ({ ...g.row, amount: formatUnits(fromFen(g.fen)), entries: g.ids.size + g.summed }))
    .sort(
      (a, b) =>
        a.hospitalCode.localeCompare(b.hospitalCode) || a.month.localeCompare(b.month) || fundRank(a.fund) - fundRank(b.fund) || a.fund.localeCompare(b.fund) || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind),
    );
  const funds = [...totals.keys()].sort((a, b) => fundRank(a) - fundRank(b) || a.localeCompare(b));
  return {
    rows,
    totalsByFund: Object.fromEntries(funds.map((f) => [f, formatUnits(fromFen(totals.get(f)!))])),
    total: formatUnits(fromFen([...totals.values()].reduce((s, v) => s + v, 0n))),
  };
}

/** The Beijing date of a UTC timestamp. */
const beijingDate = (iso: string) => beijingTime(iso).slice(0, 10);

/** A day either side: a UTC timestamp's Beijing date may be the next day. */
function widened(q: { from?: string; to?: string }): { from?: string; to?: string } {
  const shift = (d: string, days: number) => new Date(Date.parse(`${d}T00:00:00Z`) + days * 86_400_000).toISOString();
  return { from: q.from ? shift(q.from, -1) : undefined, to: q.to ? shift(q.to, 2) : undefined };
}

const within = (date: string, q: { from?: string; to?: string }) => (!q.from || date >= q.from) && (!q.to || date <= q.to);

type ClaimQuery = { from?: string; to?: string; hospital?: string; payee?: 'hospital' | 'patient' };

/** Every claim entry whose day lies in [from, to] (inclusive, either open), optionally of one hospital. */
export async function claimEntries(db: Kysely<Database>, q: ClaimQuery): Promise<ClaimEntry[]> {
  return [...(await settledEntries(db, q)), ...(await laterEntries(db, q))];
}

/**
 * The same claims with the settlements added up by the store (per hospital × fund × month of discharge,
 * one row each) rather than read one by one: a region's year is millions of fund rows, and only their
 * sums and counts are reported. Reversals and adjustments (a few) are entries, as in claimEntries.
 * monthlyClaims(entries, names, sums) equals monthlyClaims(await claimEntries(db, q), names).
 */
export async function claimSums(db: Kysely<Database>, q: ClaimQuery): Promise<{ sums: ClaimSum[]; entries: ClaimEntry[] }> {
  const month = sql<string>`substr(settlements.discharged, 1, 7)`;
  const rows = await settledQuery(db, q)
    .select([
      'settlements.hospital_code',
      'settlement_funds.fund',
      month.as('month'),
      // As text: a sum of fen is exact in the store, and stays exact past 2^53 on its way here.
      sql<string>`cast(sum(coalesce(settlement_funds.owed_fen, settlement_funds.amount_fen)) as varchar(40))`.as('amount_fen'),
      sql<number | string>`count(*)`.as('count'),
    ])
    .groupBy(['settlements.hospital_code', 'settlement_funds.fund', month])
    .execute();
  const sums = rows.map((r) => ({ hospitalCode: r.hospital_code, fund: r.fund, month: r.month, amountFen: BigInt(r.amount_fen), count: Number(r.count) }));
  return { sums, entries: await laterEntries(db, q) };
}

/** settlement_funds with their settlements discharged in the period (of the hospital, for the payee). */
function settledQuery(db: Kysely<Database>, q: ClaimQuery) {
  const payee = q.payee;
  return db
    .selectFrom('settlement_funds')
    .innerJoin('settlements', 'settlements.id', 'settlement_funds.settlement_id')
    .$if(!!q.from, (b) => b.where('settlements.discharged', '>=', q.from!))
    .$if(!!q.to, (b) => b.where('settlements.discharged', '<=', q.to!))
    .$if(!!q.hospital, (b) => b.where('settlements.hospital_code', '=', q.hospital!))
    .$if(payee === 'patient', (b) => b.where('settlements.payee', '=', 'patient'))
    .$if(payee === 'hospital', (b) => b.where((eb) => eb.or([eb('settlements.payee', 'is', null), eb('settlements.payee', '=', 'hospital')])));
}

/** Settlements, in their month of discharge, whatever became of them since. */
async function settledEntries(db: Kysely<Database>, q: ClaimQuery): Promise<ClaimEntry[]> {
  // What the fund owes (§3 owed): never what another payer already paid.
  const settled = await settledQuery(db, q)
    .select(['settlements.id', 'settlements.hospital_code', 'settlements.discharged', 'settlement_funds.fund', (eb) => eb.fn.coalesce('settlement_funds.owed_fen', 'settlement_funds.amount_fen').as('amount_fen')])
    .execute();
  return settled.map((r) => ({ kind: 'settlement' as const, hospitalCode: r.hospital_code, date: r.discharged, fund: r.fund, amountFen: BigInt(r.amount_fen), settlementId: r.id }));
}

/** Reversals and adjustments, in the month they happened. */
async function laterEntries(db: Kysely<Database>, q: ClaimQuery): Promise<ClaimEntry[]> {
  // Who the funds pay (an office settlement may pay the patient): receivables are the hospitals', the payment list the patients'.
  const payee = q.payee;
  const out: ClaimEntry[] = [];
  const w = widened(q);
  // Reversals, in their own month: what the settlement stood at then (its funds and earlier adjustments), negated.
  const reversed = await db
    .selectFrom('settlements')
    .select(['id', 'hospital_code', 'reversed_at', 'reversed_version'])
    .where('status', '=', 'reversed')
    .$if(!!w.from, (b) => b.where('reversed_at', '>=', w.from!))
    .$if(!!w.to, (b) => b.where('reversed_at', '<', w.to!))
    .$if(!!q.hospital, (b) => b.where('hospital_code', '=', q.hospital!))
    .$if(payee === 'patient', (b) => b.where('payee', '=', 'patient'))
    .$if(payee === 'hospital', (b) => b.where((eb) => eb.or([eb('payee', 'is', null), eb('payee', '=', 'hospital')])))
    .execute();
  const inPeriod = reversed.filter((r) => r.reversed_at && within(beijingDate(r.reversed_at), q));
  for (let i = 0; i < inPeriod.length; i += 500) {
    const chunk = inPeriod.slice(i, i + 500);
    const ids = chunk.map((r) => r.id);
    const funds = await db
      .selectFrom('settlement_funds')
      .select(['settlement_id', 'fund', (eb) => eb.fn.coalesce('owed_fen', 'amount_fen').as('amount_fen')])
      .where('settlement_id', 'in', ids)
      .execute();
    const adjusted = await db
      .selectFrom('adjustment_funds')
      .innerJoin('adjustments', 'adjustments.id', 'adjustment_funds.adjustment_id')
      .select(['adjustments.settlement_id', 'adjustments.ledger_version', 'adjustment_funds.fund', 'adjustment_funds.amount_fen'])
      .where('adjustments.settlement_id', 'in', ids)
      .execute();
    const byId = new Map(chunk.map((r) => [r.id, r]));
    const stood = new Map<string, Map<string, bigint>>();
    const add = (id: string, fund: string, fen: bigint) => {
      const m = stood.get(id) ?? new Map<string, bigint>();
      m.set(fund, (m.get(fund) ?? 0n) + fen);
      stood.set(id, m);
    };
    for (const f of funds) add(f.settlement_id, f.fund, BigInt(f.amount_fen));
    for (const a of adjusted) {
      const r = byId.get(a.settlement_id)!;
      if (r.reversed_version === null || Number(a.ledger_version) < Number(r.reversed_version)) add(a.settlement_id, a.fund, BigInt(a.amount_fen));
    }
    for (const r of chunk) {
      for (const [fund, fen] of stood.get(r.id) ?? []) out.push({ kind: 'reversal', hospitalCode: r.hospital_code, date: beijingDate(r.reversed_at!), fund, amountFen: -fen, settlementId: r.id });
    }
  }

  // Adjustments, in the month of the reversal that made them, for the hospital of the corrected settlement.
  const adjustments = await db
    .selectFrom('adjustment_funds')
    .innerJoin('adjustments', 'adjustments.id', 'adjustment_funds.adjustment_id')
    .innerJoin('settlements', 'settlements.id', 'adjustments.settlement_id')
    .select(['adjustments.id', 'adjustments.settlement_id', 'adjustments.created_at', 'settlements.hospital_code', 'adjustment_funds.fund', 'adjustment_funds.amount_fen'])
    .$if(!!w.from, (b) => b.where('adjustments.created_at', '>=', w.from!))
    .$if(!!w.to, (b) => b.where('adjustments.created_at', '<', w.to!))
    .$if(!!q.hospital, (b) => b.where('settlements.hospital_code', '=', q.hospital!))
    .$if(payee === 'patient', (b) => b.where('settlements.payee', '=', 'patient'))
    .$if(payee === 'hospital', (b) => b.where((eb) => eb.or([eb('settlements.payee', 'is', null), eb('settlements.payee', '=', 'hospital')])))
    .execute();
  for (const a of adjustments) {
    const date = beijingDate(a.created_at);
    if (within(date, q)) out.push({ kind: 'adjustment', hospitalCode: a.hospital_code, date, fund: a.fund, amountFen: BigInt(a.amount_fen), settlementId: a.settlement_id, adjustmentId: a.id });
  }
  return out;
}
