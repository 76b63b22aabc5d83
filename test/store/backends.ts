/**
 * The databases the store suite runs against: SQLite (a temp file) and a real PostgreSQL server
 * (a fresh database per test, on the server in ONESTOP_TEST_PG_URL, which scripts/test-env.d/postgres.sh
 * starts for `npm test`). No mocks.
 *
 * Without ONESTOP_TEST_PG_URL the PostgreSQL half is skipped with a message, except under CI=true,
 * where PostgreSQL is required and its absence fails the suite.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadRulesDir } from '../../src/rules/load.js';
import { RuleBook } from '../../src/rules/select.js';
import { loadRegistry } from '../../src/app/seed.js';
import { SettlementService } from '../../src/settle/service.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/port.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const PG_URL = process.env.ONESTOP_TEST_PG_URL;
export const IN_CI = Boolean(process.env.CI) && process.env.CI !== 'false';

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** Why the backend is skipped, or null when it runs. */
  skip: string | null;
  /** A new, empty database: its ONESTOP_DB value. */
  fresh(): Promise<string>;
  /** Drop what fresh() made (PostgreSQL databases; temp files are left to the OS). */
  cleanup(): Promise<void>;
}

const sqlite: Backend = {
  name: 'sqlite',
  skip: null,
  async fresh() {
    return join(mkdtempSync(join(tmpdir(), 'onestop-store-')), 'store.db');
  },
  async cleanup() {},
};

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

const created: string[] = [];
const postgres: Backend = {
  name: 'postgres',
  skip: PG_URL ? null : 'ONESTOP_TEST_PG_URL is not set (npm test starts a PostgreSQL server for it; see scripts/test-env.d/postgres.sh)',
  async fresh() {
    const name = `onestop_t_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`create database ${name}`);
    } finally {
      await admin.end();
    }
    created.push(name);
    return withDatabase(PG_URL!, name);
  },
  async cleanup() {
    if (!PG_URL) return;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      for (const name of created.splice(0)) await admin.query(`drop database if exists ${name} with (force)`);
    } finally {
      await admin.end();
    }
  },
};

export const BACKENDS: Backend[] = [sqlite, postgres];

/** A settlement service on a store, as the API process builds it (registry loaded, no demo bills). */
export interface Opened {
  store: Store;
  rules: RuleBook;
  settlements: SettlementService;
  close(): Promise<void>;
}

let book: RuleBook | undefined;
export function rules(): RuleBook {
  return (book ??= new RuleBook(loadRulesDir(join(ROOT, 'rules'))));
}

export async function openService(url: string, opts: { registry?: boolean } = {}): Promise<Opened> {
  const store = await openStore(url);
  const settlements = new SettlementService({ store, rules: rules() });
  await settlements.registerRulesets();
  if (opts.registry) await loadRegistry(store, join(ROOT, 'seeds'));
  return { store, rules: rules(), settlements, close: () => store.close() };
}

export async function count(store: Store, table: 'settlements' | 'settlement_funds' | 'audit_log' | 'ledgers'): Promise<number> {
  const r = await store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('c')).executeTakeFirstOrThrow();
  return Number(r.c);
}

export interface WorkerAnswer {
  billNo: string;
  outcome: 'created' | 'replay' | 'error';
  id?: string;
  error?: string;
  accumulators?: Record<string, Record<string, { before: string; after: string }>>;
  patientPays?: string;
}

/**
 * Other API processes: each child opens its own store on the same database, says it is ready, waits until
 * every child is, then posts all its bills at once. Real processes, because two better-sqlite3
 * connections in one process cannot wait for each other (SQLite's busy wait blocks the thread that
 * would have to finish the other transaction).
 */
export async function postFromProcesses(url: string, perProcess: unknown[][]): Promise<WorkerAnswer[][]> {
  const children = perProcess.map((bills) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'store', 'worker.ts'), url], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const ready = new Promise<void>((resolve, reject) => {
      const onData = () => {
        if (out.includes('ready\n')) {
          child.stdout.off('data', onData);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready: ${err}`)));
    });
    const done = new Promise<WorkerAnswer[]>((resolve, reject) => {
      child.once('exit', (code) => {
        if (code !== 0) return reject(new Error(`worker exited with ${code}: ${err}`));
        const line = out.split('\n').find((l) => l.startsWith('['));
        if (!line) return reject(new Error(`worker printed no answers: ${out} ${err}`));
        resolve(JSON.parse(line) as WorkerAnswer[]);
      });
    });
    return { child, bills, ready, done };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.stdin.end(`${JSON.stringify(c.bills)}\n`);
  return Promise.all(children.map((c) => c.done));
}
