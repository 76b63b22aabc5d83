/**
 * /openapi.json: an OpenAPI 3.1 document generated from the zod schemas in schemas.ts (zod 4's own
 * JSON Schema output is draft 2020-12, which is what OpenAPI 3.1 speaks).
 */
import * as z from 'zod';
import { auditOpenApiPaths } from '../audit/openapi.js';
import {
  accumulatorsSchema,
  adjustmentListSchema,
  billSchemaForDocs,
  errorSchema,
  personYearStatementSchema,
  previewSchema,
  reversalAnswerSchema,
  reversalBodySchema,
  rulesetSummarySchema,
  settlementListSchema,
  settlementViewSchema,
} from './schemas.js';

type Schema = z.ZodType;

/** Named schemas (those with a .meta id) go to components.schemas; every document build starts afresh. */
let components: Record<string, unknown> = {};

function json(schema: Schema, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as Record<string, unknown>;
  delete out.$schema;
  const defs = (out.$defs ?? {}) as Record<string, unknown>;
  delete out.$defs;
  const rewrite = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll('"#/$defs/', '"#/components/schemas/')) as Record<string, unknown>;
  for (const [name, def] of Object.entries(defs)) {
    // The same name may be generated for input and output; the input (request) form keeps a suffix.
    const key = io === 'input' && !name.endsWith('Request') && name !== 'Bill' ? `${name}Input` : name;
    components[key] = rewrite(def);
  }
  return rewrite(out);
}

const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: ERROR_TEXT[c] ?? 'error', content: { 'application/json': { schema: json(errorSchema) } } }]));

const ERROR_TEXT: Record<number, string> = {
  400: 'not JSON',
  401: 'no key, or an invalid or revoked key',
  403: 'the key’s role or hospital does not allow this',
  404: 'not found (or not visible to this key)',
  409: 'bill number already settled with other content; or already reversed',
  413: 'body larger than 1 MB',
  422: 'a field is wrong: `issues` lists each field path and what is wrong',
  429: 'too many requests',
  503: 'the outcome of the write is unknown (the SQLite writer thread stopped while it held it, or the PostgreSQL connection was lost at COMMIT). SETTLEMENT_UNCONFIRMED (settle): post the same bill again: a settled one is answered as a replay (200), an unsettled one is settled (201). WRITE_UNCONFIRMED (other writes): read the current state before trying again',
};

const ok = (description: string, schema: Schema) => ({ description, content: { 'application/json': { schema: json(schema) } } });
const body = (schema: Schema) => ({ required: true, content: { 'application/json': { schema: json(schema, 'input') } } });
const pathId = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const q = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });

export function openApiDocument(): Record<string, unknown> {
  components = {};
  const doc = buildDocument();
  (doc.components as Record<string, unknown>).schemas = components;
  return doc;
}

function buildDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'onestop 一站式结算',
      version: '1',
      description:
        'Settles a hospital bill through basic insurance, serious-illness insurance, commercial cover, medical assistance and the government backstop in one pass. Money is a string with two decimals.',
    },
    servers: [{ url: '/' }],
    components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'onestop API key (npx onestop keys create)' } } },
    security: [{ apiKey: [] }],
    paths: {
      '/healthz': { get: { summary: 'liveness and store check', security: [], responses: { '200': { description: 'ok' } } } },
      '/v1/settlements': {
        post: {
          summary: '结算 settle a bill (window, admin)',
          requestBody: body(billSchemaForDocs),
          responses: { '201': ok('settled and stored', settlementViewSchema), '200': ok('replay: this bill was already settled with the same content', settlementViewSchema), ...errors(400, 401, 403, 409, 413, 422, 503) },
        },
        get: {
          summary: 'list settlements (paged; ID numbers masked)',
          parameters: [q('hospital', 'hospital code'), q('person', 'person id'), q('from', 'discharged on or after (YYYY-MM-DD)'), q('to', 'discharged on or before'), q('status', 'settled | reversed'), q('page', '1-based', { type: 'integer' }), q('pageSize', '1..500', { type: 'integer' })],
          responses: { '200': ok('a page of settlements', settlementListSchema), ...errors(401, 403, 422) },
        },
      },
      '/v1/settlements/preview': {
        post: { summary: '预结算 preview: the same computation, nothing stored', requestBody: body(billSchemaForDocs), responses: { '200': ok('what would be paid', previewSchema), ...errors(400, 401, 403, 413, 422) } },
      },
      '/v1/settlements/{id}': {
        get: { summary: 'one settlement', parameters: [pathId], responses: { '200': ok('the settlement', settlementViewSchema), ...errors(401, 404) } },
      },
      '/v1/settlements/{id}/reversal': {
        post: {
          summary: '撤销结算 reverse: takes back what the settlement stands at and settles every later settlement of the person’s year again (应补应退 adjustments, SETTLEMENT.md §4)',
          parameters: [pathId],
          requestBody: { required: false, content: { 'application/json': { schema: json(reversalBodySchema, 'input') } } },
          responses: { '200': ok('reversed, with what settling the rest of the year again changed', reversalAnswerSchema), ...errors(401, 403, 404, 409, 422, 503) },
        },
      },
      '/v1/people/{id}/accumulators': {
        get: { summary: 'a person’s year-to-date accumulators', parameters: [pathId, { ...q('year', 'year', { type: 'integer' }), required: true }], responses: { '200': ok('accumulators', accumulatorsSchema), ...errors(401, 404, 422) } },
      },
      '/v1/adjustments': {
        get: {
          summary: '应补应退 notices: adjustments of settlements (a window key: its own hospital’s, whichever hospital reversed), newest first',
          parameters: [q('hospital', 'hospital of the adjusted settlement'), q('person', 'person id'), q('from', 'reversed on or after (YYYY-MM-DD, Beijing time)'), q('to', 'reversed on or before'), q('page', '1-based', { type: 'integer' }), q('pageSize', '1..500', { type: 'integer' })],
          responses: { '200': ok('a page of adjustments', adjustmentListSchema), ...errors(401, 403, 422) },
        },
      },
      '/v1/people/{id}/years/{year}': {
        get: {
          summary: '年度结算汇总 a person’s year: every settlement, reversal and adjustment in ledger order, running year-to-date, totals per fund',
          parameters: [pathId, { name: 'year', in: 'path', required: true, schema: { type: 'integer' } }, q('format', 'json (default) | text (printable)')],
          responses: { '200': ok('the statement', personYearStatementSchema), ...errors(401, 403, 404, 422) },
        },
      },
      '/v1/whoami': { get: { summary: 'the calling key: id, role, bound hospital', responses: { '200': { description: 'the key' }, ...errors(401) } } },
      '/v1/rulesets': { get: { summary: 'loaded rulesets', responses: { '200': ok('rulesets', z.array(rulesetSummarySchema)), ...errors(401) } } },
      '/v1/rulesets/{id}': { get: { summary: 'one ruleset as written, with its version hash', parameters: [pathId], responses: { '200': { description: 'the rules document' }, ...errors(401, 404) } } },
      ...auditOpenApiPaths({ json, errors }),
    },
  };
}
