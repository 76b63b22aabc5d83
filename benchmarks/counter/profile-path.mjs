// Where the time of one counter route goes: a service profiled with --cpu-prof serving only that route
// at 32 connections for a few seconds, then the top self-time entries. Usage:
//   node benchmarks/counter/profile-path.mjs [/v1/settlements/preview] [entries]
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, freePort, measure, startService, stop, waitHealthy } from './harness.mjs';
import { summarizeProfile } from './profile-summary.mjs';

const path = process.argv[2] ?? '/v1/settlements/preview';
const entries = Number(process.argv[3] ?? 25);
const tmp = mkdtempSync(join(tmpdir(), 'onestop-profile-'));
const db = join(tmp, 'bench.db');
const keys = JSON.parse(execFileSync(process.execPath, [join(import.meta.dirname, 'prepare.mjs')], { cwd: ROOT, env: { ...process.env, ONESTOP_DB: db, LOG_LEVEL: 'warn' } }).toString());
const port = await freePort();
const profileDir = join(tmp, 'profile');
const service = startService(port, db, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
await waitHealthy(port);
const r = await measure({ ports: [port], pids: [service.pid], path, keys, connections: 32 });
await stop(service);
console.log(`${path}: ${Math.round(r.rps)} req/s under the profiler`);
console.log(summarizeProfile(profileDir, entries));
