/**
 * The README's commands, run from the README's own text, in order, against a service this test starts
 * (the built one, on a fresh seeded SQLite database), so that the README and the product cannot drift
 * apart. Every ```sh block is run except those marked `<!-- readme-test: skip -->` (the two set-up
 * commands); the ```text block right after one lists lines its output must contain (compared with all
 * whitespace removed, so a JSON answer on one line matches the lines written out for people).
 *
 * The commands run in one bash session, in a scratch directory where `examples/`, `rules/` and `seeds/`
 * are the repository's, so the files they write stay out of the tree. `npx onestop` there is the built
 * CLI of this checkout (a shell function standing in for npx's own lookup, which needs the project's
 * package.json in the working directory), and `http://localhost:3000` the test's service.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Example {
  /** The line of the README where the block starts. */
  line: number;
  commands: string;
  expected: string[];
}

/** The README's runnable blocks, each with the lines its output must show. */
export function readmeExamples(text: string): Example[] {
  const lines = text.split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```sh') continue;
    const skip = /<!--\s*readme-test:\s*skip\s*-->/.test(lines[i - 1] ?? '') || /<!--\s*readme-test:\s*skip\s*-->/.test(lines[i - 2] ?? '');
    const end = lines.indexOf('```', i + 1);
    const commands = lines.slice(i + 1, end).join('\n');
    let expected: string[] = [];
    let j = end + 1;
    while (j < lines.length && lines[j]!.trim() === '') j++;
    if (lines[j] === '```text') {
      const close = lines.indexOf('```', j + 1);
      expected = lines.slice(j + 1, close).filter((l) => l.trim() !== '');
    }
    if (!skip) out.push({ line: i + 1, commands, expected });
    i = end;
  }
  return out;
}

const squash = (s: string) => s.replace(/\s+/g, '');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let dir: string;
let port: number;
let server: ChildProcess;
const env = () => ({ ...process.env, ONESTOP_DB: join(dir, 'onestop.db'), ONESTOP_RATE_LIMIT: 'off', ONESTOP_RATE_LIMIT_ANON: 'off', LOG_LEVEL: 'warn', PORT: String(port) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onestop-readme-'));
  for (const f of ['examples', 'rules', 'seeds']) symlinkSync(join(ROOT, f), join(dir, f));
  port = await freePort();
  server = spawn(process.execPath, ['--single-threaded-gc', join(ROOT, 'dist', 'app', 'server.js')], { cwd: dir, env: env(), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  server.stderr!.on('data', (d) => (stderr += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline || server.exitCode !== null) throw new Error(`the service did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 60_000);

afterAll(() => {
  server?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the README', () => {
  const examples = readmeExamples(README);

  it('has its examples, each showing what it answers', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
    // every file the README names under examples/ exists
    for (const [, f] of README.matchAll(/examples\/([\w.-]+)/g)) expect(() => readFileSync(join(ROOT, 'examples', f!)), f).not.toThrow();
  });

  it('runs as written, in order, and each block shows the lines printed under it', () => {
    const marker = (i: number) => `@@readme-block-${i}@@`;
    const script = [
      'set -o pipefail',
      `npx() { if [ "$1" = onestop ]; then shift; node ${JSON.stringify(join(ROOT, 'bin', 'onestop.js'))} "$@"; else command npx "$@"; fi; }`,
      ...examples.map((e, i) => `echo '${marker(i)}'\n${e.commands.replaceAll('http://localhost:3000', `http://127.0.0.1:${port}`)}\necho "@@rc=$?@@"`),
    ].join('\n');
    const run = spawnSync('bash', ['-c', script], { cwd: dir, env: env(), encoding: 'utf8', timeout: 240_000 });
    const output = `${run.stdout}`;
    examples.forEach((e, i) => {
      const start = output.indexOf(marker(i));
      const end = i + 1 < examples.length ? output.indexOf(marker(i + 1)) : output.length;
      expect(start, `README line ${e.line}: the block did not run\n${run.stderr}`).toBeGreaterThanOrEqual(0);
      const block = output.slice(start + marker(i).length, end);
      const rc = /@@rc=(\d+)@@/.exec(block)?.[1];
      expect(rc, `README line ${e.line}: ${e.commands}\nexit ${rc}\n${block}\n${run.stderr}`).toBe('0');
      for (const want of e.expected) expect(squash(block), `README line ${e.line}: ${e.commands}\nshould show: ${want}\n${block}`).toContain(squash(want));
    });
  }, 300_000);
});
