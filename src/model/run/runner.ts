/**
 * A model run: stream the admissions, settle each under the baseline and the variant with the
 * person's year-to-date accumulators, add everything up, build the report.
 *
 * Parallelism: worker threads, one shard each. The main thread reads the input and sends each row to
 * the shard chosen by a hash of the person's id, so all of a person's admissions reach one shard, in
 * input order: year-to-date carrying is exactly what it would be in one thread. Batches are
 * acknowledged; the reader waits when a shard has MAX_IN_FLIGHT batches outstanding, so the input is
 * never read faster than it is settled (memory stays flat however large the file).
 *
 * Workers need JavaScript: the worker is dist/model/run/worker.js, found next to this file when it runs
 * from dist/, or at the same place under dist/ when it runs from the TypeScript sources (vitest, tsx).
 * When no built worker exists, the run falls back to one shard in the main thread: same code, same
 * result.
 */
import { availableParallelism } from 'node:os';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { builtWorker } from '../../built-worker.js';
import { InputLineError } from '../../formats/line-error.js';
import { RATIO_ONE } from '../../money/units.js';
import type { LoadedRuleset } from '../../rules/load.js';
import { mergePartials } from '../aggregate/merge.js';
import type { PartialData } from '../aggregate/shard-aggregate.js';
import { slotLayout } from '../aggregate/slots.js';
import { factorText, type Growth } from '../input/growth.js';
import { openSource, type ModelSource, type OpenedSource } from '../input/sources.js';
import type { Variant } from '../input/whatif.js';
import { buildReport, type ModelReport } from '../report/report.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { ModelShard, PROTOCOL, type ShardInit } from './shard.js';

export interface Progress {
  /** Admissions settled so far (in every scenario). */
  rows: number;
  /** Admissions read so far (ahead of `rows` by what is queued for the workers). */
  readRows: number;
  /** Admissions in all, when known before the end (the store). */
  totalRows?: number;
  bytes?: number;
  totalBytes?: number;
}

