// npm's `prepare` script: build dist/ (npm run build) unless it is already newer than every source.
//
// Why not simply `npm run build`: the first `npx onestop …` in a clone does not find `onestop` in
// node_modules/.bin (a package's own bin is not linked there), so npm exec installs the project into its
// npx cache as a `file:` dependency, and that install runs `prepare` again: a full tsc build, 5 s on an
// idle two-core machine and 10 s beside a running server, before the command itself starts (measured
// with a fresh npm cache: `npm_config_cache=$(mktemp -d) npx onestop --help` took 5.0 s, 0.7 s once
// cached). dist/ was built by `npm ci` a minute earlier; building it again changes nothing.
//
// `npm run build` always builds; this only skips a build that would produce what dist/ already holds.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const STAMP = join(ROOT, 'dist', '.built');

/** The newest modification time under `dir` (files ending in .ts), or of a single file. */
function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = 0;
  for (const name of readdirSync(path)) {
    const p = join(path, name);
    const st = statSync(p);
    if (st.isDirectory()) t = Math.max(t, newest(p));
    else if (name.endsWith('.ts')) t = Math.max(t, st.mtimeMs);
  }
  return t;
}

export function isStale() {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  return [join(ROOT, 'src'), join(ROOT, 'tsconfig.json'), join(ROOT, 'package.json')].some((p) => newest(p) > built);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!isStale()) {
    process.stderr.write('onestop: dist/ is up to date with src/ (npm run build rebuilds it anyway)\n');
    process.exit(0);
  }
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}
