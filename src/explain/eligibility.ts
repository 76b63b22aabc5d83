/**
 * What a settlement took from the register (settlements.eligibility_json, register/in-force.ts), in the
 * words the trace and the slip print: the date, which date of the visit it is, the population and since
 * when it ran, and the batch that recorded it.
 */
import { populationLabel } from '../labels/labels.js';
import type { Eligibility } from '../register/in-force.js';

export function parseEligibility(json: string | null | undefined): Eligibility | null {
  if (!json) return null;
  try {
    return JSON.parse(json) as Eligibility;
  } catch {
    return null;
  }
}

/** The membership the pipeline's population came from, or undefined (a settlement made without the register). */
export function membershipUsed(e: Eligibility | null, population: string): Eligibility['memberships'][number] | undefined {
  return e?.memberships.find((m) => m.population === population);
}

/** "人员类别按入院日期 2018-06-25 的登记认定：建档立卡贫困人口（2018-01-01 起至 2018-06-30，登记批次 …）". */
export function eligibilitySentence(e: Eligibility | null, population: string): string | null {
  if (!e) return null;
  const which = e.on === 'discharged' ? '出院日期' : '入院日期';
  const list = e.memberships.map((m) => `${populationLabel(m.population)}（${m.from} 起${m.to ? `至 ${m.to}` : ''}，登记批次 ${m.batch}）`).join('；');
  const chosen = e.memberships.length > 1 ? `；按优先顺序适用${populationLabel(population)}` : '';
  return `人员类别按${which} ${e.date} 的登记认定：${list}${chosen}${e.tier ? `。医院等级按同日登记：${e.tier.tier}（${e.tier.from} 起）` : ''}`;
}
