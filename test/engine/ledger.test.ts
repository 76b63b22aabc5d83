/**
 * The year-to-date ledger (src/engine/ledger.ts): its compact storage holds exactly what the one rule
 * of accumulators.ts (`addChanges`) gives on plain objects, for every person, year and scenario,
 * through table growth, columns first met mid-run, values beyond the int64 range, fractions of a fen
 * and reversals; and it settles a sequence of bills as the engine does, one after another.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addChanges, type MutableAccumulators } from '../../src/engine/accumulators.js';
import { YearToDateLedger } from '../../src/engine/ledger.js';
import { settle } from '../../src/engine/settle.js';
import type { AccumulatorChanges, AccumulatorField, Accumulators } from '../../src/engine/types.js';
import { parseUnits } from '../../src/money/text.js';
import { rulesetFromDocument } from '../../src/rules/load.js';
import { engineBill, loadCases } from '../helpers.js';

const FIELDS: AccumulatorField[] = ['paid', 'deductibleMet', 'cumulative'];

/** Every (key, field) value, absent = 0 (the ledger holds zeros where plain objects hold nothing). */
function valuesOf(acc: Accumulators, keys: string[]): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const k of keys) for (const f of FIELDS) out[`${k}.${f}`] = acc[k]?.[f] ?? 0n;
  return out;
}

describe('year-to-date ledger', () => {
  it('holds what addChanges gives on plain objects, for many people, years, keys and scenarios (property)', () => {
    const keys = ['basic', 'serious', 'oop', 'late'];
    const amount = fc.oneof(
      fc.bigInt({ min: -(10n ** 16n), max: 10n ** 16n }),
      fc.constantFrom(parseUnits('77.775'), 2n ** 63n - 1n, 2n ** 63n, 2n ** 70n + 12345n, -(2n ** 63n), -(2n ** 63n) - 1n),
    );
    const op = fc.record({
      person: fc.integer({ min: 0, max: 3000 }),
      year: fc.constantFrom(2018, 2019, 2020),
      scenario: fc.integer({ min: 0, max: 1 }),
      key: fc.constantFrom(...keys),
      field: fc.constantFrom(...FIELDS),
      before: amount,
      after: amount,
      reversal: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 400 }), (ops) => {
        // 'late' is not known up front: its columns appear mid-run and the rows are laid out again.
        const ledger = new YearToDateLedger({
          scenarios: 2,
          fields: [
            ['basic', 'paid'],
            ['serious', 'cumulative'],
          ],
        });
        const reference = new Map<string, MutableAccumulators>();
        const id = (p: number) => `P-${p}-${'x'.repeat(p % 20)}`;
        for (const o of ops) {
          const ref = `${o.scenario} ${o.year} ${o.person}`;
          if (!reference.has(ref)) reference.set(ref, {});
          const row = ledger.row(id(o.person), o.year);
          expect(valuesOf(ledger.read(row, o.scenario), keys)).toEqual(valuesOf(reference.get(ref)!, keys));
          const changes: AccumulatorChanges = { [o.key]: { [o.field]: { before: o.before, after: o.after } } };
          addChanges(reference.get(ref)!, changes, o.reversal ? -1 : 1);
          ledger.apply(row, o.scenario, changes, o.reversal ? -1 : 1);
        }
        // And at the end, every person-year in both scenarios, read back by id.
        for (const o of ops) {
          for (let s = 0; s < 2; s++) expect(valuesOf(ledger.get(id(o.person), o.year, s), keys)).toEqual(valuesOf(reference.get(`${s} ${o.year} ${o.person}`) ?? {}, keys));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('keeps a person-year on one row across table growth, and a new year on a row of its own', () => {
    const ledger = new YearToDateLedger({ fields: [['basic', 'paid']] });
    const rows = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) rows.set(`ID${i * 7919}`, ledger.row(`ID${i * 7919}`, 2018));
    for (const [id, row] of rows) expect(ledger.row(id, 2018)).toBe(row);
    expect(ledger.size).toBe(20_000);
    expect(new Set(rows.values()).size).toBe(20_000);
    const next = ledger.row('ID0', 2019);
    expect(next).not.toBe(rows.get('ID0'));
    expect(ledger.read(next).basic?.paid).toBe(0n);
    expect(ledger.get('nobody', 2018)).toEqual({});
  });

  it('only the keys asked for are filled; the others read as absent', () => {
    const ledger = new YearToDateLedger({
      fields: [
        ['basic', 'paid'],
        ['chronic', 'paid'],
      ],
    });
    const row = ledger.row('P1', 2018);
    ledger.apply(row, 0, { basic: { paid: { before: 0n, after: 5n } }, chronic: { paid: { before: 0n, after: 7n } } });
    const inpatient = ['basic'];
    const acc = ledger.read(row, 0, inpatient);
    expect(acc.basic?.paid).toBe(5n);
    expect(acc.chronic?.paid).toBeUndefined();
    expect(ledger.read(row, 0).chronic?.paid).toBe(7n);
  });

  it('starts from loaded values, and lists every person-year it holds (a value at 0 left out)', () => {
    const ledger = new YearToDateLedger();
    ledger.load('P1', 2018, { basic: { paid: parseUnits('1000.00'), deductibleMet: parseUnits('77.775') } });
    ledger.load('P1', 2018, { basic: { paid: parseUnits('1200.00') } });
    ledger.load('P2', 2019, { serious: { cumulative: 2n ** 64n } });
    expect(ledger.get('P1', 2018)).toEqual({ basic: { paid: parseUnits('1200.00'), deductibleMet: parseUnits('77.775') } });
    expect([...ledger.entries()].map(([p, y, acc]) => [p, y, acc.serious?.cumulative])).toEqual([
      ['P1', 2018, undefined],
      ['P2', 2019, 2n ** 64n],
    ]);
  });

  it('settles each case\'s history then its bill exactly as settle() against the year so far', () => {
    for (const c of loadCases().filter((x) => x.history.length > 0)) {
      const { ruleset } = rulesetFromDocument(c.rules, `${c.name}.rules`);
      const ledger = new YearToDateLedger();
      const years = new Map<string, MutableAccumulators>();
      for (const json of [...c.history, c.bill]) {
        const bill = engineBill(json);
        const k = `${bill.person.id} ${bill.visit.discharged.slice(0, 4)}`;
        const ytd = years.get(k) ?? {};
        years.set(k, ytd);
        const expected = settle(bill, ruleset, ytd);
        addChanges(ytd, expected.accumulators);
        expect(ledger.settle(bill, ruleset), c.name).toEqual(expected);
      }
    }
  });
});
