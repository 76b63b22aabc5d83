/**
 * Writing to a SQLite file from a writer thread.
 *
 * A durable COMMIT waits for the disk (fsync of the WAL), and better-sqlite3 waits synchronously: in the
 * API thread every commit would stop all request handling for its duration. So write sets go to a
 * worker thread with a connection of its own (./writer-worker.ts), which runs them under group commit;
 * the API thread answers only when the writer reports the COMMIT done: nothing is acknowledged before
 * it is durable. Each set is sent the moment it is ready (gathering the sets of one event-loop turn
 * into one message made the sets answered together come back together, so the two threads took turns
 * instead of working at once: benchmarks/history/).
 *
 * If the thread dies, the sets it held fail with CommitUnknown: each was either not committed, or was
 * committed just before the thread died, and posting it again settles it (a replay if it was). The
 * next set starts a new thread.
 */
import { Worker } from 'node:worker_threads';
import { CommitUnknown } from '../commit-unknown.js';
import type { AuditEntryInput } from '../audit-chain.js';
import type { NamedStatement, Statement, WriteSet, WriteStep } from '../write-set.js';
import type { Answer } from './writer.js';
import { compileStatements } from '../statements.js';
import { createHash } from 'node:crypto';

/**
 * Bumped whenever the messages change, and carrying a digest of every statement's SQL, so that a stale
 * dist/ worker (built before a statement was added or a column was) is refused rather than left to misread a set.
 */
export const WRITER_PROTOCOL = `8:${createHash('sha256').update(Object.values(compileStatements('sqlite')).map((s) => `${s.name}\n${s.sql}`).join('\n')).digest('hex').slice(0, 16)}`;

export type ToWriter = { type: 'write'; id: number; set: PackedWriteSet } | { type: 'close' };

/**
 * A write set as one flat array, for the crossing to the thread: the structured clone that carries a
 * message spends its time on object properties, not on text, so a set of ~25 small step objects costs
 * far more to send than the same values laid end to end (benchmarks/FAST-PATHS.md). Only the encoding
 * differs; `unpackWriteSet(packWriteSet(set))` is `set`.
 */
export type PackedWriteSet = unknown[];

const KINDS = ['run', 'absent', 'one', 'audit'] as const;
const OUTCOMES = ['existing', 'stale'] as const;

function packStatement(out: unknown[], s: Statement): void {
  if ('statement' in s) out.push(0, s.statement, s.values.length, ...s.values);
  else out.push(1, s.sql, s.parameters.length, ...s.parameters);
}

export function packWriteSet(set: WriteSet): PackedWriteSet {
  const out: unknown[] = [set.steps.length];
  for (const step of set.steps) {
    out.push(KINDS.indexOf(step.kind));
    if (step.kind === 'audit') {
      out.push(step.at, step.entry.actor, step.entry.action, step.entry.subject, step.entry.payload, step.digests?.length ?? 0);
      for (const d of step.digests ?? []) out.push(d.field, d.step, d.value);
      continue;
    }
    packStatement(out, step.run);
    if (step.kind === 'run') continue;
    out.push(OUTCOMES.indexOf(step.otherwise));
    if (step.kind === 'one') {
      out.push(step.read ? 1 : 0);
      if (step.read) packStatement(out, step.read);
    }
  }
  return out;
}

export function unpackWriteSet(p: PackedWriteSet): WriteSet {
  let at = 0;
  const next = () => p[at++];
  const statement = (): Statement => {
    const named = next() === 0;
    const ref = next() as string;
    const n = next() as number;
    const values = p.slice(at, at + n);
    at += n;
    return named ? { statement: ref as NamedStatement['statement'], values } : { sql: ref, parameters: values };
  };
  const steps: WriteStep[] = new Array(next() as number);
  for (let i = 0; i < steps.length; i++) {
    const kind = KINDS[next() as number]!;
    if (kind === 'audit') {
      const atTime = next() as string;
      const entry: AuditEntryInput = { actor: next() as string, action: next() as AuditEntryInput['action'], subject: next() as string, payload: next() };
      const digests = Array.from({ length: next() as number }, () => ({ field: next() as string, step: next() as number, value: next() as number }));
      steps[i] = digests.length ? { kind, at: atTime, entry, digests } : { kind, at: atTime, entry };
      continue;
    }
    const run = statement();
    if (kind === 'run') {
      steps[i] = { kind, run };
      continue;
    }
    const otherwise = OUTCOMES[next() as number]!;
    if (kind === 'absent') steps[i] = { kind, run, otherwise };
    else steps[i] = next() === 1 ? { kind, run, otherwise, read: statement() } : { kind, run, otherwise };
  }
  return { steps };
}
export type FromWriter = { id: number; answer: Answer }[];

interface Pending {
  resolve: (a: Answer) => void;
  reject: (e: Error) => void;
}

export class SqliteWriterThread {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly workerUrl: URL,
  ) {}

  write(set: WriteSet): Promise<Answer> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<Answer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // A thread with work keeps the process alive; an idle one does not.
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ type: 'write', id, set: packWriteSet(set) } satisfies ToWriter);
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
    worker.unref();
    worker.on('message', (m: FromWriter | { ready: string }) => {
      if (!Array.isArray(m)) {
        if (m.ready !== WRITER_PROTOCOL) this.fail(worker, new Error(`the SQLite writer worker (${this.workerUrl.pathname}) is out of date (its statements or messages differ from this build): run npm run build`));
        return;
      }
      for (const { id, answer } of m) {
        const p = this.pending.get(id);
        if (!p) continue;
        this.pending.delete(id);
        p.resolve(answer);
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
