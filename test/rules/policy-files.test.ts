/**
 * The readings the policy files choose (rules/152200-xingan/2018.yaml, rules/150921-zhuozi/2016.yaml)
 * and the what-if overlays that carry the other readings, each on a bill worked by hand in its comment.
 * The engine is the one the counter runs; the overlays are applied as `onestop model --what-if` applies
 * them.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { YearToDateLedger } from '../../src/engine/ledger.js';
import { settlementJson, type SettlementJson } from '../../src/engine/result.js';
import type { Ruleset } from '../../src/engine/types.js';
import { loadRulesFile } from '../../src/rules/load.js';
import { applyWhatIf, loadWhatIfFile } from '../../src/model/input/whatif.js';
import { engineBill } from '../helpers.js';

const RULES = join(import.meta.dirname, '..', '..', 'rules');
const xingan = loadRulesFile(join(RULES, '152200-xingan', '2018.yaml'));
const zhuozi = loadRulesFile(join(RULES, '150921-zhuozi', '2016.yaml'));
const overlay = (region: string, name: string, base = xingan) => applyWhatIf(base, loadWhatIfFile(join(RULES, region, 'what-if', `${name}.yaml`)), name).loaded.ruleset;

let n = 0;
/** One bill on a fresh year: items given as [class, amount] (quantity 1), or a single in-policy amount. */
function settleOne(ruleset: Ruleset, o: { type?: string; tier: string; populations?: string[]; items: [string, string][]; diagnoses?: string[]; discharged?: string }): SettlementJson {
  const discharged = o.discharged ?? '2018-05-10';
  const bill = engineBill({
    billNo: `T-${++n}`,
    hospital: { code: 'H', tier: o.tier },
    person: { id: `P-${n}`, populations: o.populations ?? ['poverty'] },
    visit: { type: o.type ?? 'inpatient', admitted: discharged, discharged },
    ...(o.diagnoses ? { diagnoses: o.diagnoses.map((code) => ({ code })) } : {}),
    items: o.items.map(([cls, amount], i) => ({ code: `I${i}`, class: cls, unitPrice: amount, quantity: '1', amount })),
  });
  return settlementJson(new YearToDateLedger().settle(bill, ruleset));
}

const pays = (s: SettlementJson) => Object.fromEntries(s.steps.map((x) => [x.id, x.payout]));

