/**
 * Audit, explanation and reconciliation routes (issue 4), under /v1 behind the API key:
 *
 *   GET  /settlements/{id}/trace          every step with its sentence and citation (window: own hospital)
 *   GET  /settlements/{id}?format=nhsa    the settlement in the NHSA platform's setlinfo/setldetail shape
 *   GET  /settlements/{id}/slip           the printable A4 结算单 (text/html)
 *   POST /audits                          recompute audit over a period and/or hospital (auditor, admin),
 *                                         in a thread of its own (audit-thread.ts), one at a time
 *   GET  /reports/receivables             per hospital × fund × month, what the fund owes (JSON or CSV)
 *
 * A window key gets 404 for another hospital's settlement (it does not learn that the id exists) and sees
 * only its own hospital's receivables.
 */
import type { Express, Request, Response } from 'express';
import { AuditThread } from '../../audit/audit-thread.js';
import { loadStoredSettlement } from '../../audit/context.js';
import { buildTrace, sentencesFor } from '../../audit/explain.js';
import { toNhsa } from '../../audit/nhsa.js';
import { receivables, receivablesCsv } from '../../audit/receivables.js';
import { auditRequestSchema, parseOr422, receivablesQuerySchema, settlementFormatQuerySchema } from '../../audit/schemas.js';
import { renderSlip } from '../../audit/slip.js';
import { loadSlipInput } from '../../audit/slip-data.js';
import { ApiError, forbidden } from '../../service/errors.js';
import type { AppContext } from '../app.js';
import { allow, principalOf } from '../auth.js';

/** The slip may show only itself: no scripts, no requests anywhere, framed only by our own pages. */
const SLIP_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

export function mountAuditRoutes(api: Express, ctx: AppContext): void {
  const deps = { store: ctx.store, settlements: ctx.settlements };
  const audits = new AuditThread(ctx.store);

  api.get('/settlements/:id/trace', allow('window', 'auditor', 'finance'), async (req: Request, res: Response) => {
    const s = await loadStoredSettlement(deps, String(req.params.id), principalOf(res));
    res.json(buildTrace({ id: s.view.id, status: s.view.status, result: s.result, ruleset: s.ruleset, tier: s.tier }));
  });

  // Reached only when app.ts passes a request with ?format= on to the extensions.
  api.get('/settlements/:id', allow('window', 'auditor', 'finance'), async (req: Request, res: Response) => {
    parseOr422(settlementFormatQuerySchema, req.query, ['query']);
    const s = await loadStoredSettlement(deps, String(req.params.id), principalOf(res));
    res.json(
      toNhsa({
        id: s.view.id,
        status: s.view.status,
        billNo: s.view.billNo,
        person: s.view.person,
        hospital: s.view.hospital,
        visit: s.view.visit,
        createdAt: s.view.createdAt,
        result: s.result,
        sentences: sentencesFor(s.result, s.ruleset, s.tier),
      }),
    );
  });

  api.get('/settlements/:id/slip', allow('window', 'auditor', 'finance'), async (req: Request, res: Response) => {
    const id = String(req.params.id);
    // Access first: a window key gets 404 for another hospital's settlement.
    await ctx.settlements.get(id, principalOf(res));
    let html: string;
    try {
      html = renderSlip(await loadSlipInput(ctx.store.db, id));
    } catch (e) {
      if (e instanceof ApiError) throw e;
      throw new ApiError(500, 'SLIP_UNAVAILABLE', `结算 ${id} 的结算单无法生成：所用规则版本在库中缺失或已被改动；请联系管理员运行审计（onestop audit）`);
    }
    res.set('Content-Security-Policy', SLIP_CSP);
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Cache-Control', 'no-store');
    res.type('text/html; charset=utf-8').send(html);
  });

  api.post('/audits', allow('auditor'), async (req: Request, res: Response) => {
    const scope = parseOr422(auditRequestSchema, req.body ?? {});
    res.json(await audits.run(scope));
  });

  api.get('/reports/receivables', allow('window', 'auditor', 'finance'), async (req: Request, res: Response) => {
    const q = parseOr422(receivablesQuerySchema, req.query, ['query']);
    const p = principalOf(res);
    let hospital = q.hospital;
    if (p.role === 'window') {
      if (hospital && hospital !== p.hospitalCode) throw forbidden(`此窗口密钥只能查询医院 ${p.hospitalCode} 的应收款`);
      hospital = p.hospitalCode ?? undefined;
    }
    const report = await receivables(ctx.store.db, { from: q.from, to: q.to, hospital });
    if (q.format === 'csv') {
      const name = `receivables_${q.from ?? 'all'}_${q.to ?? 'all'}${hospital ? `_${hospital}` : ''}.csv`.replace(/[^\w.-]/g, '_');
      res.set('Content-Disposition', `attachment; filename="${name}"`);
      res.set('Cache-Control', 'no-store');
      res.type('text/csv; charset=utf-8').send(receivablesCsv(report));
      return;
    }
    res.json(report);
  });
}
