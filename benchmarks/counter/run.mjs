// npm run bench:counter — hospital-counter throughput, measured against the ceiling the same machine
// reaches in the same run (an express echo of the same body), measured in the same minute as what it is
// compared with, so the ratio means something on a noisy shared machine. Loopback only, bounded duration.
// Appends its table to benchmarks/RESULTS.md.
import autocannon from 'autocannon';
import { execFileSync, fork, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { billFor, loadRegistry } from './bills.mjs';
import { startFlags } from './node-flags.mjs';
import { cpuSince, snapshot } from './thread-cpu.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,8,32').split(',').map(Number);
const PROFILE = process.env.BENCH_PROFILE !== '0';
/** Node's flags as `npm start` sets them, for every process measured (the echo included). */
const NODE_FLAGS = startFlags(ROOT);

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
  const child = spawn(process.execPath, [...NODE_FLAGS, ...extraArgs, join(ROOT, 'dist', 'http', 'server.js')], {
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

/**
 * One autocannon run against one or more ports; every request a fresh, distinct bill. `pids` are the
 * processes serving those ports: the CPU their threads and the load generator used is counted per request.
 */
async function measure({ ports, pids, path, connections, keys }) {
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

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** CPU per request: the service's main threads / its other threads / the load generator (— where none). */
const cpuText = (c) => [c.main, c.other, c.load].map((us) => (us > 0 ? Math.round(us) : '—')).join(' / ');

const tmp = mkdtempSync(join(tmpdir(), 'onestop-bench-'));
const db = join(tmp, 'bench.db');
console.log(`preparing a fresh database in ${tmp} …`);
const keys = JSON.parse(execFileSync(process.execPath, [join(import.meta.dirname, 'prepare.mjs')], { cwd: ROOT, env: { ...process.env, ONESTOP_DB: db, LOG_LEVEL: 'warn' } }).toString());

// Every process the rounds need, started once and left idle between rounds.
const echoPort = await freePort();
const echo = fork(join(import.meta.dirname, 'echo-server.mjs'), { execArgv: NODE_FLAGS, env: { ...process.env, PORT: String(echoPort) }, stdio: 'ignore' });
const port = await freePort();
const service = startService(port, db);
const port2a = await freePort();
const port2b = await freePort();
const two = [startService(port2a, db), startService(port2b, db)];
await Promise.all([waitHealthy(echoPort, '/echo'), waitHealthy(port), waitHealthy(port2a), waitHealthy(port2b)]);

/** (c) The settle path without HTTP, in-process, with as many settlements in flight as (b) has connections (see in-process.mjs). */
function inProcess(c) {
  const out = execFileSync(process.execPath, [...NODE_FLAGS, join(import.meta.dirname, 'in-process.mjs'), db, String(c), String(DURATION), '1', `${run}-${seq++}`], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn' },
    maxBuffer: 1 << 20,
  });
  const [r] = JSON.parse(out.toString());
  return { rps: r.rps, p50: r.p50, p99: r.p99, non2xx: 0, total: r.total, cpu: { ...r.cpu, load: 0 } };
}

const SCENARIOS = [
  { name: '(b) POST /v1/settlements, 1 process', run: (c) => measure({ ports: [port], pids: [service.pid], path: '/v1/settlements', keys, connections: c }) },
  // (c) counts settlements in flight where the other rows count connections; a failed call stops it.
  { name: '(c) settle path in-process, no HTTP', run: inProcess },
  { name: 'POST /v1/settlements/preview', run: (c) => measure({ ports: [port], pids: [service.pid], path: '/v1/settlements/preview', keys, connections: c }) },
  { name: 'POST /v1/settlements, 2 processes', run: (c) => measure({ ports: [port2a, port2b], pids: two.map((p) => p.pid), path: '/v1/settlements', keys, connections: c }) },
];
const ECHO = '(a) express echo (ceiling)';

// Rounds interleave: in each, the echo is measured before and after the scenarios, and each scenario's
// ratio for the round is taken against the mean of those two. A shared machine's speed drifts over
// minutes; a ceiling measured minutes apart from what it is compared with made the ratios swing by more
// than the changes being measured.
const all = [];
for (const c of CONNECTIONS) {
  const got = new Map([[ECHO, []], ...SCENARIOS.map((x) => [x.name, []])]);
  for (let r = 0; r < ROUNDS; r++) {
    const before = await measure({ ports: [echoPort], pids: [echo.pid], path: '/echo', connections: c });
    const results = [];
    for (const x of SCENARIOS) results.push([x.name, await x.run(c)]);
    const after = await measure({ ports: [echoPort], pids: [echo.pid], path: '/echo', connections: c });
    const ceiling = (before.rps + after.rps) / 2;
    const echoCpu = (k) => (before.cpu[k] * before.total + after.cpu[k] * after.total) / (before.total + after.total);
    got.get(ECHO).push({ ...before, rps: ceiling, non2xx: before.non2xx + after.non2xx, total: before.total + after.total, ratio: 1, cpu: { main: echoCpu('main'), other: echoCpu('other'), load: echoCpu('load') } });
    for (const [name, m] of results) got.get(name).push({ ...m, ratio: m.rps / ceiling });
  }
  for (const [name, rounds] of got) {
    const row = {
      name,
      connections: c,
      rps: median(rounds.map((x) => x.rps)),
      p50: median(rounds.map((x) => x.p50)),
      p99: median(rounds.map((x) => x.p99)),
      non2xx: rounds.reduce((a, x) => a + x.non2xx, 0),
      requests: rounds.reduce((a, x) => a + x.total, 0),
      ratio: median(rounds.map((x) => x.ratio)),
      ratios: rounds.map((x) => x.ratio),
      cpu: { main: median(rounds.map((x) => x.cpu.main)), other: median(rounds.map((x) => x.cpu.other)), load: median(rounds.map((x) => x.cpu.load)) },
    };
    console.log(`${name.padEnd(36)} c=${String(c).padEnd(3)} ${row.rps.toFixed(0).padStart(6)} /s  p50 ${row.p50} ms  p99 ${row.p99} ms  non-2xx ${row.non2xx}  cpu µs/req ${cpuText(row.cpu)}  ratio ${row.ratio.toFixed(2)} (${row.ratios.map((x) => x.toFixed(2)).join(' ')})`);
    all.push(row);
  }
}
await Promise.all([echo, service, ...two].map(stop));

// Where the time goes: a separate settle run (one round at the most connections) in a process profiled
// with --cpu-prof, which serves nothing else. Separate, because the profiler slows what it watches: the
// measured rounds above run without it.
let profileSummary = '';
if (PROFILE) {
  const profileDir = join(tmp, 'profile');
  const profPort = await freePort();
  const profiled = startService(profPort, db, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
  await waitHealthy(profPort);
  await measure({ ports: [profPort], pids: [profiled.pid], path: '/v1/settlements', keys, connections: Math.max(...CONNECTIONS) });
  await stop(profiled);
  const { summarizeProfile } = await import('./profile-summary.mjs');
  profileSummary = summarizeProfile(profileDir, 10);
  console.log(profileSummary);
}

const cpu = cpus();
const header = [
  `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — counter benchmark`,
  '',
  `Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores; Node ${process.version}${NODE_FLAGS.length ? ` (${NODE_FLAGS.join(' ')}, as npm start runs it)` : ''}; ${DURATION} s per measurement, ${ROUNDS} rounds (median shown); in each round the echo is measured before and after the other scenarios, and a ratio is the scenario's rate over the mean of those two; 20-item bills of ~${Math.round(Buffer.byteLength(billFor(0, run, hospitals, people).body) / 100) / 10} KB of UTF-8; SQLite WAL, synchronous=FULL; autocannon on the same machine over loopback.`,
  `Command: \`npm run bench:counter\``,
  '',
  'CPU µs per request (median of the rounds; from /proc): the service\'s main thread (both main threads for 2 processes) / its other threads (the SQLite writer, V8\'s helpers) / the load generator.',
  '',
  '| scenario | connections | req/s | p50 ms | p99 ms | non-2xx | CPU µs/request | ratio to echo (median; each round) |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
];
const lines = all.map((r) => `| ${r.name} | ${r.connections} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${cpuText(r.cpu)} | ${r.name === ECHO ? '1.00' : `**${r.ratio.toFixed(2)}**; ${r.ratios.map((x) => x.toFixed(2)).join(', ')}`} |`);
appendFileSync(join(ROOT, 'benchmarks', 'RESULTS.md'), `\n${[...header, ...lines].join('\n')}\n${profileSummary ? `\n${profileSummary}\n` : ''}`);
console.log('appended to benchmarks/RESULTS.md');
