/**
 * What an office (经办, issue 24) settlement is made on besides the bill: who is paid and the application.
 * One schema: the request is validated with it (http/routes/office.ts), the answer documented with it
 * (http/schemas.ts), and the types below are read from it.
 */
import * as z from 'zod';
import { isoDateSchema } from '../formats/iso-date.js';

/** A required short text of a request: trimmed, not empty, at most `max` characters. */
export const text = (max: number) => z.string().trim().min(1, '不能为空').max(max, `最长 ${max} 个字符`);

/** Who an office settlement pays: the hospital, or the patient (to the application's account). */
export const payeeSchema = z.enum(['hospital', 'patient'], { error: '收款方应为 hospital（医院）或 patient（参保人）' });

/** The application an office settlement is made on: who applied, the documents seen, the approval. */
export const officeApplicationSchema = z.strictObject({
  applicant: text(50).describe('who applied (the patient or a family member)'),
  relation: text(20).optional().describe('the applicant to the patient: 本人, 配偶, 子女 …'),
  documents: z.array(text(100)).min(1, '至少列出一份已查验的材料').max(30).describe('documents seen: 异地结算单, 发票, 出院小结 …'),
  approvedBy: text(50),
  approvedOn: isoDateSchema,
  reference: text(64).optional().describe('the approval number'),
  bankAccount: text(64).optional().describe('where a patient is paid'),
});

export type Payee = z.infer<typeof payeeSchema>;
export type OfficeApplication = z.infer<typeof officeApplicationSchema>;
