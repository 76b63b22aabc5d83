/**
 * The plain-Chinese sentence of each step kind, on small rulesets whose numbers are worked out by hand
 * in the comments: deductibles (per visit, annual, partly met, met), caps (visit, annual partly used,
 * annual used up), a ceiling, bands, the floor and the out-of-pocket cap; and the citations.
 */
import { parseUnits } from '../../src/money/text.js';
import { describe, expect, it } from 'vitest';
import { buildTrace } from '../../src/explain/explain.js';
import { diffJson } from '../../src/audit/diff.js';
import { rmbUpper } from '../../src/explain/rmb.js';
import { settlementJson } from '../../src/engine/result.js';
import { settle } from '../../src/engine/settle.js';
import type { Accumulators, AccumulatorField, Bill } from '../../src/engine/types.js';
import { rulesetFromDocument } from '../../src/rules/load.js';

const SOURCES = [
  { id: 'src1', title: '测试政策文件', file: 'a.txt' },
  { id: 'src2', title: '另一份文件', url: 'https://example.org/policy' },
];

function ruleset(steps: unknown[]) {
  return rulesetFromDocument(
    {
      id: 'test-2018',
      title: '测试规则',
      region: { code: '152200', name: '兴安盟' },
      effective: { from: '2018-01-01', to: '2018-12-31' },
      sources: SOURCES,
      tiers: ['county'],
      populations: ['poverty', 'resident'],
      visits: { inpatient: steps },
    },
    'test.yaml',
  );
}

function ytd(values: Record<string, Partial<Record<AccumulatorField, string>>>): Accumulators {
  return Object.fromEntries(Object.entries(values).map(([k, f]) => [k, Object.fromEntries(Object.entries(f).map(([n, v]) => [n, parseUnits(v)]))]));
}

interface BillExtras {
  diagnoses?: { code: string; name?: string }[];
  paidElsewhere?: Record<string, { payout: string; deductible?: string }>;
}

/** Settle a bill given by its buckets and return the trace. */
function trace(steps: unknown[], buckets: { inPolicy: string; outOfCatalog?: string }, before: Record<string, Partial<Record<AccumulatorField, string>>> = {}, status: 'settled' | 'reversed' = 'settled', extras: BillExtras = {}) {
  const loaded = ruleset(steps);
  const bill: Bill = {
    billNo: 'T1',
    hospital: { code: 'H1', tier: 'county' },
    person: { id: 'P1', populations: ['poverty'] },
    visit: { type: 'inpatient', admitted: '2018-03-01', discharged: '2018-03-10' },
    buckets: { inPolicy: parseUnits(buckets.inPolicy), outOfCatalog: parseUnits(buckets.outOfCatalog ?? '0'), overLimit: 0n, preSelfPay: 0n },
    ...(extras.diagnoses ? { diagnoses: extras.diagnoses.map((d) => d.code) } : {}),
    ...(extras.paidElsewhere
      ? { paidElsewhere: Object.fromEntries(Object.entries(extras.paidElsewhere).map(([id, p]) => [id, { payout: parseUnits(p.payout), deductible: parseUnits(p.deductible ?? '0') }])) }
      : {}),
  };
  const result = settlementJson(settle(bill, loaded.ruleset, ytd(before)));
  return buildTrace({ id: 'JS-TEST', status, result, ruleset: loaded, tier: 'county', diagnoses: extras.diagnoses });
}

const basic = (extra: Record<string, unknown>) => ({ id: 'basic', name: '基本医保', fund: 'basic', kind: 'coinsurance', ratio: '0.80', source: 'src1', ...extra });

