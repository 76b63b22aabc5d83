/**
 * Options of a model run as people write them: growth factors (`cost=1.06,admissions=1.03` on the
 * command line, `{ cost, admissions }` in the API). Factors are exact decimals, read from their text.
 */
import { Decimal, MoneyFormatError, parseDecimal } from '../money/money.js';
import type { Growth } from './runner.js';

export class OptionError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'OptionError';
  }
}

function factor(value: unknown, path: string): Decimal {
  try {
    const d = parseDecimal(typeof value === 'string' ? value.trim() : value, { min: '0', max: '100' });
    if (d.isZero()) throw new MoneyFormatError('增长系数应大于 0');
    return d;
  } catch (e) {
    throw new OptionError(path, `增长系数 ${path}：${e instanceof MoneyFormatError ? e.message : String(e)}`);
  }
}

/** `{ cost?, admissions? }` → Growth (a missing factor is 1), or null when neither is given. */
export function growthFrom(g: { cost?: unknown; admissions?: unknown } | undefined, prefix = 'growth'): Growth | null {
  if (!g || (g.cost === undefined && g.admissions === undefined)) return null;
  return {
    cost: g.cost === undefined ? new Decimal(1) : factor(g.cost, `${prefix}.cost`),
    admissions: g.admissions === undefined ? new Decimal(1) : factor(g.admissions, `${prefix}.admissions`),
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
