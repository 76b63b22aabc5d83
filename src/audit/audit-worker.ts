/**
 * The long reads' thread (compiled to dist/audit/audit-worker.js; see audit-thread.ts). It opens the
 * database on a connection of its own and runs one read (an audit, a doctor check) per message, so that
 * recomputing a year of settlements never stops the API thread that the hospital windows are waiting on.
 * It posts its progress back at most ten times a second and stops when asked to (a `cancel` message, or
 * the shared cancel flag, looked at after every settlement or batch of people).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { asBackgroundThread } from '../built-worker.js';
import { ApiError } from '../errors/api-error.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/port.js';
import { runAudit } from './audit.js';
import type { FromThread, ToThread } from './audit-thread.js';
import { runDoctor } from './doctor.js';
import { verifyAuditLog } from '../checks/audit-log.js';
import { ReadCancelled } from './run-options.js';

asBackgroundThread();
const port = parentPort!;
const { reopen, pauseMs } = workerData as { reopen: string; pauseMs: number };
let store: Promise<Store> | null = null;
const running = new Map<number, AbortController>();
const PROGRESS_EVERY_MS = 100;

port.on('message', async (m: ToThread) => {
  if (m.type === 'close') {
    if (store) await (await store).close();
    port.close();
    return;
  }
  if (m.type === 'cancel') {
    running.get(m.id)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(m.id, controller);
  const flag = new Int32Array(m.cancel);
  let last = 0;
  const onProgress = (done: number, total: number) => {
    if (pauseMs > 0) Atomics.wait(flag, 0, 0, pauseMs);
    if (Atomics.load(flag, 0) !== 0) controller.abort();
    const now = Date.now();
    if (done >= total || now - last >= PROGRESS_EVERY_MS) {
      last = now;
      port.postMessage({ type: 'progress', id: m.id, done, total } satisfies FromThread);
    }
  };
  const opts = { onProgress, signal: controller.signal };
  let answer: FromThread;
  try {
    store ??= openStore(reopen);
    const s = await store;
    const report = m.type === 'audit' ? await runAudit(s, m.scope, opts) : m.type === 'doctor' ? await runDoctor(s, { ...m.options, ...opts }) : await verifyAuditLog(s.db);
    answer = { type: 'done', id: m.id, ok: true, report };
  } catch (e) {
    answer =
      e instanceof ReadCancelled
        ? { type: 'done', id: m.id, ok: false, cancelled: true }
        : e instanceof ApiError
          ? { type: 'done', id: m.id, ok: false, refused: { status: e.status, code: e.code, message: e.message, issues: e.issues } }
          : { type: 'done', id: m.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  } finally {
    running.delete(m.id);
  }
  port.postMessage(answer);
});
