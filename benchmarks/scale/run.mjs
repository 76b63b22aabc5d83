// npm run bench:scale (issue 26): a synthetic province-year settled into a fresh store through the real
// settle path (./fill.mjs), then the bureau's tools timed on it, each as a process of its own with its
// wall time and peak RSS, against their targets. Writes an entry at the top of benchmarks/SCALE.md.
//
//   SCALE_SETTLEMENTS      settlements to fill on SQLite (default 1,000,000; 20000 for a quick run)
//   SCALE_STORES           sqlite,pg (default sqlite); pg starts a throwaway durable cluster
//                          (scripts/test-env.d/postgres.sh, ONESTOP_PG_DURABLE=1) unless ONESTOP_TEST_PG_URL is set
//   SCALE_PG_SETTLEMENTS   settlements to fill on PostgreSQL (default 150,000: its settle path is several times slower)
//   SCALE_DIR              where the SQLite store and the generated files go (default a new /tmp/onestop-scale-*; kept)
//   SCALE_TIMEOUT_S        per tool (default 900); a tool that runs longer is stopped and recorded as such
//   SCALE_IN_FLIGHT        settlements in flight while filling (default 64)
//   SCALE_RECORD=0         print the entry (and write it to the work dir's entry.md) without writing benchmarks/SCALE.md
//   SCALE_TOOLS_ONLY=1     SQLite only: no fill; time the tools again on the store SCALE_DIR holds (filled before)
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { recordResult } from '../record.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const STORES = (process.env.SCALE_STORES ?? 'sqlite').split(',').map((s) => s.trim()).filter(Boolean);
const N = Number(process.env.SCALE_SETTLEMENTS ?? 1_000_000);
const PG_N = Number(process.env.SCALE_PG_SETTLEMENTS ?? 150_000);
const TIMEOUT_S = Number(process.env.SCALE_TIMEOUT_S ?? 900);
const IN_FLIGHT = Number(process.env.SCALE_IN_FLIGHT ?? 64);
const YEAR = 2018;
const TOOLS_ONLY = process.env.SCALE_TOOLS_ONLY === '1';
if (TOOLS_ONLY && (!process.env.SCALE_DIR || STORES.join() !== 'sqlite')) throw new Error('SCALE_TOOLS_ONLY=1 needs SCALE_DIR (a store filled before) and SCALE_STORES=sqlite');

// PostgreSQL wanted and no server given: run again inside a throwaway durable cluster (as bench:counter:pg).
if (STORES.includes('pg') && !process.env.ONESTOP_TEST_PG_URL) {
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'with-durable-pg.sh'), process.execPath, ...process.execArgv, import.meta.filename], { stdio: 'inherit', cwd: ROOT });
  process.exit(r.status ?? 1);
}

const log = (s) => process.stderr.write(`[bench:scale] ${s}\n`);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/**
 * One command as a process of its own, under /usr/bin/time -v when there is one (else a wrapper that reports
 * process.resourceUsage().maxRSS), stopped after the timeout. stdout goes to a file; stderr is kept for the tail.
 */
function timed(name, args, env, dir, { timeoutS = TIMEOUT_S, passStderr = false } = {}) {
  const out = join(dir, `${name}.stdout`);
  const fd = openSync(out, 'w');
  const cmd = TIME ? [TIME, ['-v', process.execPath, ...args]] : [process.execPath, [join(import.meta.dirname, 'rss-wrapper.mjs'), ...args]];
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd[0], cmd[1], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', fd, 'pipe'], detached: true });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.length > 1 << 20) stderr = stderr.slice(-(1 << 19));
      // The fill's progress passes through; /usr/bin/time's report (from "Command being timed" on) does not.
      if (passStderr && !/\tCommand being timed/.test(stderr)) process.stderr.write(String(d).replace(/\tCommand being timed[\s\S]*$/, ''));
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, timeoutS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      closeSync(fd);
      const wall = (performance.now() - t0) / 1000;
      const rss = TIME ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] ?? NaN) * 1024 : Number(/^maxrss (\d+)$/m.exec(stderr)?.[1] ?? NaN) * 1024;
      // /usr/bin/time reports the child's exit status as its own.
      const own = stderr.replace(/\n\tCommand being timed[\s\S]*$/, '').trim();
      writeFileSync(join(dir, `${name}.stderr`), stderr);
      // Why it failed, for the table: the line that says so (a heap exhausted, an error), else the last one.
      const why = own.split('\n').find((l) => /heap out of memory|^\w*Error\b|错误/.test(l)) ?? own.split('\n').at(-1);
      resolve({ name, wall, rss, code, signal, timedOut, out, why, stderrTail: own.split('\n').slice(-5).join('\n') });
    });
  });
}

