/**
 * An amount in Chinese capital numerals (人民币大写), as every Chinese receipt prints it next to the
 * figures: "4543.57" → "肆仟伍佰肆拾叁元伍角柒分", "1005.00" → "壹仟零伍元整".
 * Follows the usual finance rules: 壹拾 not 拾, one 零 for a run of zeros, 零 before 分 when 角 is zero,
 * 整 when there are no 角 and 分.
 */
import { unitsHalfUp } from '../money/rounding.js';
import { formatUnits, parseUnits } from '../money/text.js';
import type { Units } from '../money/units.js';

const DIGITS = '零壹贰叁肆伍陆柒捌玖';
const SMALL = ['', '拾', '佰', '仟'];
const BIG = ['', '万', '亿', '万亿'];

function group(g: string): string {
  // g: up to 4 digits, no leading zeros
  let out = '';
  let zero = false;
  const n = g.length;
  for (let i = 0; i < n; i++) {
    const d = Number(g[i]);
    const unit = SMALL[n - 1 - i]!;
    if (d === 0) {
      zero = out.length > 0;
      continue;
    }
    if (zero) out += '零';
    zero = false;
    out += DIGITS[d]! + unit;
  }
  return out;
}

function integerPart(int: string): string {
  const groups: string[] = [];
  for (let end = int.length; end > 0; end -= 4) groups.unshift(int.slice(Math.max(0, end - 4), end));
  let out = '';
  let pendingZero = false;
  groups.forEach((raw, i) => {
    const unit = BIG[groups.length - 1 - i]!;
    const g = raw.replace(/^0+/, '');
    if (!g) {
      pendingZero = out.length > 0;
      return;
    }
    if (out && (pendingZero || raw.startsWith('0'))) out += '零';
    out += group(g) + unit;
    pendingZero = false;
  });
  return out;
}

/** An amount (Units, or decimal text) half-up to the fen, in capital numerals. */
export function rmbUpper(amount: Units | string): string {
  const u = unitsHalfUp(typeof amount === 'bigint' ? amount : parseUnits(amount));
  const negative = u < 0n;
  const [int = '0', frac = '00'] = formatUnits(negative ? -u : u).split('.');
  const jiao = Number(frac[0]);
  const fen = Number(frac[1]);
  const yuan = int === '0' ? '' : `${integerPart(int)}元`;
  let tail = '';
  if (jiao === 0 && fen === 0) tail = '整';
  else {
    if (jiao > 0) tail += `${DIGITS[jiao]}角`;
    if (fen > 0) tail += `${jiao === 0 && yuan ? '零' : ''}${DIGITS[fen]}分`;
  }
  const text = yuan || tail !== '整' ? `${yuan}${tail}` : '零元整';
  return negative ? `负${text}` : text;
}
