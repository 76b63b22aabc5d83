/**
 * /openapi.json (issue 25): valid OpenAPI 3.1 by the specification's own JSON schemas (checked with
 * @seriousme/openapi-schema-validator), every route the service serves documented with its method and
 * nothing documented that it does not serve, no query string in a path key (the NHSA view is the
 * `format` query parameter of /v1/settlements/{id}), and answers that match what is documented.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldQueryKeys, openApiDocument } from '../../src/http/openapi.js';
import { modelJobSchema, modelJobStartedSchema, whoamiSchema } from '../../src/http/schemas.js';
import { startTestService, type TestService } from './fixture.js';

type Doc = { openapi: string; paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>>; components: { schemas: Record<string, unknown> } };

async function validate(doc: unknown): Promise<{ valid: boolean; errors?: unknown }> {
  return new Validator().validate(structuredClone(doc) as Parameters<Validator["validate"]>[0]);
}

let svc: TestService;
let doc: Doc;
beforeAll(async () => {
  svc = await startTestService();
  doc = (await request(svc.app).get('/openapi.json')).body as Doc;
});
afterAll(() => svc?.close());

describe('/openapi.json', () => {
  it('is valid OpenAPI 3.1', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const r = await validate(doc);
    expect(r.errors ?? []).toEqual([]);
    expect(r.valid).toBe(true);
  });

  it('the validator does refuse a broken document (so the check above can fail)', async () => {
    const broken = structuredClone(doc) as Doc & { info?: unknown };
    delete broken.info;
    expect((await validate(broken)).valid).toBe(false);
    const badParam = structuredClone(doc);
    (badParam.paths['/v1/settlements/{id}']!.get!.parameters as unknown[]).push({ name: 'x', in: 'nowhere' });
    expect((await validate(badParam)).valid).toBe(false);
  });

  it('documents every route the service serves, with its method, and only those', () => {
    const served = new Set(svc.routes.map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`));
    for (const p of ['get /healthz', 'get /openapi.json']) served.add(p);
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`)));
    expect([...served].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !served.has(r))).toEqual([]);
    for (const r of ['post /v1/models', 'get /v1/models/{id}', 'get /v1/models/{id}/report.html', 'get /v1/models/{id}/report.csv']) expect(documented).toContain(r);
  });

  it('has no query string in a path key; every {param} of a path is a declared path parameter; every $ref resolves', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(path).not.toMatch(/[?&=]/);
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(item)) {
        const declared = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        expect(declared.sort(), `${method} ${path}`).toEqual([...names].sort());
      }
    }
    for (const m of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) expect(doc.components.schemas, m[1]).toHaveProperty(m[1]!);
  });

  it('documents the NHSA shape as the format query parameter of /v1/settlements/{id}', () => {
    const op = doc.paths['/v1/settlements/{id}']!.get!;
    const format = (op.parameters as { name: string; in: string; required?: boolean; schema: { enum: string[] } }[]).find((p) => p.name === 'format');
    expect(format).toMatchObject({ in: 'query', required: false, schema: { enum: ['nhsa'] } });
    const ok = JSON.stringify(op.responses['200']);
    expect(ok).toContain('#/components/schemas/Settlement');
    expect(ok).toContain('#/components/schemas/NhsaSettlement');
  });

  it('folds any path key with a query string into its path, keeping both answers', () => {
    const folded = foldQueryKeys({
      '/a/{id}': { get: { summary: 'plain', parameters: [{ name: 'id', in: 'path' }], responses: { '200': { description: 'x', content: { 'application/json': { schema: { type: 'string' } } } } } } },
      '/a/{id}?view=b': { get: { summary: 'view b', parameters: [{ name: 'id', in: 'path' }, { name: 'view', in: 'query', schema: { enum: ['b'] } }], responses: { '200': { description: 'y', content: { 'application/json': { schema: { type: 'number' } } } } } } },
    });
    expect(Object.keys(folded)).toEqual(['/a/{id}']);
    expect(folded['/a/{id}']!.get!.parameters!.map((p) => `${p.in}:${p.name}`)).toEqual(['path:id', 'query:view']);
    expect(folded['/a/{id}']!.get!.responses!['200']!.content!['application/json']!.schema).toEqual({ oneOf: [{ type: 'string' }, { type: 'number' }] });
  });

  it('the answers match their documented schemas: whoami, and a model run from start to report', async () => {
    const finance = await svc.key('finance');
    const who = await request(svc.app).get('/v1/whoami').set('Authorization', `Bearer ${finance}`);
    expect(whoamiSchema.safeParse(who.body).error).toBeUndefined();
    const started = await request(svc.app).post('/v1/models').set('Authorization', `Bearer ${finance}`).send({ rules: 'xingan-2018', source: { store: { year: 2018 } }, whatIf: { label: '保底 95%', 'visits.inpatient.floor.floor': 0.95 } });
    expect(started.status).toBe(202);
    expect(modelJobStartedSchema.safeParse(started.body).error).toBeUndefined();
    let job = started.body as { status: string; report?: { whatIf: { label: string } } };
    for (let i = 0; i < 200 && job.status === 'computing'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = (await request(svc.app).get(`/v1/models/${started.body.id}`).set('Authorization', `Bearer ${finance}`)).body;
    }
    expect(job.status).toBe('ok');
    const parsed = modelJobSchema.safeParse(job);
    expect(parsed.error).toBeUndefined();
    expect(job.report!.whatIf.label).toBe('保底 95%');
  });
});
