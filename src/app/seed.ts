/**
 * Demo data for the embedded database (seeds/): Xing'an League's hospitals by tier, people in each
 * population, and a year of bills. Loaded on the first start of an empty database. The bills are posted
 * through the same service a window uses, so every seeded settlement is a real one.
 */
import { createReadStream, readFileSync } from 'node:fs';
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

export function readSeedBills(dir: string): unknown[] {
  return readFileSync(join(dir, 'bills.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as unknown);
}

export async function seedIfEmpty(store: Store, settlements: SettlementService, dir: string, logger?: Logger): Promise<boolean> {
  const any = await store.db.selectFrom('hospitals').select('code').limit(1).executeTakeFirst();
  if (any) return false;
  const counts = await loadRegistry(store, dir, settlements.rules.vocabulary());
  const bills = readSeedBills(dir);
  for (const bill of bills) await settlements.post(bill, null, 'seed');
  logger?.info({ ...counts, bills: bills.length }, 'seeded an empty database with demo data from seeds/');
  return true;
}
