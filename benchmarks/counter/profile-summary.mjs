// Top self-time entries of V8 CPU profiles (node --cpu-prof), one markdown table per thread: the API
// thread, and on SQLite the writer thread that runs the settlement transactions.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

function summarizeOne(file, top) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame;
    const where = f.url ? `${relative(ROOT, f.url.replace('file://', ''))}:${f.lineNumber + 1}` : '(native)';
    const key = `${f.functionName || '(anonymous)'} — ${where}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { total, rows };
}

export function summarizeProfile(dir, top = 10) {
  // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the API thread.
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ f, thread: Number(f.split('.')[4] ?? 0) }))
    .sort((a, b) => a.thread - b.thread);
  return files
    .map(({ f, thread }) => {
      const { total, rows } = summarizeOne(join(dir, f), top);
      const who = thread === 0 ? 'API thread' : `worker thread ${thread} (the SQLite writer)`;
      return [
        `Profile of the settle run, ${who}: top ${top} self-time entries of ${(total / 1e6).toFixed(1)} s sampled ("(idle)" is time waiting for work; "exec" in the writer is COMMIT, i.e. writing and syncing the WAL):`,
        '',
        '| self % | function — where |',
        '| ---: | --- |',
        ...rows.map(([k, v]) => `| ${((100 * v) / total).toFixed(1)} | ${k.replace(/\|/g, '\\|')} |`),
      ].join('\n');
    })
    .join('\n\n');
}
