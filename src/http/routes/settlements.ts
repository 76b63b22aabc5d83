/**
 * The counter's routes and their reads: settle, preview, reverse, list, one settlement, a person's
 * year-to-date, the rulesets, and who a key belongs to.
 */
import { notFound } from '../../errors/api-error.js';
import { parseOr422 } from '../../errors/from-zod.js';
import type { RuleBook } from '../../rules/select.js';
import type { SettlementService } from '../../settle/service.js';
import { settlementBody } from '../../settle/views.js';
import type { Store } from '../../store/port.js';
import { loadPersonYearStatement } from '../../statement/load.js';
import { formatStatement } from '../../statement/text.js';
import { json, type Route, type RouteAnswer } from '../route.js';
import { adjustmentListQuerySchema, listQuerySchema, reversalBodySchema, statementParamsSchema, statementQuerySchema, yearQuerySchema } from '../schemas.js';

export interface SettlementRoutesDeps {
  store: Store;
  rules: RuleBook;
  settlements: SettlementService;
}

const BILL_MEDIA_TYPE = '请以 Content-Type: application/json 提交账单';

export function settlementRoutes({ store, rules, settlements }: SettlementRoutesDeps): Route[] {
  const query = (schema: Parameters<typeof parseOr422>[0], value: unknown) => parseOr422(schema, value, { what: '账单', prefix: ['query'] });
  return [
    {
      // Who the key belongs to: the pages show each role its own work.
      method: 'GET',
      path: '/v1/whoami',
      roles: 'any',
      async handle({ principal: p }) {
        const hospital = p.hospitalCode
          ? await store.db.selectFrom('hospitals').select(['code', 'name', 'tier', 'region_code as regionCode']).where('code', '=', p.hospitalCode).executeTakeFirst()
          : undefined;
        return json({ keyId: p.keyId, role: p.role, hospital: hospital ?? null });
      },
    },
    {
      method: 'POST',
      path: '/v1/settlements/preview',
      roles: ['window'],
      body: 'json',
      mediaTypeMessage: BILL_MEDIA_TYPE,
      async handle({ body, principal }) {
        return { text: JSON.stringify(await settlements.preview(body, principal)) };
      },
    },
    {
      method: 'POST',
      path: '/v1/settlements',
      roles: ['window'],
      body: 'json',
      mediaTypeMessage: BILL_MEDIA_TYPE,
      async handle({ body, principal }): Promise<RouteAnswer> {
        const { replay, view } = await settlements.post(body, principal);
        return { status: replay ? 200 : 201, text: settlementBody(view, { replay }) };
      },
    },
    {
      method: 'GET',
      path: '/v1/settlements',
      roles: ['window', 'auditor', 'finance'],
      async handle(req) {
        return json(await settlements.list(query(listQuerySchema, req.query) as never, req.principal));
      },
    },
    {
      method: 'POST',
      path: '/v1/settlements/:id/reversal',
      roles: ['window'],
      body: 'optional',
      async handle(req) {
        const body = parseOr422(reversalBodySchema, req.body, { what: '账单' });
        return json(await settlements.reverse(req.params.id!, req.principal, body.reason));
      },
    },
    {
      // 应补应退 notices for the window page: adjustments of the key's hospital's settlements, newest first.
      method: 'GET',
      path: '/v1/adjustments',
      roles: ['window', 'auditor', 'finance'],
      async handle(req) {
        return json(await settlements.adjustmentList(query(adjustmentListQuerySchema, req.query) as never, req.principal));
      },
    },
    {
      method: 'GET',
      path: '/v1/people/:id/accumulators',
      roles: ['window', 'auditor', 'finance'],
      async handle(req) {
        const { year } = query(yearQuerySchema, req.query) as { year: number };
        return json(await settlements.accumulators(req.params.id!, year));
      },
    },
    {
      // 年度结算汇总: every settlement, reversal and adjustment of the person's year, in ledger order, with
      // the running year-to-date and the totals per fund; ?format=text for printing.
      method: 'GET',
      path: '/v1/people/:id/years/:year',
      roles: ['window', 'auditor', 'finance'],
      async handle(req) {
        const { year } = parseOr422(statementParamsSchema, { year: req.params.year }, { what: '请求', prefix: ['path'] }) as { year: number };
        const { format } = query(statementQuerySchema, req.query) as { format?: 'json' | 'text' };
        const statement = await loadPersonYearStatement(store, req.params.id!, year);
        if (format === 'text') return { text: formatStatement(statement), type: 'text/plain; charset=utf-8', headers: { 'Cache-Control': 'no-store' } };
        return json(statement);
      },
    },
    {
      method: 'GET',
      path: '/v1/rulesets',
      roles: 'any',
      async handle() {
        return json(
          rules.all.map((l) => ({
            id: l.ruleset.id,
            title: l.ruleset.title,
            region: l.ruleset.region,
            effective: l.ruleset.effective,
            hash: l.hash,
            file: l.file,
            visitTypes: Object.keys(l.ruleset.visits),
          })),
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/rulesets/:id',
      roles: 'any',
      async handle(req) {
        const l = rules.get(req.params.id!);
        if (!l) throw notFound(`规则 ${req.params.id} `);
        return json({ id: l.ruleset.id, hash: l.hash, file: l.file, document: l.document });
      },
    },
  ];
}
