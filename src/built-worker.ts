/**
 * Worker threads need JavaScript: a worker is the compiled file under dist/, found next to the module
 * that starts it when that module runs from dist/, or at the same place under dist/ when it runs from
 * src/ through a loader (vitest, tsx) after `npm run build` (which `npm test` runs first). Without a
 * build there is none, and callers fall back to doing the same work in their own thread. Nor is there
 * one when src/ has changed since the build: a stale worker would run yesterday's code beside today's.
 */
import { existsSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The newest modification time of the files under a folder (ms), ending in `ext`. */
function newest(dir: string, ext: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, ext));
    else if (e.name.endsWith(ext)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

const freshness = new Map<string, boolean>();
/** Whether dist/ was built after the last change under src/ (checked once per checkout and process). */
function builtSinceChange(root: string): boolean {
  let fresh = freshness.get(root);
  if (fresh === undefined) {
    fresh = existsSync(join(root, 'dist')) && newest(join(root, 'dist'), '.js') >= newest(join(root, 'src'), '.ts');
    freshness.set(root, fresh);
  }
  return fresh;
}

/** `builtWorker('worker.js', import.meta.url)` from src/model/run/runner.ts → dist/model/run/worker.js, or null. */
export function builtWorker(name: string, from: string): URL | null {
  const beside = new URL(`./${name}`, from);
  const candidates = [beside];
  const path = fileURLToPath(beside);
  const at = path.lastIndexOf('/src/');
  if (at !== -1 && builtSinceChange(path.slice(0, at))) candidates.push(pathToFileURL(`${path.slice(0, at)}/dist/${path.slice(at + 5).replace(/\.ts$/, '.js')}`));
  return candidates.find((u) => u.protocol === 'file:' && u.pathname.endsWith('.js') && existsSync(fileURLToPath(u))) ?? null;
}

/** How much lower than the API thread a background thread runs (nice; Linux weighs 10 steps ~1:10). */
const BACKGROUND_NICE = 10;

/**
 * Called first in a worker thread that does a long read for the bureau (an audit, a model run): lowers
 * that thread's scheduling priority, so that on a busy machine the API thread and the SQLite writer (the
 * windows waiting for their answers) get the cores first; on an idle machine the read still runs at full
 * speed. Linux schedules threads one by one, and `/proc/thread-self` names this thread; elsewhere, or
 * where the priority may not be changed, it does nothing.
 */
export function asBackgroundThread(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, Math.max(getPriority(tid), BACKGROUND_NICE));
  } catch {
    // not Linux, or not allowed: the thread keeps the process's priority
  }
}
