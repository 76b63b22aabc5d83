// npm run bench:counter — hospital-counter throughput, measured against the ceiling the same machine
// reaches in the same run (an express echo of the same body), measured in the same minute as what it is
// compared with, so the ratio means something on a noisy shared machine. Loopback only, bounded duration.
// Writes its table at the top of benchmarks/RESULTS.md.
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { recordResult } from '../record.mjs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { billFor } from './bills.mjs';
import { DURATION, NODE_FLAGS, ROOT, ROUNDS, cpuText, freePort, measure, median, nextSeq, registry, runId as run, startService, stop, waitHealthy } from './harness.mjs';

const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,8,32').split(',').map(Number);
const PROFILE = process.env.BENCH_PROFILE !== '0';
const { hospitals, people } = registry;

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
  const out = execFileSync(process.execPath, [...NODE_FLAGS, join(import.meta.dirname, 'in-process.mjs'), db, String(c), String(DURATION), '1', `${run}-${nextSeq()}`], {
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
recordResult(join(ROOT, 'benchmarks', 'RESULTS.md'), `${[...header, ...lines].join('\n')}\n${profileSummary ? `\n${profileSummary}\n` : ''}`, `# Benchmark results\n\nWritten by \`npm run bench:counter\` (hospital-counter throughput against an express echo of the same body, measured in the same run) and \`npm run bench:engine\` (the pure engine on one core), newest first. Each entry names the machine, the Node version and the date; compare ratios, not raw figures, across machines. Measurements of the implementation before the 2026-12 restructure are in history/.\n`);
console.log('written to benchmarks/RESULTS.md');
