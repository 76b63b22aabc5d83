/**
 * The register over HTTP:
 *
 *   POST /v1/register/people?dryRun=true     a people file (text/csv or application/x-ndjson), admin only
 *   POST /v1/register/hospitals?dryRun=true  a hospitals file, admin only
 *   POST /v1/catalogue?dryRun=true           a catalogue file (医保目录), admin only
 *   GET  /v1/people/{id}?on=YYYY-MM-DD       the person (ID masked), memberships with dates, what is in force
 *
 * A register file is read as it streams in (not buffered against the 1 MB limit of bills), up to its own
 * limit, REGISTER_LIMIT_BYTES. A file with bad rows is a 422 listing every one; nothing is applied.
 */
import { Transform, type Readable } from 'node:stream';
import * as z from 'zod';
import { ApiError, notFound } from '../../errors/api-error.js';
import { isIsoDate } from '../../formats/iso-date.js';
import { importRegister } from '../../register/import.js';
import { mostSpecific } from '../../catalogue/apply.js';
import { describeCatalogueReport, importCatalogue } from '../../catalogue/import.js';
import { personRecord } from '../../register/person.js';
import { describeReport } from '../../register/report.js';
import { regionLineage, type RuleBook } from '../../rules/select.js';
import type { Store } from '../../store/port.js';
import { json, type Route } from '../route.js';
import { parseOr422 } from '../../errors/from-zod.js';

const query = (schema: Parameters<typeof parseOr422>[0], value: unknown) => parseOr422(schema, value, { what: '请求', prefix: ['query'] });

/** 64 MiB: about 600,000 rows of a people file. */
export const REGISTER_LIMIT_BYTES = 64 * 1024 * 1024;

const importQuerySchema = z.object({
  dryRun: z.enum(['true', 'false'], { error: 'dryRun 应为 true 或 false' }).optional(),
  source: z.string().max(200, { error: '依据文件最长 200 个字符' }).optional(),
  file: z.string().max(200, { error: '文件名最长 200 个字符' }).optional(),
});

const catalogueQuerySchema = z.object({
  on: z.string().optional(),
  region: z.string().regex(/^\d{6}$/, { error: '应为 6 位行政区划代码' }).optional(),
});

const personQuerySchema = z.object({
  on: z.union([z.string(), z.array(z.string())]).optional(),
});

function formatOf(contentType: string | undefined): 'csv' | 'jsonl' {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'text/csv') return 'csv';
  if (type === 'application/x-ndjson' || type === 'application/jsonl' || type === 'application/x-jsonlines') return 'jsonl';
  throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', '登记文件请以 Content-Type: text/csv（CSV）或 application/x-ndjson（JSON Lines）提交');
}

/** The body, counted as it passes: past the limit, the read fails with a 413 and nothing is applied. */
function limited(stream: Readable, limit: number): Readable {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > limit) done(new ApiError(413, 'PAYLOAD_TOO_LARGE', `登记文件超过 ${limit / 1024 / 1024} MB 的上限，未做任何更改；请分批导入`));
      else done(null, chunk);
    },
  });
  stream.on('error', (e) => counter.destroy(e));
  return stream.pipe(counter);
}

