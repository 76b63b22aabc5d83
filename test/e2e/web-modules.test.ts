/**
 * The pages' own logic, without a browser: money formatting and fen arithmetic (never a float), and
 * reading pasted or uploaded bills (JSON, CSV with Chinese or English headers, spreadsheet paste).
 * The modules are the very files the browser loads from web/assets/js.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '../helpers.js';
import { ROOT } from '../http/fixture.js';

const JS = join(ROOT, 'web', 'assets', 'js');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Mod = any;
let money: Mod;
let bill: Mod;
beforeAll(async () => {
  money = await import(pathToFileURL(join(JS, 'money.js')).href);
  bill = await import(pathToFileURL(join(JS, 'bill.js')).href);
});

describe('money.js', () => {
  it('formats amounts with thousands separators and two decimals, from strings, by splitting not by floats', () => {
    expect(money.formatAmount('0.00')).toBe('0.00');
    expect(money.formatAmount('1580.74')).toBe('1,580.74');
    expect(money.formatAmount('2379656.2')).toBe('2,379,656.20');
    expect(money.formatAmount('123456789012.34')).toBe('123,456,789,012.34');
    expect(money.formatAmount('-66261.63')).toBe('-66,261.63');
    expect(money.formatAmount('12')).toBe('12.00');
    // Exact trace values with more decimals are rounded half-up for display only.
    expect(money.formatAmount('10331.425')).toBe('10,331.43');
    expect(money.formatAmount(null)).toBe('—');
    expect(money.formatAmount('abc')).toBe('—');
    // A value a float would get wrong.
    expect(money.formatAmount('9007199254740993.01')).toBe('9,007,199,254,740,993.01');
  });

  it('formats ratios exactly', () => {
    expect(money.formatRatio('0.75')).toBe('75%');
    expect(money.formatRatio('0.9000', 2)).toBe('90.00%');
    expect(money.formatRatio('0.8155', 2)).toBe('81.55%');
    expect(money.formatRatio('0.055')).toBe('5.5%');
    expect(money.formatRatio('1')).toBe('100%');
  });

  it('computes an item amount as unit price × quantity half-up to the fen, like the API (decimal.js)', () => {
    const amount = (p: string, q: string) => money.fenToString(money.lineAmountFen(money.parseFen(p), money.parseDecimal(q, 4)));
    expect(amount('8.34', '2.5')).toBe('20.85');
    expect(amount('0.10', '3')).toBe('0.30');
    expect(amount('25.54', '4')).toBe('102.16');
    expect(amount('0.05', '0.1')).toBe('0.01'); // 0.005 → half-up
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999 }), fc.integer({ min: 1, max: 99_999_999 }), fc.integer({ min: 0, max: 4 }), (priceFen, qUnits, qScale) => {
        const price = new Decimal(priceFen).div(100);
        const qty = new Decimal(qUnits).div(new Decimal(10).pow(qScale));
        const expected = price.mul(qty).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);
        expect(amount(price.toFixed(2), qty.toFixed(qScale))).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('reads what a clerk types: thousands separators, full-width digits, at most two decimals', () => {
    expect(money.parseFen('1,234.5')).toBe(123450n);
    expect(money.parseFen('１２．３４')).toBe(1234n);
    expect(money.parseFen('1.234')).toBeNull();
    expect(money.parseFen('1e3')).toBeNull();
  });
});

describe('bill.js', () => {
  it('reads a CSV of items with the documented Chinese header, any column order, 甲/乙/丙 and percentages', () => {
    const csv = '\uFEFF名称,编码,类别,先行自付比例,单价,数量,金额,限价\r\n"头孢曲松钠,注射液",D101,乙,10%,25.50,12,306.00,24.00\r\n床位费,Z001,甲类,,40.00,10,400.00,\r\n';
    const r = bill.itemsFromCsv(csv);
    expect(r.errors).toEqual([]);
    expect(r.items).toEqual([
      { code: 'D101', name: '头孢曲松钠,注射液', class: 'B', selfPayRatio: '0.10', unitPrice: '25.50', quantity: '12', amount: '306.00', priceCap: '24.00' },
      { code: 'Z001', name: '床位费', class: 'A', selfPayRatio: '', unitPrice: '40.00', quantity: '10', amount: '400.00', priceCap: '' },
    ]);
  });

  it('reads English headers and tab-separated text pasted from a spreadsheet', () => {
    const tsv = 'code\tname\tclass\tunitPrice\tquantity\nM301\t进口吻合器\tC\t1500.00\t1\n';
    expect(bill.parseImport(tsv).items).toEqual([{ code: 'M301', name: '进口吻合器', class: 'C', selfPayRatio: '', unitPrice: '1500.00', quantity: '1', amount: '', priceCap: '' }]);
  });

  it('refuses a CSV without its header, naming the columns', () => {
    const r = bill.parseImport('D101,头孢,B,0.1,25.50,12\n');
    expect(r.errors[0]).toContain('编码,名称,类别,先行自付比例,单价,数量,金额,限价');
  });

  it('reads a whole bill as JSON (the first of JSON Lines) and every seeded bill round-trips to the same API items', () => {
    const lines = readFileSync(join(ROOT, 'seeds', 'bills.jsonl'), 'utf8').trim().split('\n');
    const r = bill.parseImport(lines.slice(0, 3).join('\n'));
    expect(r.bill.billNo).toBe(JSON.parse(lines[0]!).billNo);
    for (const line of lines) {
      const b = JSON.parse(line) as { items: Record<string, string>[] };
      const items = bill.parseImport(line).items.map(bill.apiItem);
      expect(items).toEqual(b.items.map((it) => ({ ...it })));
    }
  });

  it('flags an imported amount that is not unit price × quantity, and checks numbers as the API will', () => {
    const r = bill.checkItem(bill.rawItem({ code: 'X', class: 'A', unitPrice: '25.54', quantity: '4', amount: '102.00' }));
    expect(r.amount).toBe('102.16');
    expect(r.note).toContain('102.16');
    expect(bill.checkItem(bill.rawItem({ code: 'X', class: 'B', selfPayRatio: '1.5', unitPrice: 'abc', quantity: '0' })).errors).toEqual({
      unitPrice: '单价应为金额，最多两位小数',
      quantity: '数量应大于 0，最多四位小数',
      selfPayRatio: '比例应在 0 与 1 之间，如 0.10 或 10%',
    });
  });

  it('writes items back as CSV that it reads again', () => {
    const items = [bill.rawItem({ code: 'D1', name: '药, "甲"', class: 'B', selfPayRatio: '0.10', unitPrice: '1.00', quantity: '2', amount: '2.00', priceCap: '' })];
    expect(bill.itemsFromCsv(bill.itemsToCsv(items)).items).toEqual(items);
  });
});

describe('samples.js', () => {
  it('each demo bill is the seeded bill it names: the same person, visit, diagnoses and items', async () => {
    const { SAMPLES } = await import(pathToFileURL(join(JS, 'samples.js')).href);
    const seeds = new Map(
      readFileSync(join(ROOT, 'seeds', 'bills.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .map((b) => [b.billNo, b]),
    );
    expect(SAMPLES.length).toBeGreaterThan(0);
    for (const s of SAMPLES as { seed: string; bill: Record<string, unknown> }[]) {
      const seed = seeds.get(s.seed);
      expect(seed, s.seed).toBeDefined();
      for (const k of ['person', 'visit', 'diagnoses', 'items']) expect(s.bill[k], `${s.seed} ${k}`).toEqual(k === 'person' ? { id: seed.person.id } : seed[k]);
      expect((s.bill.hospital as { code: string }).code).toBe(seed.hospital.code);
    }
  });
});