const mb = (bytes) => (!Number.isFinite(bytes) ? '—' : bytes < 1024 ? `${bytes} B` : bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(0)} KiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`);
const gb = (bytes) => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : mb(bytes));
const secs = (s) => (s >= 100 ? `${s.toFixed(0)} s` : s >= 10 ? `${s.toFixed(1)} s` : `${s.toFixed(2)} s`);
const count = (n) => n.toLocaleString('en-US');
const readJson = (file) => {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
};

async function runStore(kind) {
  const n = kind === 'pg' ? PG_N : N;
  const dir = process.env.SCALE_DIR && kind === 'sqlite' ? process.env.SCALE_DIR : mkdtempSync(`/tmp/onestop-scale-${kind}-`);
  mkdirSync(dir, { recursive: true });
  let url;
  let pgInfo = null;
  if (kind === 'sqlite') {
    url = join(dir, 'scale.db');
    if (!TOOLS_ONLY && existsSync(url)) throw new Error(`${url} exists: bench:scale fills a fresh store (remove it or choose another SCALE_DIR)`);
  } else {
    const admin = new pg.Client({ connectionString: process.env.ONESTOP_TEST_PG_URL });
    await admin.connect();
    const name = `scale_${Date.now().toString(36)}`;
    await admin.query(`create database ${name}`);
    const s = (await admin.query("select current_setting('server_version') as v, current_setting('fsync') as f, current_setting('synchronous_commit') as c")).rows[0];
    await admin.end();
    const u = new URL(process.env.ONESTOP_TEST_PG_URL);
    u.pathname = `/${name}`;
    url = u.toString();
    pgInfo = { name, version: s.v, fsync: s.f, synchronousCommit: s.c };
  }
  const env = { ONESTOP_DB: url, ONESTOP_SEEDS: 'none', LOG_LEVEL: 'warn' };
  log(`${kind}: filling ${count(n)} settlements into ${kind === 'sqlite' ? url : `database ${pgInfo.name}`} (work dir ${dir})`);
  // The fill as a process of its own too (its peak RSS is worth knowing); its progress passes through.
  const fillRun = TOOLS_ONLY ? readJson(join(dir, 'fill.run.json')) : await timed('fill', [join(import.meta.dirname, 'fill.mjs'), url, String(n), dir, String(IN_FLIGHT)], env, dir, { timeoutS: 24 * 3600, passStderr: true });
  if (!TOOLS_ONLY) writeFileSync(join(dir, 'fill.run.json'), JSON.stringify(fillRun));
  const fill = readJson(fillRun.out);
  if (!fill) throw new Error(`the fill failed (exit ${fillRun.code}):\n${fillRun.stderrTail}`);

  const size = await storeSize(kind, url, dir);
  const counts = await storeCounts(kind, url);
  log(`${kind}: filled ${count(counts.settlements)} settlements, ${gb(size)} on disk; timing the tools`);

  const bin = join(ROOT, 'bin', 'onestop.js');
  const samplePerson = counts.samplePerson;
  const tools = [
    { key: 'audit', label: '`onestop audit --from 2018-01-01 --to 2018-12-31 --json` (recompute audit of the year)', target: 120, args: [bin, 'audit', '--from', `${YEAR}-01-01`, '--to', `${YEAR}-12-31`, '--json'] },
    { key: 'doctor', label: '`onestop doctor --year 2018`', target: 60, args: [bin, 'doctor', '--year', String(YEAR), '--json'] },
    { key: 'receivables', label: '`onestop audit receivables --from 2018-01-01 --to 2018-12-31`', target: 5, args: [bin, 'audit', 'receivables', '--from', `${YEAR}-01-01`, '--to', `${YEAR}-12-31`] },
    { key: 'model', label: '`onestop model --rules xingan-2018 --from-store --year 2018 --json`', target: 30, args: [bin, 'model', '--rules', 'xingan-2018', '--from-store', '--year', String(YEAR), '--json'] },
    { key: 'statementCli', label: `\`onestop statement --person ${samplePerson} --year 2018 --json\` (one whole process, for reference)`, target: null, args: [bin, 'statement', '--person', samplePerson, '--year', String(YEAR), '--json'] },
  ];
  const results = [];
  for (const t of tools) {
    log(`${kind}: ${t.key}…`);
    const r = await timed(t.key, t.args, env, dir);
    log(`${kind}: ${t.key}: ${r.timedOut ? `stopped after ${TIMEOUT_S} s` : `${secs(r.wall)}, exit ${r.code}`}, peak RSS ${mb(r.rss)}`);
    results.push({ ...t, ...r, outBytes: statSync(r.out).size });
  }
  log(`${kind}: statement in-process over 100 people…`);
  const st = await timed('statement', [join(import.meta.dirname, 'statement.mjs'), url, String(YEAR), '100'], env, dir);
  const statement = readJson(st.out);
  if (!statement) log(`statement failed: ${st.stderrTail}`);
  if (kind === 'pg') {
    const admin = new pg.Client({ connectionString: process.env.ONESTOP_TEST_PG_URL });
    await admin.connect();
    await admin.query(`drop database if exists ${pgInfo.name} with (force)`);
    await admin.end();
  }
  return { kind, n, dir, url, pgInfo, fill, fillRun, size, counts, results, statement, statementRun: st };
}

