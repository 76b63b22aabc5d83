/**
 * Worker threads need JavaScript: a worker is the compiled file under dist/, found next to the module
 * that starts it when that module runs from dist/, or in dist/ when it runs from src/ through a loader
 * (vitest, tsx) after `npm run build`. Without a build there is none, and callers fall back to doing the
 * same work in their own thread.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `builtWorker('model', 'worker.js', import.meta.url)` → dist/model/worker.js, or null. */
export function builtWorker(dir: string, name: string, from: string): URL | null {
  const candidates = [new URL(`./${name}`, from), new URL(`../../dist/${dir}/${name}`, from)];
  return candidates.find((u) => u.protocol === 'file:' && existsSync(fileURLToPath(u))) ?? null;
}
