// Writing a benchmark's figures down: the newest entry goes first, right after the file's introduction
// (everything before its first `## ` heading), so a results file starts with the current figures and
// keeps its history below. A file that does not exist yet starts with `intro`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export function recordResult(file, entry, intro) {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : `${intro.trim()}\n`;
  const at = text.search(/^## /m);
  const head = at === -1 ? text : text.slice(0, at);
  const rest = at === -1 ? '' : text.slice(at);
  writeFileSync(file, `${head.trimEnd()}\n\n${entry.trim()}\n${rest ? `\n${rest}` : ''}`);
}
