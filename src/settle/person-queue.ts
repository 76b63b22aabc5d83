/**
 * One settlement of a person at a time in this process (from reading the person's year to its COMMIT).
 *
 * The store takes a settlement only on the ledger version it was computed on, and answers `stale`
 * otherwise (settle/service.ts computes again). Bills of one person arriving together in one process would
 * all compute on the same version and all but one be refused, round after round: the last of 100 needs
 * 100 rounds. Queued per person, a bill computes on the ledger the one before it wrote; only another
 * process can still move the ledger under it. Different people never wait for each other.
 */
export class PersonQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Run `fn` after every earlier call for the same key has settled (fulfilled or not). */
  async run<T>(key: string, fn: (waited: boolean) => Promise<T>): Promise<T> {
    const before = this.tails.get(key);
    const mine = (before ?? Promise.resolve()).then(
      () => fn(before !== undefined),
      () => fn(true),
    );
    const tail = mine.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    try {
      return await mine;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with work queued or running (for tests). */
  get size(): number {
    return this.tails.size;
  }
}
