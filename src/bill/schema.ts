/**
 * The bill as JSON (§8), validated with zod: what a hospital window posts and what `onestop settle` reads.
 *
 * Money is a string with at most two decimals (a JSON number is accepted and read from its text).
 * Each item's amount must equal unitPrice x quantity, rounded half-up to the fen: a bill whose lines
 * do not add up is refused rather than settled on numbers nobody can explain.
 */
import * as z from 'zod';
import type { Bill, BillItem, Buckets } from '../engine/types.js';
import { isoDateSchema as isoDate } from '../formats/iso-date.js';
import { unitsHalfUp } from '../money/rounding.js';
import { MoneyFormatError, decimalText, formatScaled, formatUnits, readAmount, readDecimal } from '../money/text.js';
import { QTY_DIGITS, QTY_ONE, RATIO_DIGITS, RATIO_ONE } from '../money/units.js';
import { decimalField } from '../money/zod.js';
import '../errors/zod-locale.js';

// Read straight from the text into fixed-point integers (money/text.ts).
export const amountField = decimalField(readAmount);
const quantityField = decimalField((v) => {
  const q = readDecimal(v, { scale: QTY_DIGITS, decimalsMessage: '数量最多四位小数' });
  if (q <= 0n) throw new MoneyFormatError(`数量应大于 0（收到 "${decimalText(v)}"）`);
  return q;
});
const selfPayRatioField = decimalField((v) => {
  const r = readDecimal(v, { scale: RATIO_DIGITS });
  if (r < 0n || r > RATIO_ONE) throw new MoneyFormatError(`先行自付比例应在 0 至 1 之间（收到 "${decimalText(v)}"）`);
  return r;
});

const code = z.string().trim().min(1, '不能为空').max(64, '最长 64 个字符');

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
    const expected = unitsHalfUp((item.unitPrice * item.quantity) / QTY_ONE);
    if (expected !== item.amount) {
      ctx.addIssue({
        code: 'custom',
        path: ['amount'],
        message: `金额 ${formatUnits(item.amount)} 与单价 × 数量（${formatUnits(item.unitPrice)} × ${formatScaled(item.quantity, 4, 0)} = ${formatUnits(expected)}）不符`,
      });
    }
    if (item.class === 'B' && item.selfPayRatio === undefined) {
      ctx.addIssue({ code: 'custom', path: ['selfPayRatio'], message: '乙类项目须填写先行自付比例 selfPayRatio（0 至 1）' });
    }
    if (item.class !== 'B' && item.selfPayRatio !== undefined && item.selfPayRatio !== 0n) {
      ctx.addIssue({ code: 'custom', path: ['selfPayRatio'], message: '只有乙类（B）项目有先行自付比例' });
    }
  });

export const bucketsSchema = z.strictObject({
  outOfCatalog: amountField,
  overLimit: amountField,
  preSelfPay: amountField,
  inPolicy: amountField,
});

/** A visit type code, and what people are told when one is not (also the fund model's CSV rows). */
export const VISIT_TYPE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const VISIT_TYPE_MESSAGE = '就诊类型应为英文标识，如 inpatient、chronicOutpatient';

const visitSchema = z
  .strictObject({
    type: z.string().regex(VISIT_TYPE, VISIT_TYPE_MESSAGE),
    admitted: isoDate,
    discharged: isoDate,
  })
  .refine((v) => v.admitted <= v.discharged, { path: ['discharged'], message: '出院日期不能早于入院日期' });

/**
 * A diagnosis: its ICD-10 code and name. The code is an upper-case letter followed by digits, with at most
 * one dot (`K80.101`); after the dot the national clinical edition (国家临床版) may write `x` as a
 * placeholder (`I10.x00`, 高血压), so that is taken too.
 */
export const DIAGNOSIS_CODE = /^[A-Z][0-9]+(\.[0-9x]+)?$/;
export const DIAGNOSIS_CODE_MESSAGE = '诊断编码应为 ICD-10 编码，如 "K80.101"、"I10.x00"（一个大写字母，后接数字，最多一个点）';
const diagnosisSchema = z.strictObject({
  code: z.string().regex(DIAGNOSIS_CODE, DIAGNOSIS_CODE_MESSAGE),
  name: z.string().max(200).optional(),
});

/** A payout another payer already made for a step (§3): the amount, and the deductible it applied. */
export const STEP_ID = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const STEP_ID_MESSAGE = '应为规则中的步骤 id，如 "basic"';
const paidElsewhereSchema = z.record(
  z.string().regex(STEP_ID, STEP_ID_MESSAGE),
  z.strictObject({ payout: amountField, deductible: amountField.optional() }),
);

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
    /** The principal diagnosis (主要诊断) first. */
    diagnoses: z.array(diagnosisSchema).max(50, '诊断最多 50 个').optional(),
    /** Payouts already made elsewhere, by step id (the bureau's settlement office; see settle/). */
    paidElsewhere: paidElsewhereSchema.optional(),
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
    ...(b.diagnoses ? { diagnoses: b.diagnoses.map((d) => d.code) } : {}),
    ...(b.paidElsewhere
      ? { paidElsewhere: Object.fromEntries(Object.entries(b.paidElsewhere).map(([id, p]) => [id, { payout: p.payout, deductible: p.deductible ?? 0n }])) }
      : {}),
  };
}
