/**
 * Choosing the ruleset for a bill: by the hospital's region and the discharge date.
 *
 * Region codes are the six-digit administrative codes (152200 兴安盟, 150921 卓资县). A county with no
 * ruleset of its own for the date settles under its league/city's, then under the autonomous region's
 * (152201 → 152200 → 150000): the most specific ruleset that covers the date wins. Where none does, it is
 * an error, never a zero payout.
 */
import { SettlementError } from '../engine/errors.js';
import type { LoadedRuleset } from './load.js';

/** The region and its parents, most specific first: 150921 → [150921, 150900, 150000]. */
export function regionLineage(code: string): string[] {
  const out = [code];
  const city = `${code.slice(0, 4)}00`;
  const province = `${code.slice(0, 2)}0000`;
  if (!out.includes(city)) out.push(city);
  if (!out.includes(province)) out.push(province);
  return out;
}

export class RuleBook {
  private readonly byId = new Map<string, LoadedRuleset>();

  constructor(readonly all: readonly LoadedRuleset[]) {
    for (const l of all) this.byId.set(l.ruleset.id, l);
  }

  /** The populations and hospital tiers any loaded ruleset names: what a register file may use. */
  vocabulary(): { populations: ReadonlySet<string>; tiers: ReadonlySet<string> } {
    return {
      populations: new Set(this.all.flatMap((l) => l.ruleset.populations)),
      tiers: new Set(this.all.flatMap((l) => l.ruleset.tiers)),
    };
  }

  get(id: string): LoadedRuleset | undefined {
    return this.byId.get(id);
  }

  select(regionCode: string, date: string): LoadedRuleset {
    for (const code of regionLineage(regionCode)) {
      const hit = this.all.find((l) => l.ruleset.region.code === code && l.ruleset.effective.from <= date && date <= l.ruleset.effective.to);
      if (hit) return hit;
    }
    const known = this.all
      .filter((l) => regionLineage(regionCode).includes(l.ruleset.region.code))
      .map((l) => `${l.ruleset.id}（${l.ruleset.effective.from}～${l.ruleset.effective.to}）`);
    throw new SettlementError(
      'DATE_NOT_COVERED',
      `地区 ${regionCode} 没有覆盖出院日期 ${date} 的结算规则${known.length ? `；已有：${known.join('、')}` : ''}`,
      ['visit', 'discharged'],
    );
  }
}
