/**
 * The store cannot say whether a write was committed: the SQLite writer thread stopped while it held the
 * write set (it may have died just after COMMIT, before answering), or PostgreSQL's connection was lost at
 * COMMIT. Posting the same bill again is safe and settles the question: a committed one is answered as a
 * replay, one that was not is settled now.
 */
export class CommitUnknown extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommitUnknown';
  }
}
