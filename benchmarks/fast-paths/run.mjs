// npm run bench:fast-paths — is each fast path still worth its code? Each one measured in the same run as
// its plain form, alternating (the order flips every pair), so a shared machine's drift falls on both:
//  - the counter lane (node:http for the two counter routes) against express alone, settle and preview;
//  - the SQLite writer thread against committing in the API thread (ONESTOP_SQLITE_WRITER=inline);
//  - the bill read by zod's compiled parser against zod's runtime parser (in-process, one thread);
//  - statements compiled once (store/statements.ts) against building and compiling each settlement's
//    statements with kysely (in-process, one thread).
// A fast path beats the noise when every alternating pair favours it. Writes to benchmarks/FAST-PATHS.md.
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { recordResult } from '../record.mjs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DURATION, NODE_FLAGS, ROOT, freePort, measure, median, startService, stop, waitHealthy } from '../counter/harness.mjs';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 4);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

const tmp = mkdtempSync(join(tmpdir(), 'onestop-fast-paths-'));
const db = join(tmp, 'bench.db');
console.log(`preparing a fresh database in ${tmp} …`);
const keys = JSON.parse(execFileSync(process.execPath, [join(ROOT, 'benchmarks', 'counter', 'prepare.mjs')], { cwd: ROOT, env: { ...process.env, ONESTOP_DB: db, LOG_LEVEL: 'warn' } }).toString());

const echoPort = await freePort();
const echo = fork(join(ROOT, 'benchmarks', 'counter', 'echo-server.mjs'), { execArgv: NODE_FLAGS, env: { ...process.env, PORT: String(echoPort) }, stdio: 'ignore' });
const services = {};
for (const [name, env] of [['default', {}], ['express only', { ONESTOP_COUNTER_LANE: 'off' }], ['writer inline', { ONESTOP_SQLITE_WRITER: 'inline' }]]) {
  const port = await freePort();
  services[name] = { port, child: startService(port, db, [], env) };
}
await Promise.all([waitHealthy(echoPort, '/echo'), ...Object.values(services).map((s) => waitHealthy(s.port))]);

const http = (service, path) => () => measure({ ports: [services[service].port], pids: [services[service].child.pid], path, connections: CONNECTIONS, keys });
const echoRate = async () => (await measure({ ports: [echoPort], pids: [echo.pid], path: '/echo', connections: CONNECTIONS })).rps;

const HTTP_PAIRS = [
  { name: 'counter lane, settle', fast: http('default', '/v1/settlements'), plain: http('express only', '/v1/settlements') },
  { name: 'counter lane, preview', fast: http('default', '/v1/settlements/preview'), plain: http('express only', '/v1/settlements/preview') },
  { name: 'SQLite writer thread, settle', fast: http('default', '/v1/settlements'), plain: http('writer inline', '/v1/settlements') },
];

/** Alternating pairs of one fast path: per pair, fast and plain rates, the echo's before and after. */
async function pairs(p) {
  const out = [];
  for (let i = 0; i < PAIRS; i++) {
    const before = await echoRate();
    const order = i % 2 === 0 ? ['fast', 'plain'] : ['plain', 'fast'];
    const got = {};
    for (const which of order) got[which] = await p[which]();
    const ceiling = (before + (await echoRate())) / 2;
    out.push({ fast: got.fast, plain: got.plain, ceiling });
    console.log(`${p.name.padEnd(30)} pair ${i + 1}: fast ${got.fast.rps.toFixed(0)}/s (p99 ${got.fast.p99} ms), plain ${got.plain.rps.toFixed(0)}/s (p99 ${got.plain.p99} ms), echo ${ceiling.toFixed(0)}/s`);
  }
  return out;
}

const httpRows = [];
for (const p of HTTP_PAIRS) httpRows.push({ name: p.name, pairs: await pairs(p) });
await Promise.all([echo, ...Object.values(services).map((s) => s.child)].map(stop));

// In-process: one thread, alternating, each measurement a fixed number of calls.
const micro = JSON.parse(execFileSync(process.execPath, [...NODE_FLAGS, join(import.meta.dirname, 'in-process.mjs'), String(PAIRS * 2)], { cwd: ROOT, maxBuffer: 1 << 24 }).toString());

const fmt = (x) => x.toFixed(2);
const cpu = cpus();
const lines = [
  `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — fast paths against their plain forms`,
  '',
  `Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores; Node ${process.version}${NODE_FLAGS.length ? ` (${NODE_FLAGS.join(' ')})` : ''}. Command: \`npm run bench:fast-paths\`. HTTP: ${CONNECTIONS} connections, ${DURATION} s per measurement, ${PAIRS} alternating pairs, the express echo measured before and after each pair; in-process: one thread, ${PAIRS * 2} alternating pairs.`,
  '',
  '| fast path | fast | plain | fast / plain, median (each pair) | beats the noise |',
  '| --- | ---: | ---: | --- | --- |',
];
for (const r of httpRows) {
  const ratios = r.pairs.map((p) => p.fast.rps / p.plain.rps);
  const fastShare = median(r.pairs.map((p) => p.fast.rps / p.ceiling));
  const plainShare = median(r.pairs.map((p) => p.plain.rps / p.ceiling));
  lines.push(
    `| ${r.name} | ${median(r.pairs.map((p) => p.fast.rps)).toFixed(0)}/s (${fmt(fastShare)} of the echo, p99 ${median(r.pairs.map((p) => p.fast.p99))} ms) | ${median(r.pairs.map((p) => p.plain.rps)).toFixed(0)}/s (${fmt(plainShare)}, p99 ${median(r.pairs.map((p) => p.plain.p99))} ms) | **${fmt(median(ratios))}** (${ratios.map(fmt).join(', ')}) | ${ratios.every((x) => x > 1) ? 'yes' : 'no'} |`,
  );
}
for (const m of micro) {
  const ratios = m.pairs.map((p) => p.plain / p.fast);
  lines.push(`| ${m.name} | ${median(m.pairs.map((p) => p.fast)).toFixed(1)} µs | ${median(m.pairs.map((p) => p.plain)).toFixed(1)} µs | **${fmt(median(ratios))}** (${ratios.map(fmt).join(', ')}) | ${ratios.every((x) => x > 1) ? 'yes' : 'no'} |`);
}
const text = lines.join('\n');
console.log(text);
recordResult(join(ROOT, 'benchmarks', 'FAST-PATHS.md'), text, '# Fast paths against their plain forms\n\nWritten by `npm run bench:fast-paths`, newest first. A fast path is kept only where it beats the machine\'s noise: every alternating pair in its favour.\n');
console.log('written to benchmarks/FAST-PATHS.md');
