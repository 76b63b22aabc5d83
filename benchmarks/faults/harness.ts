/**
 * What every fault script shares: fresh databases (a SQLite file in a temp dir, or a new database on a
 * PostgreSQL server this harness starts for itself), real API processes (`node dist/app/server.js`,
 * loopback only), a plain HTTP client that reports refused and reset connections instead of throwing,
 * bounded concurrency, the `doctor` check, and a deadline that stops everything.
 *
 * Every process and cluster started here is stopped again, also when a script fails.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createKey, revokeKey } from '../../src/access/keys.js';
import type { DoctorReport } from '../../src/audit/doctor.js';
import { openStore } from '../../src/store/open.js';
import { loadRegistry } from '../../src/app/seed.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export type StoreKind = 'sqlite' | 'postgres';

// ---------------------------------------------------------------------------------------------------------
// Cleanup and deadline

const cleanups: (() => void | Promise<void>)[] = [];
const children = new Set<ChildProcess>();

export function onCleanup(fn: () => void | Promise<void>): void {
  cleanups.push(fn);
}

export async function cleanupAll(): Promise<void> {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
  while (cleanups.length) {
    try {
      await cleanups.pop()!();
    } catch (e) {
      process.stderr.write(`cleanup: ${(e as Error).message}\n`);
    }
  }
}

process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/**
 * Run a fault script: parse `--key value` options, stop it after `deadlineSeconds` whatever happens,
 * clean up, and exit 1 when it found a violation (or failed).
 */
let runningAsScript = false;

