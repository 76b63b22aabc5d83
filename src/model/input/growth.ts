/**
 * Growth, to project a year ahead, as people write it (`cost=1.06,admissions=1.03` on the command
 * line, `{ cost, admissions }` in the API): exact factors, read from their text as Ratios.
 */
import type { Bill, BillItem } from '../../engine/types.js';
import { fenHalfUp } from '../../money/rounding.js';
import { MoneyFormatError, formatScaled, readDecimal } from '../../money/text.js';
import { RATIO_DIGITS, RATIO_ONE, type Ratio, type Units } from '../../money/units.js';

export interface Growth {
  /** Multiplies every amount of every admission before settling (each rounded half-up to the fen). */
  cost: Ratio;
  /** Multiplies every admission's weight: counts and amounts in the report, not percentiles or ratios. */
  admissions: Ratio;
}

/** A wrong option, with the path of the field or flag it came from. */
export class OptionError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'OptionError';
  }
}

function factor(value: unknown, path: string): Ratio {
  try {
    const r = readDecimal(typeof value === 'string' ? value.trim() : value, { scale: RATIO_DIGITS, min: '0', max: '100' });
    if (r === 0n) throw new MoneyFormatError('增长系数应大于 0');
    return r;
  } catch (e) {
    throw new OptionError(path, `增长系数 ${path}：${e instanceof MoneyFormatError ? e.message : String(e)}`);
  }
}

/** `{ cost?, admissions? }` → Growth (a missing factor is 1), or null when neither is given. */
export function growthFrom(g: { cost?: unknown; admissions?: unknown } | undefined, prefix = 'growth'): Growth | null {
  if (!g || (g.cost === undefined && g.admissions === undefined)) return null;
  return {
    cost: g.cost === undefined ? RATIO_ONE : factor(g.cost, `${prefix}.cost`),
    admissions: g.admissions === undefined ? RATIO_ONE : factor(g.admissions, `${prefix}.admissions`),
  };
}

/** `cost=1.06,admissions=1.03` (either may be left out). */
export function parseGrowthSpec(spec: string): Growth | null {
  const g: { cost?: string; admissions?: string } = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(cost|admissions)\s*=\s*(.+)$/.exec(part);
    if (!m) throw new OptionError('--growth', `--growth 的写法应为 cost=1.06,admissions=1.03（收到 “${part}”）`);
    g[m[1] as 'cost' | 'admissions'] = m[2]!;
  }
  return growthFrom(g, '--growth');
}

/** A factor as the report writes it: exact, without trailing zeros ("1.06", "1"). */
export function factorText(r: Ratio): string {
  return formatScaled(r, RATIO_DIGITS, 0);
}

/**
 * Cost growth: every amount of the admission times the factor, each rounded half-up to the fen
 * (the contract's one half-up rounding). Buckets are scaled one by one; items have their amount, unit
 * price and price cap scaled (quantities and self-pay ratios unchanged), and the engine re-derives the
 * buckets from them.
 */
export function growCost(bill: Bill, factor: Ratio): Bill {
  // Units x Ratio is an exact Product; fenHalfUp is the contract's half-up rounding to the fen.
  const g = (x: Units) => fenHalfUp(x * factor);
  if (bill.buckets) {
    const b = bill.buckets;
    return { ...bill, buckets: { outOfCatalog: g(b.outOfCatalog), overLimit: g(b.overLimit), preSelfPay: g(b.preSelfPay), inPolicy: g(b.inPolicy) } };
  }
  const items: BillItem[] = (bill.items ?? []).map((i) => ({ ...i, amount: g(i.amount), unitPrice: g(i.unitPrice), ...(i.priceCap !== undefined ? { priceCap: g(i.priceCap) } : {}) }));
  return { ...bill, items };
}
