/**
 * Re-computing a stored settlement from what was stored with it: the bill as settled (with the tier and
 * populations it was settled on), the exact ruleset version (by hash), and the accumulators as read
 * before it. The engine is pure, so the result must be identical to the stored one, to the character.
 */
import type { Kysely } from 'kysely';
import { engineBillFromStored } from '../bill/parse.js';
import { accumulatorsFromJson, type AccumulatorsJson } from '../engine/accumulators.js';
import { settlementJson, type SettlementJson } from '../engine/result.js';
import { settle } from '../engine/settle.js';
import type { Bill } from '../engine/types.js';
import { rulesetFromDocument, type LoadedRuleset } from '../rules/load.js';
import type { Database, SettlementTable } from '../store/schema.js';

export class RulesetVersions {
  private readonly cache = new Map<string, LoadedRuleset>();

  constructor(private readonly db: Kysely<Database>) {}

  async get(hash: string): Promise<LoadedRuleset> {
    const hit = this.cache.get(hash);
    if (hit) return hit;
    const row = await this.db.selectFrom('ruleset_versions').select(['document_json', 'file', 'hash']).where('hash', '=', hash).executeTakeFirst();
    if (!row) throw new Error(`ruleset version ${hash} is not in the store`);
    const loaded = rulesetFromDocument(JSON.parse(row.document_json), row.file);
    if (loaded.hash !== hash) throw new Error(`ruleset version ${hash} in the store hashes to ${loaded.hash}: it was edited`);
    this.cache.set(hash, loaded);
    return loaded;
  }
}

/** `bill`: the stored bill, when the caller has read it already (engineBillFromStored(row.bill_json)). */
export async function recompute(row: SettlementTable, versions: RulesetVersions, bill: Bill = engineBillFromStored(row.bill_json)): Promise<SettlementJson> {
  const loaded = await versions.get(row.ruleset_hash);
  const ytd = accumulatorsFromJson(JSON.parse(row.ytd_before_json) as AccumulatorsJson);
  return settlementJson(settle(bill, loaded.ruleset, ytd));
}
