/**
 * What a long read of the store (the recompute audit, `doctor`) is given by whoever runs it (a job, the
 * CLI, a test): where to report progress, and when to stop.
 */
export interface LongReadOptions {
  /** Called after each page with the settlements done so far and how many are in scope (counted first). */
  onProgress?: (done: number, total: number) => void;
  /** Once aborted, the read stops before its next page and throws {@link ReadCancelled}. */
  signal?: AbortSignal;
}

/** A long read stopped because its signal was aborted (a cancelled job, Ctrl-C in the CLI). */
export class ReadCancelled extends Error {
  constructor() {
    super('已取消');
    this.name = 'ReadCancelled';
  }
}

/** Throw {@link ReadCancelled} if the read's signal has been aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ReadCancelled();
}

/**
 * Between two pages of a long read: let the thread's event loop turn (a Ctrl-C, a cancel message, a
 * timer; on SQLite every query of the read resolves without ever yielding to it), then stop if cancelled.
 */
export async function betweenPages(signal: AbortSignal | undefined): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  throwIfCancelled(signal);
}
