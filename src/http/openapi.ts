/**
 * /openapi.json: an OpenAPI 3.1 document generated from the zod schemas in schemas.ts (zod 4's own
 * JSON Schema output is draft 2020-12, which is what OpenAPI 3.1 speaks).
 */
import * as z from 'zod';
import { auditOpenApiPaths } from '../audit/openapi.js';
import { officeRequestSchema } from './routes/office.js';
import { modelRequestSchema } from '../model/run/jobs.js';
import {
  accumulatorsSchema,
  adjustmentListSchema,
  billSchemaForDocs,
  errorSchema,
  modelJobSchema,
  modelJobStartedSchema,
  personYearStatementSchema,
  previewSchema,
  reversalAnswerSchema,
  reversalBodySchema,
  rulesetSummarySchema,
  settlementListSchema,
  settlementViewSchema,
  whoamiSchema,
} from './schemas.js';

type Schema = z.ZodType;

/** Named schemas (those with a .meta id) go to components.schemas; every document build starts afresh. */
let components: Record<string, unknown> = {};

function json(schema: Schema, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as Record<string, unknown>;
  delete out.$schema;
  const defs = (out.$defs ?? {}) as Record<string, unknown>;
  delete out.$defs;
  // The same name may be generated for input and output; the input (request) form keeps a suffix, and
  // its references say so.
  const keyOf = (name: string) => (io === 'input' && !name.endsWith('Request') && name !== 'Bill' ? `${name}Input` : name);
  const rewrite = (v: unknown) =>
    JSON.parse(JSON.stringify(v).replace(/"#\/\$defs\/([^"]+)"/g, (_, name: string) => `"#/components/schemas/${keyOf(name)}"`)) as Record<string, unknown>;
  for (const [name, def] of Object.entries(defs)) components[keyOf(name)] = rewrite(def);
  return rewrite(out);
}

const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: ERROR_TEXT[c] ?? 'error', content: { 'application/json': { schema: json(errorSchema) } } }]));

const ERROR_TEXT: Record<number, string> = {
  400: 'not JSON',
  401: 'no key, or an invalid or revoked key',
  403: 'the key’s role or hospital does not allow this',
  404: 'not found (or not visible to this key)',
  409: 'bill number already settled with other content; or already reversed; or (a model report) the run has not finished or failed',
  413: 'body larger than 1 MB',
  415: 'the body is not Content-Type: application/json',
  422: 'a field is wrong: `issues` lists each field path and what is wrong',
  429: 'too many requests',
  503: 'the outcome of the write is unknown (the SQLite writer thread stopped while it held it, or the PostgreSQL connection was lost at COMMIT). SETTLEMENT_UNCONFIRMED (settle): post the same bill again: a settled one is answered as a replay (200), an unsettled one is settled (201). WRITE_UNCONFIRMED (other writes): read the current state before trying again',
};

const ok = (description: string, schema: Schema) => ({ description, content: { 'application/json': { schema: json(schema) } } });
const body = (schema: Schema) => ({ required: true, content: { 'application/json': { schema: json(schema, 'input') } } });
const periodSchema = z.object({ population: z.string(), from: z.string(), to: z.string().nullable(), batch: z.string() });
const membershipSchema = periodSchema.extend({ recordedAt: z.string(), supersededAt: z.string().nullable(), supersededBy: z.string().nullable() });
const personRecordSchema = z.object({
  id: z.string(), name: z.string(), idNumber: z.string().describe('masked'), county: z.string().nullable(), insuredRegion: z.string().nullable(),
  memberships: z.array(membershipSchema), superseded: z.array(membershipSchema), inForce: z.record(z.string(), z.array(periodSchema)),
});
const registerReportSchema = z.object({
  outcome: z.enum(['applied', 'dry-run', 'unchanged']), kind: z.enum(['people', 'hospitals']), file: z.string(), rows: z.number().int(), batch: z.string().nullable(),
  counts: z.record(z.string(), z.number().int()), message: z.string(),
});
const pathId = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const text = (description: string, type: string) => ({ description, content: { [type]: { schema: { type: 'string' } } } });
const q = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });

export function openApiDocument(): Record<string, unknown> {
  components = {};
  const doc = buildDocument();
  doc.paths = foldQueryKeys(doc.paths as Record<string, Record<string, Operation>>);
  (doc.components as Record<string, unknown>).schemas = components;
  return doc;
}

interface Operation {
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: Record<string, unknown> }[];
  responses?: Record<string, { description: string; content?: Record<string, { schema: Record<string, unknown> }> }>;
  [k: string]: unknown;
}

