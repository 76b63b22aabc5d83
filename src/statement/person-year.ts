/**
 * 年度结算汇总, a person's year (what the NHSA 5206 query answers): every settlement, reversal and
 * adjustment (应补应退) of the year in the order the person's ledger recorded them, each with what it
 * moved per fund, for the patient and per accumulator, and the running year-to-date after it; then the
 * totals per fund as the year now stands, and the patient's 应补 / 应退.
 *
 * Running year-to-date: a settlement adds what it recorded; a reversal takes back what the settlement
 * stood at; an adjustment adds its differences. After the last entry it is the person's ledger (the
 * statement says whether it agrees). Totals: the sum of every entry, which is what the unreversed
 * settlements stand at (a reversal takes back its settlement with its adjustments).
 *
 * Pure: built from the rows of ../settle/person-year.ts.
 */
import { accumulatorsFromJson, accumulatorsToJson, addDeltas, type AccumulatorDeltas, type AccumulatorsJson, type MutableAccumulators } from '../engine/accumulators.js';
import type { SettlementJson } from '../engine/result.js';
import { FUND_ORDER } from '../labels/labels.js';
import { formatUnits, parseUnits } from '../money/text.js';
import { fromFen, type Units } from '../money/units.js';
import { maskIdNumber } from '../register/mask.js';
import { patientDirection, type PatientDirection } from '../settle/adjustments.js';
import type { AdjustmentRow, PersonYear } from '../settle/person-year.js';
import { deltasFromJson, figuresOfResult, standingResultJson } from '../settle/standing.js';

export type EntryKind = 'settlement' | 'reversal' | 'adjustment';

export interface StatementEntry {
  /** 1, 2, 3 … in ledger order. */
  seq: number;
  kind: EntryKind;
  /** The ledger version it wrote (a reversal and its adjustments share one). */
  ledgerVersion: number | null;
  at: string;
  settlementId: string;
  /** Adjustments: its id, and the settlement whose reversal made it. */
  adjustmentId?: string;
  reversalOf?: string;
  billNo: string;
  hospital: { code: string; name: string };
  visit: { type: string; admitted: string; discharged: string };
  /** The bill's total (a reversal: its negation; an adjustment: 0.00). */
  total: string;
  /** What the entry moved, per fund (signed). */
  funds: Record<string, string>;
  fundPaysTotal: string;
  patientPays: string;
  /** An adjustment's (or a reversal's) 应补 / 应退 for the patient. */
  patient?: PatientDirection;
  /** What the entry moved in each accumulator (signed). */
  accumulators: AccumulatorsJson;
  /** The year-to-date after it. */
  yearToDate: AccumulatorsJson;
  /** Reason given for a reversal. */
  reason?: string | null;
}

export interface PersonYearStatement {
  person: { id: string; name: string; idNumber: string };
  year: number;
  entries: StatementEntry[];
  totals: {
    settlements: number;
    reversed: number;
    adjustments: number;
    /** Medical cost of the unreversed settlements. */
    total: string;
    funds: Record<string, string>;
    fundPaysTotal: string;
    patientPays: string;
    /** The patient's differences from adjustments of unreversed settlements: 应补 (to pay), 应退 (refunded), net. */
    patientAdjustments: { owes: string; refund: string; net: string; direction: PatientDirection };
  };
  /** The running year-to-date after the last entry. */
  yearToDate: AccumulatorsJson;
  /** The person's ledger row as stored, and whether the running year-to-date agrees with it. */
  ledger: { version: number | null; agrees: boolean };
}

const fundRank = (f: string) => (FUND_ORDER.includes(f) ? FUND_ORDER.indexOf(f) : FUND_ORDER.length);
const byFund = (m: Map<string, Units>) => Object.fromEntries([...m.entries()].sort(([a], [b]) => fundRank(a) - fundRank(b) || a.localeCompare(b)).map(([f, v]) => [f, formatUnits(v)]));

function copyOf(ytd: MutableAccumulators): AccumulatorsJson {
  return accumulatorsToJson(ytd);
}

function negate(d: AccumulatorDeltas): AccumulatorDeltas {
  const out: AccumulatorDeltas = {};
  for (const [k, fields] of Object.entries(d)) out[k] = Object.fromEntries(Object.entries(fields).map(([f, v]) => [f, -(v as Units)]));
  return out;
}

/** Same values, absent = 0. */
function sameYear(a: AccumulatorsJson, b: AccumulatorsJson): boolean {
  const flat = (x: AccumulatorsJson) => {
    const out = new Map<string, Units>();
    for (const [k, fields] of Object.entries(x)) for (const [f, v] of Object.entries(fields)) if (v !== undefined && parseUnits(v) !== 0n) out.set(`${k}.${f}`, parseUnits(v));
    return out;
  };
  const fa = flat(a);
  const fb = flat(b);
  return fa.size === fb.size && [...fa].every(([k, v]) => fb.get(k) === v);
}

