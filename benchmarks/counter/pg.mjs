// npm run bench:counter:pg — settle throughput on PostgreSQL (durable: fsync and synchronous_commit on,
// as benchmarks/counter/pg.sh starts the cluster with ONESTOP_PG_DURABLE=1), with one and with two API
// processes, with each settlement's write set sent as one statement (src/store/postgres/store.ts,
// `joined`) and step by step (ONESTOP_PG_WRITE=steps: one round trip per step), in the same run, alternating, each against the express echo of the same body
// measured before and after it. Each (mode, processes) has a database of its own. Short runs: the
// machine is shared. Writes its table at the top of benchmarks/SCALE.md.
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { recordResult } from '../record.mjs';
import { DURATION, NODE_FLAGS, ROOT, ROUNDS, freePort, measure, median, startService, stop, waitHealthy } from './harness.mjs';

const ADMIN = process.env.ONESTOP_TEST_PG_URL;
if (!ADMIN) throw new Error('ONESTOP_TEST_PG_URL is not set: run benchmarks/counter/pg.sh (npm run bench:counter:pg)');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const withDb = (name) => {
  const u = new URL(ADMIN);
  u.pathname = `/${name}`;
  return u.toString();
};

const admin = new pg.Client({ connectionString: ADMIN });
await admin.connect();
const durable = (await admin.query("select current_setting('fsync') as f, current_setting('synchronous_commit') as s")).rows[0];
const version = (await admin.query('show server_version')).rows[0].server_version;

const MODES = ['steps', 'joined'];
const PROCS = [1, 2];
const setups = [];
for (const mode of MODES) {
  for (const procs of PROCS) {
    const name = `bench_${mode}_${procs}_${Date.now().toString(36)}`;
    await admin.query(`create database ${name}`);
    const url = withDb(name);
    const env = { ...process.env, ONESTOP_DB: url, ONESTOP_PG_WRITE: mode, LOG_LEVEL: 'warn' };
    const keys = JSON.parse(execFileSync(process.execPath, [join(import.meta.dirname, 'prepare.mjs')], { cwd: ROOT, env }).toString());
    const ports = [];
    const children = [];
    for (let i = 0; i < procs; i++) {
      const port = await freePort();
      ports.push(port);
      children.push(startService(port, url, [], { ONESTOP_PG_WRITE: mode, BENCH_LOG_LEVEL: 'warn', LOG_LEVEL: 'warn' }));
    }
    await Promise.all(ports.map((p) => waitHealthy(p)));
    setups.push({ name, url, mode, procs, keys, ports, children });
  }
}
const echoPort = await freePort();
const echo = fork(join(import.meta.dirname, 'echo-server.mjs'), { execArgv: NODE_FLAGS, env: { ...process.env, PORT: String(echoPort) }, stdio: 'ignore' });
await waitHealthy(echoPort, '/echo');

const got = new Map(setups.map((s) => [s, []]));
for (let r = 0; r < ROUNDS; r++) {
  // Alternate the order of the modes from round to round, so neither always runs first.
  const order = r % 2 === 0 ? setups : [...setups].reverse();
  for (const s of order) {
    const before = await measure({ ports: [echoPort], pids: [echo.pid], path: '/echo', connections: CONNECTIONS });
    const m = await measure({ ports: s.ports, pids: s.children.map((c) => c.pid), path: '/v1/settlements', keys: s.keys, connections: CONNECTIONS });
    const after = await measure({ ports: [echoPort], pids: [echo.pid], path: '/echo', connections: CONNECTIONS });
    const ceiling = (before.rps + after.rps) / 2;
    const echoP99 = Math.max(before.p99, after.p99);
    got.get(s).push({ ...m, ceiling, echoP99, ratio: m.rps / ceiling });
    console.log(`${s.mode.padEnd(6)} ${s.procs} proc  ${m.rps.toFixed(0).padStart(6)}/s  p99 ${m.p99} ms  non-2xx ${m.non2xx}  echo ${ceiling.toFixed(0)}/s  ratio ${(m.rps / ceiling).toFixed(2)}`);
  }
}

