// CPU time by thread, from Linux's /proc, so a result says how much CPU each request cost as well as how
// fast requests went. On a shared 2-core machine the rate swings with what else runs; the CPU a request
// costs each thread swings much less, and shows which thread a change helped.
import { readdirSync, readFileSync } from 'node:fs';

/** /proc counts in clock ticks of 1/100 s (USER_HZ, 100 on every mainstream Linux). */
const US_PER_TICK = 10_000;

/** CPU used so far by each thread of `pid`, in µs (user + system), keyed by thread id; {} off Linux. */
export function threadCpu(pid) {
  const out = {};
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces), 1-based from field 3: utime is 14, stime 15.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[tid] = (Number(f[11]) + Number(f[12])) * US_PER_TICK;
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return out;
}

/**
 * What the processes `pids` used between two snapshots, in µs: their main threads together, and all their
 * other threads together (the SQLite writer, V8's helpers, libuv's pool).
 */
export function snapshot(pids) {
  return pids.map((pid) => ({ pid, threads: threadCpu(pid) }));
}

export function cpuSince(before) {
  let main = 0;
  let other = 0;
  for (const { pid, threads } of before) {
    for (const [tid, us] of Object.entries(threadCpu(pid))) {
      const used = us - (threads[tid] ?? 0);
      if (tid === String(pid)) main += used;
      else other += used;
    }
  }
  return { main, other };
}
