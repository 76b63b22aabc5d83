/**
 * Audits and doctor runs as jobs (issue 26), for auditors (and admin):
 *
 *   POST /v1/audit-jobs              { kind: "audit" | "doctor", scope? } → 202 { id, status: "queued" }
 *                                    (422 with field paths; an unknown hospital is UNKNOWN_HOSPITAL at scope.hospital).
 *                                    The same kind and scope while such a job is still queued or running is
 *                                    answered 200 with that job, not a second one.
 *   GET  /v1/audit-jobs/{id}         { id, kind, scope, status, createdAt, startedAt, finishedAt, progress, report?, error? }
 *   GET  /v1/audit-jobs?kind=&status=  the newest 50, without their reports
 *   POST /v1/audit-jobs/{id}/cancel  a queued or running job → cancelled; 409 once it has finished
 *
 * One job of a kind runs at a time per process; the others wait queued (audit/jobs.ts).
 */
import type { AuditJobs } from '../../audit/jobs.js';
import { json, type Route } from '../route.js';

export function auditJobRoutes(jobs: AuditJobs): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/audit-jobs',
      roles: ['auditor'],
      body: 'json',
      mediaTypeMessage: '请以 Content-Type: application/json 提交稽核任务',
      async handle(req) {
        const { existing, ...started } = await jobs.start(req.body, req.principal);
        return json(started, existing ? 200 : 202);
      },
    },
    {
      method: 'GET',
      path: '/v1/audit-jobs',
      roles: ['auditor'],
      async handle(req) {
        return json(await jobs.list(req.query));
      },
    },
    {
      method: 'GET',
      path: '/v1/audit-jobs/:id',
      roles: ['auditor'],
      async handle(req) {
        return json(await jobs.get(req.params.id!));
      },
    },
    {
      method: 'POST',
      path: '/v1/audit-jobs/:id/cancel',
      roles: ['auditor'],
      body: 'optional',
      async handle(req) {
        return json(await jobs.cancel(req.params.id!));
      },
    },
  ];
}
