/**
 * What the register says on a date (SETTLEMENT.md §3): the memberships in force (from ≤ date ≤ to, both
 * inclusive, an open `to` for ever) and the hospital's tier. Pure: the rows are the register's current
 * ones (or, for the audit, the ones that stood at a given time).
 */

import { withinDates } from '../formats/iso-date.js';

export interface MembershipPeriod {
  population: string;
  from_date: string;
  to_date: string | null;
  batch_id: string;
}

export interface TierPeriod {
  tier: string;
  from_date: string;
  to_date: string | null;
  batch_id: string;
}

/** Whether a register period (a membership, a tier) covers the date. */
export const covers = (p: { from_date: string; to_date: string | null }, date: string) => withinDates(p.from_date, p.to_date, date);

/** The memberships in force on `date`, in the order given (at most one per population, as imports keep them apart). */
export function membershipsInForce<M extends MembershipPeriod>(rows: readonly M[], date: string): M[] {
  return rows.filter((m) => covers(m, date));
}

/** The hospital's tier on `date`, or undefined when no period covers it. */
export function tierInForce<T extends TierPeriod>(rows: readonly T[], date: string): T | undefined {
  return rows.find((t) => covers(t, date));
}

/** What a settlement used of the register, as stored with it (settlements.eligibility_json). */
export interface Eligibility {
  /** The date the memberships and tier were taken on, and which date of the visit it is. */
  date: string;
  on: 'admitted' | 'discharged';
  memberships: { population: string; from: string; to: string | null; batch: string }[];
  tier: { tier: string; from: string; to: string | null; batch: string } | null;
}

export function eligibilityRecord(date: string, on: Eligibility['on'], memberships: readonly MembershipPeriod[], tier: TierPeriod | undefined): Eligibility {
  return {
    date,
    on,
    memberships: memberships.map((m) => ({ population: m.population, from: m.from_date, to: m.to_date, batch: m.batch_id })),
    tier: tier ? { tier: tier.tier, from: tier.from_date, to: tier.to_date, batch: tier.batch_id } : null,
  };
}
