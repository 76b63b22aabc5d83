/**
 * Audit, explanation and reconciliation routes (issue 4), under /v1 behind the API key:
 *
 *   GET  /settlements/{id}/trace          every step with its sentence and citation (window: own hospital)
 *   GET  /settlements/{id}?format=nhsa    the settlement in the NHSA platform's setlinfo/setldetail shape
 *   GET  /settlements/{id}/slip           the printable A4 结算单 (text/html)
 *   POST /audits                          recompute audit over a period and/or hospital (auditor, admin),
 *                                         in a thread of its own (audit-thread.ts), in the audit jobs' lane
 *                                         (audit/jobs.ts): never at the same time as an audit job
 *   GET  /reports/receivables             per hospital × fund × month, what the fund owes (JSON or CSV)
 *
 * A window key gets 404 for another hospital's settlement (it does not learn that the id exists) and sees
 * only its own hospital's receivables.
 */
import type { Principal } from '../../access/keys.js';
import type { AuditJobs } from '../../audit/jobs.js';
import { loadStoredSettlement } from '../../explain/context.js';
import { buildTrace, sentencesFor } from '../../explain/explain.js';
import { toNhsa } from '../../explain/nhsa.js';
import { receivables, receivablesCsv } from '../../reports/receivables.js';
import { auditRequestSchema, receivablesQuerySchema, settlementFormatQuerySchema } from '../../audit/schemas.js';
import { renderSlip } from '../../explain/slip.js';
import { loadSlipInput } from '../../explain/slip-data.js';
import { ApiError, forbidden } from '../../errors/api-error.js';
import { parseOr422 } from '../../errors/from-zod.js';
import type { SettlementService } from '../../settle/service.js';
import type { Store } from '../../store/port.js';
import { json, type Route } from '../route.js';
import { catalogueCsv, catalogueReport } from '../../audit/catalogue.js';

/** The slip may show only itself: no scripts, no requests anywhere, framed only by our own pages. */
const SLIP_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

export interface AuditRoutesDeps {
  store: Store;
  settlements: SettlementService;
  /** Where POST /v1/audits runs: the audit jobs' lane. */
  jobs: AuditJobs;
}

const request = (schema: Parameters<typeof parseOr422>[0], value: unknown, prefix: string[] = []) => parseOr422(schema, value, { what: '请求', prefix, unknownKeysApart: true });

export function auditRoutes(ctx: AuditRoutesDeps): Route[] {
  const deps = { store: ctx.store, settlements: ctx.settlements };
  const stored = (id: string, principal: Principal) => loadStoredSettlement(deps, id, principal);

  return [
    {
      method: 'GET',
      path: '/v1/settlements/:id/trace',
      roles: ['window', 'auditor', 'finance'],
      async handle(req) {
        const s = await stored(req.params.id!, req.principal);
        const trace = buildTrace({ id: s.view.id, status: s.view.status, result: s.result, ruleset: s.ruleset, tier: s.tier, diagnoses: s.diagnoses, eligibilityJson: s.row.eligibility_json, catalogueJson: s.row.catalogue_json });
        // With what later reversals changed in it (应补应退), and its figures as they now stand.
        return json({ ...trace, adjustments: s.view.adjustments ?? [], current: s.view.current ?? null });
      },
    },
    {
      // The settlement as stored; with ?format=nhsa, in the national platform's setlinfo/setldetail shape.
      method: 'GET',
      path: '/v1/settlements/:id',
      // The office reads back its settlements (the 二次补偿结算单 prints from the stored view).
      roles: ['window', 'office', 'auditor', 'finance'],
      async handle(req) {
        if (req.query.format === undefined) return json(await ctx.settlements.get(req.params.id!, req.principal));
        request(settlementFormatQuerySchema, req.query, ['query']);
        const s = await stored(req.params.id!, req.principal);
        return json(
          toNhsa({
            id: s.view.id,
            status: s.view.status,
            billNo: s.view.billNo,
            person: s.view.person,
            hospital: s.view.hospital,
            visit: s.view.visit,
            createdAt: s.view.createdAt,
            result: s.result,
            sentences: sentencesFor(s.result, s.ruleset, s.tier, s.diagnoses),
            adjustments: s.view.adjustments,
            catalogueJson: s.row.catalogue_json,
          }),
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/settlements/:id/slip',
      roles: ['window', 'auditor', 'finance'],
      async handle(req) {
        const id = req.params.id!;
        // Access first: a window key gets 404 for another hospital's settlement.
        await ctx.settlements.get(id, req.principal);
        let html: string;
        try {
          html = renderSlip(await loadSlipInput(ctx.store.db, id));
        } catch (e) {
          if (e instanceof ApiError) throw e;
          throw new ApiError(500, 'SLIP_UNAVAILABLE', `结算 ${id} 的结算单无法生成：所用规则版本在库中缺失或已被改动；请联系管理员运行审计（onestop audit）`);
        }
        return {
          text: html,
          type: 'text/html; charset=utf-8',
          headers: { 'Content-Security-Policy': SLIP_CSP, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' },
        };
      },
    },
    {
      method: 'POST',
      path: '/v1/audits',
      roles: ['auditor'],
      body: 'optional',
      async handle(req) {
        return json(await ctx.jobs.audit(request(auditRequestSchema, req.body) as never));
      },
    },
    {
      method: 'GET',
      path: '/v1/audits/catalogue',
      roles: ['auditor'],
      async handle(req) {
        const q = request(receivablesQuerySchema, req.query, ['query']) as { from?: string; to?: string; hospital?: string; format?: 'json' | 'csv' };
        const report = await catalogueReport(ctx.store.db, { from: q.from, to: q.to, hospital: q.hospital });
        if (q.format === 'csv') {
          const name = `catalogue_${q.from ?? 'all'}_${q.to ?? 'all'}${q.hospital ? `_${q.hospital}` : ''}.csv`.replace(/[^\w.-]/g, '_');
          return { text: catalogueCsv(report), type: 'text/csv; charset=utf-8', headers: { 'Content-Disposition': `attachment; filename="${name}"`, 'Cache-Control': 'no-store' } };
        }
        return json(report);
      },
    },
    {
      method: 'GET',
      path: '/v1/reports/receivables',
      roles: ['window', 'auditor', 'finance'],
      async handle(req) {
        const q = request(receivablesQuerySchema, req.query, ['query']) as { from?: string; to?: string; hospital?: string; format?: 'json' | 'csv' };
        const p = req.principal;
        let hospital = q.hospital;
        if (p.role === 'window') {
          if (hospital && hospital !== p.hospitalCode) throw forbidden(`此窗口密钥只能查询医院 ${p.hospitalCode} 的应收款`);
          hospital = p.hospitalCode ?? undefined;
        }
        const report = await receivables(ctx.store.db, { from: q.from, to: q.to, hospital });
        if (q.format === 'csv') {
          const name = `receivables_${q.from ?? 'all'}_${q.to ?? 'all'}${hospital ? `_${hospital}` : ''}.csv`.replace(/[^\w.-]/g, '_');
          return { text: receivablesCsv(report), type: 'text/csv; charset=utf-8', headers: { 'Content-Disposition': `attachment; filename="${name}"`, 'Cache-Control': 'no-store' } };
        }
        return json(report);
      },
    },
  ];
}
