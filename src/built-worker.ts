/**
 * Worker threads need JavaScript: a worker is the compiled file under dist/, found next to the module
 * that starts it when that module runs from dist/, or at the same place under dist/ when it runs from
 * src/ through a loader (vitest, tsx) after `npm run build` (which `npm test` runs first). Without a
 * build there is none, and callers fall back to doing the same work in their own thread.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** `builtWorker('worker.js', import.meta.url)` from src/model/run/runner.ts → dist/model/run/worker.js, or null. */
export function builtWorker(name: string, from: string): URL | null {
  const beside = new URL(`./${name}`, from);
  const candidates = [beside];
  const path = fileURLToPath(beside);
  const at = path.lastIndexOf('/src/');
  if (at !== -1) candidates.push(pathToFileURL(`${path.slice(0, at)}/dist/${path.slice(at + 5).replace(/\.ts$/, '.js')}`));
  return candidates.find((u) => u.protocol === 'file:' && u.pathname.endsWith('.js') && existsSync(fileURLToPath(u))) ?? null;
}