describe('coinsurance sentences', () => {
  it('annual deductible partly met, then the visit cap: 0.80 × (10,000 − 600) = 7,520 is cut to 6,000', () => {
    const t = trace([basic({ deductible: { annual: '1000.00' }, visitCap: '6000.00', annualCap: '100000.00' })], { inPolicy: '10000.00' }, { basic: { deductibleMet: '400.00' } });
    expect(t.steps[0]!.payout).toBe('6000.00');
    expect(t.steps[0]!.sentence).toBe('基本医保：政策范围内费用 10,000.00 元，扣除本年尚未达到的起付线 600.00 元后按 80% 报销，应报 7,520.00 元，超过单次最高支付额 6,000.00 元，实际报销 6,000.00 元');
  });

  it('annual cap used up: nothing more this year', () => {
    const t = trace([basic({ deductible: { annual: '1000.00' }, annualCap: '10000.00' })], { inPolicy: '5000.00' }, { basic: { deductibleMet: '1000.00', paid: '10000.00' } });
    expect(t.steps[0]!.payout).toBe('0.00');
    expect(t.steps[0]!.sentence).toBe('基本医保：政策范围内费用 5,000.00 元，本年起付线已达到，按 80% 报销，但本年已达封顶线 10,000.00 元，本次不再报销');
  });

  it('annual cap partly used: 0.80 × 5,000 = 4,000, only 1,000 left under the cap', () => {
    const t = trace([basic({ deductible: { annual: '1000.00' }, annualCap: '10000.00' })], { inPolicy: '5000.00' }, { basic: { deductibleMet: '1000.00', paid: '9000.00' } });
    expect(t.steps[0]!.payout).toBe('1000.00');
    expect(t.steps[0]!.sentence).toBe('基本医保：政策范围内费用 5,000.00 元，本年起付线已达到，按 80% 报销，应报 4,000.00 元，但本年封顶线 10,000.00 元只剩 1,000.00 元，实际报销 1,000.00 元');
  });

  it('a ratio ceiling: 0.95 × 10,000 = 9,500, capped at 90% of the total', () => {
    const t = trace([basic({ ratio: '0.95', ceiling: { ratio: '0.90', denominator: 'total' } })], { inPolicy: '10000.00' });
    expect(t.steps[0]!.payout).toBe('9000.00');
    expect(t.steps[0]!.sentence).toBe('基本医保：政策范围内费用 10,000.00 元，不设起付线，按 95% 报销，应报 9,500.00 元，为使实际报销比例不超过 90%，实际报销 9,000.00 元');
  });

  it('per-visit deductible not reached', () => {
    const t = trace([basic({ deductible: { perVisit: '500.00' } })], { inPolicy: '300.00' });
    expect(t.steps[0]!.sentence).toBe('基本医保：政策范围内费用 300.00 元，未超过起付线 500.00 元，本项不予报销');
  });

  it('annual deductible not yet reached takes the whole base', () => {
    const t = trace([basic({ deductible: { annual: '300.00' } })], { inPolicy: '120.50' }, { basic: { deductibleMet: '100.00' } });
    expect(t.steps[0]!.sentence).toBe('基本医保：政策范围内费用 120.50 元，全部计入本年起付线 300.00 元（尚未达到），本项不予报销');
  });

  it('population adjustment: the poor get the deductible halved and +10 points (1,000 × 0.5; 0.65 + 0.10)', () => {
    const t = trace([basic({ ratio: '0.65', deductible: { perVisit: '1000.00' }, adjust: { poverty: { deductibleFactor: '0.5', ratioBonus: '0.10' } } })], { inPolicy: '12000.00' });
    // 0.75 × (12,000 − 500) = 8,625
    expect(t.steps[0]!.sentence).toBe('基本医保：政策范围内费用 12,000.00 元，扣除起付线 500.00 元后按 75% 报销 8,625.00 元');
  });

  it('a step on the whole bill (base all) says 医疗费用, and a later step says what is still unpaid', () => {
    const t = trace(
      [basic({ ratio: '0.50' }), { id: 'commercial', fund: 'commercial', kind: 'coinsurance', base: 'all', ratio: '0.50', source: 'src1' }],
      { inPolicy: '800.00', outOfCatalog: '200.00' },
    );
    // basic 0.5 × 800 = 400; commercial 0.5 × (1,000 − 400) = 300
    expect(t.steps.map((s) => s.sentence)).toEqual([
      '基本医保：政策范围内费用 800.00 元，不设起付线，按 50% 报销 400.00 元',
      '商业补充保险：尚未报销的医疗费用 600.00 元，不设起付线，按 50% 报销 300.00 元',
    ]);
  });
});

