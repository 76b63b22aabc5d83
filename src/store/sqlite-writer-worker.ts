/**
 * The SQLite writer thread (compiled to dist/store/sqlite-writer-worker.js; see sqlite-writer.ts).
 *
 * It owns a connection of its own and runs settlements in group-commit transactions: the jobs that
 * arrived while the last COMMIT was being synced run together in the next transaction (a job that fails
 * rolls back alone: see runBatch), and are answered only after that COMMIT has returned, i.e. after the
 * WAL is on disk. The API thread meanwhile goes on parsing and checking other requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Ruleset } from '../engine/types.js';
import { rulesetFromDocument } from '../rules/load.js';
import { settleInTx, type SettleJob, type SettleOutcome } from '../service/settle-tx.js';
import { openSqliteConnection } from './sqlite-connection.js';
import { sqliteSettlementTx } from './sqlite-settlement-tx.js';
import { WRITER_PROTOCOL, outcomeToWire, unpackJob, type FromWriter, type ToWriter } from './sqlite-writer.js';

const port = parentPort!;
const { file } = workerData as { file: string };
const database = openSqliteConnection(file);
const tx = sqliteSettlementTx(database);
const rulesets = new Map<string, Ruleset>();
/** Most jobs in one transaction: bounds the latency one batch adds to its last job. */
const MAX_BATCH = 64;

interface Queued {
  id: number;
  job: SettleJob;
}

let queue: Queued[] = [];
let draining = false;

port.on('message', (m: ToWriter) => {
  if (m.type === 'close') {
    database.close();
    port.close();
    return;
  }
  const queued = unpackJob(m.job);
  if (m.ruleset && !rulesets.has(m.ruleset.hash)) {
    try {
      const loaded = rulesetFromDocument(m.ruleset.document, m.ruleset.file);
      if (loaded.hash !== m.ruleset.hash) throw new Error(`ruleset ${m.ruleset.file} hashes to ${loaded.hash} here, ${m.ruleset.hash} in the API thread`);
      rulesets.set(loaded.hash, loaded.ruleset);
    } catch (e) {
      port.postMessage([{ id: queued.id, ok: false, error: (e as Error).message }] satisfies FromWriter);
      return;
    }
  }
  queue.push(queued);
  // The messages already waiting are delivered first; the batch runs after them.
  if (!draining) setImmediate(drain);
});

async function drain(): Promise<void> {
  if (draining) return;
  draining = true;
  try {
    while (queue.length) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(MAX_BATCH);
      port.postMessage(await runBatch(batch));
    }
  } finally {
    draining = false;
  }
}

/**
 * A job threw while its batch ran without savepoints: what it wrote before throwing cannot be told
 * apart from what the others wrote, so the whole transaction is rolled back and the batch run again
 * with each job isolated.
 */
class IsolateJobs extends Error {}

/**
 * One batch, one transaction, one COMMIT. A job that is refused (a replay, a bill the engine cannot
 * settle) returns before it writes anything it could need to take back, so the common case needs no
 * savepoints: a savepoint copies every page the job touches into a statement journal, which cost the
 * writer ~8% of its time. Only when a job throws is the batch run again with a savepoint around each
 * job, so that the failing one rolls back alone and the others commit as if nothing had happened.
 */
async function runBatch(batch: Queued[]): Promise<FromWriter> {
  try {
    return await runTransaction(batch, false);
  } catch (e) {
    rollbackQuietly();
    if (!(e instanceof IsolateJobs)) return failAll(batch, e);
  }
  try {
    return await runTransaction(batch, true);
  } catch (e) {
    rollbackQuietly();
    return failAll(batch, e);
  }
}

async function runTransaction(batch: Queued[], isolate: boolean): Promise<FromWriter> {
  const answers: FromWriter = [];
  database.exec('begin immediate');
  for (const m of batch) {
    if (isolate) database.exec('savepoint w');
    try {
      const ruleset = rulesets.get(m.job.rulesetHash);
      if (!ruleset) throw new Error(`ruleset ${m.job.rulesetHash} was never sent to the writer thread`);
      const outcome: SettleOutcome = await settleInTx(tx, m.job, ruleset);
      if (isolate) database.exec('release w');
      answers.push({ id: m.id, ok: true, outcome: outcomeToWire(outcome) });
    } catch (e) {
      if (!isolate) throw new IsolateJobs();
      database.exec('rollback to w');
      database.exec('release w');
      answers.push({ id: m.id, ok: false, error: (e as Error).message, code: (e as { code?: string }).code });
    }
  }
  // If COMMIT (or BEGIN) fails, nothing of the batch is kept, and every job of it is told so.
  database.exec('commit');
  return answers;
}

function rollbackQuietly(): void {
  try {
    database.exec('rollback');
  } catch {
    // No transaction left to roll back.
  }
}

function failAll(batch: Queued[], e: unknown): FromWriter {
  return batch.map((m) => ({ id: m.id, ok: false, error: (e as Error).message, code: (e as { code?: string }).code }));
}

port.postMessage({ ready: WRITER_PROTOCOL });
