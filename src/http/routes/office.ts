/**
 * The bureau's settlement office (经办, issue 24): settlements that never reach a window.
 *
 *   POST /v1/office/settlements           { bill, hospital?, payee, application } → 201 the settlement
 *   POST /v1/office/settlements/preview   the same, nothing stored
 *   POST /v1/office/settlements/:id/reversal   撤销 an office settlement (later ones settled again)
 *   GET  /v1/reports/payments             what each fund pays patients (payee patient), per settlement, CSV too
 *
 * The bill may carry `paidElsewhere` (what the cross-region platform or the family's claim already paid,
 * §3) and may name a hospital outside the register (`hospital: { name, regionCode }`, the bill's
 * `hospital.tier` as declared). The same engine, transaction and accumulators as a window settlement.
 */
import * as z from 'zod';
import { parseOr422 } from '../../errors/from-zod.js';
import { isoDateSchema } from '../../formats/iso-date.js';
import { paymentsCsv, patientPayments } from '../../reports/payments.js';
import type { SettlementService } from '../../settle/service.js';
import type { Store } from '../../store/port.js';
import { json, type Route } from '../route.js';
import { officeApplicationSchema, payeeSchema, reversalBodySchema, text } from '../schemas.js';

export const officeRequestSchema = z.strictObject({
  bill: z.unknown(),
  hospital: z.strictObject({ name: text(100), regionCode: z.string().regex(/^\d{6}$/, '应为 6 位行政区划代码'), regionName: text(50).optional() }).optional(),
  payee: payeeSchema,
  application: officeApplicationSchema,
});

const paymentsQuerySchema = z.strictObject({
  from: isoDateSchema.optional(),
  to: isoDateSchema.optional(),
  format: z.enum(['json', 'csv'], { error: '格式应为 json 或 csv' }).optional(),
});

export function officeRoutes(deps: { store: Store; settlements: SettlementService }): Route[] {
  const read = (body: unknown) => parseOr422(officeRequestSchema, body, { what: '请求' }) as z.infer<typeof officeRequestSchema>;
  return [
    {
      method: 'POST',
      path: '/v1/office/settlements',
      roles: ['office'],
      body: 'json',
      async handle(req) {
        const r = read(req.body);
        const { replay, view } = await deps.settlements.post(r.bill, req.principal, req.principal?.keyId ?? 'office', { hospital: r.hospital, payee: r.payee, application: r.application });
        return json(view, replay ? 200 : 201);
      },
    },
    {
      method: 'POST',
      path: '/v1/office/settlements/preview',
      roles: ['office'],
      body: 'json',
      async handle(req) {
        const r = read(req.body);
        return json(await deps.settlements.preview(r.bill, req.principal, { hospital: r.hospital, payee: r.payee, application: r.application }));
      },
    },
    {
      // 撤销: what the office settled, taken back; every later settlement of the person's year is settled
      // again (应补应退), exactly as a window's reversal does.
      method: 'POST',
      path: '/v1/office/settlements/:id/reversal',
      roles: ['office'],
      body: 'optional',
      async handle(req) {
        const body = parseOr422(reversalBodySchema, req.body, { what: '请求' });
        return json(await deps.settlements.reverse(req.params.id!, req.principal, body.reason));
      },
    },
    {
      method: 'GET',
      path: '/v1/reports/payments',
      roles: ['office', 'finance', 'auditor'],
      async handle(req) {
        const q = parseOr422(paymentsQuerySchema, req.query, { what: '请求', prefix: ['query'] }) as z.infer<typeof paymentsQuerySchema>;
        const report = await patientPayments(deps.store.db, q);
        if (q.format === 'csv') return { text: paymentsCsv(report), type: 'text/csv; charset=utf-8', headers: { 'Content-Disposition': `attachment; filename="payments_${q.from ?? 'all'}_${q.to ?? 'all'}.csv"`, 'Cache-Control': 'no-store' } };
        return json(report);
      },
    },
  ];
}
