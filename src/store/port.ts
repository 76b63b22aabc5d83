/**
 * What the rest of onestop sees of a store: kysely for reading, the counter's few hot reads by name,
 * and one way to change anything, a write set (./write-set.ts), run by the store's one transaction
 * runner (SQLite: group commit in a writer thread, ./sqlite/; PostgreSQL: a transaction per set,
 * ./postgres/). The store decides nothing: it runs what it is given and says whether the guards held.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { NamedStatement, WriteOutcome, WriteSet } from './write-set.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  /** For reads, and for building the SQL of a write to `.compile()` into a write set. */
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Where the data lives, for logs (never a password). */
  readonly location: string;
  /**
   * What opens this database again ({@link openStore}): the file, or the URL with its password. For this
   * process's own worker threads only, never for logs. Null when it cannot be opened again (`:memory:`).
   */
  readonly reopen: string | null;
  /** One row of a named statement (./statements.ts), from committed data. */
  get<Row = Record<string, unknown>>(s: NamedStatement): Promise<Row | undefined>;
  /** Every row of a named statement, from committed data. */
  all<Row = Record<string, unknown>>(s: NamedStatement): Promise<Row[]>;
  /**
   * Commit a write set, all of it or nothing. Resolves once it is durable; rejects with a
   * {@link StoreWriteError} (the database refused a statement) or a CommitUnknown (./commit-unknown.ts).
   */
  write(set: WriteSet): Promise<WriteOutcome>;
  /**
   * PostgreSQL: seal the audit entries committed so far into the chain now (postgres/sealer.ts) and say
   * whether this process did (false: another process is the sealer, or sealing is off). SQLite writes every
   * entry sealed and has no such method.
   */
  sealAudit?(): Promise<boolean>;
  close(): Promise<void>;
}

/** The database refused a statement of a write set; `code` is its own (SQLITE_CONSTRAINT_UNIQUE, 23505…). */
export class StoreWriteError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'StoreWriteError';
  }
}

/** The bill number (or another unique key) was taken by a write that committed first. */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
