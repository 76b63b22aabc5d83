/**
 * Demo data for the embedded database (seeds/): Xing'an League's hospitals by tier, people in each
 * population, and a year of bills. Loaded on the first start of an empty database. The bills are posted
 * through the same service a window uses, so every seeded settlement is a real one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import * as z from 'zod';
import type { SettlementService } from '../settle/service.js';
import type { Store } from '../store/port.js';
import { compiled, type WriteStep } from '../store/write-set.js';

const hospitalsSchema = z.array(
  z.object({ code: z.string(), name: z.string(), tier: z.string(), region: z.object({ code: z.string(), name: z.string() }), county: z.string().optional() }),
);
const peopleSchema = z.array(z.object({ id: z.string(), name: z.string(), idNumber: z.string(), populations: z.array(z.string()).min(1), county: z.string().optional() }));

export async function loadRegistry(store: Store, dir: string): Promise<{ hospitals: number; people: number }> {
  const hospitals = hospitalsSchema.parse(JSON.parse(readFileSync(join(dir, 'hospitals.json'), 'utf8')));
  const people = peopleSchema.parse(JSON.parse(readFileSync(join(dir, 'people.json'), 'utf8')));
  const db = store.db;
  const steps: WriteStep[] = [
    ...hospitals.map((h) =>
      db
        .insertInto('hospitals')
        .values({ code: h.code, name: h.name, tier: h.tier, region_code: h.region.code, region_name: h.region.name, county: h.county ?? null })
        .onConflict((oc) => oc.column('code').doNothing())
        .compile(),
    ),
    ...people.map((p) =>
      db
        .insertInto('people')
        .values({ id: p.id, name: p.name, id_number: p.idNumber, populations: JSON.stringify(p.populations), county: p.county ?? null })
        .onConflict((oc) => oc.column('id').doNothing())
        .compile(),
    ),
  ].map((q) => ({ kind: 'run' as const, run: compiled(q) }));
  await store.write({ steps });
  return { hospitals: hospitals.length, people: people.length };
}

export function readSeedBills(dir: string): unknown[] {
  return readFileSync(join(dir, 'bills.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as unknown);
}

export async function seedIfEmpty(store: Store, settlements: SettlementService, dir: string, logger?: Logger): Promise<boolean> {
  const any = await store.db.selectFrom('hospitals').select('code').limit(1).executeTakeFirst();
  if (any) return false;
  const counts = await loadRegistry(store, dir);
  const bills = readSeedBills(dir);
  for (const bill of bills) await settlements.post(bill, null, 'seed');
  logger?.info({ ...counts, bills: bills.length }, 'seeded an empty database with demo data from seeds/');
  return true;
}