describe('Xing\'an 2018: medical assistance above the serious-illness deductible (the file\'s reading)', () => {
  // 张桂琴's stay (seed 003): 12,000.00 at the league hospital, all in-policy, a poor patient's first bill.
  // basic: deductible 1,000 x 0.5 = 500, ratio 0.65 + 0.10 = 0.75: 0.75 x 11,500 = 8,625.00; left 3,375.00.
  // serious: 3,375 is wholly under the halved deductible 6,000 (below = 3,375): 0.00.
  // commercial: 0.55 x 3,375 = 1,856.25; left 1,518.75.
  // assistance (above the serious deductible): 1,518.75 x (3,375 - 0 - 3,375) / 3,375 = 0: 0.00.
  // floor: 0.90 x 12,000 = 10,800 - (8,625 + 1,856.25) = 318.75. The patient pays 1,200.00 (90.0%).
  it('a stay under the serious-illness deductible gets no assistance; the floor tops it up to 90%', () => {
    const s = settleOne(xingan.ruleset, { tier: 'league', items: [['A', '12000.00']] });
    expect(pays(s)).toEqual({ basic: '8625.00', serious: '0.00', commercial: '1856.25', assistance: '0.00', floor: '318.75', oop: '0.00' });
    expect(s.patientPays).toBe('1200.00');
    expect(s.steps.find((x) => x.id === 'assistance')!.aboveDeductible).toMatchObject({ of: 'serious', namedBase: '3375.00', namedPayout: '0.00', below: '3375.00', base: '0.00', exact: true });
  });

  // The other reading (what-if/assistance-all-in-policy.yaml): assistance 0.90 x 1,518.75 = 1,366.875 →
  // 1,366.88; funds 11,848.13 ≥ 10,800, so no floor; the patient pays 151.87.
  it('the what-if of the other reading pays 90% of everything left in-policy', () => {
    const s = settleOne(overlay('152200-xingan', 'assistance-all-in-policy'), { tier: 'league', items: [['A', '12000.00']] });
    expect(pays(s)).toEqual({ basic: '8625.00', serious: '0.00', commercial: '1856.25', assistance: '1366.88', floor: '0.00', oop: '0.00' });
    expect(s.patientPays).toBe('151.87');
  });

  // 60,000.00 at the county hospital, all in-policy: basic deductible 200, ratio 0.85: 0.85 x 59,800 =
  // 50,830.00, left 9,170.00; serious (deductible 6,000, 0.70 to 50,000): base 9,170, below 6,000, pays
  // 0.70 x 3,170 = 2,219.00, left 6,951.00; commercial 0.55 x 6,951 = 3,823.05, left 3,127.95; assistance on
  // 3,127.95 x (9,170 - 2,219 - 6,000) / (9,170 - 2,219) = 3,127.95 x 951 / 6,951 = 427.95 exactly (what
  // commercial leaves is 45% of 6,951, so the base is 45% of 951): 0.90 x 427.95 = 385.155 → 385.16.
  it('a stay that crosses the serious-illness deductible gets assistance on its share above it', () => {
    const s = settleOne(xingan.ruleset, { tier: 'county', items: [['A', '60000.00']] });
    expect(pays(s)).toMatchObject({ basic: '50830.00', serious: '2219.00', commercial: '3823.05', assistance: '385.16' });
    expect(s.steps.find((x) => x.id === 'assistance')!.aboveDeductible).toMatchObject({ namedBase: '9170.00', namedPayout: '2219.00', below: '6000.00', remaining: '3127.95', base: '427.95', exact: true });
  });
});

describe('Xing\'an 2018: the family-doctor package', () => {
  // A poor package patient with hypertension (I10.x00), township: 诊查费 10.00 (A) and drugs 90.00 (A),
  // and 50.00 of out-of-catalogue goods (C). basic 0.60 + 0.15 = 0.75 of 100.00 = 75.00; the top-up to
  // 90% of the in-policy 100.00: 90.00 - 75.00 = 15.00. The patient pays 10.00 of the package's items and
  // the 50.00 out-of-catalogue: 60.00.
  it('tops the package\'s catalogue items up to 90% for a listed chronic disease, never the out-of-catalogue', () => {
    const s = settleOne(xingan.ruleset, { type: 'familyDoctorPackage', tier: 'township', diagnoses: ['I10.x00'], items: [['A', '10.00'], ['A', '90.00'], ['C', '50.00']] });
    expect(pays(s)).toEqual({ packageBasic: '75.00', packageAssistance: '15.00' });
    expect(s.funds).toEqual({ basic: '75.00', assistance: '15.00' });
    expect(s.patientPays).toBe('60.00');
  });

  // The same claim for a disease off the list (J06.9, an upper respiratory infection): basic 75.00 only,
  // the patient pays 25.00 + 50.00 = 75.00; without any diagnosis, the same.
  it('gives a claim for another disease, or one without a diagnosis, basic insurance only', () => {
    for (const diagnoses of [['J06.9'], undefined]) {
      const s = settleOne(xingan.ruleset, { type: 'familyDoctorPackage', tier: 'township', diagnoses, items: [['A', '10.00'], ['A', '90.00'], ['C', '50.00']] });
      expect(pays(s)).toEqual({ packageBasic: '75.00' });
      expect(s.patientPays).toBe('75.00');
    }
  });
});

