/**
 * Demo data for the embedded database (seeds/): Xing'an League's hospitals by tier, people in each
 * population, and a year of bills. Loaded on the first start of an empty database. The bills are posted
 * through the same service a window uses, so every seeded settlement is a real one.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { importCatalogue } from '../catalogue/import.js';
import { ApiError } from '../errors/api-error.js';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { importRegister } from '../register/import.js';
import type { KnownValues } from '../register/rows.js';
import { loadRulesDir } from '../rules/load.js';
import { defaultRulesDir } from '../rules/resolve.js';
import { RuleBook } from '../rules/select.js';
import type { SettlementService } from '../settle/service.js';
import type { Store } from '../store/port.js';

/**
 * The demo register (seeds/hospitals.csv, seeds/people.csv), imported the way the bureau imports its own:
 * the same files a clerk could pass to `onestop register import`. A bad seed file stops the start.
 */
export async function loadRegistry(store: Store, dir: string, known?: KnownValues): Promise<{ hospitals: number; people: number }> {
  const vocabulary = known ?? new RuleBook(loadRulesDir(defaultRulesDir())).vocabulary();
  const counts = { hospitals: 0, people: 0 };
  for (const kind of ['hospitals', 'people'] as const) {
    const file = join(dir, `${kind}.csv`);
    const report = await importRegister(store, vocabulary, { kind, input: createReadStream(file), format: 'csv', file: `seeds/${kind}.csv`, source: 'demo seeds', dryRun: false, actor: 'seed', at: new Date().toISOString() });
    if (report.outcome === 'refused') {
      throw new Error(`${file}: ${report.problems.map((p) => `第 ${p.line} 行 ${p.column}：${p.message}`).join('；')}`);
    }
    counts[kind] = report.counts && 'newPeople' in report.counts ? report.counts.newPeople : report.counts.newHospitals;
  }
  return counts;
}

/**
 * A catalogue file (the demo's seeds/catalogue.csv, when the seeds have one), imported the way the bureau
 * imports the insurer's: all or nothing. Returns whether there was one. A bad file stops the start.
 */
export async function loadCatalogue(store: Store, file: string, label = file): Promise<boolean> {
  if (!existsSync(file)) return false;
  const report = await importCatalogue(store, { input: createReadStream(file), format: 'csv', file: label, source: 'demo seeds', dryRun: false, actor: 'seed', at: new Date().toISOString() });
  if (report.outcome === 'refused') throw new Error(`${file}: ${report.problems.map((p) => `第 ${p.line} 行 ${p.column}：${p.message}`).join('；')}`);
  return true;
}

export function readSeedBills(dir: string): unknown[] {
  return readJsonLines(join(dir, 'bills.jsonl'));
}

function readJsonLines(file: string): unknown[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as unknown);
}

export async function seedIfEmpty(store: Store, settlements: SettlementService, dir: string, logger?: Logger): Promise<boolean> {
  const any = await store.db.selectFrom('hospitals').select('code').limit(1).executeTakeFirst();
  if (any) return false;
  const counts = await loadRegistry(store, dir, settlements.rules.vocabulary());
  await loadCatalogue(store, join(dir, 'catalogue.csv'), 'seeds/catalogue.csv');
  const bills = readSeedBills(dir);
  for (const bill of bills) await settlements.post(bill, null, 'seed');
  // Bills a hospital posted with classes the catalogue does not give (seeds/attempts.jsonl): refused, and
  // so recorded for the audit's catalogue report. Any other outcome is a broken seed.
  const attempts = join(dir, 'attempts.jsonl');
  if (existsSync(attempts)) {
    for (const bill of readJsonLines(attempts)) {
      const refused = await settlements.post(bill, null, 'seed').then(
        () => null,
        (e: unknown) => e,
      );
      if (!(refused instanceof ApiError) || refused.code !== 'CATALOGUE_MISMATCH') throw new Error(`seeds/attempts.jsonl: ${(bill as { billNo?: string }).billNo} should be refused for the catalogue, got ${String(refused)}`);
    }
  }
  logger?.info({ ...counts, bills: bills.length }, 'seeded an empty database with demo data from seeds/');
  return true;
}
