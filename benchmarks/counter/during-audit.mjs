// npm run bench:during-audit — do the windows keep settling while the bureau audits the year?
//
// A fresh SQLite store is filled with settlements through the real settle path (in-process.mjs, for
// BENCH_FILL_SECONDS), then one API process serves it. In each round, durable settle is measured at 32
// connections once alone and once while recompute audits of the whole store run back to back (POST
// /v1/audits by an auditor; each in the audit's own thread, and a new one started as soon as one ends, so
// the whole measurement has an audit running), in alternating order. The ratio of the two rates and of
// their p99s is taken per round; the median is written to benchmarks/SCALE.md with the machine.
// Targets (issue 26): rate during an audit at least 0.7 of the rate without, p99 at most 2x.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordResult } from '../record.mjs';
import { DURATION, NODE_FLAGS, ROOT, ROUNDS, freePort, measure, median, startService, stop, waitHealthy } from './harness.mjs';

const FILL_SECONDS = Number(process.env.BENCH_FILL_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const tmp = mkdtempSync(join(tmpdir(), 'onestop-during-audit-'));
const db = join(tmp, 'bench.db');
const env = { ...process.env, ONESTOP_DB: db, LOG_LEVEL: 'warn' };

console.log(`preparing ${db} …`);
const keys = JSON.parse(execFileSync(process.execPath, [join(import.meta.dirname, 'prepare.mjs')], { cwd: ROOT, env }).toString());
const auditorKey = execFileSync(process.execPath, [join(import.meta.dirname, 'auditor-key.mjs')], { cwd: ROOT, env }).toString();
console.log(`filling for ${FILL_SECONDS} s through the settle path …`);
const [fill] = JSON.parse(execFileSync(process.execPath, [...NODE_FLAGS, join(import.meta.dirname, 'in-process.mjs'), db, '32', String(FILL_SECONDS), '1', `fill-${Date.now().toString(36)}`], { cwd: ROOT, env, maxBuffer: 1 << 20 }).toString());
const port = await freePort();
const service = startService(port, db, [], { BENCH_LOG_LEVEL: 'warn', LOG_LEVEL: 'warn' });
await waitHealthy(port);
const stored = await (await fetch(`http://127.0.0.1:${port}/v1/audits`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${auditorKey}` }, body: '{}' })).json();
console.log(`${stored.count} settlements in the store (filled at ${Math.round(fill.rps)}/s); one audit of them warmed up the audit thread`);

/** Audits of the whole store, one after another, until `stop()`; how many finished and how long each took. */
function auditsInLoop() {
  let running = true;
  const seconds = [];
  const done = (async () => {
    while (running) {
      const t = performance.now();
      const r = await fetch(`http://127.0.0.1:${port}/v1/audits`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${auditorKey}` }, body: '{}' });
      if (!r.ok) throw new Error(`audit answered ${r.status}: ${await r.text()}`);
      await r.arrayBuffer();
      seconds.push((performance.now() - t) / 1000);
    }
  })();
  return { stop: async () => { running = false; await done; return seconds; } };
}

const rounds = [];
for (let r = 0; r < ROUNDS; r++) {
  const one = {};
  for (const withAudit of r % 2 === 0 ? [false, true] : [true, false]) {
    const loop = withAudit ? auditsInLoop() : null;
    if (loop) await new Promise((res) => setTimeout(res, 300));
    const m = await measure({ ports: [port], pids: [service.pid], path: '/v1/settlements', keys, connections: CONNECTIONS });
    const audits = loop ? await loop.stop() : null;
    one[withAudit ? 'during' : 'alone'] = { ...m, audits };
    console.log(`round ${r + 1} ${withAudit ? 'during audits' : 'alone        '} ${m.rps.toFixed(0).padStart(6)}/s  p99 ${m.p99} ms  non-2xx ${m.non2xx}${audits ? `  audits finished: ${audits.length}, ${audits.map((s) => s.toFixed(1)).join(', ')} s` : ''}`);
  }
  rounds.push({ ...one, ratio: one.during.rps / one.alone.rps, p99Ratio: one.during.p99 / one.alone.p99 });
}
await stop(service);

const cpu = cpus();
const alone = rounds.map((x) => x.alone);
const during = rounds.map((x) => x.during);
const text = [
  `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — settling while the year is audited (SQLite)`,
  '',
  `Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores (shared with other work); Node ${process.version}; SQLite WAL, synchronous=FULL; one API process; ${CONNECTIONS} connections, ${DURATION} s per measurement, ${ROUNDS} rounds alternating which comes first; the store filled through the settle path with ${stored.count} settlements before the first round (more are added by each measurement); audits of the whole store (POST /v1/audits) back to back during the "during" measurement.`,
  'Command: `npm run bench:during-audit` (BENCH_FILL_SECONDS, BENCH_SECONDS, BENCH_ROUNDS).',
  '',
  '| settle | req/s (median) | p99 ms (median) | non-2xx | audits finished during the measurements |',
  '| --- | ---: | ---: | ---: | --- |',
  `| alone | ${median(alone.map((x) => x.rps)).toFixed(0)} | ${median(alone.map((x) => x.p99))} | ${alone.reduce((a, x) => a + x.non2xx, 0)} | — |`,
  `| during audits | ${median(during.map((x) => x.rps)).toFixed(0)} | ${median(during.map((x) => x.p99))} | ${during.reduce((a, x) => a + x.non2xx, 0)} | ${during.map((x) => `${x.audits.length} (${x.audits.map((s) => s.toFixed(1)).join(', ')} s)`).join('; ')} |`,
  '',
  `Rate during / alone, median of the rounds: **${median(rounds.map((x) => x.ratio)).toFixed(2)}** (each round: ${rounds.map((x) => x.ratio.toFixed(2)).join(', ')}; target at least 0.70). p99 during / alone: **${median(rounds.map((x) => x.p99Ratio)).toFixed(2)}** (${rounds.map((x) => x.p99Ratio.toFixed(2)).join(', ')}; target at most 2).`,
].join('\n');
console.log(text);
recordResult(join(ROOT, 'benchmarks', 'SCALE.md'), text, '# Region scale\n');
console.log('written to benchmarks/SCALE.md');
