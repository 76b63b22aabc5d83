/**
 * Fund-needs modelling routes (issue 5), under /v1 behind the key, for finance staff (and admin):
 *
 *   POST /v1/models                 start a run → 202 { id, status: "computing" } (422 with field paths)
 *   GET  /v1/models/{id}            { id, status, progress?, report?, error? }
 *   GET  /v1/models/{id}/report.html  the same self-contained page `onestop model --out` writes
 *   GET  /v1/models/{id}/report.csv   the same CSV
 *
 * Worker threads per run: ONESTOP_MODEL_WORKERS (default: all cores); runs are queued one at a time.
 */
import type { Express, Request } from 'express';
import { ModelJobs } from '../../model/jobs.js';
import { reportCsv } from '../../model/report-csv.js';
import { reportHtml } from '../../model/report-html.js';
import { ApiError } from '../../service/errors.js';
import type { AppContext } from '../app.js';
import { allow, principalOf } from '../auth.js';

function workersFromEnv(): number | undefined {
  const v = process.env.ONESTOP_MODEL_WORKERS;
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

export function mountModelRoutes(api: Express, ctx: AppContext): ModelJobs {
  const jobs = new ModelJobs({ store: ctx.store, rules: ctx.rules, logger: ctx.logger, workers: workersFromEnv(), now: ctx.now });
  const id = (req: Request) => String(req.params.id);

  api.post('/models', allow('finance'), async (req, res) => {
    if (!req.is('application/json') && !req.is('application/*+json')) {
      throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', '请以 Content-Type: application/json 提交测算请求');
    }
    res.status(202).json(await jobs.start(req.body, principalOf(res)));
  });

  api.get('/models/:id', allow('finance'), async (req, res) => {
    res.json(await jobs.get(id(req)));
  });

  api.get('/models/:id/report.html', allow('finance'), async (req, res) => {
    const report = await jobs.report(id(req));
    res.type('text/html; charset=utf-8').send(reportHtml(report));
  });

  api.get('/models/:id/report.csv', allow('finance'), async (req, res) => {
    const report = await jobs.report(id(req));
    res.type('text/csv; charset=utf-8').attachment(`model-${id(req)}.csv`).send(reportCsv(report));
  });

  return jobs;
}
