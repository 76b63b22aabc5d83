/**
 * Opening onestop's state the same way everywhere (the server, `onestop keys`, `onestop audit`…):
 * the rules directory, the store (migrated), every ruleset version recorded, demo data on first start.
 */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { loadRulesDir } from '../rules/load.js';
import { defaultRulesDir } from '../rules/resolve.js';
import { RuleBook } from '../rules/select.js';
import { SettlementService } from '../settle/service.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/port.js';
import { seedIfEmpty } from './seed.js';

export interface Booted {
  store: Store;
  rules: RuleBook;
  settlements: SettlementService;
}

export async function boot(opts: { db?: string; rulesDir?: string; seeds?: string; logger?: Logger } = {}): Promise<Booted> {
  const rules = new RuleBook(loadRulesDir(opts.rulesDir ?? defaultRulesDir()));
  const store = await openStore(opts.db);
  const settlements = new SettlementService({ store, rules });
  await settlements.registerRulesets();
  const seeds = opts.seeds ?? process.env.ONESTOP_SEEDS ?? resolve('seeds');
  if (seeds !== 'none') await seedIfEmpty(store, settlements, seeds, opts.logger);
  return { store, rules, settlements };
}
