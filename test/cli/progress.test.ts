/**
 * The bar a long read draws on the terminal (src/cli/progress.ts): what it says, that it draws only on a
 * terminal, and that Ctrl-C cancels the read and ends the command with 130.
 */
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { throwIfCancelled } from '../../src/audit/run-options.js';
import { progressLine, withProgress } from '../../src/cli/progress.js';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, text: '', write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

describe('the progress bar', () => {
  it('says how far, how fast and how long still', () => {
    expect(progressLine('重新计算审计', 250_000, 1_000_000, 50)).toBe('重新计算审计 ▕██████░░░░░░░░░░░░░░░░░░▏ 25%  250,000/1,000,000 笔  5,000 笔/秒  剩余约 2 分 30 秒');
    expect(progressLine('一致性检查', 0, 10, 0)).toContain('剩余约 —');
    expect(progressLine('一致性检查', 0, 0, 1)).toContain('100%');
  });

  it('draws on a terminal only, and clears its line at the end', async () => {
    for (const tty of [true, false]) {
      const stream = fakeStream(tty);
      const value = await withProgress('审计', async (opts) => {
        opts.onProgress?.(0, 4);
        opts.onProgress?.(4, 4);
        return 42;
      }, stream);
      expect(value).toBe(42);
      if (tty) {
        expect(stream.text).toContain('4/4 笔');
        expect(stream.text.endsWith('\r\u001b[K')).toBe(true);
      } else expect(stream.text).toBe('');
    }
  });

  it('Ctrl-C cancels the read: exit code 130', async () => {
    const run = withProgress('审计', async (opts) => {
      process.emit('SIGINT');
      throwIfCancelled(opts.signal);
      return 1;
    }, fakeStream(false));
    await expect(run).rejects.toSatisfy((e: unknown) => e instanceof CommanderError && e.exitCode === 130);
  });
});
