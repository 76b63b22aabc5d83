// npm run check:layers — the folders of src/ as a graph of imports: no cycle between folders, and no
// folder but cli/ importing cli/. A folder is src/<name>/ (a top-level file of src/ is a folder of its
// own). Prints the folders and what each imports; exits 1 on a cycle or a cli/ import.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');
const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|^import\s+['"](\.[^'"]+)['"]/gm;

function files(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const folderOf = (file) => {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0] : parts[0].replace(/\.(ts|js)$/, '');
};

/** folder → the folders it imports (outside itself). */
export function folderGraph() {
  const edges = new Map();
  for (const f of files(SRC)) {
    const from = folderOf(f);
    if (!edges.has(from)) edges.set(from, new Set());
    for (const m of readFileSync(f, 'utf8').matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const target = normalize(join(dirname(f), spec));
      if (!target.startsWith(SRC + sep)) continue;
      const to = folderOf(target);
      if (to !== from) edges.get(from).add(to);
    }
  }
  return edges;
}

/** The cycles (strongly connected components of more than one folder), and the folders importing cli/. */
export function layerProblems(edges = folderGraph()) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const cycles = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const c = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) cycles.push(c.sort());
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) visit(v);
  const cliUsers = [...edges].filter(([from, to]) => from !== 'cli' && to.has('cli')).map(([from]) => from).sort();
  return { cycles, cliUsers };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const edges = folderGraph();
  for (const [from, to] of [...edges].sort()) console.log(`${from.padEnd(10)} → ${[...to].sort().join(', ') || '(nothing)'}`);
  const { cycles, cliUsers } = layerProblems(edges);
  for (const c of cycles) console.log(`cycle: ${c.join(' ↔ ')}`);
  for (const f of cliUsers) console.log(`${f}/ imports cli/`);
  if (cycles.length || cliUsers.length) process.exit(1);
  console.log(`${edges.size} folders; no cycle between them; only cli/ imports cli/`);
}
