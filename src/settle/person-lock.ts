/**
 * One settlement use case at a time per person and year, within this process. Every write of a person's
 * year is a compare-and-set on their ledger (./compute.ts ledgerCas), so two at once can only cost one
 * of them a second computation; but a reversal's computation grows with the person's year (every later
 * settlement settled again), and with many windows at one person it kept losing the race to cheaper new
 * bills (benchmarks/RELIABILITY.md, fault:reversals). Queued here in arrival order, a process's use cases
 * of one person take turns; only another process can still move the ledger in between, and the
 * compare-and-set answers that as before. People apart never wait for each other.
 */
export class PersonLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Whether a use case of this person and year is running or queued. */
  busy(personId: string, year: number): boolean {
    return this.tails.has(keyOf(personId, year));
  }

  async run<T>(personId: string, year: number, fn: () => Promise<T>): Promise<T> {
    const key = keyOf(personId, year);
    const before = this.tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = before ? before.then(() => mine) : mine;
    this.tails.set(key, tail);
    if (before) await before;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

const keyOf = (personId: string, year: number) => `${personId}\u0000${year}`;
