/**
 * The model's compact year-to-date ledger against the engine's own YearToDateLedger: the same values
 * read back for every person, through table growth, columns first met mid-run, values beyond the int64
 * range, fractions of a fen, a new year, and the refusal of a date that goes backwards.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BillLineError } from '../../src/cli/settle.js';
import { YearToDateLedger } from '../../src/engine/ledger.js';
import type { AccumulatorChanges, AccumulatorField, Accumulators, Settlement } from '../../src/engine/types.js';
import { parseUnits } from '../../src/money/fixed.js';
import { CompactLedger } from '../../src/model/ledger.js';

const FIELDS: AccumulatorField[] = ['paid', 'deductibleMet', 'cumulative'];

/** What a settlement would have recorded: each change from the current value to `after`. */
function changesTo(current: Accumulators, values: Record<string, Partial<Record<AccumulatorField, bigint>>>): AccumulatorChanges {
  const out: AccumulatorChanges = {};
  for (const [key, fields] of Object.entries(values)) {
    out[key] = {};
    for (const [f, after] of Object.entries(fields) as [AccumulatorField, bigint][]) out[key]![f] = { before: current[key]?.[f] ?? 0n, after };
  }
  return out;
}

/** A reference ledger fed through its public `record`, as a settlement would feed it. */
function recordInto(ref: YearToDateLedger, person: string, year: number, changes: AccumulatorChanges): void {
  ref.record(person, { year, accumulators: changes } as unknown as Settlement);
}

/** Every (key, field) value, absent = 0, of an accumulators object (compact views hold zeros). */
function valuesOf(acc: Accumulators, keys: string[]): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const k of keys) for (const f of FIELDS) out[`${k}.${f}`] = acc[k]?.[f] ?? 0n;
  return out;
}

describe('compact year-to-date ledger', () => {
  it('reads back what the engine ledger holds, for many people, keys and scenarios (property)', () => {
    const keys = ['basic', 'serious', 'oop', 'late'];
    const amount = fc.oneof(
      fc.bigInt({ min: 0n, max: 10n ** 16n }),
      fc.constantFrom(parseUnits('77.775'), 2n ** 63n - 1n, 2n ** 63n, 2n ** 70n + 12345n, -(2n ** 63n), -(2n ** 63n) - 1n),
    );
    const op = fc.record({
      person: fc.integer({ min: 0, max: 3000 }),
      scenario: fc.integer({ min: 0, max: 1 }),
      key: fc.constantFrom(...keys),
      field: fc.constantFrom(...FIELDS),
      value: amount,
      nextYear: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 400 }), (ops) => {
        // 'late' is not known up front: its columns appear mid-run and the rows are laid out again.
        const ledger = new CompactLedger(2, [
          ['basic', 'paid'],
          ['serious', 'cumulative'],
        ]);
        const refs = [new YearToDateLedger(), new YearToDateLedger()];
        const years = new Map<number, number>();
        ops.forEach((o, line) => {
          const id = `P-${o.person}-${'x'.repeat(o.person % 20)}`;
          let year = years.get(o.person) ?? 2018;
          if (o.nextYear && years.has(o.person)) year++;
          years.set(o.person, year);
          const row = ledger.enter(id, `${year}-01-01`, line + 2);
          for (let s = 0; s < 2; s++) {
            const current = ledger.read(row, s);
            expect(valuesOf(current, keys)).toEqual(valuesOf(refs[s]!.get(id, year), keys));
            if (s !== o.scenario) continue;
            const changes = changesTo(current, { [o.key]: { [o.field]: o.value } });
            recordInto(refs[s]!, id, year, changes);
            ledger.write(row, s, changes);
          }
        });
        // And at the end, every person in both scenarios.
        for (const [p, year] of years) {
          const id = `P-${p}-${'x'.repeat(p % 20)}`;
          const row = ledger.enter(id, `${year}-12-31`, 1);
          for (let s = 0; s < 2; s++) expect(valuesOf(ledger.read(row, s), keys)).toEqual(valuesOf(refs[s]!.get(id, year), keys));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('keeps a person on one row across table growth, and counts people', () => {
    const ledger = new CompactLedger(1, [['basic', 'paid']]);
    const rows = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) rows.set(`ID${i * 7919}`, ledger.enter(`ID${i * 7919}`, '2018-01-01', i + 2));
    for (const [id, row] of rows) expect(ledger.enter(id, '2018-06-01', 1)).toBe(row);
    expect(ledger.people).toBe(20_000);
    expect(new Set(rows.values()).size).toBe(20_000);
  });

  it('only the keys asked for are filled; the others read as absent', () => {
    const ledger = new CompactLedger(1, [
      ['basic', 'paid'],
      ['chronic', 'paid'],
    ]);
    const row = ledger.enter('P1', '2018-01-01', 2);
    ledger.write(row, 0, changesTo({}, { basic: { paid: 5n }, chronic: { paid: 7n } }));
    const inpatient = ['basic'];
    const acc = ledger.read(row, 0, inpatient);
    expect(acc.basic?.paid).toBe(5n);
    expect(acc.chronic?.paid).toBeUndefined();
    expect(ledger.read(row, 0).chronic?.paid).toBe(7n);
  });

  it('refuses a discharge date earlier than the person’s previous one, naming both lines', () => {
    const ledger = new CompactLedger(2);
    ledger.enter('P1', '2018-03-01', 2);
    ledger.enter('P2', '2018-01-01', 3);
    let error: unknown;
    try {
      ledger.enter('P1', '2018-02-01', 4, 'A2');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BillLineError);
    expect((error as Error).message).toContain('第 4 行（账单 A2）');
    expect((error as Error).message).toContain('参保人 P1 的出院日期 2018-02-01 早于其第 2 行的 2018-03-01');
  });
});
