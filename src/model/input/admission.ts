/**
 * A flat admission row (a CSV record or a JSON object with the columns below) → the engine's `Bill`.
 *
 * | column | required | meaning |
 * | --- | --- | --- |
 * | person | yes | insured person's id: year-to-date totals are carried per person |
 * | population | yes | poverty, resident… (several separated by `|`) |
 * | tier | yes | hospital tier: township, county, league, province, outOfProvince |
 * | discharged | yes | discharge date YYYY-MM-DD: chooses the year and the month |
 * | visitType | no (inpatient) | inpatient, chronicOutpatient… |
 * | admitted | no (= discharged) | admission date |
 * | billNo | no (L + line) | bill number, for error messages |
 * | hospital | no | hospital code |
 * | outOfCatalog, overLimit, preSelfPay, inPolicy | one of the two | the four buckets (yuan) |
 * | total, outOfCatalogShare, overLimitShare, preSelfPayShare | | total (yuan) and the class mix (0..1; a missing share is 0) |
 * | diagnoses | no | ICD-10 codes, the principal diagnosis first, separated by `|` (`I63.900|I10.x00`): for steps with `when.diagnoses` (§3) |
 * | paidElsewhere | no | payouts another payer already made (§3), `step:payout` or `step:payout:deductible`, several separated by `|` (`basic:8200.00:600.00`) |
 *
 * Amounts are read exactly, straight into the engine's Units (money/text.ts), never through a float.
 */
import { DIAGNOSIS_CODE, DIAGNOSIS_CODE_MESSAGE, STEP_ID, STEP_ID_MESSAGE, VISIT_TYPE, VISIT_TYPE_MESSAGE } from '../../bill/schema.js';
import type { Bill, Buckets, PaidElsewhere } from '../../engine/types.js';
import { InputLineError, type LineProblem } from '../../formats/line-error.js';
import { isIsoDate } from '../../formats/iso-date.js';
import { fenHalfUp } from '../../money/rounding.js';
import { MoneyFormatError, readAmount, readDecimal } from '../../money/text.js';
import { RATIO_DIGITS, RATIO_ONE, min, type Ratio, type Units } from '../../money/units.js';

export const BUCKET_COLUMNS = ['outOfCatalog', 'overLimit', 'preSelfPay', 'inPolicy'] as const;
export const SHARE_COLUMNS = ['outOfCatalogShare', 'overLimitShare', 'preSelfPayShare'] as const;
export const REQUIRED_COLUMNS = ['person', 'population', 'tier', 'discharged'] as const;
const OPTIONAL_COLUMNS = ['visitType', 'admitted', 'billNo', 'hospital', 'total', 'diagnoses', 'paidElsewhere'] as const;
export const KNOWN_COLUMNS = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS, ...BUCKET_COLUMNS, ...SHARE_COLUMNS];
export type Column = (typeof KNOWN_COLUMNS)[number];

export interface ModelRow {
  line: number;
  bill: Bill;
  /** Integer millionths (./weights.ts); UNIT_WEIGHT when no weight column is used. */
  weight: number;
  /** The discharge date as the number YYYYMMDD. */
  date: number;
}

/** A column's raw text, or undefined when the row has no such column. */
export type Get = (name: string) => string | undefined;

const validVisitTypes = new Set<string>();
/** Whether `s` is a visit type code (bill/schema.ts), remembering the few a file has. */
export function isVisitType(s: string): boolean {
  if (validVisitTypes.has(s)) return true;
  const ok = VISIT_TYPE.test(s);
  if (ok && validVisitTypes.size < 1000) validVisitTypes.add(s);
  return ok;
}

/** The population column's list ("poverty|resident"): a few distinct texts, each split once. Never mutated. */
const populationLists = new Map<string, readonly string[]>();
export function populationsOf(text: string): readonly string[] {
  let list = populationLists.get(text);
  if (!list) {
    list = text.split(/[|;]/).map((p) => p.trim()).filter(Boolean);
    if (populationLists.size < 1000) populationLists.set(text, list);
  }
  return list;
}

/**
 * The diagnoses column's codes ("I63.900|I10.x00", principal first), or a problem. A year has few
 * distinct texts: each is read once. Never mutated.
 */
const diagnosisLists = new Map<string, readonly string[] | LineProblem>();
export function diagnosesOf(text: string): readonly string[] | LineProblem {
  let v = diagnosisLists.get(text);
  if (!v) {
    const codes = text.split(/[|;]/).map((c) => c.trim());
    const bad = codes.find((c) => !DIAGNOSIS_CODE.test(c));
    v = bad !== undefined ? { path: 'diagnoses', message: `${DIAGNOSIS_CODE_MESSAGE}（收到 "${bad}"）` } : codes;
    if (diagnosisLists.size < 10_000) diagnosisLists.set(text, v);
  }
  return v;
}