async function storeSize(kind, url, dir) {
  if (kind === 'sqlite') return readdirSync(dir).filter((f) => f.startsWith('scale.db')).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const r = (await c.query('select pg_database_size(current_database())::bigint as b')).rows[0];
  await c.end();
  return Number(r.b);
}

async function storeCounts(kind, url) {
  const q = {
    settlements: 'select count(*) as n from settlements',
    reversed: "select count(*) as n from settlements where status = 'reversed'",
    adjustments: 'select count(*) as n from adjustments',
    people: 'select count(*) as n from people',
    personYears: 'select count(*) as n from ledgers',
    inpatient: "select count(*) as n from settlements where visit_type = 'inpatient'",
    poverty: "select count(*) as n from settlements where population = 'poverty'",
  };
  const out = {};
  if (kind === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(url, { readonly: true });
    for (const [k, s] of Object.entries(q)) out[k] = Number(db.prepare(s).get().n);
    out.samplePerson = db.prepare('select person_id from ledgers order by person_id limit 1 offset ?').get(Math.floor(out.personYears / 2)).person_id;
    out.engine = `SQLite ${db.prepare('select sqlite_version() as v').get().v}`;
    db.close();
  } else {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    for (const [k, s] of Object.entries(q)) out[k] = Number((await c.query(s)).rows[0].n);
    out.samplePerson = (await c.query('select person_id from ledgers order by person_id limit 1 offset $1', [Math.floor(out.personYears / 2)])).rows[0].person_id;
    await c.end();
  }
  return out;
}

const runs = [];
for (const kind of STORES) runs.push(await runStore(kind));