// What each database holds afterwards: at least every acknowledged (2xx) settlement, each with its entry;
// how many entries are still unsealed right after the load stops, and whether the chain verifies.
const after = [];
for (const s of setups) {
  const c = new pg.Client({ connectionString: s.url });
  await c.connect();
  const n = (await c.query("select count(*)::int as n, count(*) filter (where hash is null)::int as unsealed from audit_log where action = 'settlement.create'")).rows[0];
  n.settlements = (await c.query('select count(*)::int as n from settlements')).rows[0].n;
  n.acknowledged = got.get(s).reduce((a, x) => a + x.total - x.non2xx, 0);
  await c.end();
  after.push({ s, ...n });
}
await Promise.all([echo, ...setups.flatMap((s) => s.children)].map(stop));
const verified = [];
for (const s of setups) {
  const out = spawnSync(process.execPath, [join(ROOT, 'bin', 'onestop.js'), 'audit', 'verify-log', '--json'], { cwd: ROOT, env: { ...process.env, ONESTOP_DB: s.url, LOG_LEVEL: 'warn' }, maxBuffer: 64 << 20 }).stdout.toString();
  const v = JSON.parse(out);
  verified.push({ s, problems: v.problems.length, entries: v.entries, unsealed: v.unsealed.count });
}
for (const s of setups) await admin.query(`drop database if exists ${s.name} with (force)`);
await admin.end();

const cpu = cpus();
const label = (s) => `${s.mode === 'steps' ? 'before: one round trip per step' : 'after: one statement per write set'}, ${s.procs} process${s.procs > 1 ? 'es' : ''}`;
const lines = [
  `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — PostgreSQL settle throughput, write set step by step vs one statement`,
  '',
  `Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores (shared with other work); Node ${process.version}; PostgreSQL ${version} on the same machine, fsync=${durable.f}, synchronous_commit=${durable.s}; ${CONNECTIONS} connections, ${DURATION} s per measurement, ${ROUNDS} rounds alternating the order (median shown); distinct 20-item bills; each scenario against the express echo measured right before and after it.`,
  'Command: `npm run bench:counter:pg` (BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONNECTIONS).',
  '',
  '| write path, API processes | settle/s | p50 ms | p99 ms | echo p99 ms | non-2xx | ratio to echo (median; each round) |',
  '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ...setups.map((s) => {
    const rs = got.get(s);
    return `| ${label(s)} | ${median(rs.map((x) => x.rps)).toFixed(0)} | ${median(rs.map((x) => x.p50))} | ${median(rs.map((x) => x.p99))} | ${median(rs.map((x) => x.echoP99))} | ${rs.reduce((a, x) => a + x.non2xx, 0)} | **${median(rs.map((x) => x.ratio)).toFixed(2)}**; ${rs.map((x) => x.ratio.toFixed(2)).join(', ')} |`;
  }),
  '',
  'Afterwards, per database: settlements acknowledged (2xx) and stored (a stored one may lack its answer when the load stopped, never the other way round), `settlement.create` entries (unsealed right when the load stopped); `onestop audit verify-log` after the processes stopped.',
  '',
  ...after.map((a, i) => `- ${label(a.s)}: ${a.acknowledged} acknowledged, ${a.settlements} stored${a.settlements < a.acknowledged ? ' — LOST' : ''}; ${a.n} entries (${a.unsealed} unsealed at the stop); verify-log: ${verified[i].entries} entries, ${verified[i].unsealed} unsealed, ${verified[i].problems} problems`),
];
const text = lines.join('\n');
console.log(text);
recordResult(join(ROOT, 'benchmarks', 'SCALE.md'), text, '# Region scale\n\nFigures for issue 26 (PostgreSQL that scales), newest first. Each entry names the machine; compare ratios to the echo of the same run, not raw figures, across machines.\n');
console.log('written to benchmarks/SCALE.md');