describe('segmented sentences', () => {
  const serious = { id: 'serious', name: '大病保险', fund: 'seriousIllness', kind: 'segmented', deductible: { annual: '10000.00' }, segments: [{ upTo: '20000.00', ratio: '0.50' }, { upTo: '50000.00', ratio: '0.60' }, { ratio: '0.70' }], source: 'src1' };

  it('every band this visit crosses, from the year-to-date cumulative (15,000 → 55,000)', () => {
    const t = trace([serious], { inPolicy: '40000.00' }, { serious: { cumulative: '15000.00' } });
    // 0.5 × 5,000 + 0.6 × 30,000 + 0.7 × 5,000 = 2,500 + 18,000 + 3,500 = 24,000
    expect(t.steps[0]!.payout).toBe('24000.00');
    expect(t.steps[0]!.sentence).toBe(
      '大病保险：政策范围内尚未报销的 40,000.00 元计入本年累计（此前累计 15,000.00 元）；累计 15,000.00 至 20,000.00 元的部分按 50% 报销 2,500.00 元，累计 20,000.00 至 50,000.00 元的部分按 60% 报销 18,000.00 元，累计 50,000.00 至 55,000.00 元的部分按 70% 报销 3,500.00 元，共报销 24,000.00 元',
    );
  });

  it('the part below the deductible is named', () => {
    const t = trace([serious], { inPolicy: '12000.00' });
    // 10,000 below the deductible; 0.5 × 2,000 = 1,000
    expect(t.steps[0]!.sentence).toBe('大病保险：政策范围内尚未报销的 12,000.00 元计入本年累计，其中起付线 10,000.00 元以下的 10,000.00 元不予报销；累计 10,000.00 至 12,000.00 元的部分按 50% 报销 1,000.00 元');
  });

  it('still below the deductible with earlier bills', () => {
    const t = trace([serious], { inPolicy: '3000.00' }, { serious: { cumulative: '2000.00' } });
    expect(t.steps[0]!.sentence).toBe('大病保险：政策范围内尚未报销的 3,000.00 元计入本年累计（此前累计 2,000.00 元），累计 5,000.00 元，未超过起付线 10,000.00 元，本项不予报销');
  });
});

describe('backstop sentences', () => {
  const floorTotal = { id: 'floor', name: '政府兜底（保底90%）', fund: 'backstop', kind: 'floor', floor: '0.90', denominator: 'total', source: 'src1' };
  const oop = { id: 'oop', name: '政府兜底（年度自付5000元封顶）', fund: 'backstop', kind: 'outOfPocketCap', cap: '5000.00', base: 'all', source: 'src1' };

  it('floor on the total tops up to 90%; the out-of-pocket cap pays what passes 5,000 this year', () => {
    // basic 0.5 × 8,000 = 4,000 of 10,000; floor 9,000 − 4,000 = 5,000; patient would pay 1,000, with 4,500 paid before: 500 over the cap
    const t = trace([basic({ ratio: '0.50' }), floorTotal, oop], { inPolicy: '8000.00', outOfCatalog: '2000.00' }, { oop: { paid: '4500.00' } });
    expect(t.steps.map((s) => s.payout)).toEqual(['4000.00', '5000.00', '500.00']);
    expect(t.steps[1]!.sentence).toBe('政府兜底：确保实际报销比例不低于 90%，补足 5,000.00 元（总费用 10,000.00 元的 90% 为 9,000.00 元，前面各项已报销 4,000.00 元）');
    expect(t.steps[2]!.sentence).toBe('政府兜底：本年此前已自付 4,500.00 元，加上本次 1,000.00 元，年度自付已达 5,500.00 元，超过 5,000.00 元的部分 500.00 元由政府兜底全额报销');
    expect(t.patientPays).toBe('500.00');
  });

  it('floor already met, on the in-policy amount; nothing over the cap', () => {
    const floorInPolicy = { ...floorTotal, denominator: 'inPolicy' };
    const t = trace([basic({ ratio: '0.95' }), floorInPolicy, oop], { inPolicy: '1000.00' });
    expect(t.steps[1]!.sentence).toBe('政府兜底：确保政策范围内费用的报销比例不低于 90%；前面各项已报销 950.00 元，已达到政策范围内费用 1,000.00 元的 90%，无需补足');
    expect(t.steps[2]!.sentence).toBe('政府兜底：本年自付累计 50.00 元（含本次 50.00 元），未超过 5,000.00 元，本项不支付');
  });
});