/**
 * A path key may not carry a query string in OpenAPI (`/v1/settlements/{id}?format=nhsa`): such a key
 * (the audit's paths still write the NHSA view that way) is folded into its path as what it is, a query
 * parameter whose value picks the answer's shape. Its parameter's values join the path's own, its 200
 * answer becomes one of the two shapes, and its summary goes to the description.
 */
export function foldQueryKeys(paths: Record<string, Record<string, Operation>>): Record<string, Record<string, Operation>> {
  const out: Record<string, Record<string, Operation>> = {};
  for (const [key, item] of Object.entries(paths)) if (!key.includes('?')) out[key] = item;
  for (const [key, item] of Object.entries(paths)) {
    if (!key.includes('?')) continue;
    const [path, query] = key.split('?') as [string, string];
    const values = new URLSearchParams(query);
    const target = (out[path] ??= {});
    for (const [method, op] of Object.entries(item)) {
      const base = target[method];
      if (!base) {
        target[method] = op;
        continue;
      }
      const params = [...(base.parameters ?? [])];
      for (const p of op.parameters ?? []) {
        if (p.in !== 'query') {
          if (!params.some((q) => q.in === p.in && q.name === p.name)) params.push(p);
          continue;
        }
        const existing = params.find((q) => q.in === 'query' && q.name === p.name);
        const value = values.get(p.name);
        const description = `${p.name}=${value ?? ''}: ${op.summary ?? ''}`;
        if (existing) {
          const e = existing.schema?.enum as unknown[] | undefined;
          existing.schema = { ...existing.schema, ...(e && value ? { enum: [...new Set([...e, value])] } : {}) };
          existing.description = `${existing.description ?? ''}; ${description}`;
        } else params.push({ ...p, required: false, description: `${description}. Without it, the settlement as stored.` });
      }
      base.parameters = params;
      base.description = [base.description, `With ${[...values].map(([k, v]) => `${k}=${v}`).join('&')}: ${op.summary ?? ''}`].filter(Boolean).join('\n\n');
      // Each answer code: the schemas of both shapes, as one of.
      const responses = { ...(base.responses ?? {}) };
      for (const [code, r] of Object.entries(op.responses ?? {})) {
        const mine = responses[code];
        if (!mine) {
          responses[code] = r;
          continue;
        }
        const content = { ...(mine.content ?? {}) };
        for (const [type, c] of Object.entries(r.content ?? {})) {
          const had = content[type]?.schema;
          content[type] = { schema: had && JSON.stringify(had) !== JSON.stringify(c.schema) ? { oneOf: [had, c.schema] } : c.schema };
        }
        responses[code] = { description: mine.description === r.description ? mine.description : `${mine.description}; or, ${[...values].map(([k, v]) => `${k}=${v}`).join('&')}: ${r.description}`, content };
      }
      base.responses = responses;
    }
  }
  return out;
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
      '/healthz': {
        get: {
          summary: 'liveness and store check',
          security: [],
          responses: { '200': ok('the store answers', z.object({ ok: z.literal(true), store: z.enum(['sqlite', 'postgres']), rulesets: z.number().int() })), '500': { description: 'the store does not answer' } },
        },
      },
      '/openapi.json': { get: { summary: 'this document', security: [], responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } } } },
      '/v1/settlements': {
        post: {
          summary: '结算 settle a bill (window, admin): an itemised bill; buckets or paidElsewhere from a window key are 403 (BUCKETS_FORBIDDEN, PAID_ELSEWHERE_FORBIDDEN) with the field’s path',
          requestBody: body(billSchemaForDocs),
          responses: { '201': ok('settled and stored', settlementViewSchema), '200': ok('replay: this bill was already settled with the same content', settlementViewSchema), ...errors(400, 401, 403, 409, 413, 422, 503) },
        },
        get: {
          summary: 'list settlements (paged; ID numbers masked)',
          parameters: [q('hospital', 'hospital code'), q('person', 'person id'), q('from', 'discharged on or after (YYYY-MM-DD)'), q('to', 'discharged on or before'), q('status', 'settled | reversed'), q('sort', 'discharged (default): newest discharge first; settled: newest settlement first', { type: 'string', enum: ['discharged', 'settled'] }), q('page', '1-based', { type: 'integer' }), q('pageSize', '1..500', { type: 'integer' })],
          responses: { '200': ok('a page of settlements', settlementListSchema), ...errors(401, 403, 422) },
        },
      },
      '/v1/settlements/preview': {
        post: { summary: '预结算 preview: the same computation, nothing stored', requestBody: body(billSchemaForDocs), responses: { '200': ok('what would be paid', previewSchema), ...errors(400, 401, 403, 413, 422) } },
      },
      '/v1/settlements/{id}': {
        get: { summary: 'one settlement (window: its hospital’s; office: people insured in its region); an office settlement carries payee, application and billForm', parameters: [pathId], responses: { '200': ok('the settlement', settlementViewSchema), ...errors(401, 404) } },
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
      '/v1/whoami': { get: { summary: 'the calling key: id, role, bound hospital', responses: { '200': ok('the key', whoamiSchema), ...errors(401) } } },
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
      '/v1/rulesets': { get: { summary: 'loaded rulesets', responses: { '200': ok('rulesets', z.array(rulesetSummarySchema)), ...errors(401) } } },
      '/v1/rulesets/{id}': {
        get: {
          summary: 'one ruleset as written, with its version hash',
          parameters: [pathId],
          responses: {
            '200': ok('the rules document (rules/README.md, SETTLEMENT.md §6), as written: each step\'s source and the clause quoted from it, each field\'s own cite', z.object({ id: z.string(), hash: z.string(), file: z.string(), document: z.record(z.string(), z.unknown()) })),
            ...errors(401, 404),
          },
        },
      },
      '/v1/models': {
        post: {
          summary: '基金需求测算 start a fund-needs model run (finance, admin): the store’s settled year or uploaded bills, a ruleset, optionally a what-if (its `label` names it) and growth',
          requestBody: body(modelRequestSchema),
          responses: { '202': ok('started; poll GET /v1/models/{id}', modelJobStartedSchema), ...errors(400, 401, 403, 413, 415, 422, 429) },
        },
      },
      '/v1/models/{id}': {
        get: { summary: 'a model run: its status and progress, and its report once finished', parameters: [pathId], responses: { '200': ok('the run', modelJobSchema), ...errors(401, 403, 404) } },
      },
      '/v1/models/{id}/report.html': {
        get: { summary: 'the finished report as a self-contained page in Chinese (the one `onestop model --out` writes)', parameters: [pathId], responses: { '200': text('text/html; charset=utf-8', 'text/html'), ...errors(401, 403, 404, 409) } },
      },
      '/v1/models/{id}/report.csv': {
        get: { summary: 'the finished report as one CSV table (UTF-8), for spreadsheets', parameters: [pathId], responses: { '200': text('text/csv; charset=utf-8, as an attachment', 'text/csv'), ...errors(401, 403, 404, 409) } },
      },
      '/v1/people/{id}': {
        get: {
          summary: 'a person in the register (ID number masked): memberships with their dates and batches, those a later batch replaced, and what is in force on each `on` date',
          parameters: [pathId, q('on', 'a date (YYYY-MM-DD), repeatable: the memberships in force on it (a visit’s admission and discharge)')],
          responses: { '200': ok('the person', personRecordSchema), ...errors(400, 401, 403, 404) },
        },
      },
      ...Object.fromEntries(
        (['people', 'hospitals'] as const).map((kind) => [
          `/v1/register/${kind}`,
          {
            post: {
              summary: `登记导入 import a ${kind} register file (admin): applied whole or not at all; a file that says what the register says changes nothing`,
              description:
                kind === 'people'
                  ? 'One membership a row: id, name, idNumber, county, insuredRegion, population, from, to (English or Chinese column names). The file states the complete memberships of each person it names for the populations it contains.'
                  : 'One tier period a row: code, name, regionCode, regionName, county, tier, from, to.',
              parameters: [q('dryRun', 'true: say what would change, change nothing', { type: 'string', enum: ['true', 'false'] }), q('source', 'the document that stated it (a notice number)'), q('file', 'the file’s name, recorded with the batch')],
              requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } }, 'application/x-ndjson': { schema: { type: 'string' } } } },
              responses: {
                '200': ok('applied, dry-run, or unchanged, with the counts', registerReportSchema),
                ...errors(401, 403, 415),
                '413': { description: 'the file is larger than 64 MiB; nothing applied', content: { 'application/json': { schema: json(errorSchema) } } },
                '422': { description: 'REGISTER_FILE_INVALID: every bad row in `issues` (line, column, what is wrong); nothing applied', content: { 'application/json': { schema: json(errorSchema) } } },
              },
            },
          },
        ]),
      ),
      '/v1/catalogue': {
        post: {
          summary: '目录导入 import a medical catalogue file (admin): code, name, category, class, selfPayRatio, priceCap, from, to, region; applied whole or not at all',
          parameters: [q('dryRun', 'true: say what would change, change nothing', { type: 'string', enum: ['true', 'false'] }), q('source', 'the document that stated it'), q('file', 'the file’s name, recorded with the batch')],
          requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } }, 'application/x-ndjson': { schema: { type: 'string' } } } },
          responses: {
            '200': ok('applied, dry-run, or unchanged, with the counts', registerReportSchema.extend({ kind: z.literal('catalogue') })),
            ...errors(401, 403, 415),
            '413': { description: 'the file is larger than 64 MiB; nothing applied', content: { 'application/json': { schema: json(errorSchema) } } },
            '422': { description: 'CATALOGUE_FILE_INVALID: every bad row in `issues`; nothing applied', content: { 'application/json': { schema: json(errorSchema) } } },
          },
        },
      },
      '/v1/office/settlements': {
        post: {
          summary: '经办结算 a settlement made at the bureau’s settlement office (office key): a bill that may carry paidElsewhere and name a hospital outside the register, who is paid, the application; the bill may give its four buckets instead of items (依申请救助 on what was settled elsewhere: buckets with paidElsewhere); same engine, transaction and accumulators as a window. The answer carries payee, application and billForm',
          requestBody: body(officeRequestSchema),
          responses: { '201': ok('the settlement', settlementViewSchema), '200': ok('a replay: the settlement as stored', settlementViewSchema), ...errors(400, 401, 403, 409, 415, 422, 429) },
        },
      },
      '/v1/office/settlements/preview': {
        post: { summary: 'the same, nothing stored', requestBody: body(officeRequestSchema), responses: { '200': ok('the computation', z.object({ preview: z.literal(true), rulesetId: z.string(), rulesetHash: z.string(), result: z.record(z.string(), z.unknown()) })), ...errors(400, 401, 403, 415, 422) } },
      },
      '/v1/office/settlements/{id}/reversal': {
        post: {
          summary: '撤销 an office settlement (office key, people insured in its region): as a window’s reversal, every later settlement of the person’s year settled again (应补应退); a window’s settlement is reversed at its window (403 REVERSAL_BY_WINDOW), and a window may not reverse an office settlement (403 REVERSAL_BY_OFFICE)',
          parameters: [pathId],
          requestBody: { required: false, content: { 'application/json': { schema: json(reversalBodySchema, 'input') } } },
          responses: { '200': ok('reversed, with what settling the rest of the year again changed', reversalAnswerSchema), ...errors(401, 403, 404, 409, 422, 503) },
        },
      },
      '/v1/reports/payments': {
        get: {
          summary: '支付清单 what each fund pays patients directly (office settlements with payee patient), per settlement, with reversals and adjustments in their own month; `format=csv` for the payment run',
          parameters: [q('from', 'YYYY-MM-DD'), q('to', 'YYYY-MM-DD'), q('format', 'json (default) or csv', { type: 'string', enum: ['json', 'csv'] })],
          responses: { '200': { description: 'the list (JSON), or the CSV', content: { 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } } } }, ...errors(401, 403, 422) },
        },
      },
      '/v1/catalogue/{code}': {
        get: {
          summary: 'a catalogue entry: its periods, and (with `on` and `region`) the one in force for a hospital region on a date — what the window shows as the clerk types a code',
          parameters: [{ name: 'code', in: 'path', required: true, schema: { type: 'string' } }, q('on', 'a date, YYYY-MM-DD'), q('region', 'the hospital’s region code (6 digits)')],
          responses: { '200': { description: 'the entry', content: { 'application/json': { schema: { type: 'object' } } } }, ...errors(400, 401, 403, 404, 422) },
        },
      },
      '/v1/audits/catalogue': {
        get: {
          summary: '目录稽核 items declared differently from the catalogue: settled on its values (catalogueWins) or refused (strict), per hospital; `format=csv` for a spreadsheet',
          parameters: [q('from', 'discharged (refusals: posted) on or after, YYYY-MM-DD'), q('to', 'on or before'), q('hospital', 'one hospital'), q('format', 'json (default) or csv', { type: 'string', enum: ['json', 'csv'] })],
          responses: { '200': { description: 'the report (JSON), or the CSV', content: { 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } } } }, ...errors(401, 403, 422) },
        },
      },
      ...auditOpenApiPaths({ json, errors }),
    },
  };
}
