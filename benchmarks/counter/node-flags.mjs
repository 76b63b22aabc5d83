// The node flags `npm start` runs the service with, read from package.json's start script, so the
// benchmark's processes (the service, the echo ceiling, the in-process run) run exactly as production
// does: "the same process setup" for the ceiling and what is compared with it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function startFlags(root = join(import.meta.dirname, '..', '..')) {
  const start = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start;
  const words = start.trim().split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/app/server.js') throw new Error(`package.json's start script is not "node [flags] dist/app/server.js": ${start}`);
  return words.slice(1, -1);
}
