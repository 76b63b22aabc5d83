/**
 * A person's year as the store holds it: every settlement (settled or reversed), in the order the
 * person's ledger recorded them (SETTLEMENT.md §4: the ledger's version, not a clock), and every
 * adjustment a reversal made, with its per-fund differences. What a reversal re-adjudicates, what the
 * person-year statement (年度结算汇总) lists and what the audit's chain recomputes.
 */
import type { Kysely } from 'kysely';
import type { AdjustmentTable, Database, SettlementTable } from '../store/schema.js';

export interface AdjustmentRow extends AdjustmentTable {
  /** Its per-fund differences, fen (only funds that changed). */
  funds: { fund: string; amount_fen: number }[];
}

export interface PersonYear {
  personId: string;
  year: number;
  /** In ledger order. */
  settlements: SettlementTable[];
  /** In ledger order: by the version their reversal wrote, then by their settlement's place. */
  adjustments: AdjustmentRow[];
}

/** Ledger order of settlements: by the version each wrote (ids apart only rows numbered alike before migration 006). */
export function byLedgerOrder(a: Pick<SettlementTable, 'ledger_version' | 'id'>, b: Pick<SettlementTable, 'ledger_version' | 'id'>): number {
  return Number(a.ledger_version) - Number(b.ledger_version) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export async function readPersonYear(db: Kysely<Database>, personId: string, year: number): Promise<PersonYear> {
  const settlements = await db.selectFrom('settlements').selectAll().where('person_id', '=', personId).where('year', '=', year).execute();
  const adjustments = await db.selectFrom('adjustments').selectAll().where('person_id', '=', personId).where('year', '=', year).execute();
  const funds = adjustments.length
    ? await db
        .selectFrom('adjustment_funds')
        .innerJoin('adjustments', 'adjustments.id', 'adjustment_funds.adjustment_id')
        .select(['adjustment_funds.adjustment_id', 'adjustment_funds.fund', 'adjustment_funds.amount_fen'])
        .where('adjustments.person_id', '=', personId)
        .where('adjustments.year', '=', year)
        .execute()
    : [];
  return assemble(personId, year, settlements, adjustments, funds);
}

/** The adjustments of some settlements (one settlement's, for its view). */
export async function readAdjustmentsOf(db: Kysely<Database>, settlementIds: readonly string[]): Promise<AdjustmentRow[]> {
  if (settlementIds.length === 0) return [];
  const adjustments = await db.selectFrom('adjustments').selectAll().where('settlement_id', 'in', settlementIds).orderBy('ledger_version').execute();
  const funds = adjustments.length
    ? await db
        .selectFrom('adjustment_funds')
        .select(['adjustment_id', 'fund', 'amount_fen'])
        .where(
          'adjustment_id',
          'in',
          adjustments.map((a) => a.id),
        )
        .execute()
    : [];
  return withFunds(adjustments, funds);
}

function withFunds(adjustments: AdjustmentTable[], funds: { adjustment_id: string; fund: string; amount_fen: number }[]): AdjustmentRow[] {
  const byId = new Map<string, { fund: string; amount_fen: number }[]>();
  for (const f of funds) {
    const list = byId.get(f.adjustment_id) ?? [];
    list.push({ fund: f.fund, amount_fen: Number(f.amount_fen) });
    byId.set(f.adjustment_id, list);
  }
  return adjustments.map((a) => ({
    ...a,
    ledger_version: Number(a.ledger_version),
    year: Number(a.year),
    fund_delta_fen: Number(a.fund_delta_fen),
    patient_delta_fen: Number(a.patient_delta_fen),
    funds: (byId.get(a.id) ?? []).sort((x, y) => (x.fund < y.fund ? -1 : 1)),
  }));
}

/** Rows as read, put in ledger order (numbers as numbers, whatever the driver gave). */
export function assemble(
  personId: string,
  year: number,
  settlements: SettlementTable[],
  adjustments: AdjustmentTable[],
  funds: { adjustment_id: string; fund: string; amount_fen: number }[],
): PersonYear {
  const rows = settlements
    .map((s) => ({ ...s, ledger_version: Number(s.ledger_version), reversed_version: s.reversed_version === null ? null : Number(s.reversed_version), year: Number(s.year) }))
    .sort(byLedgerOrder);
  const place = new Map(rows.map((s, i) => [s.id, i]));
  const adj = withFunds(adjustments, funds).sort((a, b) => a.ledger_version - b.ledger_version || (place.get(a.settlement_id) ?? 0) - (place.get(b.settlement_id) ?? 0));
  return { personId, year, settlements: rows, adjustments: adj };
}

/**
 * The newest ledger version the rows show: a settlement's, a reversal's or an adjustment's. Rows read
 * after the ledger hold everything up to the ledger's version; when they show a newer one, another write
 * committed between the two reads and they must be read again with the ledger.
 */
export function newestVersion(py: PersonYear): number {
  let v = 0;
  for (const s of py.settlements) v = Math.max(v, s.ledger_version, s.reversed_version ?? 0);
  for (const a of py.adjustments) v = Math.max(v, a.ledger_version);
  return v;
}
