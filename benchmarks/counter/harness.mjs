// What the counter benchmarks share: starting the service and the echo, and one autocannon measurement
// with the CPU each request cost, read from /proc (run.mjs, and ../fast-paths/run.mjs).
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { billFor, loadRegistry } from './bills.mjs';
import { startFlags } from './node-flags.mjs';
import { cpuSince, snapshot } from './thread-cpu.mjs';

export const ROOT = join(import.meta.dirname, '..', '..');
export const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Node's flags as `npm start` sets them, for every process measured (the echo included). */
export const NODE_FLAGS = startFlags(ROOT);

export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

export async function waitHealthy(port, path = '/healthz') {
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, { method: path === '/echo' ? 'POST' : 'GET', headers: { 'content-type': 'application/json' }, body: path === '/echo' ? '{}' : undefined });
      if (r.status < 500) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on ${port} did not come up`);
}

export function startService(port, db, extraArgs = [], env = {}) {
  return spawn(process.execPath, [...NODE_FLAGS, ...extraArgs, join(ROOT, 'dist', 'app', 'server.js')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), ONESTOP_DB: db, ONESTOP_SEEDS: 'none', ONESTOP_RATE_LIMIT: 'off', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export const stop = (child) => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); });

let seq = 0;
export const runId = process.env.BENCH_RUN ?? Date.now().toString(36);
export const registry = loadRegistry(join(ROOT, 'seeds'));
/** A fresh bill number for callers that make bills of their own. */
export const nextSeq = () => seq++;

/**
 * One autocannon run against one or more ports; every request a fresh, distinct bill. `pids` are the
 * processes serving those ports: the CPU their threads and the load generator used is counted per request.
 */
export async function measure({ ports, pids, path, connections, keys }) {
  const threadsBefore = snapshot(pids);
  const loadBefore = process.cpuUsage();
  const results = await Promise.all(
    ports.map((port) =>
      autocannon({
        url: `http://127.0.0.1:${port}`,
        connections: Math.max(1, Math.round(connections / ports.length)),
        duration: DURATION,
        requests: [
          {
            method: 'POST',
            path,
            setupRequest: (req) => {
              const b = billFor(seq++, runId, registry.hospitals, registry.people);
              req.body = b.body;
              req.headers = { 'content-type': 'application/json', ...(keys ? { authorization: `Bearer ${keys[b.hospital]}` } : {}) };
              return req;
            },
          },
        ],
      }),
    ),
  );
  const server = cpuSince(threadsBefore);
  const load = process.cpuUsage(loadBefore);
  const sum = (f) => results.reduce((a, r) => a + f(r), 0);
  const total = sum((r) => r.requests.total);
  return {
    cpu: { main: server.main / total, other: server.other / total, load: (load.user + load.system) / total },
    rps: sum((r) => r.requests.average),
    p50: Math.max(...results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    non2xx: sum((r) => r.non2xx + r.errors + r.timeouts),
    total,
  };
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** CPU per request: the service's main threads / its other threads / the load generator (— where none). */
export const cpuText = (c) => [c.main, c.other, c.load].map((us) => (us > 0 ? Math.round(us) : '—')).join(' / ');
