// Where the CPU goes while one API process settles on PostgreSQL: per process (the API process, the
// PostgreSQL backends, the load generator), sampled from /proc over one measurement. A tool for reading,
// not a recorded benchmark: run it under benchmarks/counter/pg.sh's environment
// (ONESTOP_TEST_PG_URL set), e.g. `bash benchmarks/counter/pg.sh benchmarks/counter/pg-top.mjs`.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ROOT, freePort, measure, startService, stop, waitHealthy } from './harness.mjs';
import { summarizeProfile } from './profile-summary.mjs';

const ADMIN = process.env.ONESTOP_TEST_PG_URL;
const name = `bench_top_${Date.now().toString(36)}`;
const admin = new pg.Client({ connectionString: ADMIN });
await admin.connect();
await admin.query(`create database ${name}`);
const u = new URL(ADMIN);
u.pathname = `/${name}`;
const url = u.toString();
const keys = JSON.parse(execFileSync(process.execPath, [join(import.meta.dirname, 'prepare.mjs')], { cwd: ROOT, env: { ...process.env, ONESTOP_DB: url, LOG_LEVEL: 'warn' } }).toString());
const port = await freePort();
// BENCH_PROFILE=1: the API process under --cpu-prof, its top self-time entries printed at the end.
const profileDir = process.env.BENCH_PROFILE === '1' ? join(mkdtempSync(join(tmpdir(), 'onestop-pg-profile-')), 'profile') : null;
const child = startService(port, url, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [], { LOG_LEVEL: 'warn' });
await waitHealthy(port);

const ticks = () => {
  const out = new Map();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 60);
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, { cmd, t: Number(f[11]) + Number(f[12]) });
    } catch {}
  }
  return out;
};
const a = ticks();
const m = await measure({ ports: [port], pids: [child.pid], path: '/v1/settlements', keys, connections: Number(process.env.BENCH_CONNECTIONS ?? 32) });
const b = ticks();
const groups = new Map();
for (const [pid, x] of b) {
  const d = x.t - (a.get(pid)?.t ?? x.t);
  if (d <= 0) continue;
  const g = pid === String(child.pid) ? 'api process' : pid === String(process.pid) ? 'load generator' : /postgres: .*bench_top/.test(x.cmd) ? 'postgres backends (this db)' : /postgres/.test(x.cmd) ? 'postgres (other: wal writer, checkpointer, other dbs)' : x.cmd;
  groups.set(g, (groups.get(g) ?? 0) + d);
}
console.log(`${m.rps.toFixed(0)} settlements/s, p99 ${m.p99} ms, ${m.total} requests`);
for (const [g, t] of [...groups].sort((x, y) => y[1] - x[1]).slice(0, 12)) console.log(`${((t * 10_000) / m.total).toFixed(0).padStart(6)} µs/settlement  ${g}`);
await stop(child);
if (profileDir) console.log(summarizeProfile(profileDir, 30));
await admin.query(`drop database ${name} with (force)`);
await admin.end();
