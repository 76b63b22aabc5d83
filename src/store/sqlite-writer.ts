/**
 * Settling on SQLite from a writer thread.
 *
 * A durable COMMIT waits for the disk (fsync of the WAL), and better-sqlite3 waits synchronously: in the
 * API thread every commit would stop all request handling for its duration. So settlements are written
 * by a worker thread with a connection of its own (sqlite-writer-worker.ts), which runs the same
 * transaction body as every other store (service/settle-tx.ts) under the same group commit. The API
 * thread sends it a validated, resolved bill and answers the window only when the writer reports the
 * COMMIT done: nothing is acknowledged before it is durable.
 *
 * Everything else (reversals, keys, seeding, reads) stays on the API thread's kysely connection; the two
 * connections take SQLite's write lock in turn, exactly as two API processes on one file do.
 *
 * If the thread dies, the jobs it held fail with CommitUnknown: each was either not committed, or was
 * committed just before the thread died, and posting it again is answered as a replay. The next job
 * starts a new thread.
 */
import { Worker } from 'node:worker_threads';
import type { LoadedRuleset } from '../rules/load.js';
import { settlementRow, type Computed, type SettleJob, type SettleOutcome } from '../service/settle-tx.js';
import type { SettlementTable } from './schema.js';
import { CommitUnknown } from './settlement-tx.js';

/** Bumped whenever the messages change, so a stale dist/ worker is refused rather than misread. */
export const WRITER_PROTOCOL = 4;

/** A ruleset the writer thread has not been sent yet: it loads the document and checks its hash. */
export interface RulesetDocument {
  hash: string;
  file: string;
  document: unknown;
}

/**
 * Settlements for the writer thread. The API thread sends each job the moment it is ready, one per
 * message, although a message has a fixed cost on both threads (~5 µs to send, ~8 to receive): gathering
 * the jobs of one turn of the event loop into one message made the jobs that were answered together come
 * back together, so the two threads took turns instead of working at once (a batch of all 32 bills in
 * flight, the API thread idle while it committed), and settle fell from 0.52 to 0.47 of the echo at 32
 * connections and from 0.46 to 0.34 at 8 (RESULTS.md, 2026-11-22 22:51). A job sent at once lets the writer
 * start its next transaction while the API thread is still preparing the rest.
 */
export type ToWriter = { type: 'settle'; job: PackedJob; ruleset?: RulesetDocument } | { type: 'close' };

/**
 * A {@link SettleJob} with its message id, as one flat array of strings and numbers ({@link packJob}).
 * The structured clone that carries a message to the other thread spends most of its time on object
 * properties, not on text: a job as nested objects cost ~35 µs to send and ~40 µs to receive; flat, ~24
 * each (benchmarks/RESULTS.md, the 2026-11-22 22:51 entry).
 */
export type PackedJob = (string | number)[];

/** Fields packed before the engine's part: the id, then the job's own fields in the order below. */
const JOB_FIELDS = 15;

/** `job`, with the id its answer will carry, as sent to the writer thread. */
export function packJob(id: number, job: SettleJob): PackedJob {
  const { visit, computed: c } = job;
  const packed: PackedJob = [
    id, job.id, job.year, job.hospitalCode, job.billNo, job.personId, visit.type, visit.admitted, visit.discharged,
    job.rulesetId, job.rulesetHash, job.billHash, job.billJson, job.createdAt, job.createdBy,
  ];
  if (c === undefined) return packed;
  packed.push(
    c.ledger.accumulators_json, c.ledger.version, c.population, c.ytdBeforeJson, c.resultJson, c.totalFen, c.fundPaysFen,
    c.patientPaysFen, c.ledgerAfterJson, c.patientPays, c.funds.length,
  );
  for (const f of c.funds) packed.push(f.fund, f.amount_fen);
  for (const fund of Object.keys(c.resultFunds)) packed.push(fund, c.resultFunds[fund]!);
  return packed;
}

/** The inverse of {@link packJob}. */
export function unpackJob(p: PackedJob): { id: number; job: SettleJob } {
  let at = 0;
  const num = () => p[at++] as number;
  const str = () => p[at++] as string;
  const id = num();
  const job: SettleJob = {
    id: str(), year: num(), hospitalCode: str(), billNo: str(), personId: str(),
    visit: { type: str(), admitted: str(), discharged: str() },
    rulesetId: str(), rulesetHash: str(), billHash: str(), billJson: str(), createdAt: str(), createdBy: str(),
  };
  if (p.length === JOB_FIELDS) return { id, job };
  const ledger = { accumulators_json: str(), version: num() };
  const population = str();
  const ytdBeforeJson = str();
  const resultJson = str();
  const totalFen = num();
  const fundPaysFen = num();
  const patientPaysFen = num();
  const ledgerAfterJson = str();
  const patientPays = str();
  const funds: Computed['funds'] = new Array(num());
  for (let i = 0; i < funds.length; i++) funds[i] = { fund: str(), amount_fen: num() };
  const resultFunds: Computed['resultFunds'] = {};
  while (at < p.length) resultFunds[str()] = str();
  job.computed = { kind: 'computed', ledger, population, ytdBeforeJson, resultJson, totalFen, fundPaysFen, patientPaysFen, funds, ledgerAfterJson, resultFunds, patientPays };
  return { id, job };
}