describe('Xing\'an 2018: the chronic-disease top-up and outpatient observation', () => {
  // A poor chronic-outpatient claim of 1,000.00 in-policy at a county hospital, first of the year: basic
  // deductible 300 (annual), ratio 0.60 + 0.15 = 0.75: 0.75 x 700 = 525.00; the 90% floor on the in-policy
  // 1,000: 900 - 525 = 375.00, booked to medical assistance; the patient pays 100.00.
  it('books the chronic top-up to 90% to medical assistance', () => {
    const s = settleOne(xingan.ruleset, { type: 'chronicOutpatient', tier: 'county', items: [['A', '1000.00']] });
    expect(pays(s)).toEqual({ chronicBasic: '525.00', chronicFloor: '375.00' });
    expect(s.funds).toEqual({ basic: '525.00', assistance: '375.00' });
    expect(s.patientPays).toBe('100.00');
  });

  // 门诊观察 at a county hospital, 1,200.00 in-policy: deductible 200 (not halved), resident ratio 0.60:
  // 0.60 x 1,000 = 600.00; a poor patient's ratio +15 points: 0.75 x 1,000 = 750.00.
  it('pays outpatient observation with the poor\'s ratio 15 points higher', () => {
    expect(pays(settleOne(xingan.ruleset, { type: 'outpatientObservation', tier: 'county', populations: ['resident'], items: [['A', '1200.00']] }))).toEqual({ observationBasic: '600.00' });
    expect(pays(settleOne(xingan.ruleset, { type: 'outpatientObservation', tier: 'county', items: [['A', '1200.00']] }))).toEqual({ observationBasic: '750.00' });
  });
});

describe('Xing\'an 2018: 自付 vs 自费 (what-if/self-pay-in-policy-only.yaml)', () => {
  // 10,000.00 in-policy and 2,000.00 out-of-catalogue at a county hospital, a poor patient's first bill.
  // basic 0.85 x 9,800 = 8,330.00; left in-policy 1,670 (under the serious deductible: 0); commercial
  // 0.55 x 1,670 = 918.50; assistance 0 (under the serious deductible). Funds 9,248.50 of 12,000.
  // The file's reading (over the whole bill): floor 0.90 x 12,000 - 9,248.50 = 1,551.50; patient 1,200.00.
  // The other (in-policy): 0.90 x 10,000 = 9,000 ≤ 9,248.50, no floor; the patient pays 751.50 in-policy
  // and the 2,000.00 out-of-catalogue: 2,751.50.
  it('the file tops up over the whole bill; the what-if leaves out-of-catalogue items to the patient', () => {
    const items: [string, string][] = [['A', '10000.00'], ['C', '2000.00']];
    const mine = settleOne(xingan.ruleset, { tier: 'county', items });
    expect(pays(mine)).toMatchObject({ basic: '8330.00', commercial: '918.50', assistance: '0.00', floor: '1551.50' });
    expect(mine.patientPays).toBe('1200.00');
    const other = settleOne(overlay('152200-xingan', 'self-pay-in-policy-only'), { tier: 'county', items });
    expect(pays(other)).toMatchObject({ basic: '8330.00', commercial: '918.50', assistance: '0.00', floor: '0.00' });
    expect(other.patientPays).toBe('2751.50');
  });
});

describe('Zhuozi 2016: who the county fund tops up', () => {
  // A poor inpatient stay of 10,000.00 in-policy at the county hospital (2016): basic deductible 300 x 0.5
  // = 150, ratio 0.70 + 0.05 = 0.75: 0.75 x 9,850 = 7,387.50; the county fund to 90%: 9,000 - 7,387.50 =
  // 1,612.50, whatever the diagnosis (the file's reading, from the published totals).
  it('tops up every poor admission; the what-if of 患大病 only those with a listed serious disease', () => {
    const bill = (diagnoses?: string[]) => ({ tier: 'county', discharged: '2016-05-10', items: [['A', '10000.00']] as [string, string][], diagnoses });
    expect(pays(settleOne(zhuozi.ruleset, bill(['K80.101'])))).toEqual({ basic: '7387.50', countyFund: '1612.50' });
    const gated = overlay('150921-zhuozi', 'serious-illness-only', zhuozi);
    expect(pays(settleOne(gated, bill(['K80.101'])))).toEqual({ basic: '7387.50' });
    expect(pays(settleOne(gated, bill(['C16.9'])))).toEqual({ basic: '7387.50', countyFund: '1612.50' });
  });
});
