/**
 * Moving people between populations in a what-if (issue 21): "10% of the poor leave the register on
 * 1 July" is
 *
 *     populationMoves:
 *       - { from: poverty, to: resident, share: 0.10, on: "2018-07-01" }
 *
 * The variant settles each admission of a moved person whose admission date (the discharge date under
 * `eligibleOn: discharged`) is on or after `on` with `to` in place of `from` (the baseline keeps the populations the bills, or the store, recorded). Who is
 * moved is decided per person, not per admission, by a fixed hash of the person's id against the share
 * (in millionths), so the same people move in every run and every worker, and a person's admissions
 * after the date move together.
 */
import { createHash } from 'node:crypto';
import { isIsoDate } from '../../formats/iso-date.js';
import type { Bill } from '../../engine/types.js';
import { populationLabel } from '../../labels/labels.js';

export interface PopulationMove {
  from: string;
  to: string;
  /** Millionths of the people in `from` who move. */
  shareMillionths: number;
  /** The first admission date that moves (inclusive). */
  on: string;
}

export const MOVES_KEY = 'populationMoves';

export interface MoveIssue {
  path: string;
  message: string;
}

const SHARE = /^(0(\.\d{1,6})?|1(\.0{1,6})?)$/;

/** The overlay's `populationMoves`, checked against the ruleset's populations; every problem listed. */
export function readMoves(value: unknown, populations: readonly string[]): { moves: PopulationMove[]; issues: MoveIssue[] } {
  const issues: MoveIssue[] = [];
  const moves: PopulationMove[] = [];
  if (!Array.isArray(value) || value.length === 0) return { moves, issues: [{ path: MOVES_KEY, message: `${MOVES_KEY} 应为列表，例如 - { from: poverty, to: resident, share: 0.10, on: "2018-07-01" }` }] };
  value.forEach((m, i) => {
    const at = (f: string) => `${MOVES_KEY}.${i}${f ? `.${f}` : ''}`;
    if (!m || typeof m !== 'object' || Array.isArray(m)) {
      issues.push({ path: at(''), message: '应为 { from, to, share, on }' });
      return;
    }
    const r = m as Record<string, unknown>;
    for (const k of Object.keys(r)) if (!['from', 'to', 'share', 'on'].includes(k)) issues.push({ path: at(k), message: '不认识的字段（应为 from、to、share、on）' });
    const from = r.from;
    const to = r.to;
    if (typeof from !== 'string' || !populations.includes(from)) issues.push({ path: at('from'), message: `应为规则中的人员类别之一：${populations.join('、')}` });
    if (typeof to !== 'string' || !populations.includes(to)) issues.push({ path: at('to'), message: `应为规则中的人员类别之一：${populations.join('、')}` });
    else if (to === from) issues.push({ path: at('to'), message: 'to 与 from 相同' });
    const shareText = typeof r.share === 'number' || typeof r.share === 'string' ? String(r.share) : '';
    if (!SHARE.test(shareText) || shareText.replace(/[0.]/g, '') === '') issues.push({ path: at('share'), message: '应为 0 到 1 之间（不含 0）的比例，最多 6 位小数，例如 0.10' });
    const on = r.on instanceof Date ? r.on.toISOString().slice(0, 10) : r.on;
    if (typeof on !== 'string' || !isIsoDate(on)) issues.push({ path: at('on'), message: '应为日期 YYYY-MM-DD（带引号），例如 "2018-07-01"' });
    if (issues.length) return;
    const [whole, frac = ''] = shareText.split('.');
    moves.push({ from: from as string, to: to as string, shareMillionths: Number(whole) * 1_000_000 + Number(frac.padEnd(6, '0')), on: on as string });
  });
  return { moves, issues };
}

/** The move in words, for the variant's name. */
export function describeMove(m: PopulationMove): string {
  const pct = `${(m.shareMillionths / 10_000).toString()}%`;
  return `${pct}的${populationLabel(m.from)}自 ${m.on} 起改为${populationLabel(m.to)}`;
}

/** Whether the person is among those a share moves: a fixed hash of the id, in millionths. */
export function isMoved(personId: string, shareMillionths: number): boolean {
  const h = createHash('sha256').update(personId).digest();
  return h.readUInt32BE(0) % 1_000_000 < shareMillionths;
}

/** The bill as the variant settles it: its populations after the moves in force on its eligibility date (§3). */
export function movedBill(bill: Bill, moves: readonly PopulationMove[], eligibleOn: 'admitted' | 'discharged'): Bill {
  let populations = bill.person.populations;
  const date = eligibleOn === 'discharged' ? bill.visit.discharged : bill.visit.admitted;
  for (const m of moves) {
    if (date < m.on || !populations.includes(m.from) || !isMoved(bill.person.id, m.shareMillionths)) continue;
    populations = [...new Set(populations.map((p) => (p === m.from ? m.to : p)))];
  }
  return populations === bill.person.populations ? bill : { ...bill, person: { ...bill.person, populations } };
}
