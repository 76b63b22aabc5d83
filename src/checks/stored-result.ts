/**
 * A stored settlement's money, read exactly for the checks: its money columns and per-fund rows (whole
 * fen) and the amounts of its stored result (result_json, decimal text). The result is read without
 * trusting its shape, since the checks exist for records that were edited: a value that is missing or is
 * not decimal text reads as null, and the check that needs it reports it.
 */
import { parseUnits } from '../money/text.js';
import { fromFen, type Units } from '../money/units.js';

/** The money of a settlements row and its settlement_funds rows. */
export interface StoredMoney {
  total: Units;
  fundPays: Units;
  patientPays: Units;
  /** settlement_funds, by fund, in the order read. */
  fundRows: ReadonlyMap<string, Units>;
}

export function storedMoney(row: { total_fen: number; fund_pays_fen: number; patient_pays_fen: number }, fundRows: ReadonlyMap<string, Units>): StoredMoney {
  return { total: fromFen(row.total_fen), fundPays: fromFen(row.fund_pays_fen), patientPays: fromFen(row.patient_pays_fen), fundRows };
}

/** One step of a stored result, as far as the checks need it. */
export interface StepMoney {
  id: string;
  fund: string;
  payout: Units | null;
  capRoom: Units | null;
  /**
   * Whether `capRoom` is the patient's room under an out-of-pocket cap (the step result carries
   * `outOfPocket`) rather than what the step's own caps left it (SETTLEMENT.md §5).
   */
  patientRoom: boolean;
}

/** The amounts of a stored result; null where the value is missing or not decimal text. */
export interface ResultMoney {
  total: Units | null;
  fundPaysTotal: Units | null;
  patientPays: Units | null;
  /** `funds`, in the order the result lists them. */
  funds: ReadonlyMap<string, Units | null>;
  /** outOfCatalog, overLimit, preSelfPay, inPolicy; null when `buckets` is missing. */
  buckets: readonly (Units | null)[] | null;
  steps: readonly StepMoney[];
}

/** An amount written by the program (decimal text, or a JSON number), exactly; null if it is not one. */
export function amountOf(v: unknown): Units | null {
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  try {
    return parseUnits(typeof v === 'number' ? String(v) : v);
  } catch {
    return null;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export function resultMoney(result: unknown): ResultMoney {
  const r = isObject(result) ? result : {};
  const funds = new Map<string, Units | null>();
  if (isObject(r.funds)) for (const [f, v] of Object.entries(r.funds)) funds.set(f, amountOf(v));
  const b = r.buckets;
  const steps = Array.isArray(r.steps) ? r.steps : [];
  return {
    total: amountOf(r.total),
    fundPaysTotal: amountOf(r.fundPaysTotal),
    patientPays: amountOf(r.patientPays),
    funds,
    buckets: isObject(b) ? [b.outOfCatalog, b.overLimit, b.preSelfPay, b.inPolicy].map(amountOf) : null,
    steps: steps.map((s: unknown) => {
      const st = isObject(s) ? s : {};
      return {
        id: String(st.id),
        fund: String(st.fund),
        payout: amountOf(st.payout),
        capRoom: amountOf(st.capRoom),
        patientRoom: st.outOfPocket !== undefined,
      };
    }),
  };
}