// packJob must carry every field: these stop the build when SettleJob, its visit or Computed gains a
// field that the lists below (and so packJob and unpackJob) do not name.
type Covers<T, K extends keyof T> = Exclude<keyof T, K> extends never ? true : never;
const coversJob: Covers<SettleJob, 'id' | 'year' | 'hospitalCode' | 'billNo' | 'personId' | 'visit' | 'rulesetId' | 'rulesetHash' | 'billHash' | 'billJson' | 'createdAt' | 'createdBy' | 'computed'> = true;
const coversVisit: Covers<SettleJob['visit'], 'type' | 'admitted' | 'discharged'> = true;
const coversComputed: Covers<Computed, 'kind' | 'ledger' | 'population' | 'ytdBeforeJson' | 'resultJson' | 'totalFen' | 'fundPaysFen' | 'patientPaysFen' | 'funds' | 'ledgerAfterJson' | 'resultFunds' | 'patientPays'> = true;
const coversLedger: Covers<Computed['ledger'], 'accumulators_json' | 'version'> = true;
const coversFund: Covers<Computed['funds'][number], 'fund' | 'amount_fen'> = true;
void [coversJob, coversVisit, coversComputed, coversLedger, coversFund];

/**
 * `written as sent`: the settlement was created from the job's own `computed`, so its row is exactly
 * `settlementRow(job, job.computed)`, which the API thread builds from the job it still holds. Sending the
 * row back instead meant ~10 KB per settlement to serialise here and to deserialise in the API thread
 * (the bill's and the result's texts; with Chinese in them V8 copies them two bytes per character), and
 * an answer carrying 11 or more rows is over V8's 100 KB threshold, above which everything deserialised
 * is allocated straight into the old generation, where only a full mark-compact takes it back.
 */
export type WireOutcome = Exclude<SettleOutcome, { kind: 'created' }> | { kind: 'created'; row: SettlementTable; computedAgain: true } | { kind: 'written as sent' };

export type FromWriter = ({ id: number; ok: true; outcome: WireOutcome } | { id: number; ok: false; error: string; code?: string })[];

/** What the writer thread sends back for a settlement outcome (the inverse of {@link outcomeFromWire}). */
export function outcomeToWire(outcome: SettleOutcome): WireOutcome {
  if (outcome.kind !== 'created') return outcome;
  return outcome.computedAgain ? { kind: 'created', row: outcome.row, computedAgain: true } : { kind: 'written as sent' };
}

/** The outcome of `job` from what the writer thread sent back. */
export function outcomeFromWire(wire: WireOutcome, job: SettleJob): SettleOutcome {
  if (wire.kind !== 'written as sent') return wire;
  if (job.computed === undefined) throw new WriterError(`the writer thread wrote settlement ${job.id} "as sent", but it was sent without a computation`);
  return { kind: 'created', row: settlementRow(job, job.computed), computedAgain: false };
}

/** An error the writer thread reported, with the SQLite code when there was one (e.g. a unique violation). */
export class WriterError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'WriterError';
  }
}

interface Pending {
  /** Held until the COMMIT: the answer's row is built from it (see {@link WireOutcome}). */
  job: SettleJob;
  resolve: (o: SettleOutcome) => void;
  reject: (e: Error) => void;
}

export class SqliteWriterThread {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Rulesets the current thread has been sent (a new thread gets them again). */
  private sent = new Set<string>();
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly workerUrl: URL,
  ) {}

  settle(job: SettleJob, loaded: LoadedRuleset): Promise<SettleOutcome> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    const worker = this.start();
    const id = this.nextId++;
    const message: ToWriter = { type: 'settle', job: packJob(id, job) };
    if (!this.sent.has(loaded.hash)) {
      message.ruleset = { hash: loaded.hash, file: loaded.file, document: loaded.document };
      this.sent.add(loaded.hash);
    }
    return new Promise<SettleOutcome>((resolve, reject) => {
      this.pending.set(id, { job, resolve, reject });
      // A thread with work keeps the process alive; an idle one does not.
      if (this.pending.size === 1) worker.ref();
      // Sent at once, not gathered: see ToWriter.
      worker.postMessage(message);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage({ type: 'close' } satisfies ToWriter);
    await exited;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerUrl, { workerData: { file: this.file } });
    this.worker = worker;
    this.sent = new Set();
    worker.unref();
    worker.on('message', (m: FromWriter | { ready: number }) => {
      if (!Array.isArray(m)) {
        if (m.ready !== WRITER_PROTOCOL) this.fail(worker, new Error(`dist/store/sqlite-writer-worker.js is out of date (protocol ${m.ready}, expected ${WRITER_PROTOCOL}): run npm run build`));
        return;
      }
      for (const a of m) {
        const p = this.pending.get(a.id);
        if (!p) continue;
        this.pending.delete(a.id);
        if (!a.ok) p.reject(new WriterError(a.error, a.code));
        else {
          try {
            p.resolve(outcomeFromWire(a.outcome, p.job));
          } catch (e) {
            p.reject(e as Error);
          }
        }
      }
      if (this.pending.size === 0) worker.unref();
    });
    worker.on('error', (e) => this.fail(worker, new CommitUnknown(`the SQLite writer thread stopped: ${e.message}`)));
    worker.on('exit', (code) => this.fail(worker, new CommitUnknown(`the SQLite writer thread stopped (exit code ${code})`)));
    return worker;
  }

  private fail(worker: Worker, e: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    void worker.terminate();
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