export function runScript(name: string, deadlineSeconds: number, body: (args: Args) => Promise<{ violations: number }>): void {
  runningAsScript = true;
  const args = parseArgs(process.argv.slice(2));
  const timer = setTimeout(() => {
    process.stderr.write(`${name}: deadline of ${deadlineSeconds} s reached, stopping\n`);
    void cleanupAll().finally(() => process.exit(2));
  }, deadlineSeconds * 1000);
  timer.unref();
  const started = Date.now();
  body(args)
    .then(async (r) => {
      await cleanupAll();
      process.stdout.write(`\n${name}: ${r.violations === 0 ? 'PASS' : 'FAIL'}: ${r.violations} violation(s) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      process.exit(r.violations === 0 ? 0 : 1);
    })
    .catch(async (e: unknown) => {
      process.stderr.write(`${name}: ${(e as Error)?.stack ?? String(e)}\n`);
      await cleanupAll();
      process.exit(2);
    });
}

export type Args = Record<string, string>;

function parseArgs(argv: string[]): Args {
  const out: Args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined];
    if (v !== undefined) out[k] = v;
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) out[k] = argv[++i]!;
    else out[k] = 'true';
  }
  return out;
}

export function intArg(args: Args, name: string, fallback: number, max: number): number {
  const v = args[name] === undefined ? fallback : Number(args[name]);
  if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`--${name} must be an integer from 1 to ${max}`);
  return v;
}

export function storesArg(args: Args): StoreKind[] {
  const s = args.store ?? 'both';
  if (s === 'both') return ['sqlite', 'postgres'];
  if (s === 'sqlite' || s === 'postgres') return [s];
  throw new Error('--store must be sqlite, postgres or both');
}

// ---------------------------------------------------------------------------------------------------------
// Databases

let pgServer: string | undefined = process.env.ONESTOP_TEST_PG_URL;

/** A PostgreSQL server: ONESTOP_TEST_PG_URL, or a throwaway cluster from scripts/test-env.d/postgres.sh. */
async function postgresServer(): Promise<string> {
  if (pgServer) return pgServer;
  const script = 'set -euo pipefail; CLEANUPS=(); source scripts/test-env.d/postgres.sh >&2; printf "%s\\n" "${ONESTOP_TEST_PG_URL:-}"; printf "%s\\n" "${CLEANUPS[@]}"';
  // Durable: the crash test should see PostgreSQL as it runs in production, fsync and all.
  const r = spawnSync('bash', ['-c', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ONESTOP_PG_DURABLE: '1' } });
  const [url, ...stops] = r.stdout.split('\n').filter((l) => l.trim());
  if (r.status !== 0 || !url) throw new Error(`could not start PostgreSQL: ${r.stderr}`);
  onCleanup(() => {
    for (const s of stops) spawnSync('bash', ['-c', s], { stdio: 'ignore' });
  });
  pgServer = url;
  return url;
}

export interface Database {
  kind: StoreKind;
  url: string;
  /** Where the servers' logs go. */
  dir: string;
}

export async function freshDatabase(kind: StoreKind): Promise<Database> {
  const dir = mkdtempSync(join(tmpdir(), `onestop-fault-${kind}-`));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  if (kind === 'sqlite') return { kind, url: join(dir, 'onestop.db'), dir };
  const server = await postgresServer();
  const name = `onestop_fault_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  onCleanup(async () => {
    const c = new pg.Client({ connectionString: server });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  });
  const u = new URL(server);
  u.pathname = `/${name}`;
  return { kind, url: u.toString(), dir };
}

export interface Keys {
  /** Window key of H152200-L01 (兴安盟人民医院). */
  window: string;
  /** Window key of another hospital, H152221-C01. */
  otherWindow: string;
  auditor: string;
  admin: string;
  /** A window key of H152200-L01 that has been revoked. */
  revoked: string;
}

export const HOSPITAL = 'H152200-L01';
export const OTHER_HOSPITAL = 'H152221-C01';

/** Migrate, load the registry (hospitals and people, no demo bills) and create the keys the scripts use. */
export async function prepare(db: Database): Promise<Keys> {
  const store = await openStore(db.url);
  try {
    await loadRegistry(store, join(ROOT, 'seeds'));
    const key = async (role: 'window' | 'auditor' | 'admin', hospitalCode: string | null) => (await createKey(store, { role, hospitalCode, label: 'fault test' })).secret;
    const revoked = await createKey(store, { role: 'window', hospitalCode: HOSPITAL, label: 'fault test (revoked)' });
    await revokeKey(store, revoked.id, 'fault-test');
    return { window: await key('window', HOSPITAL), otherWindow: await key('window', OTHER_HOSPITAL), auditor: await key('auditor', null), admin: await key('admin', null), revoked: revoked.secret };
  } finally {
    await store.close();
  }
}

/** Row counts and a fingerprint of every ledger, to show that nothing was written. */
export async function snapshot(db: Database): Promise<{ settlements: number; funds: number; audit: number; ledgers: number; ledgerDigest: string }> {
  const store = await openStore(db.url);
  try {
    const n = async (t: 'settlements' | 'settlement_funds' | 'audit_log' | 'ledgers') => Number((await store.db.selectFrom(t).select((eb) => eb.fn.countAll().as('c')).executeTakeFirstOrThrow()).c);
    const ledgers = await store.db.selectFrom('ledgers').select(['person_id', 'year', 'accumulators_json', 'version']).orderBy('person_id').orderBy('year').execute();
    return {
      settlements: await n('settlements'),
      funds: await n('settlement_funds'),
      audit: await n('audit_log'),
      ledgers: ledgers.length,
      ledgerDigest: createHash('sha256').update(JSON.stringify(ledgers)).digest('hex').slice(0, 16),
    };
  } finally {
    await store.close();
  }
}

// ---------------------------------------------------------------------------------------------------------
// API processes

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Api {
  port: number;
  base: string;
  process: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  /** SIGKILL: no shutdown, no flushing, as a power cut of the process. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

let mode: 'src' | 'dist' | undefined;
/**
 * How API processes run: `node dist/app/server.js`, as in production, when dist/ is at least as new as
 * src/ (npm test and the fault:* scripts build first); else the TypeScript source through tsx, so a test
 * never runs stale code. ONESTOP_FAULT_SERVER=src|dist forces one.
 */
export function serverMode(): 'src' | 'dist' {
  const forced = process.env.ONESTOP_FAULT_SERVER;
  if (forced === 'src' || forced === 'dist') return forced;
  if (mode) return mode;
  const built = join(ROOT, 'dist', 'app', 'server.js');
  mode = existsSync(built) && statSync(built).mtimeMs >= newestMtime(join(ROOT, 'src')) ? 'dist' : 'src';
  return mode;
}

/**
 * Start an API process on a database (see {@link serverMode}). A process that dies while starting is
 * reported (its log's last lines on stderr) and started once more on another port: a port found free
 * may be taken by another socket before the child binds it.
 */
export async function startApi(db: Database, env: Record<string, string> = {}, port?: number): Promise<Api> {
  try {
    return await startApiOnce(db, env, port);
  } catch (e) {
    if (port !== undefined) throw e;
    process.stderr.write(`warning: ${(e as Error).message}\nwarning: starting it again on another port\n`);
    return startApiOnce(db, env);
  }
}

async function startApiOnce(db: Database, env: Record<string, string>, port?: number): Promise<Api> {
  const p = port ?? (await freePort());
  const fromSource = serverMode() === 'src';
  const args = fromSource ? ['--import', 'tsx', join(ROOT, 'src', 'app', 'server.ts')] : [join(ROOT, 'dist', 'app', 'server.js')];
  const log = createWriteStream(join(db.dir, `server-${p}.log`), { flags: 'a' });
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: String(p), ONESTOP_DB: db.url, ONESTOP_SEEDS: 'none', LOG_LEVEL: 'warn', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    children.delete(child);
    resolve(code);
  }));
  const base = `http://127.0.0.1:${p}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await send('GET', `${base}/healthz`, { timeoutMs: 2000 });
    if (r.status === 200) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      const tail = readFileSync(join(db.dir, `server-${p}.log`), 'utf8').split('\n').slice(-15).join('\n');
      throw new Error(`API process on port ${p} did not start (exit ${child.exitCode}):\n${tail}`);
    }
    await sleep(150);
  }
  return {
    port: p,
    base,
    process: child,
    exited,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * `onestop doctor --json` on a database, as an operator would run it (`bin/onestop.js`), in the fault:*
 * scripts; in the vitest wrappers the same check in this process, on the current source.
 */
export async function doctor(db: Database, year = 2018): Promise<DoctorReport> {
  if (!runningAsScript || serverMode() === 'src') {
    const { runDoctor } = await import('../../src/audit/doctor.js');
    const store = await openStore(db.url);
    try {
      return await runDoctor(store, { year });
    } finally {
      await store.close();
    }
  }
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [join(ROOT, 'bin', 'onestop.js'), 'doctor', '--db', db.url, '--year', String(year), '--json'], { cwd: ROOT, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      // Exit 1 means violations were found: the report is still on stdout.
      if (err && (err as { code?: number }).code !== 1) return reject(new Error(`doctor failed: ${stderr || err.message}`));
      resolve(stdout);
    });
  });
  return JSON.parse(out) as DoctorReport;
}

// ---------------------------------------------------------------------------------------------------------
// HTTP

export interface Answer {
  /** HTTP status, or 0 when there was no answer (connection refused, reset, timed out). */
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed JSON body, when it was JSON. */
  json: unknown;
  /** Why there was no answer. */
  error?: string;
}

const agents = new Map<number, Agent>();
function agentFor(maxSockets: number): Agent {
  let a = agents.get(maxSockets);
  if (!a) {
    a = new Agent({ keepAlive: true, maxSockets });
    agents.set(maxSockets, a);
  }
  return a;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * One request. Never throws: a request that got no answer has status 0 and `error`. `body` may be a
 * string or a Buffer (sent as is) or any other value (sent as JSON).
 */
export function send(
  method: string,
  url: string,
  opts: { headers?: Record<string, string>; body?: unknown; timeoutMs?: number; maxSockets?: number; noContentType?: boolean } = {},
): Promise<Answer> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      payload = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
      if (!opts.noContentType && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    let done = false;
    const finish = (a: Answer) => {
      if (!done) {
        done = true;
        resolve(a);
      }
    };
    const req = httpRequest(url, { method, headers, agent: agentFor(opts.maxSockets ?? Infinity) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => finish({ status: 0, headers: {}, text: '', json: undefined, error: e.message }));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        finish({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.setTimeout(opts.timeoutMs ?? 60_000, () => req.destroy(new Error('timed out')));
    req.on('error', (e: NodeJS.ErrnoException) => finish({ status: 0, headers: {}, text: '', json: undefined, error: e.code ?? e.message }));
    req.end(payload);
  });
}

export function post(api: Api, key: string | null, body: unknown, opts: { path?: string; headers?: Record<string, string>; maxSockets?: number } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  return send('POST', `${api.base}${opts.path ?? '/v1/settlements'}`, { headers, body, maxSockets: opts.maxSockets });
}

export function get(api: Api, key: string | null, path: string): Promise<Answer> {
  return send('GET', `${api.base}${path}`, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
}

/** Run `fn` over `items`, at most `concurrency` at a time, keeping the order of the answers. */
export async function pool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Bills and reporting

/** A realistic inpatient bill (the same shape as test/http/fixture.ts), `scale` times a 9,800 yuan operation. */
export function inpatientBill(opts: { billNo: string; person: string; hospital?: string; scale?: number; discharged?: string }) {
  const money = (fen: number) => (fen / 100).toFixed(2);
  const surgery = Math.round(980000 * (opts.scale ?? 1));
  return {
    billNo: opts.billNo,
    hospital: { code: opts.hospital ?? HOSPITAL },
    person: { id: opts.person },
    visit: { type: 'inpatient', admitted: '2018-11-02', discharged: opts.discharged ?? '2018-11-12' },
    items: [
      { code: 'Z001', name: '床位费', class: 'A', unitPrice: '40.00', quantity: '10', amount: '400.00' },
      { code: 'D101', name: '头孢曲松钠注射液', class: 'B', selfPayRatio: '0.10', unitPrice: '25.50', quantity: '12', amount: '306.00', priceCap: '24.00' },
      { code: 'S201', name: '腹腔镜胆囊切除术', class: 'A', unitPrice: money(surgery), quantity: '1', amount: money(surgery) },
      { code: 'M301', name: '进口吻合器', class: 'C', unitPrice: '1500.00', quantity: '1', amount: '1500.00' },
    ],
  };
}

/** The poor people of the seed registry (all five layers apply to them). */
export const POOR_PEOPLE = Array.from({ length: 98 }, (_, i) => `P-${String(i + 1).padStart(6, '0')}`);

export function tally(answers: Answer[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const a of answers) {
    const k = a.status === 0 ? `no answer (${a.error})` : String(a.status);
    t[k] = (t[k] ?? 0) + 1;
  }
  return t;
}

export function yuanToFen(s: unknown): number {
  return Math.round(Number(s) * 100);
}

/** A section of the printed report. */
export function report(title: string, figures: Record<string, unknown>): void {
  process.stdout.write(`\n== ${title}\n`);
  for (const [k, v] of Object.entries(figures)) process.stdout.write(`  ${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`);
}
