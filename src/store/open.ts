/**
 * Opening the store named by ONESTOP_DB: a SQLite file (the default, data/onestop.db), `:memory:`, or a
 * `postgres://` URL.
 */
import { resolve } from 'node:path';
import type { Store } from './port.js';
import { openSqliteStore } from './sqlite/store.js';

export function defaultDatabaseUrl(): string {
  return process.env.ONESTOP_DB ?? resolve('data', 'onestop.db');
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export async function openStore(url = defaultDatabaseUrl()): Promise<Store> {
  if (isPostgresUrl(url)) {
    const { openPostgresStore } = await import('./postgres/store.js');
    return openPostgresStore(url);
  }
  return openSqliteStore(url);
}
