/**
 * Random sequences of settlements and reversals for one person-year, through the real service on a
 * store, checked after every step against an independent replay (SETTLEMENT.md §4): each unreversed
 * settlement as it now stands (original plus adjustments) must equal, per fund and for the patient, to
 * the fen, what settling the surviving bills in their ledger order from zero gives (the engine's own
 * YearToDateLedger, not the re-adjudication code); the stored adjustments must add up to that from the
 * original; and the person's ledger must be the replay's year-to-date.
 *
 * Bills are drawn to cross what makes a year's order matter: the halved serious-illness deductible
 * (6,000), its segment bounds (50,000 / 100,000), the assistance cap (50,000), the basic cap (150,000)
 * and the poor's 5,000 out-of-pocket cap; discharge dates are drawn in any order.
 */
import { expect } from 'vitest';
import { parseBillInput } from '../../src/bill/parse.js';
import { toEngineBill } from '../../src/bill/schema.js';
import { YearToDateLedger } from '../../src/engine/ledger.js';
import type { Bill } from '../../src/engine/types.js';
import { formatUnits } from '../../src/money/text.js';
import type { RuleBook } from '../../src/rules/select.js';
import { readPersonYear } from '../../src/settle/person-year.js';
import type { SettlementService } from '../../src/settle/service.js';
import { standingResultJson } from '../../src/settle/standing.js';
import type { Store } from '../../src/store/port.js';
import { Readable } from 'node:stream';
import { importRegister } from '../../src/register/import.js';
import { idCheckCharacter } from '../../src/register/id-number.js';
import { rules } from '../store/backends.js';
import type { SettlementJson } from '../../src/engine/result.js';
import { ApiError } from '../../src/errors/api-error.js';

/** mulberry32: a small seeded generator, so a failing sequence can be run again from its seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSPITALS: { code: string; tier: string }[] = [
  { code: 'H152201-T01', tier: 'township' },
  { code: 'H152201-C01', tier: 'county' },
  { code: 'H152200-L01', tier: 'league' },
  { code: 'H152200-L02', tier: 'league' },
  { code: 'H150100-P01', tier: 'province' },
];

const fen = (n: number) => (Math.round(n) / 100).toFixed(2);

function drawBill(rnd: () => number, person: string, billNo: string) {
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const hospital = pick(HOSPITALS);
  // In-policy from 300 to 160,000 yuan, spread evenly on a log scale: small bills and cap-crossers alike.
  const inPolicyFen = Math.round(Math.exp(Math.log(30_000) + rnd() * (Math.log(16_000_000) - Math.log(30_000))));
  const items: Record<string, string>[] = [{ code: 'A1', name: '治疗', class: 'A', unitPrice: fen(inPolicyFen), quantity: '1', amount: fen(inPolicyFen) }];
  if (rnd() < 0.5) {
    const c = Math.round(rnd() * 2_000_000);
    if (c > 0) items.push({ code: 'C1', name: '自费材料', class: 'C', unitPrice: fen(c), quantity: '1', amount: fen(c) });
  }
  if (rnd() < 0.4) {
    const b = 1000 + Math.round(rnd() * 500_000);
    items.push({ code: 'B1', name: '乙类药品', class: 'B', selfPayRatio: '0.10', unitPrice: fen(b), quantity: '1', amount: fen(b) });
  }
  const month = 1 + Math.floor(rnd() * 12);
  const day = 1 + Math.floor(rnd() * 28);
  const discharged = `2018-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return {
    billNo,
    hospital: { code: hospital.code },
    person: { id: person },
    visit: { type: 'inpatient', admitted: discharged, discharged },
    items,
  };
}

/** Register people for the sequences (poor, every fifth an ordinary resident), as the bureau would: by import. */
export async function registerPeople(store: Store, ids: readonly string[]): Promise<void> {
  const rows = ['id,name,idNumber,county,insuredRegion,population,from,to'];
  ids.forEach((id, i) => {
    const body = `152201${19500101 + Math.floor(i / 1000)}${String(i % 1000).padStart(3, '0')}`;
    rows.push(`${id},测试${id},${body}${idCheckCharacter(body)},,152200,${i % 5 === 4 ? 'resident' : 'poverty'},2016-01-01,`);
  });
  const report = await importRegister(store, rules().vocabulary(), {
    kind: 'people', input: Readable.from([`${rows.join('\n')}\n`]), format: 'csv', file: 'sequences.csv', dryRun: false, actor: 'test', at: new Date().toISOString(),
  });
  if (report.outcome !== 'applied') throw new Error(`registering the sequences' people: ${JSON.stringify(report).slice(0, 500)}`);
}

export interface SequenceStats {
  sequences: number;
  steps: number;
  settlements: number;
  reversals: number;
  /** Sequences in which some reversal made at least one adjustment with money in it. */
  withAdjustments: number;
  adjustments: number;
  /** Reversals of a settlement that had been adjusted before. */
  reversalsOfAdjusted: number;
  /** Reversals refused because a later settlement could no longer be settled (none expected here). */
  blocked: number;
}

