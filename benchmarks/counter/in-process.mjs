// The settle path without HTTP: the service's own SettlementService.post called in-process on the
// benchmark's database, with the same bills and the same number of settlements in flight as the HTTP
// rounds. No express, no sockets, no load generator: what is left is validation, lookups, the hand-off
// to the SQLite writer thread, the engine and the durable commit. Its rate is the most any HTTP layer
// could reach on this machine, so the gap between it and (b) is what HTTP costs.
// Usage (from run.mjs): node in-process.mjs <db> <connections> <seconds> <rounds> <run id>; prints JSON.
import { join } from 'node:path';
import { boot } from '../../dist/app/boot.js';
import { billFor, loadRegistry } from './bills.mjs';
import { cpuSince, snapshot } from './thread-cpu.mjs';

const [db, connections, seconds, rounds, run] = process.argv.slice(2);
const ROOT = join(import.meta.dirname, '..', '..');
const { hospitals, people } = loadRegistry(join(ROOT, 'seeds'));
const { store, settlements } = await boot({ db });
const inFlight = Number(connections);
let seq = 0;
// Bill numbers unique to this run and this concurrency: a replay would be answered without a write.
const next = () => JSON.parse(billFor(seq++, `${run}-inproc${connections}`, hospitals, people).body);

async function round(secs) {
  // Bills are built before the clock starts, as autocannon builds them in its own process.
  const bills = Array.from({ length: Math.min(40_000, Math.ceil(secs * 8_000)) }, next);
  const latencies = [];
  let i = 0;
  const until = performance.now() + secs * 1000;
  const worker = async () => {
    while (performance.now() < until && i < bills.length) {
      const t = performance.now();
      const { replay } = await settlements.post(bills[i++], null, 'bench');
      if (replay) throw new Error('a benchmark bill was a replay: bill numbers must be unique');
      latencies.push(performance.now() - t);
    }
  };
  const threadsBefore = snapshot([process.pid]);
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const ms = performance.now() - start;
  const cpu = cpuSince(threadsBefore);
  latencies.sort((a, b) => a - b);
  const at = (q) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]);
  return { rps: (latencies.length / ms) * 1000, p50: at(0.5), p99: at(0.99), total: latencies.length, cpu: { main: cpu.main / latencies.length, other: cpu.other / latencies.length } };
}

// A fresh process: one second unmeasured first, so that compiling the hot path (on V8's helper threads)
// is not counted as the settle path's own cost, as the services measured over HTTP are warm by then.
await round(1);
const results = [];
for (let r = 0; r < Number(rounds); r++) results.push(await round(Number(seconds)));
await store.close();
process.stdout.write(JSON.stringify(results));
