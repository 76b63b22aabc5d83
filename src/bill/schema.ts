/**
 * The bill as JSON (§8), validated with zod: what a hospital window posts and what `onestop settle` reads.
 *
 * Money is a string with at most two decimals (a JSON number is accepted and read from its text).
 * Each item's amount must equal unitPrice x quantity, rounded half-up to the fen: a bill whose lines
 * do not add up is refused rather than settled on numbers nobody can explain.
 */
import * as z from 'zod';
import { Decimal, MoneyFormatError, parseAmount, parseDecimal, roundPayout } from '../money/money.js';
import type { Bill, BillItem, Buckets } from '../engine/types.js';
import '../rules/zod-locale.js';

function decimalField(read: (v: unknown) => Decimal) {
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    try {
      return read(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: e instanceof MoneyFormatError ? e.message : String(e) });
      return z.NEVER;
    }
  });
}

export const amountField = decimalField(parseAmount);
const quantityField = decimalField((v) => {
  const q = parseDecimal(v, { min: '0' });
  if (q.decimalPlaces() > 4) throw new MoneyFormatError('数量最多四位小数');
  if (q.isZero()) throw new MoneyFormatError('数量应大于 0');
  return q;
});
const selfPayRatioField = decimalField((v) => parseDecimal(v, { min: '0', max: '1' }));

const code = z.string().trim().min(1, '不能为空').max(64, '最长 64 个字符');
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
  }, '不是有效日期');

export const itemSchema = z
  .strictObject({
    code,
    name: z.string().max(200).optional(),
    class: z.enum(['A', 'B', 'C'], { error: '目录类别应为 A（甲类）、B（乙类）或 C（丙类/自费）' }),
    selfPayRatio: selfPayRatioField.optional(),
    unitPrice: amountField,
    quantity: quantityField,
    amount: amountField,
    priceCap: amountField.optional(),
  })
  .superRefine((item, ctx) => {
    const expected = roundPayout(item.unitPrice.mul(item.quantity));
    if (!expected.eq(item.amount)) {
      ctx.addIssue({
        code: 'custom',
        path: ['amount'],
        message: `金额 ${item.amount.toFixed(2)} 与单价 × 数量（${item.unitPrice.toFixed(2)} × ${item.quantity.toString()} = ${expected.toFixed(2)}）不符`,
      });
    }
    if (item.class === 'B' && item.selfPayRatio === undefined) {
      ctx.addIssue({ code: 'custom', path: ['selfPayRatio'], message: '乙类项目须填写先行自付比例 selfPayRatio（0 至 1）' });
    }
    if (item.class !== 'B' && item.selfPayRatio !== undefined && !item.selfPayRatio.isZero()) {
      ctx.addIssue({ code: 'custom', path: ['selfPayRatio'], message: '只有乙类（B）项目有先行自付比例' });
    }
  });

export const bucketsSchema = z.strictObject({
  outOfCatalog: amountField,
  overLimit: amountField,
  preSelfPay: amountField,
  inPolicy: amountField,
});

const visitSchema = z
  .strictObject({
    type: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, '就诊类型应为英文标识，如 inpatient、chronicOutpatient'),
    admitted: isoDate,
    discharged: isoDate,
  })
  .refine((v) => v.admitted <= v.discharged, { path: ['discharged'], message: '出院日期不能早于入院日期' });

/**
 * A bill as posted. `hospital.tier` and `person.populations` may be left out where the store knows them
 * (the service fills them in); the CLI, which has no store, needs them in the bill.
 */
export const billInputSchema = z
  .strictObject({
    billNo: code,
    hospital: z.strictObject({ code, tier: z.string().min(1).max(32).optional(), name: z.string().max(200).optional() }),
    person: z.strictObject({
      id: code,
      populations: z.array(z.string().min(1).max(32)).min(1).max(10).optional(),
      name: z.string().max(100).optional(),
      idNumber: z.string().max(32).optional(),
    }),
    visit: visitSchema,
    diagnosis: z.string().max(500).optional(),
    items: z.array(itemSchema).min(1, '账单至少有一项明细').max(5000, '明细最多 5000 项').optional(),
    buckets: bucketsSchema.optional(),
  })
  .superRefine((b, ctx) => {
    if ((b.items === undefined) === (b.buckets === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: '账单应有明细 items，或（测算用）分类金额 buckets，二者取一' });
    }
  });

export type BillInput = z.output<typeof billInputSchema>;

/** The engine's bill, once the tier and populations are known. */
export function toEngineBill(b: BillInput, tier: string, populations: readonly string[]): Bill {
  return {
    billNo: b.billNo,
    hospital: { code: b.hospital.code, tier },
    person: { id: b.person.id, populations },
    visit: b.visit,
    items: b.items as BillItem[] | undefined,
    buckets: b.buckets as Buckets | undefined,
  };
}