export function personYearStatement(input: {
  py: PersonYear;
  person: { id: string; name: string; id_number: string };
  hospitals: ReadonlyMap<string, string>;
  ledger: { accumulators_json: string; version: number } | undefined;
}): PersonYearStatement {
  const { py } = input;
  const byId = new Map(py.settlements.map((s) => [s.id, s]));
  type Pending = { version: number; rank: number; place: number; make: () => Omit<StatementEntry, 'seq' | 'yearToDate'> & { deltas: AccumulatorDeltas; moved: Map<string, Units>; patientUnits: Units } };
  const pending: Pending[] = [];
  const place = new Map(py.settlements.map((s, i) => [s.id, i]));
  const about = (s: (typeof py.settlements)[number]) => ({
    settlementId: s.id,
    billNo: s.bill_no,
    hospital: { code: s.hospital_code, name: input.hospitals.get(s.hospital_code) ?? s.hospital_code },
    visit: { type: s.visit_type, admitted: s.admitted, discharged: s.discharged },
  });
  const moneyOf = (funds: Record<string, Units>, sign: 1n | -1n) => new Map(Object.entries(funds).map(([f, v]) => [f, v * sign]));

  for (const s of py.settlements) {
    pending.push({
      version: s.ledger_version,
      rank: 0,
      place: place.get(s.id)!,
      make: () => {
        const r = JSON.parse(s.result_json) as SettlementJson;
        const fig = figuresOfResult(r);
        return {
          kind: 'settlement',
          ledgerVersion: s.ledger_version,
          at: s.created_at,
          ...about(s),
          total: r.total,
          funds: byFund(moneyOf(fig.funds, 1n)),
          fundPaysTotal: r.fundPaysTotal,
          patientPays: r.patientPays,
          accumulators: accumulatorsToJson(fig.changes),
          deltas: fig.changes,
          moved: moneyOf(fig.funds, 1n),
          patientUnits: fig.patientPays,
        };
      },
    });
    if (s.status === 'reversed') {
      const version = s.reversed_version ?? Number.MAX_SAFE_INTEGER;
      pending.push({
        version,
        rank: 1,
        place: place.get(s.id)!,
        make: () => {
          // What the reversal took back: the settlement as it stood then (adjustments written before it).
          const stood = figuresOfResult(JSON.parse(standingResultJson(s, py.adjustments, version - 1)) as SettlementJson);
          const moved = moneyOf(stood.funds, -1n);
          return {
            kind: 'reversal',
            ledgerVersion: s.reversed_version,
            at: s.reversed_at ?? s.created_at,
            ...about(s),
            total: formatUnits(-stood.total),
            funds: byFund(moved),
            fundPaysTotal: formatUnits(-stood.fundPaysTotal),
            patientPays: formatUnits(-stood.patientPays),
            accumulators: accumulatorsToJson(negate(stood.changes)),
            reason: s.reversal_reason,
            deltas: negate(stood.changes),
            moved,
            patientUnits: -stood.patientPays,
          };
        },
      });
    }
  }
  for (const a of py.adjustments) {
    const s = byId.get(a.settlement_id);
    if (!s) continue;
    pending.push({
      version: a.ledger_version,
      rank: 2,
      place: place.get(s.id)!,
      make: () => {
        const moved = new Map(a.funds.map((f) => [f.fund, fromFen(f.amount_fen)]));
        const deltas = deltasFromJson(JSON.parse(a.changes_json) as AccumulatorsJson);
        return {
          kind: 'adjustment',
          ledgerVersion: a.ledger_version,
          at: a.created_at,
          ...about(s),
          adjustmentId: a.id,
          reversalOf: a.reversal_of,
          total: '0.00',
          funds: byFund(moved),
          fundPaysTotal: formatUnits(fromFen(a.fund_delta_fen)),
          patientPays: formatUnits(fromFen(a.patient_delta_fen)),
          patient: patientDirection(a.patient_delta_fen),
          accumulators: JSON.parse(a.changes_json) as AccumulatorsJson,
          deltas,
          moved,
          patientUnits: fromFen(a.patient_delta_fen),
        };
      },
    });
  }
  pending.sort((x, y) => x.version - y.version || x.rank - y.rank || x.place - y.place);

  const ytd: MutableAccumulators = {};
  const funds = new Map<string, Units>();
  let patient = 0n;
  const entries: StatementEntry[] = pending.map((p, i) => {
    const { deltas, moved, patientUnits, ...entry } = p.make();
    addDeltas(ytd, deltas);
    for (const [f, v] of moved) funds.set(f, (funds.get(f) ?? 0n) + v);
    patient += patientUnits;
    return { seq: i + 1, ...entry, yearToDate: copyOf(ytd) };
  });

  const live = py.settlements.filter((s) => s.status === 'settled');
  const liveIds = new Set(live.map((s) => s.id));
  const liveAdjustments: AdjustmentRow[] = py.adjustments.filter((a) => liveIds.has(a.settlement_id));
  let owes = 0n;
  let refund = 0n;
  for (const a of liveAdjustments) {
    if (a.patient_delta_fen > 0) owes += fromFen(a.patient_delta_fen);
    else refund += fromFen(-a.patient_delta_fen);
  }
  const total = live.reduce((sum, s) => sum + fromFen(s.total_fen), 0n);
  const fundPays = [...funds.values()].reduce((a, b) => a + b, 0n);
  const yearToDate = copyOf(ytd);
  const stored = input.ledger ? (JSON.parse(input.ledger.accumulators_json) as AccumulatorsJson) : {};
  return {
    person: { id: input.person.id, name: input.person.name, idNumber: maskIdNumber(input.person.id_number) },
    year: py.year,
    entries,
    totals: {
      settlements: py.settlements.length,
      reversed: py.settlements.length - live.length,
      adjustments: py.adjustments.length,
      total: formatUnits(total),
      funds: byFund(funds),
      fundPaysTotal: formatUnits(fundPays),
      patientPays: formatUnits(patient),
      patientAdjustments: { owes: formatUnits(owes), refund: formatUnits(refund), net: formatUnits(owes - refund), direction: patientDirection(owes - refund > 0n ? 1 : owes - refund < 0n ? -1 : 0) },
    },
    yearToDate,
    ledger: { version: input.ledger ? Number(input.ledger.version) : null, agrees: sameYear(yearToDate, accumulatorsToJson(accumulatorsFromJson(stored))) },
  };
}