// ------------------------------------------------------------------ the entry for benchmarks/SCALE.md
const cpu = cpus();
const disk = spawnSync('df', ['-h', '/tmp'], { encoding: 'utf8' }).stdout.trim().split('\n').at(-1).split(/\s+/);
const lines = [
  `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — a province-year: fill through the settle path, the bureau's tools on it`,
  '',
  `Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores (shared with other work), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; Node ${process.version}; ${runs.map((r) => (r.kind === 'sqlite' ? `${r.counts.engine} (WAL, synchronous=FULL)` : `PostgreSQL ${r.pgInfo.version} on the same machine (fsync=${r.pgInfo.fsync}, synchronous_commit=${r.pgInfo.synchronousCommit})`)).join('; ')}; /tmp on ${disk[0]} (${disk[1]}, ${disk[3]} free after the run).`,
  `Command: \`${[process.env.SCALE_SETTLEMENTS ? `SCALE_SETTLEMENTS=${N}` : '', process.env.SCALE_TIMEOUT_S ? `SCALE_TIMEOUT_S=${TIMEOUT_S}` : '', TOOLS_ONLY ? `SCALE_TOOLS_ONLY=1 SCALE_DIR=${process.env.SCALE_DIR}` : '', `SCALE_STORES=${STORES.join(',')}`, STORES.includes('pg') ? `SCALE_PG_SETTLEMENTS=${PG_N}` : ''].filter(Boolean).join(' ')} npm run bench:scale\`; each tool a process of its own, timed with ${TIME ? '`/usr/bin/time -v` (wall clock, maximum resident set size)' : 'a wrapper reporting process.resourceUsage().maxRSS'}, stopped after ${TIMEOUT_S} s.`,
  '',
];
for (const r of runs) {
  const pgNote = r.kind === 'pg' ? ` (${count(r.counts.settlements)} settlements filled)` : '';
  const f = r.fill;
  lines.push(
    `### ${r.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: ${count(r.counts.settlements)} settlements${TOOLS_ONLY ? ' (the tools again on the store filled before; the fill figures are that run\'s)' : ''}${r.kind === 'pg' && r.n < N ? ` (bounded by SCALE_PG_SETTLEMENTS; the SQLite run has ${count(N)})` : ''}`,
    '',
    `Filled: ${count(f.people)} people (${count(f.peopleRows)} register rows) and ${f.hospitals} hospitals through the register import (${secs(f.import_people_s)} for the people file), the demo catalogue, then ${count(r.counts.settlements)} settlements through SettlementService.post in-process, ${IN_FLIGHT} in flight, in ${secs(f.settleSeconds)} (**${f.ratePerSecond.toFixed(0)} settlements/s**; fill process peak RSS ${mb(r.fillRun.rss)}), with ${count(r.counts.reversed)} reversals through SettlementService.reverse (${((r.counts.reversed / r.counts.settlements) * 100).toFixed(1)}%), which wrote ${count(r.counts.adjustments)} adjustments. ${count(r.counts.personYears)} person-years (${(r.counts.settlements / r.counts.personYears).toFixed(1)} settlements each), ${((r.counts.inpatient / r.counts.settlements) * 100).toFixed(0)}% inpatient, ${((r.counts.poverty / r.counts.settlements) * 100).toFixed(0)}% of settlements for the registered poor.${f.refused ? ` ${count(f.refused)} bills refused: ${JSON.stringify(f.refusals)}.` : ' No bill refused.'}`,
    `Store on disk: **${gb(r.size)}**, ${count(Math.round(r.size / r.counts.settlements))} bytes per settlement${pgNote}.${r.kind === 'sqlite' ? ` Kept at \`${r.url}\`.` : ' (The database was dropped afterwards.)'}`,
    '',
    '| tool | target | wall | peak RSS | met | notes |',
    '| --- | ---: | ---: | ---: | --- | --- |',
  );
  for (const t of r.results) {
    const wall = t.timedOut ? `> ${TIMEOUT_S} s (stopped)` : secs(t.wall);
    const met = t.target === null ? '—' : t.timedOut ? 'no (timeout)' : t.wall <= t.target ? 'yes' : 'no';
    const notes = [`exit ${t.code ?? t.signal}`, `${mb(t.outBytes)} on stdout`];
    if (t.key === 'audit' && !t.timedOut) {
      const a = readJson(t.out);
      if (a) notes.push(`${count(a.count)} settlements recomputed, ${a.mismatches.length} mismatches, clean: ${a.clean}`);
    }
    if (t.key === 'doctor' && !t.timedOut) {
      const d = readJson(t.out);
      if (d) notes.push(`ok: ${d.ok}, ${d.violations?.length ?? '?'} violations`);
    }
    if (t.code !== 0 && !t.timedOut && t.why) notes.push(`stderr: ${t.why.trim().slice(0, 160)}`);
    lines.push(`| ${t.label}${pgNote} | ${t.target === null ? '—' : `≤ ${t.target} s`} | ${wall} | ${mb(t.rss)} | ${met} | ${notes.join('; ')} |`);
  }
  const s = r.statement;
  if (s) {
    lines.push(
      `| person-year statement (loadPersonYearStatement, what \`onestop statement\` runs), in one process over ${s.people} people drawn with a fixed seed: median / p99${pgNote} | ≤ 50 ms | ${s.medianMs.toFixed(1)} / ${s.p99Ms.toFixed(1)} ms | ${mb(r.statementRun.rss)} | ${s.p99Ms <= 50 ? 'yes' : s.medianMs <= 50 ? 'median yes, p99 no' : 'no'} | ${s.entriesPerStatement.toFixed(1)} entries per statement; max ${s.maxMs.toFixed(1)} ms; in-process because a process start alone is ~200 ms |`,
    );
  } else lines.push(`| person-year statement | ≤ 50 ms | failed | | no | ${r.statementRun.stderrTail.split('\n').at(-1)} |`);
  lines.push('');
}
const text = lines.join('\n');
console.log(text);
for (const r of runs) writeFileSync(join(r.dir, 'entry.md'), `${text}\n`);
if (process.env.SCALE_RECORD !== '0') {
  recordResult(join(ROOT, 'benchmarks', 'SCALE.md'), text, '# Region scale\n\nFigures for issue 26 (PostgreSQL that scales), newest first.\n');
  console.log('written to benchmarks/SCALE.md');
}
for (const r of runs) if (r.kind === 'sqlite') log(`the filled SQLite store is kept at ${r.url}`);
