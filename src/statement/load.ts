/**
 * Reading a person's year from the store for its statement (年度结算汇总): the person, their settlements
 * and adjustments of the year (../settle/person-year.ts), the hospitals named, and the ledger row.
 */
import { notFound } from '../errors/api-error.js';
import { readPersonYear } from '../settle/person-year.js';
import type { Store } from '../store/port.js';
import { named } from '../store/write-set.js';
import { personYearStatement, type PersonYearStatement } from './person-year.js';

export async function loadPersonYearStatement(store: Store, personId: string, year: number): Promise<PersonYearStatement> {
  const db = store.db;
  const person = await db.selectFrom('people').select(['id', 'name', 'id_number']).where('id', '=', personId).executeTakeFirst();
  if (!person) throw notFound(`参保人 ${personId} `);
  // The ledger first, then the rows: rows read after it hold at least what it counts.
  const ledger = await store.get<{ accumulators_json: string; version: number }>(named('ledger', { person_id: personId, year }));
  const py = await readPersonYear(db, personId, year);
  const codes = [...new Set(py.settlements.map((s) => s.hospital_code))];
  const hospitals = new Map(codes.length ? (await db.selectFrom('hospitals').select(['code', 'name']).where('code', 'in', codes).execute()).map((h) => [h.code, h.name]) : []);
  return personYearStatement({ py, person, hospitals, ledger });
}
