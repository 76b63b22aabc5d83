// npm run bench:counter — hospital-counter throughput, measured against the ceiling the same machine
// reaches in the same run (an express echo of the same body), so the ratio means something on a noisy
// shared machine. Loopback only, bounded duration. Appends its table to benchmarks/RESULTS.md.
import autocannon from 'autocannon';
import { execFileSync, fork, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { billFor, loadRegistry } from './bills.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,8,32').split(',').map(Number);
const PROFILE = process.env.BENCH_PROFILE !== '0';

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function waitHealthy(port, path = '/healthz') {
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, { method: path === '/echo' ? 'POST' : 'GET', headers: { 'content-type': 'application/json' }, body: path === '/echo' ? '{}' : undefined });
      if (r.status < 500) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on ${port} did not come up`);
}

function startService(port, db, extraArgs = []) {
  const child = spawn(process.execPath, [...extraArgs, join(ROOT, 'dist', 'http', 'server.js')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), ONESTOP_DB: db, ONESTOP_SEEDS: 'none', ONESTOP_RATE_LIMIT: 'off', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

const stop = (child) => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); });

let seq = 0;
const run = process.env.BENCH_RUN ?? Date.now().toString(36);
const { hospitals, people } = loadRegistry(join(ROOT, 'seeds'));

/** One autocannon run against one or more ports; every request a fresh, distinct bill. */
async function measure({ ports, path, connections, keys }) {
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
              const b = billFor(seq++, run, hospitals, people);
              req.body = b.body;
              req.headers = { 'content-type': 'application/json', ...(keys ? { authorization: `Bearer ${keys[b.hospital]}` } : {}) };
              return req;
            },
          },
        ],
      }),
    ),
  );
  const sum = (f) => results.reduce((a, r) => a + f(r), 0);
  return {
    rps: sum((r) => r.requests.average),
    p50: Math.max(...results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    non2xx: sum((r) => r.non2xx + r.errors + r.timeouts),
    total: sum((r) => r.requests.total),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function scenario(name, opts) {
  const rows = [];
  for (const c of CONNECTIONS) {
    const rounds = [];
    for (let r = 0; r < ROUNDS; r++) rounds.push(await measure({ ...opts, connections: c }));
    const row = {
      name,
      connections: c,
      rps: median(rounds.map((x) => x.rps)),
      p50: median(rounds.map((x) => x.p50)),
      p99: median(rounds.map((x) => x.p99)),
      non2xx: rounds.reduce((a, x) => a + x.non2xx, 0),
      requests: rounds.reduce((a, x) => a + x.total, 0),
    };
    console.log(`${name.padEnd(34)} c=${String(c).padEnd(3)} ${row.rps.toFixed(0).padStart(6)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  non-2xx ${row.non2xx}`);
    rows.push(row);
  }
  return rows;
}

const tmp = mkdtempSync(join(tmpdir(), 'onestop-bench-'));
const db = join(tmp, 'bench.db');
console.log(`preparing a fresh database in ${tmp} …`);
const keys = JSON.parse(execFileSync(process.execPath, [join(import.meta.dirname, 'prepare.mjs')], { cwd: ROOT, env: { ...process.env, ONESTOP_DB: db, LOG_LEVEL: 'warn' } }).toString());

const echoPort = await freePort();
const echo = fork(join(import.meta.dirname, 'echo-server.mjs'), { env: { ...process.env, PORT: String(echoPort) }, stdio: 'ignore' });
await waitHealthy(echoPort, '/echo');

const all = [];
all.push(...(await scenario('(a) express echo (ceiling)', { ports: [echoPort], path: '/echo' })));
await stop(echo);

const port = await freePort();
const service = startService(port, db);
await waitHealthy(port);
all.push(...(await scenario('(b) POST /v1/settlements, 1 process', { ports: [port], path: '/v1/settlements', keys })));
await stop(service);

const previewPort = await freePort();
const previewService = startService(previewPort, db);
await waitHealthy(previewPort);
all.push(...(await scenario('POST /v1/settlements/preview', { ports: [previewPort], path: '/v1/settlements/preview', keys })));
await stop(previewService);

const port2a = await freePort();
const port2b = await freePort();
const two = [startService(port2a, db), startService(port2b, db)];
await Promise.all([waitHealthy(port2a), waitHealthy(port2b)]);
all.push(...(await scenario('POST /v1/settlements, 2 processes', { ports: [port2a, port2b], path: '/v1/settlements', keys })));
await Promise.all(two.map(stop));

// (c) The settle path without HTTP, in-process, with as many settlements in flight as (b) has
// connections: the most any HTTP layer could reach here (see in-process.mjs).
for (const c of CONNECTIONS) {
  const out = execFileSync(process.execPath, [join(import.meta.dirname, 'in-process.mjs'), db, String(c), String(DURATION), String(ROUNDS), run], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn' },
    maxBuffer: 1 << 20,
  });
  const rounds = JSON.parse(out.toString());
  const row = {
    name: '(c) settle path in-process, no HTTP',
    connections: c,
    rps: median(rounds.map((x) => x.rps)),
    p50: median(rounds.map((x) => x.p50)),
    p99: median(rounds.map((x) => x.p99)),
    non2xx: 0,
    requests: rounds.reduce((a, x) => a + x.total, 0),
  };
  console.log(`${row.name.padEnd(34)} c=${String(c).padEnd(3)} ${row.rps.toFixed(0).padStart(6)} settlements/s  p50 ${row.p50} ms  p99 ${row.p99} ms`);
  all.push(row);
}

// Where the time goes: a separate settle run (one round at the most connections) in a process profiled
// with --cpu-prof, which serves nothing else. Separate, because the profiler slows what it watches: the
// measured rounds above run without it.
let profileSummary = '';
if (PROFILE) {
  const profileDir = join(tmp, 'profile');
  const profPort = await freePort();
  const profiled = startService(profPort, db, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
  await waitHealthy(profPort);
  await measure({ ports: [profPort], path: '/v1/settlements', keys, connections: Math.max(...CONNECTIONS) });
  await stop(profiled);
  const { summarizeProfile } = await import('./profile-summary.mjs');
  profileSummary = summarizeProfile(profileDir, 10);
  console.log(profileSummary);
}

const echoBy = Object.fromEntries(all.filter((r) => r.name.startsWith('(a)')).map((r) => [r.connections, r.rps]));
const cpu = cpus();
const header = [
  `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — counter benchmark`,
  '',
  `Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores; Node ${process.version}; ${DURATION} s per round, ${ROUNDS} rounds (median shown); 20-item bills of ~${Math.round(billFor(0, run, hospitals, people).body.length / 100) / 10} KB; SQLite WAL, synchronous=FULL; autocannon on the same machine over loopback.`,
  `Command: \`npm run bench:counter\``,
  '',
  '| scenario | connections | req/s | p50 ms | p99 ms | non-2xx | ratio to echo |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
];
const lines = all.map((r) => `| ${r.name} | ${r.connections} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.name.startsWith('(a)') ? '1.00' : (r.rps / echoBy[r.connections]).toFixed(2)} |`);
appendFileSync(join(ROOT, 'benchmarks', 'RESULTS.md'), `\n${[...header, ...lines].join('\n')}\n${profileSummary ? `\n${profileSummary}\n` : ''}`);
console.log('appended to benchmarks/RESULTS.md');