describe('the contract additions (§3, 2026-12)', () => {
  const serious = { id: 'serious', name: '大病保险', fund: 'seriousIllness', kind: 'segmented', deductible: { annual: '1000.00' }, segments: [{ ratio: '0.50' }], source: 'src1' };
  const assistance = { id: 'assistance', name: '医疗救助', fund: 'assistance', kind: 'coinsurance', ratio: '0.90', aboveDeductibleOf: 'serious', source: 'src1' };

  it('a step above another step’s deductible names that part (4,000: basic 2,000; serious 500 on 1,000 above its 1,000; assistance 90% of 500)', () => {
    const t = trace([basic({ ratio: '0.50' }), serious, assistance], { inPolicy: '4000.00' });
    // left after serious: 1,500.00; above the deductible: 1,500 x (2,000 - 500 - 1,000) / (2,000 - 500) = 500
    expect(t.steps[2]!.sentence).toBe('医疗救助：政策范围内尚未报销的费用 1,500.00 元中，大病保险起付线以上的部分 500.00 元，不设起付线，按 90% 报销 450.00 元');
    const below = trace([basic({ ratio: '0.50' }), serious, assistance], { inPolicy: '2000.00' });
    expect(below.steps[2]!.sentence).toBe('医疗救助：政策范围内尚未报销的费用 1,000.00 元，全部在大病保险起付线以下，按规定只报销大病保险起付线以上的部分，本项不予报销');
  });

  it('a payout made elsewhere is said to be so, and the trace gives what each fund owes', () => {
    const t = trace([basic({}), serious], { inPolicy: '10000.00' }, {}, 'settled', { paidElsewhere: { basic: { payout: '7000.00', deductible: '300.00' } } });
    expect(t.steps[0]!.sentence).toBe('基本医保：已在他处结算（异地就医直接结算或零星报销），支付 7,000.00 元（对方已扣除起付线 300.00 元），本次按已付金额计入，不再重复支付');
    // serious: 3,000 left, 1,000 below its deductible, 50% of 2,000
    expect(t.owed).toEqual({ basic: '0.00', seriousIllness: '1000.00' });
    expect(trace([basic({})], { inPolicy: '100.00' }).owed).toBeUndefined();
  });

  it('the slip lists the diagnoses and what each fund owes; the NHSA detail gives owed_payamt', async () => {
    const { renderSlip } = await import('../../src/explain/slip.js');
    const { toNhsa } = await import('../../src/explain/nhsa.js');
    const t = trace([basic({}), serious], { inPolicy: '10000.00' }, {}, 'settled', { paidElsewhere: { basic: { payout: '7000.00' } } });
    const result = { ...t, year: 2018, accumulators: {}, rulesetId: t.rulesetId } as unknown as Parameters<typeof renderSlip>[0]['result'];
    const diagnoses = [{ code: 'I63.900', name: '脑梗死' }];
    const html = renderSlip({
      id: 'JS-1', status: 'settled', billNo: 'B-1', hospital: { code: 'H1', name: '北京某医院', tier: 'county' }, region: { code: '152200', name: '兴安盟' },
      person: { id: 'P1', name: '张三', idNumber: '152201********1234' }, visit: { type: 'inpatient', admitted: '2018-03-01', discharged: '2018-03-10' },
      createdAt: '2018-03-10T02:00:00.000Z', reversedAt: null, reversalReason: null, rulesetId: 'test-2018', rulesetTitle: '测试规则', rulesetHash: 'a'.repeat(64),
      result, diagnoses, sentences: t.steps.map((x) => x.sentence), summary: t.summary,
    });
    expect(html).toContain('主要诊断 I63.900 脑梗死');
    expect(html).toContain('其中 基本医保 7,000.00 元 已在他处结算，本次不再支付；本次应由各项保障支付：基本医保 0.00 元、大病保险 1,000.00 元。');
    const n = toNhsa({ id: 'JS-1', status: 'settled', billNo: 'B-1', person: { id: 'P1', name: '张三', idNumber: 'x' }, hospital: { code: 'H1', name: 'h', regionCode: '152200' }, visit: { type: 'inpatient', admitted: '2018-03-01', discharged: '2018-03-10' }, createdAt: '2018-03-10T02:00:00.000Z', result, sentences: [] });
    expect(n.setldetail.map((d) => [d.fund, d.fund_payamt, d.owed_payamt])).toEqual([
      ['basic', '7000.00', '0.00'],
      ['seriousIllness', '1000.00', '1000.00'],
    ]);
  });

  it('a step for some diseases only says which diagnosis met it', () => {
    const pkg = { id: 'pkg', name: '医疗救助（签约服务包）', fund: 'assistance', kind: 'floor', floor: '0.90', denominator: 'inPolicy', when: { diagnoses: ['I10'], anyDiagnosis: true }, source: 'src1' };
    const diagnoses = [{ code: 'K29.500', name: '慢性胃炎' }, { code: 'I10.x00', name: '原发性高血压' }];
    const t = trace([basic({ ratio: '0.60' }), pkg], { inPolicy: '100.00' }, {}, 'settled', { diagnoses });
    expect(t.diagnoses).toEqual(diagnoses);
    expect(t.steps[1]!.sentence).toBe('医疗救助：确保政策范围内费用的报销比例不低于 90%，补足 30.00 元（政策范围内费用 100.00 元的 90% 为 90.00 元，前面各项已报销 60.00 元）（本项只适用于规定病种，本次诊断 I10.x00 原发性高血压 属于规定病种）');
  });
});