/** Check one person-year: as it stands = the replay of the surviving bills in ledger order, to the fen. */
export async function checkPersonYear(store: Store, rules: RuleBook, person: string, bills: Map<string, Bill>, where: string): Promise<void> {
  const py = await readPersonYear(store.db, person, 2018);
  const replay = new YearToDateLedger();
  for (const s of py.settlements) {
    if (s.status !== 'settled') continue;
    const bill = bills.get(s.bill_no)!;
    const want = replay.settle(bill, rules.select('152200', bill.visit.discharged).ruleset);
    const now = JSON.parse(standingResultJson(s, py.adjustments)) as SettlementJson;
    const wantFunds = Object.fromEntries(Object.entries(want.funds).map(([f, v]) => [f, formatUnits(v)]));
    expect({ funds: now.funds, patientPays: now.patientPays }, `${where}: ${s.bill_no} as it stands`).toEqual({ funds: wantFunds, patientPays: formatUnits(want.patientPays) });
    // The original plus its adjustments' differences is what it stands at.
    const original = JSON.parse(s.result_json) as SettlementJson;
    const sums = new Map<string, number>(Object.entries(original.funds).map(([f, v]) => [f, Math.round(Number(v) * 100)]));
    let patient = Math.round(Number(original.patientPays) * 100);
    for (const a of py.adjustments) {
      if (a.settlement_id !== s.id) continue;
      for (const f of a.funds) sums.set(f.fund, (sums.get(f.fund) ?? 0) + f.amount_fen);
      patient += a.patient_delta_fen;
      expect(a.fund_delta_fen + a.patient_delta_fen, `${where}: adjustment ${a.id} balances`).toBe(0);
    }
    for (const [f, v] of Object.entries(now.funds)) expect(sums.get(f) ?? 0, `${where}: ${s.bill_no} ${f} original + adjustments`).toBe(Math.round(Number(v) * 100));
    expect(patient, `${where}: ${s.bill_no} patient original + adjustments`).toBe(Math.round(Number(now.patientPays) * 100));
  }
  const ledger = await store.db.selectFrom('ledgers').select('accumulators_json').where('person_id', '=', person).where('year', '=', 2018).executeTakeFirst();
  const have: Record<string, string> = {};
  for (const [k, fields] of Object.entries(JSON.parse(ledger?.accumulators_json ?? '{}') as Record<string, Record<string, string>>)) {
    for (const [f, v] of Object.entries(fields)) if (Number(v) !== 0) have[`${k}.${f}`] = v;
  }
  const want: Record<string, string> = {};
  for (const [k, fields] of Object.entries(replay.get(person, 2018))) for (const [f, v] of Object.entries(fields)) want[`${k}.${f}`] = formatUnits(v!);
  expect(have, `${where}: the ledger is the replay's year`).toEqual(want);
}

/** Run `count` sequences, person `${prefix}${i}` each, through `service`; returns what happened. */
export async function runSequences(opts: { store: Store; service: SettlementService; rules: RuleBook; count: number; seed: number; prefix: string; maxSteps?: number }): Promise<SequenceStats> {
  const stats: SequenceStats = { sequences: 0, steps: 0, settlements: 0, reversals: 0, withAdjustments: 0, adjustments: 0, reversalsOfAdjusted: 0, blocked: 0 };
  const people = Array.from({ length: opts.count }, (_, i) => `${opts.prefix}${String(i).padStart(5, '0')}`);
  await registerPeople(opts.store, people);
  const maxSteps = opts.maxSteps ?? 10;
  for (let i = 0; i < opts.count; i++) {
    const seed = opts.seed + i;
    const rnd = random(seed);
    const person = people[i]!;
    const bills = new Map<string, Bill>();
    const live: { id: string; adjusted: boolean }[] = [];
    const populations = (i % 5 === 4 ? ['resident'] : ['poverty']) as string[];
    let adjustedHere = false;
    const steps = 4 + Math.floor(rnd() * (maxSteps - 3));
    for (let step = 0; step < steps; step++) {
      const where = `sequence seed ${seed} (${person}) step ${step}`;
      // A reversal re-adjudicates only what came after it: mostly reverse once there is something after.
      if (live.length === 0 || (live.length === 1 && rnd() < 0.8) || rnd() < 0.5) {
        const raw = drawBill(rnd, person, `${person}-${step}`);
        const posted = await opts.service.post(raw, null, 'property');
        const input = parseBillInput(raw);
        if (!input.success) throw input.error;
        const tier = HOSPITALS.find((h) => h.code === raw.hospital.code)!.tier;
        bills.set(raw.billNo, toEngineBill(input.data, tier, populations));
        live.push({ id: posted.view.id, adjusted: false });
        stats.settlements++;
      } else {
        // Now and then the newest, mostly an earlier one: those re-adjudicate.
        const k = live.length === 1 || rnd() < 0.15 ? live.length - 1 : Math.floor(rnd() * (live.length - 1));
        const target = live[k]!;
        let answer;
        try {
          answer = await opts.service.reverse(target.id, null, '随机撤销', 'property');
        } catch (e) {
          if (e instanceof ApiError && e.code === 'REVERSAL_BLOCKED') {
            stats.blocked++;
            continue;
          }
          throw e;
        }
        live.splice(k, 1);
        stats.reversals++;
        if (target.adjusted) stats.reversalsOfAdjusted++;
        const moneyMoved = answer.readjudication.adjustments.filter((a) => Object.keys(a.funds).length > 0 || a.patientPays !== '0.00');
        if (moneyMoved.length) adjustedHere = true;
        stats.adjustments += answer.readjudication.adjustments.length;
        for (const a of answer.readjudication.adjustments) {
          const l = live.find((x) => x.id === a.settlementId);
          if (l) l.adjusted = true;
        }
      }
      stats.steps++;
      await checkPersonYear(opts.store, opts.rules, person, bills, where);
    }
    stats.sequences++;
    if (adjustedHere) stats.withAdjustments++;
  }
  return stats;
}