/** The paidElsewhere column ("basic:8200.00:600.00|serious:100.00"), each problem named. */
function paidElsewhereOf(text: string, problems: LineProblem[]): Record<string, PaidElsewhere> | undefined {
  const out: Record<string, PaidElsewhere> = {};
  for (const part of text.split('|').map((p) => p.trim())) {
    const [id = '', payout, deductible, ...rest] = part.split(':').map((x) => x.trim());
    if (!STEP_ID.test(id) || payout === undefined || rest.length) {
      problems.push({ path: 'paidElsewhere', message: `应写为 步骤:已付金额 或 步骤:已付金额:起付线，如 "basic:8200.00:600.00"（收到 "${part}"）${STEP_ID.test(id) ? '' : `；步骤 ${STEP_ID_MESSAGE}`}` });
      continue;
    }
    if (id in out) {
      problems.push({ path: `paidElsewhere.${id}`, message: `步骤 ${id} 写了两次` });
      continue;
    }
    try {
      out[id] = { payout: readAmount(payout), deductible: deductible ? readAmount(deductible) : 0n };
    } catch (e) {
      problems.push({ path: `paidElsewhere.${id}`, message: e instanceof MoneyFormatError ? e.message : String(e) });
    }
  }
  return Object.keys(out).length ? out : undefined;
}

/** A class-mix share: a plain decimal from 0 to 1 (at most 8 places), as a Ratio. */
function parseShare(v: string): Ratio {
  return readDecimal(v, { scale: RATIO_DIGITS, min: '0', max: '1' });
}

/** A flat admission row → the engine's bill. Problems are collected, so one error names every bad column. */
export function billFromRow(get: Get, line: number, amounts: 'buckets' | 'total'): Bill {
  const problems: LineProblem[] = [];
  const text = (name: string, required: boolean): string | undefined => {
    const v = get(name)?.trim();
    if (!v) {
      if (required) problems.push({ path: name, message: '不能为空' });
      return undefined;
    }
    return v;
  };
  const money = (name: string): Units => {
    const v = get(name)?.trim();
    if (!v) {
      problems.push({ path: name, message: '不能为空' });
      return 0n;
    }
    try {
      return readAmount(v);
    } catch (e) {
      problems.push({ path: name, message: e instanceof MoneyFormatError ? e.message : String(e) });
      return 0n;
    }
  };
  const share = (name: string): Ratio => {
    const v = get(name)?.trim();
    if (!v) return 0n;
    try {
      return parseShare(v);
    } catch (e) {
      problems.push({ path: name, message: e instanceof MoneyFormatError ? e.message : String(e) });
      return 0n;
    }
  };

  const billNo = text('billNo', false) ?? `L${line}`;
  const person = text('person', true);
  const populationText = text('population', true);
  const tier = text('tier', true);
  const visitType = text('visitType', false) ?? 'inpatient';
  const discharged = text('discharged', true);
  const admittedGiven = text('admitted', false);
  const admitted = admittedGiven ?? discharged;
  if (discharged && !isIsoDate(discharged)) problems.push({ path: 'discharged', message: `不是有效日期（应为 YYYY-MM-DD，收到 “${discharged}”）` });
  if (admittedGiven && !isIsoDate(admittedGiven)) problems.push({ path: 'admitted', message: `不是有效日期（应为 YYYY-MM-DD，收到 “${admittedGiven}”）` });
  if (admitted && discharged && admitted > discharged) problems.push({ path: 'admitted', message: '入院日期不能晚于出院日期' });
  if (!isVisitType(visitType)) problems.push({ path: 'visitType', message: VISIT_TYPE_MESSAGE });

  let buckets: Buckets;
  if (amounts === 'buckets') {
    buckets = { outOfCatalog: money('outOfCatalog'), overLimit: money('overLimit'), preSelfPay: money('preSelfPay'), inPolicy: money('inPolicy') };
  } else {
    const total = money('total');
    const [oc, ol, ps] = SHARE_COLUMNS.map(share) as [Ratio, Ratio, Ratio];
    if (oc + ol + ps > RATIO_ONE) problems.push({ path: 'outOfCatalogShare', message: '三类自费构成比例之和超过 1' });
    // Each share is rounded half-up to the fen, as an item's bucket share is (§2), and never more than
    // what is left of the total; in-policy is the rest, so the four buckets always add up to the total.
    let left = total;
    const take = (s: Ratio) => {
      const part = min(fenHalfUp(total * s), left);
      left -= part;
      return part;
    };
    const outOfCatalog = take(oc);
    const overLimit = take(ol);
    const preSelfPay = take(ps);
    buckets = { outOfCatalog, overLimit, preSelfPay, inPolicy: left };
  }
  const diagnosesText = text('diagnoses', false);
  const diagnoses = diagnosesText ? diagnosesOf(diagnosesText) : undefined;
  if (diagnoses && !Array.isArray(diagnoses)) problems.push(diagnoses as LineProblem);
  const paidElsewhereText = text('paidElsewhere', false);
  const paidElsewhere = paidElsewhereText ? paidElsewhereOf(paidElsewhereText, problems) : undefined;
  if (problems.length) throw new InputLineError(line, billNo, problems);
  return {
    billNo,
    hospital: { code: text('hospital', false) ?? '-', tier: tier! },
    person: { id: person!, populations: populationsOf(populationText!) },
    visit: { type: visitType, admitted: admitted!, discharged: discharged! },
    buckets,
    ...(diagnoses ? { diagnoses: diagnoses as readonly string[] } : {}),
    ...(paidElsewhere ? { paidElsewhere } : {}),
  };
}