export function registerRoutes(deps: { store: Store; rules: RuleBook; now?: () => Date }): Route[] {
  const now = deps.now ?? (() => new Date());
  const importRoute = (kind: 'people' | 'hospitals'): Route => ({
    method: 'POST',
    path: `/v1/register/${kind}`,
    roles: [],
    body: 'stream',
    async handle(req) {
      const q = query(importQuerySchema, req.query) as z.infer<typeof importQuerySchema>;
      const format = formatOf(req.headers['content-type']);
      const report = await importRegister(deps.store, deps.rules.vocabulary(), {
        kind,
        input: limited(req.stream!, REGISTER_LIMIT_BYTES),
        format,
        file: q.file ?? `${kind}.${format === 'csv' ? 'csv' : 'jsonl'}`,
        source: q.source ?? null,
        dryRun: q.dryRun === 'true',
        actor: req.principal?.keyId ?? 'admin',
        at: now().toISOString(),
      });
      const message = describeReport(report).at(-1)!;
      if (report.outcome === 'refused') {
        throw new ApiError(
          422,
          'REGISTER_FILE_INVALID',
          message,
          report.problems.map((p) => ({ path: `第 ${p.line} 行${p.column ? ` ${p.column}` : ''}`, message: p.message })),
        );
      }
      return json({ ...report, message });
    },
  });
  return [
    importRoute('people'),
    importRoute('hospitals'),
    {
      method: 'POST',
      path: '/v1/catalogue',
      roles: [],
      body: 'stream',
      async handle(req) {
        const q = query(importQuerySchema, req.query) as z.infer<typeof importQuerySchema>;
        const format = formatOf(req.headers['content-type']);
        const report = await importCatalogue(deps.store, {
          input: limited(req.stream!, REGISTER_LIMIT_BYTES),
          format,
          file: q.file ?? `catalogue.${format === 'csv' ? 'csv' : 'jsonl'}`,
          source: q.source ?? null,
          dryRun: q.dryRun === 'true',
          actor: req.principal?.keyId ?? 'admin',
          at: now().toISOString(),
        });
        const message = describeCatalogueReport(report).at(-1)!;
        if (report.outcome === 'refused') {
          throw new ApiError(422, 'CATALOGUE_FILE_INVALID', message, report.problems.map((p) => ({ path: `第 ${p.line} 行${p.column ? ` ${p.column}` : ''}`, message: p.message })));
        }
        return json({ ...report, message });
      },
    },
    {
      method: 'GET',
      path: '/v1/catalogue/:code',
      roles: ['window', 'auditor', 'finance'],
      async handle(req) {
        const q = query(catalogueQuerySchema, req.query) as z.infer<typeof catalogueQuerySchema>;
        if (q.on !== undefined && !isIsoDate(q.on)) throw new ApiError(400, 'BAD_QUERY', `日期 “${q.on}” 无效（应为 YYYY-MM-DD）`, [{ path: 'on', message: '应为 YYYY-MM-DD' }]);
        const code = req.params.code!;
        const rows = await deps.store.db.selectFrom('catalogue_entries').selectAll().where('code', '=', code).where('superseded_at', 'is', null).orderBy('region').orderBy('from_date').execute();
        if (rows.length === 0) {
          // No such code: 目录外 where a catalogue covers the region on the date (404), else no catalogue to ask (200).
          const lineage = q.region ? ['', ...regionLineage(q.region)] : [''];
          let covering = deps.store.db.selectFrom('catalogue_entries').select('code').where('superseded_at', 'is', null).where('region', 'in', lineage);
          if (q.on) covering = covering.where('from_date', '<=', q.on).where((eb) => eb.or([eb('to_date', 'is', null), eb('to_date', '>=', q.on!)]));
          if (await covering.limit(1).executeTakeFirst()) throw new ApiError(404, 'NOT_IN_CATALOGUE', `医保目录中没有编码 ${code}（目录外，只能按丙类结算）`);
          return json({ code, periods: [], on: q.on ?? null, region: q.region ?? null, inForce: null, catalogueLoaded: false });
        }
        const periods = rows.map((r) => ({
          region: r.region || null, from: r.from_date, to: r.to_date, name: r.name, category: r.category, class: r.class, selfPayRatio: r.self_pay_ratio, priceCap: r.price_cap, batch: r.batch_id,
        }));
        // In force on the date for the region: the most specific region first (a regional entry wins).
        const inForce = q.on ? (mostSpecific(periods, q.region ? regionLineage(q.region) : [], q.on) ?? null) : null;
        return json({ code, periods, on: q.on ?? null, region: q.region ?? null, inForce, catalogueLoaded: true });
      },
    },
    {
      method: 'GET',
      path: '/v1/people/:id',
      roles: ['window', 'auditor', 'finance'],
      async handle(req) {
        const q = query(personQuerySchema, req.query) as z.infer<typeof personQuerySchema>;
        const dates = q.on === undefined ? [] : Array.isArray(q.on) ? q.on : [q.on];
        const bad = dates.find((d) => !isIsoDate(d));
        if (bad !== undefined) throw new ApiError(400, 'BAD_QUERY', `日期 “${bad}” 无效（应为 YYYY-MM-DD）`, [{ path: 'on', message: '应为 YYYY-MM-DD' }]);
        const person = await personRecord(deps.store, req.params.id!, dates);
        if (!person) throw notFound(`参保人 ${req.params.id} `);
        return json(person);
      },
    },
  ];
}
