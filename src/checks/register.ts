/**
 * A settlement against the register (issue 21): the memberships it recorded (settlements.eligibility_json)
 * must have been in force on its date as the register stood when it was settled; and when the register has
 * been corrected since (a later batch superseded a membership it used), that is a retroactive change,
 * reported with what the register says now. The settlement is never re-settled by this: the bureau decides.
 * Pure: the caller reads the person's memberships, every version of them.
 */
import { covers, type Eligibility } from '../register/in-force.js';

export interface MembershipVersion {
  population: string;
  from_date: string;
  to_date: string | null;
  batch_id: string;
  recorded_at: string;
  superseded_at: string | null;
  superseded_by: string | null;
}

export type RegisterFinding =
  | { kind: 'unreadable' }
  /** The pipeline's population is not among the memberships it recorded. */
  | { kind: 'population-not-recorded'; population: string }
  /** A recorded membership the register has no row of (deleted or never written). */
  | { kind: 'membership-missing'; population: string; from: string; batch: string }
  /** A recorded membership the register had not yet recorded, or had already replaced, when it was settled. */
  | { kind: 'not-standing-then'; population: string; from: string; batch: string; recordedAt: string; supersededAt: string | null }
  /** A recorded membership that did not cover the settlement's date. */
  | { kind: 'not-in-force'; population: string; from: string; to: string | null; date: string };

export interface RetroactiveChange {
  /** The populations the settlement used, and those in force on its date in the register as it stands now. */
  used: string[];
  now: string[];
  /** The batches that superseded what it used. */
  by: string[];
  /** Whether the populations on its date differ now (a different pipeline could apply). */
  changesPopulation: boolean;
}


export function checkAgainstRegister(
  settlement: { created_at: string; population: string; eligibility_json: string | null },
  versions: readonly MembershipVersion[],
): { findings: RegisterFinding[]; retroactive: RetroactiveChange | null } {
  if (settlement.eligibility_json === null) return { findings: [], retroactive: null };
  let e: Eligibility;
  try {
    e = JSON.parse(settlement.eligibility_json) as Eligibility;
    if (!Array.isArray(e.memberships) || typeof e.date !== 'string') throw new Error('shape');
  } catch {
    return { findings: [{ kind: 'unreadable' }], retroactive: null };
  }
  const findings: RegisterFinding[] = [];
  const at = settlement.created_at;
  if (!e.memberships.some((m) => m.population === settlement.population)) findings.push({ kind: 'population-not-recorded', population: settlement.population });
  const by = new Set<string>();
  for (const m of e.memberships) {
    const row = versions.find((v) => v.population === m.population && v.from_date === m.from && v.batch_id === m.batch);
    if (!row) {
      findings.push({ kind: 'membership-missing', population: m.population, from: m.from, batch: m.batch });
      continue;
    }
    if (row.recorded_at > at || (row.superseded_at !== null && row.superseded_at <= at)) {
      findings.push({ kind: 'not-standing-then', population: m.population, from: m.from, batch: m.batch, recordedAt: row.recorded_at, supersededAt: row.superseded_at });
    }
    if (!covers(row, e.date)) findings.push({ kind: 'not-in-force', population: m.population, from: row.from_date, to: row.to_date, date: e.date });
    if (row.superseded_at !== null && row.superseded_at > at) by.add(row.superseded_by ?? '');
  }
  const used = [...new Set(e.memberships.map((m) => m.population))].sort();
  const now = [...new Set(versions.filter((v) => v.superseded_at === null && covers(v, e.date)).map((v) => v.population))].sort();
  const changesPopulation = used.join() !== now.join();
  const retroactive = by.size || changesPopulation ? { used, now, by: [...by].sort(), changesPopulation } : null;
  return { findings, retroactive };
}
