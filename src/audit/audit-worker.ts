/**
 * The audit's thread (compiled to dist/audit/audit-worker.js; see audit-thread.ts). It opens the
 * database on a connection of its own and runs one audit per message, so that recomputing a year of
 * settlements never stops the API thread that the hospital windows are waiting on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { asBackgroundThread } from '../built-worker.js';
import { ApiError } from '../errors/api-error.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/port.js';
import { runAudit } from './audit.js';
import type { AuditDone, AuditJob } from './audit-thread.js';

asBackgroundThread();
const port = parentPort!;
const { reopen } = workerData as { reopen: string };
let store: Promise<Store> | null = null;

port.on('message', async (m: AuditJob | { type: 'close' }) => {
  if (m.type === 'close') {
    if (store) await (await store).close();
    port.close();
    return;
  }
  let answer: AuditDone;
  try {
    store ??= openStore(reopen);
    answer = { id: m.id, ok: true, report: await runAudit(await store, m.scope) };
  } catch (e) {
    answer =
      e instanceof ApiError
        ? { id: m.id, ok: false, refused: { status: e.status, code: e.code, message: e.message, issues: e.issues } }
        : { id: m.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(answer);
});
