/**
 * The progress of a long read (an audit, doctor) on the terminal: a bar on stderr, redrawn at most ten
 * times a second, with the count, the rate and the time left; Ctrl-C cancels the read. stdout keeps the
 * report alone, so `--json > file` is unchanged. When stderr is not a terminal (a pipe, a log, a cron
 * job) nothing is drawn.
 */
import { ReadCancelled, type LongReadOptions } from '../audit/run-options.js';
import { CommanderError } from 'commander';

const WIDTH = 24;
const group = (n: number) => n.toLocaleString('en-US');

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)} 分 ${s % 60} 秒` : `${s} 秒`;
}

/** One line of the bar: what, how far, how fast, how long still. */
export function progressLine(what: string, done: number, total: number, elapsedSeconds: number): string {
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(share * WIDTH);
  const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  const left = rate > 0 ? (total - done) / rate : Number.POSITIVE_INFINITY;
  return `${what} ▕${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}▏ ${Math.floor(share * 100)}%  ${group(done)}/${group(total)} 笔  ${group(Math.round(rate))} 笔/秒  剩余约 ${duration(left)}`;
}

/**
 * Run a long read with a bar and Ctrl-C: `run` gets the options to pass on. A cancelled read ends the
 * command with exit code 130 and 已取消.
 */
export async function withProgress<T>(what: string, run: (opts: LongReadOptions) => Promise<T>, stream: NodeJS.WriteStream = process.stderr): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const started = performance.now();
  let drawn = 0;
  let shown = false;
  const onProgress = (done: number, total: number) => {
    if (!stream.isTTY) return;
    const now = performance.now();
    if (done < total && now - drawn < 100) return;
    drawn = now;
    shown = true;
    stream.write(`\r${progressLine(what, done, total, (now - started) / 1000)}\u001b[K`);
  };
  try {
    return await run({ onProgress, signal: controller.signal });
  } catch (e) {
    if (e instanceof ReadCancelled) {
      if (shown) stream.write('\n');
      shown = false;
      process.stderr.write(`${what}已取消\n`);
      throw new CommanderError(130, 'onestop.cancelled', '已取消');
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    if (shown) stream.write('\r\u001b[K');
  }
}
