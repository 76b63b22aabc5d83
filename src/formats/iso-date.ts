/**
 * Calendar dates as onestop reads them everywhere (bills, rules files, CSV rows, queries, imports):
 * `YYYY-MM-DD`, a real day of the proleptic Gregorian calendar. One definition, checked in integers.
 */
import * as z from 'zod';

/** Days in each month of a common year; February gains a day in a Gregorian leap year. */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `text.slice(from, to)` as the number YYYYMMDD when it is a valid `YYYY-MM-DD` date, else -1.
 * Read in place, so the model's CSV rows need not cut a string for it.
 */
export function isoDateNumberAt(text: string, from: number, to: number): number {
  if (to - from !== 10 || text.charCodeAt(from + 4) !== 45 || text.charCodeAt(from + 7) !== 45) return -1;
  let v = 0;
  for (let i = 0; i < 10; i++) {
    if (i === 4 || i === 7) continue;
    const c = text.charCodeAt(from + i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  const year = Math.floor(v / 10000);
  const month = Math.floor(v / 100) % 100;
  const day = v % 100;
  if (month < 1 || month > 12 || day < 1) return -1;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= DAYS_IN_MONTH[month - 1]! + (month === 2 && leap ? 1 : 0) ? v : -1;
}

/** Whether `s` is a valid `YYYY-MM-DD` date. */
/** Whether `date` lies in a period whose ends are both inclusive (an absent `to`: open). Dates compare as text. */
export function withinDates(from: string, to: string | null | undefined, date: string): boolean {
  return from <= date && (to === null || to === undefined || date <= to);
}

export function isIsoDate(s: unknown): s is string {
  return typeof s === 'string' && isoDateNumberAt(s, 0, s.length) !== -1;
}

/** An ISO date as the number YYYYMMDD (the caller knows it is valid). */
export function isoDateNumber(iso: string): number {
  return Number(iso.slice(0, 4)) * 10000 + Number(iso.slice(5, 7)) * 100 + Number(iso.slice(8, 10));
}

/** The zod field for a date, with the messages people read. */
export const isoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD')
  .refine((s) => isIsoDate(s), '不是有效日期');
