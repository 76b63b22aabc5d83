/**
 * The one date check (src/formats/iso-date.ts): a real day of the proleptic Gregorian calendar, checked in
 * integers. The oracle is JavaScript's own Date round trip, over every month and day around the edges of
 * the years that matter (leap rules of 4, 100 and 400; years 0000 and 9999).
 */
import { describe, expect, it } from 'vitest';
import { isIsoDate, isoDateNumber, isoDateNumberAt, isoDateSchema } from '../../src/formats/iso-date.js';

const viaDate = (s: string) => {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
};
const pad = (v: number, w: number) => String(v).padStart(w, '0');

describe('ISO dates', () => {
  it('agrees with the Date round trip on every month 0-13 and day 0-32 of the years at the edges', () => {
    let valid = 0;
    for (const y of [0, 1, 4, 99, 100, 400, 1582, 1600, 1700, 1900, 1970, 1999, 2000, 2018, 2020, 2024, 2100, 2400, 9996, 9999]) {
      for (let m = 0; m <= 13; m++) {
        for (let d = 0; d <= 32; d++) {
          const s = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
          expect([s, isIsoDate(s)]).toEqual([s, viaDate(s)]);
          if (isIsoDate(s)) {
            valid++;
            expect(isoDateNumber(s)).toBe(y * 10000 + m * 100 + d);
          }
        }
      }
    }
    expect(valid).toBe(20 * 365 + 9); // nine of the twenty years are leap years: 0, 4, 400, 1600, 2000, 2020, 2024, 2400, 9996
  });

  it('reads a date inside a longer text in place, and refuses anything but YYYY-MM-DD', () => {
    const row = 'P1,2018-02-28,x';
    expect(isoDateNumberAt(row, 3, 13)).toBe(20180228);
    expect(isoDateNumberAt(row, 2, 12)).toBe(-1);
    for (const bad of ['2018-2-28', '20180228', '2018/02/28', ' 2018-02-28', '2018-02-29', '', 'yyyy-mm-dd']) expect(isIsoDate(bad), bad).toBe(false);
    expect(isIsoDate(20180228)).toBe(false);
  });

  it('gives people the two messages of the schema', () => {
    expect(isoDateSchema.safeParse('2018-02-30').error?.issues[0]?.message).toBe('不是有效日期');
    expect(isoDateSchema.safeParse('2018-2-3').error?.issues[0]?.message).toBe('日期格式应为 YYYY-MM-DD');
  });
});
