/**
 * The 18-digit resident identity number (公民身份号码, GB 11643-1999): 6 digits of the address code, 8 of
 * the date of birth, 3 of the sequence, and a check character computed from the 17 before it (ISO 7064
 * MOD 11-2: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, remainder → 1 0 X 9 8 7 6 5 4 3 2).
 */
import { isIsoDate } from '../formats/iso-date.js';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** The check character the first 17 digits call for. */
export function idCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK[sum % 11]!;
}

/** What is wrong with an ID number, in Chinese, or null when it is valid. Never repeats the number. */
export function idNumberProblem(text: string): string | null {
  if (!/^\d{17}[\dX]$/.test(text)) return '身份证号应为 18 位：17 位数字加 1 位校验码（数字或大写 X）';
  const birth = `${text.slice(6, 10)}-${text.slice(10, 12)}-${text.slice(12, 14)}`;
  if (!isIsoDate(birth) || birth < '1880-01-01') return '身份证号中的出生日期无效';
  if (idCheckCharacter(text.slice(0, 17)) !== text[17]) return '身份证号校验码不符（第 18 位）';
  return null;
}
