/**
 * A person as the register holds them, for GET /v1/people/{id} and the window's lookup: details (the ID
 * number masked), the memberships that stand, those a later batch replaced (with when and by which), and
 * what is in force on given dates (a visit's admission and discharge).
 */
import type { Store } from '../store/port.js';
import { membershipsInForce } from './in-force.js';
import { maskIdNumber } from './mask.js';

export interface MembershipView {
  population: string;
  from: string;
  /** Inclusive; null = open. */
  to: string | null;
  batch: string;
  recordedAt: string;
  supersededAt: string | null;
  supersededBy: string | null;
}

export interface PersonRecord {
  id: string;
  name: string;
  idNumber: string;
  county: string | null;
  insuredRegion: string | null;
  memberships: MembershipView[];
  /** Periods a later batch replaced: the register as it stood before, kept. */
  superseded: MembershipView[];
  /** The populations in force on each date asked for. */
  inForce: Record<string, { population: string; from: string; to: string | null; batch: string }[]>;
}

export async function personRecord(store: Store, id: string, dates: readonly string[] = []): Promise<PersonRecord | undefined> {
  const p = await store.db.selectFrom('people').select(['id', 'name', 'id_number', 'county', 'insured_region']).where('id', '=', id).executeTakeFirst();
  if (!p) return undefined;
  const rows = await store.db.selectFrom('memberships').selectAll().where('person_id', '=', id).orderBy('from_date').orderBy('population').orderBy('recorded_at').execute();
  const view = (m: (typeof rows)[number]): MembershipView => ({
    population: m.population, from: m.from_date, to: m.to_date, batch: m.batch_id, recordedAt: m.recorded_at, supersededAt: m.superseded_at, supersededBy: m.superseded_by,
  });
  const current = rows.filter((m) => m.superseded_at === null);
  const inForce: PersonRecord['inForce'] = {};
  for (const d of dates) inForce[d] = membershipsInForce(current, d).map((m) => ({ population: m.population, from: m.from_date, to: m.to_date, batch: m.batch_id }));
  return {
    id: p.id,
    name: p.name,
    idNumber: maskIdNumber(p.id_number),
    county: p.county,
    insuredRegion: p.insured_region,
    memberships: current.map(view),
    superseded: rows.filter((m) => m.superseded_at !== null).map(view),
    inForce,
  };
}
