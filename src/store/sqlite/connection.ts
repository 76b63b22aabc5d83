/**
 * How every SQLite connection of onestop is set up, in the API process and in its writer thread alike.
 */
import SQLite from 'better-sqlite3';

export function openSqliteConnection(file: string, opts: { readonly?: boolean } = {}): SQLite.Database {
  const database = new SQLite(file, opts.readonly ? { readonly: true, fileMustExist: true } : {});
  if (!opts.readonly) {
    database.pragma('journal_mode = WAL');
    // FULL: the WAL is synced at every commit, so an acknowledged settlement survives a crash or power loss.
    database.pragma('synchronous = FULL');
    database.pragma('foreign_keys = ON');
  }
  database.pragma('busy_timeout = 10000');
  return database;
}