export interface RunOptions {
  rules: LoadedRuleset;
  variant?: Variant | null;
  source: ModelSource;
  /** Name of a column (CSV) or property (JSON) whose value multiplies the row's contribution. */
  weights?: string | null;
  growth?: Growth | null;
  /** Worker threads; 0 runs in the main thread. Default: the machine's available parallelism. */
  workers?: number;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

export interface Execution {
  mode: 'threads' | 'inline';
  workers: number;
  rows: number;
  seconds: number;
}

export interface RunResult {
  report: ModelReport;
  execution: Execution;
}

const BATCH = 1000;
const MAX_IN_FLIGHT = 4;

/** The built worker, or null when there is none (running from sources without `npm run build`). */
export function workerFile(from: string = import.meta.url): URL | null {
  return builtWorker('worker.js', from);
}

export function defaultWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

/** FNV-1a: a stable hash of the person's id, so the same person always lands in the same shard. */
export function shardOf(person: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < person.length; i++) {
    h ^= person.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

export async function runModel(opts: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const weights = opts.weights ?? null;
  const src = await openSource(opts.source, weights);
  const rulesets = [opts.rules, ...(opts.variant ? [opts.variant.loaded] : [])];
  const init: ShardInit = {
    rulesets: rulesets.map((r) => ({ document: r.document, file: r.file })),
    moves: opts.variant?.moves ?? [],
    format: src.format,
    csv: src.csv,
    weights,
    growthCost: opts.growth && opts.growth.cost !== RATIO_ONE ? factorText(opts.growth.cost) : null,
    order: src.order,
  };
  let rows = 0;
  const read = { rows: 0 };
  const progress = (n: number) => {
    rows += n;
    opts.onProgress?.({ rows, readRows: read.rows, totalRows: src.totalRows, bytes: src.bytesRead(), totalBytes: src.totalBytes });
  };
  const requested = opts.workers ?? defaultWorkers();
  const file = requested > 0 ? workerFile() : null;
  let partials: PartialData[];
  let execution: Omit<Execution, 'seconds' | 'rows'>;
  try {
    if (file) {
      partials = await runThreads(init, src, requested, file, progress, read, opts.signal);
      execution = { mode: 'threads', workers: requested };
    } else {
      partials = await runInline(init, src, progress, read, opts.signal);
      execution = { mode: 'inline', workers: 0 };
    }
  } finally {
    src.close();
  }
  const layout = slotLayout(rulesets.map((r) => r.ruleset));
  const merged = mergePartials(partials, rulesets.length, layout.width);
  const report = buildReport(merged, {
    layout,
    baseline: opts.rules,
    variant: opts.variant ?? null,
    input: src.info,
    weights,
    growth: opts.growth ?? null,
  });
  return { report, execution: { ...execution, rows: merged.rows, seconds: (performance.now() - started) / 1000 } };
}

function aborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new Error('测算已取消');
}

async function runInline(init: ShardInit, src: OpenedSource, progress: (n: number) => void, read: { rows: number }, signal?: AbortSignal): Promise<PartialData[]> {
  const shard = new ModelShard(init);
  let texts: string[] = [];
  let lines: number[] = [];
  const flush = async () => {
    shard.process(texts, lines);
    progress(texts.length);
    texts = [];
    lines = [];
    // Let the event loop breathe (the API serves requests while a job runs in-thread).
    await yieldToEventLoop();
    aborted(signal);
  };
  for await (const records of src.records) {
    for (const r of records) {
      read.rows++;
      texts.push(r.text);
      lines.push(r.line);
      if (texts.length >= BATCH) await flush();
    }
  }
  if (texts.length) await flush();
  return [shard.finish()];
}

async function runThreads(
  init: ShardInit,
  src: OpenedSource,
  n: number,
  file: URL,
  progress: (n: number) => void,
  read: { rows: number },
  signal?: AbortSignal,
): Promise<PartialData[]> {
  const workers = Array.from({ length: n }, () => new Worker(file, { workerData: init }));
  const inFlight = new Array<number>(n).fill(0);
  const partials = new Array<PartialData | undefined>(n);
  let failure: Error | null = null;
  let finished = false;
  let wake: (() => void) | null = null;
  const wakeUp = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  let resolveDone!: () => void;
  let rejectDone!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  done.catch(() => {});
  let remaining = n;
  const fail = (e: Error) => {
    if (failure || finished) return;
    failure = e;
    rejectDone(e);
    wakeUp();
  };
  const onAbort = () => fail(new Error('测算已取消'));
  signal?.addEventListener('abort', onAbort);

  workers.forEach((w, k) => {
    w.on('message', (m: FromWorker) => {
      switch (m.type) {
        case 'ready':
          if (m.protocol !== PROTOCOL) fail(new Error(`dist/model/run/worker.js is out of date (protocol ${m.protocol}, expected ${PROTOCOL}): run npm run build`));
          break;
        case 'ack':
          inFlight[k]!--;
          progress(m.n);
          wakeUp();
          break;
        case 'error':
          fail(new InputLineError(m.line, m.billNo, m.problems));
          break;
        case 'fatal':
          fail(Object.assign(new Error(m.message), { stack: m.stack }));
          break;
        case 'done':
          partials[k] = m.partial;
          if (--remaining === 0) resolveDone();
          break;
      }
    });
    w.on('error', (e) => fail(e));
    w.on('exit', (code) => {
      if (partials[k] === undefined) fail(new Error(`model worker ${k} stopped (exit code ${code})`));
    });
  });

  const batches = workers.map(() => ({ texts: [] as string[], lines: [] as number[] }));
  const send = async (k: number) => {
    while (inFlight[k]! >= MAX_IN_FLIGHT && !failure) await new Promise<void>((r) => (wake = r));
    if (failure) throw failure;
    const b = batches[k]!;
    const msg: ToWorker = { type: 'rows', texts: b.texts, lines: b.lines };
    workers[k]!.postMessage(msg);
    inFlight[k]!++;
    batches[k] = { texts: [], lines: [] };
  };
  try {
    for await (const records of src.records) {
      for (const r of records) {
        if (failure) throw failure;
        read.rows++;
        const k = shardOf(r.person, n);
        const b = batches[k]!;
        b.texts.push(r.text);
        b.lines.push(r.line);
        if (b.texts.length >= BATCH) await send(k);
      }
    }
    for (let k = 0; k < n; k++) if (batches[k]!.texts.length) await send(k);
    for (const w of workers) w.postMessage({ type: 'end' } satisfies ToWorker);
    await done;
    finished = true;
    return partials as PartialData[];
  } catch (e) {
    // A worker's error is the one to report, even when the reader stopped on it.
    throw failure ?? e;
  } finally {
    finished = true;
    signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
