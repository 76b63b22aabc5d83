/**
 * The audit, explanation and reconciliation paths for /openapi.json. openapi.ts passes its own helpers in,
 * so schemas land in the same components and errors read the same.
 */
import type * as z from 'zod';
import {
  auditJobListSchema,
  auditJobRequestSchema,
  auditJobSchema,
  auditJobStartedSchema,
  auditReportSchema,
  auditRequestSchema,
  nhsaSchema,
  receivablesSchema,
  traceSchema,
} from './schemas.js';

export interface OpenApiHelpers {
  json: (schema: z.ZodType, io?: 'input' | 'output') => Record<string, unknown>;
  errors: (...codes: number[]) => Record<string, unknown>;
}

export function auditOpenApiPaths({ json, errors }: OpenApiHelpers): Record<string, unknown> {
  const pathId = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
  const q = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });
  const ok = (description: string, schema: z.ZodType) => ({ description, content: { 'application/json': { schema: json(schema) } } });
  return {
    '/v1/settlements/{id}/trace': {
      get: {
        summary: '结算过程说明 trace: every step with its figures, a plain Chinese sentence and its source (window: own hospital)',
        parameters: [pathId],
        responses: { '200': ok('the trace', traceSchema), ...errors(401, 403, 404) },
      },
    },
    '/v1/settlements/{id}?format=nhsa': {
      get: {
        summary: 'the settlement as the NHSA platform’s setlinfo / setldetail (GET /v1/settlements/{id} with format=nhsa)',
        parameters: [pathId, { ...q('format', 'nhsa', { type: 'string', enum: ['nhsa'] }), required: true }],
        responses: { '200': ok('setlinfo and setldetail, amounts as strings with two decimals', nhsaSchema), ...errors(401, 403, 404, 422) },
      },
    },
    '/v1/settlements/{id}/slip': {
      get: {
        summary: '结算单: the printable one-page A4 slip in Chinese (self-contained HTML)',
        parameters: [pathId],
        responses: { '200': { description: 'text/html; charset=utf-8', content: { 'text/html': { schema: { type: 'string' } } } }, ...errors(401, 403, 404) },
      },
    },
    '/v1/audits': {
      post: {
        summary: '重新计算审计 recompute audit over a period (discharge date) and/or hospital (auditor, admin)',
        requestBody: { required: false, content: { 'application/json': { schema: json(auditRequestSchema, 'input') } } },
        responses: { '200': ok('the audit report', auditReportSchema), ...errors(400, 401, 403, 422) },
      },
    },
    '/v1/audit-jobs': {
      post: {
        summary: '稽核任务 start an audit or a doctor check as a job (auditor, admin): answered at once; one of a kind runs at a time, later ones wait queued; the same kind and scope while such a job is queued or running is answered 200 with that job',
        requestBody: { required: true, content: { 'application/json': { schema: json(auditJobRequestSchema, 'input') } } },
        responses: { '202': ok('queued; poll GET /v1/audit-jobs/{id}', auditJobStartedSchema), '200': ok('the same job, already queued or running', auditJobStartedSchema), ...errors(400, 401, 403, 415, 422) },
      },
      get: {
        summary: 'the newest audit jobs (at most 50), of a kind and in a status, without their reports',
        parameters: [q('kind', 'audit or doctor', { type: 'string', enum: ['audit', 'doctor'] }), q('status', 'queued, running, done, error or cancelled', { type: 'string', enum: ['queued', 'running', 'done', 'error', 'cancelled'] })],
        responses: { '200': ok('the jobs, newest first', auditJobListSchema), ...errors(401, 403, 422) },
      },
    },
    '/v1/audit-jobs/{id}': {
      get: { summary: 'an audit job: its status and progress, and its report once done (kept in the store)', parameters: [pathId], responses: { '200': ok('the job', auditJobSchema), ...errors(401, 403, 404) } },
    },
    '/v1/audit-jobs/{id}/cancel': {
      post: {
        summary: 'cancel a queued or running audit job: recorded at once, its read stops before its next page; 409 once it has finished',
        parameters: [pathId],
        responses: { '200': ok('the job, cancelled', auditJobSchema), ...errors(401, 403, 404, 409) },
      },
    },
    '/v1/reports/receivables': {
      get: {
        summary: '应收款 per hospital × fund × month of discharge, reversed settlements excluded (window: own hospital)',
        parameters: [q('from', 'discharged on or after (YYYY-MM-DD)'), q('to', 'discharged on or before'), q('hospital', 'hospital code'), q('format', 'json (default) or csv (UTF-8 with BOM, for Excel)', { type: 'string', enum: ['json', 'csv'] })],
        responses: {
          '200': { description: 'receivables', content: { 'application/json': { schema: json(receivablesSchema) }, 'text/csv': { schema: { type: 'string' } } } },
          ...errors(401, 403, 422),
        },
      },
    },
  };
}
