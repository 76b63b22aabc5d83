/**
 * Fund-needs modelling routes, for finance staff (and admin):
 *
 *   POST /v1/models                   start a run → 202 { id, status: "computing" } (422 with field paths)
 *   GET  /v1/models/{id}              { id, status, progress?, report?, error? }
 *   GET  /v1/models/{id}/report.html  the same self-contained page `onestop model --out` writes
 *   GET  /v1/models/{id}/report.csv   the same CSV
 *
 * Worker threads per run: ONESTOP_MODEL_WORKERS (default: all cores); runs are queued one at a time.
 */
import { reportCsv } from '../../model/report/csv.js';
import { reportHtml } from '../../model/report/html.js';
import type { ModelJobs } from '../../model/run/jobs.js';
import { json, type Route } from '../route.js';

export function modelRoutes(jobs: ModelJobs): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/models',
      roles: ['finance'],
      body: 'json',
      mediaTypeMessage: '请以 Content-Type: application/json 提交测算请求',
      async handle(req) {
        return json(await jobs.start(req.body, req.principal), 202);
      },
    },
    {
      method: 'GET',
      path: '/v1/models/:id',
      roles: ['finance'],
      async handle(req) {
        return json(await jobs.get(req.params.id!));
      },
    },
    {
      method: 'GET',
      path: '/v1/models/:id/report.html',
      roles: ['finance'],
      async handle(req) {
        return { text: reportHtml(await jobs.report(req.params.id!)), type: 'text/html; charset=utf-8' };
      },
    },
    {
      method: 'GET',
      path: '/v1/models/:id/report.csv',
      roles: ['finance'],
      async handle(req) {
        const id = req.params.id!;
        return { text: reportCsv(await jobs.report(id)), type: 'text/csv; charset=utf-8', headers: { 'Content-Disposition': `attachment; filename="model-${id}.csv"` } };
      },
    },
  ];
}

export function workersFromEnv(): number | undefined {
  const v = process.env.ONESTOP_MODEL_WORKERS;
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

