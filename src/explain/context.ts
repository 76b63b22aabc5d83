/**
 * Everything the explanation routes need about one stored settlement: the view (access already checked:
 * a window key only sees its own hospital's settlements), the stored row, and the ruleset version the
 * settlement was computed with, loaded by its hash from ruleset_versions.
 */
import type { SettlementJson } from '../engine/result.js';
import { storedDiagnoses } from './explain.js';
import type { LoadedRuleset } from '../rules/load.js';
import { ApiError, notFound } from '../errors/api-error.js';
import type { Principal } from '../access/keys.js';
import { RulesetVersions } from '../settle/recompute.js';
import type { SettlementService } from '../settle/service.js';
import type { SettlementView } from '../settle/views.js';
import type { Store } from '../store/port.js';
import type { SettlementTable } from '../store/schema.js';

export interface StoredSettlement {
  view: SettlementView;
  row: SettlementTable;
  result: SettlementJson;
  ruleset: LoadedRuleset;
  /** The hospital tier the bill was settled at (as stored with the bill). */
  tier: string;
  /** The bill's diagnoses, principal first. */
  diagnoses: { code: string; name?: string }[];
}

export async function loadStoredSettlement(deps: { store: Store; settlements: SettlementService }, id: string, principal: Principal): Promise<StoredSettlement> {
  const view = await deps.settlements.get(id, principal);
  const row = await deps.settlements.getRow(id);
  if (!row) throw notFound(`结算 ${id} `);
  let ruleset: LoadedRuleset;
  try {
    ruleset = await new RulesetVersions(deps.store.db).get(row.ruleset_hash);
  } catch {
    throw new ApiError(
      500,
      'RULESET_VERSION_UNAVAILABLE',
      `结算 ${id} 所用的规则版本（${row.ruleset_hash.slice(0, 12)}）在库中缺失或已被改动，无法给出计算依据；请联系管理员运行审计（onestop audit）`,
    );
  }
  const bill = JSON.parse(row.bill_json) as { hospital?: { tier?: string } };
  return { view, row, result: view.result, ruleset, tier: bill.hospital?.tier ?? view.hospital.tier, diagnoses: storedDiagnoses(row.bill_json) };
}
