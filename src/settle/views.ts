/**
 * A settlement as the API answers it: the stored row with its hospital and person (ID number masked),
 * and the result as stored.
 */
import type { SettlementJson } from '../engine/result.js';
import type { AdjustmentView } from './adjustments.js';
import { maskIdNumber } from '../register/mask.js';
import type { HospitalTable, PersonTable, SettlementTable } from '../store/schema.js';
import type { OfficeApplication, Payee } from './office-request.js';

export interface SettlementView {
  id: string;
  status: SettlementTable['status'];
  billNo: string;
  hospital: { code: string; name: string; tier: string; regionCode: string; regionName: string };
  person: { id: string; name: string; idNumber: string };
  visit: { type: string; admitted: string; discharged: string };
  rulesetId: string;
  rulesetHash: string;
  createdAt: string;
  reversedAt: string | null;
  reversalReason: string | null;
  result: SettlementJson;
  /** An office settlement (经办, issue 24): who is paid. Absent for a window's. */
  payee?: Payee;
  /** An office settlement: the application it was made on, as recorded. Absent for a window's. */
  application?: OfficeApplication;
  /**
   * An office settlement: whether the bill gave its items or only its four buckets (依申请救助 on what was
   * settled elsewhere), so that a slip says which. Absent for a window's (always items).
   */
  billForm?: 'items' | 'buckets';
  /**
   * Read one by one (GET /v1/settlements/{id}, a reversal's answer): every adjustment (应补应退) a
   * reversal of an earlier settlement of the person's year made to it, oldest first, and its figures as
   * they now stand: its latest adjustment's, or its own. For a reversed settlement, what the reversal
   * took back. Not on the answer to a posted bill.
   */
  adjustments?: AdjustmentView[];
  current?: CurrentFigures;
}

/** A settlement's money as it now stands. */
export interface CurrentFigures {
  funds: Record<string, string>;
  fundPaysTotal: string;
  patientPays: string;
  actualRatio: string;
  /** The adjustment these figures are from (null: as settled). */
  adjustmentId: string | null;
}

export type HospitalRef = Pick<HospitalTable, 'code' | 'name' | 'tier' | 'region_code' | 'region_name'>;
export type PersonRef = Pick<PersonTable, 'id' | 'name' | 'id_number'>;

const STORED = Symbol('stored');

/** What a view keeps of its stored row: the answer's fields, and the result as stored (parsed on first read). */
interface Stored {
  base: object;
  resultJson: string;
  parsed?: SettlementJson;
}

/**
 * A view's `result`: one getter shared by every view, reading the view's own {@link Stored}. Not a closure
 * per view: V8 keeps an accessor's functions in the object's hidden class, and a new function per object
 * made every view's row outlive every young-generation collection (benchmarks/history/).
 */
const RESULT_PROPERTY: PropertyDescriptor = {
  enumerable: true,
  get(this: { [STORED]: Stored }) {
    const stored = this[STORED];
    return (stored.parsed ??= JSON.parse(stored.resultJson) as SettlementJson);
  },
};

export function settlementView(row: SettlementTable, hospital: HospitalRef, person: PersonRef): SettlementView {
  const base = {
    id: row.id,
    status: row.status,
    billNo: row.bill_no,
    hospital: { code: hospital.code, name: hospital.name, tier: hospital.tier, regionCode: hospital.region_code, regionName: hospital.region_name },
    person: { id: person.id, name: person.name, idNumber: maskIdNumber(person.id_number) },
    visit: { type: row.visit_type, admitted: row.admitted, discharged: row.discharged },
    rulesetId: row.ruleset_id,
    rulesetHash: row.ruleset_hash,
    createdAt: row.created_at,
    reversedAt: row.reversed_at,
    reversalReason: row.reversal_reason,
    ...(row.channel === 'office' ? officeFields(row) : {}),
  };
  // The stored result is JSON already: it is parsed only when someone reads it, and the answer
  // (settlementBody) writes the stored text as it is.
  const view = { ...base } as SettlementView;
  Object.defineProperty(view, STORED, { enumerable: false, value: { base, resultJson: row.result_json } satisfies Stored });
  Object.defineProperty(view, 'result', RESULT_PROPERTY);
  return view;
}

/** What an office settlement's row adds to its view: the payee, the application, the bill's form. */
function officeFields(row: SettlementTable): Pick<SettlementView, 'payee' | 'application' | 'billForm'> {
  const bill = JSON.parse(row.bill_json) as { buckets?: unknown };
  return {
    ...(row.payee ? { payee: row.payee } : {}),
    ...(row.application_json ? { application: JSON.parse(row.application_json) as OfficeApplication } : {}),
    billForm: bill.buckets !== undefined ? 'buckets' : 'items',
  };
}

/**
 * The JSON answer for a settlement view: what `JSON.stringify({ ...view, ...extra })` writes, with the
 * stored result text put in as it is rather than parsed and written again.
 */
export function settlementBody(view: SettlementView, extra: Record<string, unknown> = {}): string {
  const stored = (view as SettlementView & { [STORED]?: Stored })[STORED];
  if (stored === undefined) return JSON.stringify({ ...view, ...extra });
  const head = JSON.stringify(stored.base);
  const tail = JSON.stringify(extra);
  return `${head.slice(0, -1)},"result":${stored.resultJson}${tail === '{}' ? '}' : `,${tail.slice(1)}`}`;
}
