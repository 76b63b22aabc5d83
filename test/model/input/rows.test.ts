/**
 * CSV admission rows: the fast reader (quote-free rows with the four buckets, read in place) gives
 * exactly what the general reader gives, bill for bill and error for error. A row with a quoted field
 * always takes the general reader, and quoting a field does not change its value, so each generated
 * row is read both ways and compared.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsvRecord } from '../../../src/formats/csv.js';
import { InputLineError } from '../../../src/formats/line-error.js';
import { csvLayout, rowFromCsv, type CsvLayout } from '../../../src/model/input/csv-rows.js';
import { parseWeight } from '../../../src/model/input/weights.js';
import { runModel } from '../../../src/model/run/runner.js';
import { parseUnits } from '../../../src/money/text.js';
import { resolveRuleset } from '../../../src/rules/resolve.js';
import { Decimal } from '../../helpers.js';

const HEADER = 'billNo,person,population,tier,hospital,visitType,admitted,discharged,outOfCatalog,overLimit,preSelfPay,inPolicy';

function outcome(text: string, layout: CsvLayout) {
  try {
    // `date` is a hint the fast reader adds; everything else must be the same.
    const { date: _date, ...row } = rowFromCsv(text, 7, layout);
    return { row };
  } catch (e) {
    if (e instanceof InputLineError) return { error: e.message };
    throw e;
  }
}

/** The same record with its first field quoted: the general reader, same fields. */
const quoted = (text: string) => `"${text.slice(0, text.indexOf(','))}"${text.slice(text.indexOf(','))}`;

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const amount = fc.oneof(
  fc.integer({ min: 0, max: 99_999_999 }).map((f) => `${Math.floor(f / 100)}.${String(f % 100).padStart(2, '0')}`),
  fc.integer({ min: 0, max: 99_999 }).map(String),
  pick(['0', '0.5', '12.5', '007', '1.', '.5', '-1', '1.005', ' 3.00', '3.00 ', '', '1e3', '999999999999.99', '1000000000000', '0.00', 'abc']),
);
const date = fc.oneof(
  fc.date({ min: new Date('2017-12-25'), max: new Date('2019-01-05'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  pick(['2018-02-30', '2018-13-01', '0018-01-01', '2018-1-01', '2018/01/01', '', ' 2018-03-01', '2018-03-01 ']),
);
const text = (values: readonly string[]) => pick(values);

describe('CSV rows: the fast reader equals the general one', () => {
  const layout = csvLayout(parseCsvRecord(HEADER));
  it('for well-formed and malformed rows alike (property)', () => {
    const row = fc.tuple(
      text(['SY1', '', ' B-2 ', 'BILL-0000000000012']),
      text(['P1', 'SYP-579946', ' P2', '', 'PERSON-1234567890123']),
      text(['poverty', 'resident', 'poverty|resident', ' poverty ', '', '|', 'resident;poverty']),
      text(['county', 'league', ' township', '', 'outOfProvince']),
      text(['H-1', '', ' H 2 ']),
      text(['inpatient', '', 'chronicOutpatient', '1bad', ' inpatient']),
      date,
      date,
      amount,
      amount,
      amount,
      amount,
      fc.integer({ min: 0, max: 3 }),
    );
    fc.assert(
      fc.property(row, ([billNo, person, population, tier, hospital, visitType, admitted, discharged, oc, ol, ps, ip, cut]) => {
        // Sometimes fewer fields than the header has.
        const fields = [billNo, person, population, tier, hospital, visitType, admitted, discharged, oc, ol, ps, ip];
        const line = fields.slice(0, fields.length - (cut === 3 ? 2 : 0)).join(',');
        expect(outcome(line, layout)).toEqual(outcome(quoted(line), layout));
      }),
      { numRuns: 3000 },
    );
  });

  it('with diagnoses and paidElsewhere columns too (property)', () => {
    const wide = csvLayout(parseCsvRecord(`${HEADER},diagnoses,paidElsewhere`));
    const row = fc.tuple(
      amount,
      text(['', 'I10.x00', 'I63.900|I10.x00', 'C34', ' E11.9 ', 'i10', 'I10.1.2', 'I10|', 'K80.101;E11']),
      text(['', 'basic:8200.00', 'basic:8200.00:600.00', 'basic:1|serious:2.5', 'basic', 'basic:x', 'basic:1|basic:2', '1bad:1', 'basic:-1', 'basic:1:2:3']),
    );
    fc.assert(
      fc.property(row, ([ip, diagnoses, paid]) => {
        const line = `B1,P1,poverty,county,H-1,inpatient,2018-03-01,2018-03-04,0,0,0,${ip},${diagnoses},${paid}`;
        expect(outcome(line, wide)).toEqual(outcome(quoted(line), wide));
      }),
      { numRuns: 1000 },
    );
    const r = rowFromCsv('B1,P1,poverty,county,H-1,inpatient,2018-03-01,2018-03-04,0,0,0,10000.00,I63.900|I10.x00,basic:8200.00:600.00|serious:1', 2, wide);
    expect(r.bill.diagnoses).toEqual(['I63.900', 'I10.x00']);
    expect(r.bill.paidElsewhere).toEqual({ basic: { payout: parseUnits('8200.00'), deductible: parseUnits('600.00') }, serious: { payout: parseUnits('1.00'), deductible: 0n } });
    expect(() => rowFromCsv('B1,P1,poverty,county,H-1,inpatient,2018-03-01,2018-03-04,0,0,0,1,i10,basic:x', 2, wide)).toThrow(
      /第 2 行（账单 B1）：diagnoses：诊断编码应为 ICD-10 编码.*（收到 "i10"）；paidElsewhere\.basic：/,
    );
  });

  it('reads a typical row into Units, with the discharge date as a number', () => {
    const r = rowFromCsv('SY2018-0000001,SYP-579946,poverty,league,H-league,inpatient,2018-01-01,2018-01-02,650.17,114.88,321.6,5213', 2, layout);
    expect(r.bill).toEqual({
      billNo: 'SY2018-0000001',
      hospital: { code: 'H-league', tier: 'league' },
      person: { id: 'SYP-579946', populations: ['poverty'] },
      visit: { type: 'inpatient', admitted: '2018-01-01', discharged: '2018-01-02' },
      buckets: { outOfCatalog: parseUnits('650.17'), overLimit: parseUnits('114.88'), preSelfPay: parseUnits('321.60'), inPolicy: parseUnits('5213.00') },
    });
    expect(r.date).toBe(20180102);
  });
});

/**
 * A weight by an oracle written here: a plain decimal (no exponent, no leading zero, at most eight
 * places) from 0 to 1,000,000 with at most six significant places, in millionths; else the message.
 */
function expectedWeight(value: unknown): number | string {
  const message = (m: string) => `第 3 行：w：${m}`;
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return message('权重不能为空');
  const text = typeof value === 'string' ? value.trim() : String(value);
  if (/^-?(0|[1-9]\d{0,11})\.\d{9,}$/.test(text)) return message(`不是有效数值：最多 8 位小数（收到 "${text}"），不能四舍五入`);
  if (!/^-?(0|[1-9]\d{0,11})(\.\d{1,8})?$/.test(text)) return message(`不是有效数值（收到 "${text}"）`);
  const d = new Decimal(text);
  if (d.lt(0)) return message(`不能小于 0（收到 "${text}"）`);
  if (d.gt(1_000_000)) return message(`不能大于 1000000（收到 "${text}"）`);
  if (d.decimalPlaces() > 6) return message('权重最多六位小数');
  // "-0" weighs exactly as 0 does.
  return d.mul(1_000_000).toNumber() + 0;
}

describe('weights and class-mix shares', () => {
  it('a weight is an exact decimal in millionths, or a message naming the problem', () => {
    const texts = ['1', '0', '2.5', '0.000001', '0.0000001', '1.50000000', '1000000', '1000000.000001', '-0', '-1', '1e3', '', ' 3 ', 'x', '0.12345678', '0.123456780', '7.000000000'];
    for (const t of [...texts, 2, 0.5, 1e-7, 12.25]) {
      let got: number | string;
      try {
        got = parseWeight(t, 3, 'w');
      } catch (e) {
        got = (e as Error).message;
      }
      expect(got, String(t)).toEqual(expectedWeight(t));
    }
  });

  it('a share above 1 or below 0 is refused, and shares are rounded half-up per bucket', () => {
    const layout = csvLayout(parseCsvRecord('person,population,tier,discharged,total,outOfCatalogShare,overLimitShare,preSelfPayShare'));
    expect(() => rowFromCsv('P1,poverty,county,2018-01-01,100.00,1.5,0,0', 2, layout)).toThrow('outOfCatalogShare：不能大于 1（收到 "1.5"）');
    expect(() => rowFromCsv('P1,poverty,county,2018-01-01,100.00,-0.1,0,0', 2, layout)).toThrow('outOfCatalogShare：不能小于 0（收到 "-0.1"）');
    expect(() => rowFromCsv('P1,poverty,county,2018-01-01,100.00,0.5,0.4,0.2', 2, layout)).toThrow('三类自费构成比例之和超过 1');
    const b = rowFromCsv('P1,poverty,county,2018-01-01,0.05,0.5,0.3,0.1', 2, layout).bill.buckets!;
    // 0.05 x 0.5 = 0.025 → 0.03; x 0.3 = 0.015 → 0.02 but only 0.02 is left; x 0.1 = 0.005 → 0.01 but 0 is left.
    expect(b).toEqual({ outOfCatalog: parseUnits('0.03'), overLimit: parseUnits('0.02'), preSelfPay: 0n, inPolicy: 0n });
    expect(new Decimal('0.05').mul('0.5').toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2)).toBe('0.03');
  });

  it('a row without a person is refused with its line, in threads and in-thread', async () => {
    const text = [HEADER, 'A1,P1,poverty,county,H,inpatient,2018-01-01,2018-01-01,1.00,0,0,100.00', 'A2, ,poverty,county,H,inpatient,2018-01-02,2018-01-02,1.00,0,0,100.00'].join('\n');
    for (const workers of [0, 2]) {
      await expect(runModel({ rules: resolveRuleset('xingan-2018'), source: { kind: 'text', text, format: 'csv' }, workers })).rejects.toThrow('第 3 行：person：不能为空');
    }
  });
});

describe('JSON Lines rows', () => {
  it('numbers are read from their text, and a key written twice is refused with its line and path', async () => {
    const { rowFromJson } = await import('../../../src/model/input/json-rows.js');
    const flat = rowFromJson('{"person":"P1","population":"poverty","tier":"county","discharged":"2018-03-04","outOfCatalog":0,"overLimit":0,"preSelfPay":0,"inPolicy":1234.5,"diagnoses":["I10.x00"],"paidElsewhere":{"basic":{"payout":100.1}}}', 4);
    expect(flat.bill.buckets!.inPolicy).toBe(parseUnits('1234.50'));
    expect(flat.bill.diagnoses).toEqual(['I10.x00']);
    expect(flat.bill.paidElsewhere).toEqual({ basic: { payout: parseUnits('100.10'), deductible: 0n } });
    // a number a double cannot hold is refused as written, not rounded to 100000000000.00
    expect(() => rowFromJson('{"person":"P1","population":"poverty","tier":"county","discharged":"2018-03-04","outOfCatalog":0,"overLimit":0,"preSelfPay":0,"inPolicy":99999999999.999999}', 5)).toThrow(
      '99999999999.999999',
    );
    expect(() => rowFromJson('{"person":"P1","person":"P2","population":"poverty","tier":"county","discharged":"2018-03-04","total":1}', 6)).toThrow('第 6 行：person：键 "person" 在同一对象中出现了两次');
    // a §8 bill line takes the bill's diagnoses as the bill parser reads them
    const s8 = rowFromJson(JSON.stringify({ billNo: 'B', hospital: { code: 'H', tier: 'county' }, person: { id: 'P', populations: ['poverty'] }, visit: { type: 'inpatient', admitted: '2018-01-01', discharged: '2018-01-02' }, buckets: { outOfCatalog: '0', overLimit: '0', preSelfPay: '0', inPolicy: '1' }, diagnoses: [{ code: 'C34.900', name: '肺癌' }] }), 7);
    expect(s8.bill.diagnoses).toEqual(['C34.900']);
  });
});
