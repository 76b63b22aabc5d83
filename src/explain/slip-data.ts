/**
 * Everything the slip shows, read from the store for one settlement (no access check here: the route
 * checks the key first; the CLI and the render script are run by people with the database).
 */
import type { Kysely } from 'kysely';
import type { SettlementJson } from '../engine/result.js';
import { notFound } from '../errors/api-error.js';
import { maskIdNumber } from '../register/mask.js';
import { RulesetVersions } from '../settle/recompute.js';
import type { Database } from '../store/schema.js';
import { membershipUsed, parseEligibility } from './eligibility.js';
import { sentencesFor, storedDiagnoses } from './explain.js';
import { summarySentence } from './sentences.js';
import type { SlipInput } from './slip.js';

/** The 目录外 items of a settlement (its catalogue record), with their names and amounts from the stored bill. */
export function outOfCatalogueItems(catalogueJson: string | null, billJson: string): { code: string; name: string; amount: string }[] {
  if (!catalogueJson) return [];
  const record = JSON.parse(catalogueJson) as { items: { index: number; code: string; outOfCatalogue?: boolean }[] };
  const items = (JSON.parse(billJson) as { items?: { name?: string; amount?: string }[] }).items ?? [];
  return record.items.filter((i) => i.outOfCatalogue).map((i) => ({ code: i.code, name: items[i.index]?.name ?? '', amount: items[i.index]?.amount ?? '0.00' }));
}

export async function loadSlipInput(db: Kysely<Database>, id: string): Promise<SlipInput> {
  const row = await db.selectFrom('settlements').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`结算 ${id} `);
  const hospital = await db.selectFrom('hospitals').selectAll().where('code', '=', row.hospital_code).executeTakeFirstOrThrow();
  const person = await db.selectFrom('people').select(['id', 'name', 'id_number']).where('id', '=', row.person_id).executeTakeFirstOrThrow();
  const ruleset = await new RulesetVersions(db).get(row.ruleset_hash);
  const result = JSON.parse(row.result_json) as SettlementJson;
  const eligibility = parseEligibility(row.eligibility_json);
  const tier = (JSON.parse(row.bill_json) as { hospital?: { tier?: string } }).hospital?.tier ?? hospital.tier;
  return {
    id: row.id,
    status: row.status,
    billNo: row.bill_no,
    hospital: { code: hospital.code, name: hospital.name, tier },
    region: { code: hospital.region_code, name: hospital.region_name },
    person: { id: person.id, name: person.name, idNumber: maskIdNumber(person.id_number) },
    visit: { type: row.visit_type, admitted: row.admitted, discharged: row.discharged },
    createdAt: row.created_at,
    reversedAt: row.reversed_at,
    reversalReason: row.reversal_reason,
    rulesetId: row.ruleset_id,
    rulesetTitle: ruleset.ruleset.title,
    rulesetHash: row.ruleset_hash,
    result,
    diagnoses: storedDiagnoses(row.bill_json),
    sentences: sentencesFor(result, ruleset, tier, storedDiagnoses(row.bill_json)),
    // The slip says 已撤销 in its stamp and its own line; the summary tells the amounts.
    summary: summarySentence(result, 'settled'),
    populationSince: membershipUsed(eligibility, result.population)?.from ?? null,
    outOfCatalogue: outOfCatalogueItems(row.catalogue_json, row.bill_json),
  };
}
