// Top self-time entries of a V8 CPU profile (node --cpu-prof), as a markdown table.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export function summarizeProfile(dir, top = 10) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (!files.length) return '';
  const profile = JSON.parse(readFileSync(join(dir, files[0]), 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id);
    const f = n.callFrame;
    const where = f.url ? `${relative(process.cwd(), f.url.replace('file://', ''))}:${f.lineNumber + 1}` : '(native)';
    const key = `${f.functionName || '(anonymous)'} — ${where}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `Profile of the service process that served the settle runs (top ${top} self-time entries, ${(total / 1e6).toFixed(1)} s sampled; "executeQuery" is better-sqlite3's synchronous work, SQL and commit, under kysely's driver):`,
    '',
    '| self % | function — where |',
    '| ---: | --- |',
    ...rows.map(([k, v]) => `| ${((100 * v) / total).toFixed(1)} | ${k.replace(/\|/g, '\\|')} |`),
  ].join('\n');
}
