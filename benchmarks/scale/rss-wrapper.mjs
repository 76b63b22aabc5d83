// Where /usr/bin/time is missing: runs a Node script in this process (argv as if started directly) and
// reports the process's peak RSS on exit, as `maxrss KIB` on stderr (what ./run.mjs reads).
// Usage: node rss-wrapper.mjs <script> [args…]
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [script, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], resolve(script), ...args];
process.on('exit', () => process.stderr.write(`\nmaxrss ${process.resourceUsage().maxRSS}\n`));
await import(pathToFileURL(resolve(script)).href);