describe('citations, estimates and the summary', () => {
  it('each step cites its source from the ruleset; field citations and estimates come from the rules document', () => {
    const t = trace([basic({ annualCap: '10000.00', cite: { annualCap: 'src2' }, estimates: { ratio: '没有找到公开数值，按邻近地区估算' } }), { id: 'x', fund: 'assistance', kind: 'coinsurance', ratio: '0.5' }], { inPolicy: '100.00' });
    expect(t.steps[0]!.citation).toEqual({ sourceId: 'src1', title: '测试政策文件', file: 'a.txt' });
    expect(t.steps[0]!.fieldCitations).toEqual({ annualCap: { sourceId: 'src2', title: '另一份文件', url: 'https://example.org/policy' } });
    expect(t.steps[0]!.estimates).toEqual({ ratio: '没有找到公开数值，按邻近地区估算' });
    expect(t.steps[1]!.citation).toBeNull();
    expect(t.steps[1]!.estimates).toBeNull();
    expect(t.steps[1]!.fieldCitations).toBeNull();
    expect(t.rulesetFile).toBe('test.yaml');
  });

  it('one summary sentence; a reversed settlement says so', () => {
    const t = trace([basic({ ratio: '0.50' })], { inPolicy: '800.00', outOfCatalog: '200.00' }, {}, 'reversed');
    expect(t.summary).toBe('本次住院总费用 1,000.00 元，其中政策范围内 800.00 元；基本医保共报销 400.00 元，实际报销比例 40.00%，个人支付 600.00 元（该结算已撤销，以上金额不再支付）。');
  });
});

describe('amounts in Chinese capitals (人民币大写)', () => {
  it.each([
    ['0.00', '零元整'],
    ['0.50', '伍角'],
    ['0.05', '伍分'],
    ['10.00', '壹拾元整'],
    ['1005.00', '壹仟零伍元整'],
    ['1000.50', '壹仟元伍角'],
    ['100.05', '壹佰元零伍分'],
    ['4543.57', '肆仟伍佰肆拾叁元伍角柒分'],
    ['20304.06', '贰万零叁佰零肆元零陆分'],
    ['100010.00', '壹拾万零壹拾元整'],
    ['105666.25', '壹拾万伍仟陆佰陆拾陆元贰角伍分'],
    ['1000000001.01', '壹拾亿零壹元零壹分'],
  ])('%s → %s', (amount, text) => {
    expect(rmbUpper(amount)).toBe(text);
  });
});

describe('diffJson', () => {
  it('names each differing leaf by path', () => {
    expect(diffJson({ a: '1', steps: [{ payout: '2.00' }, { payout: '3.00' }], funds: { basic: '1.00' } }, { a: '1', steps: [{ payout: '2.00' }, { payout: '3.50' }], funds: {} })).toEqual([
      { path: 'funds.basic', stored: '1.00', recomputed: null },
      { path: 'steps[1].payout', stored: '3.00', recomputed: '3.50' },
    ]);
  });
});
