/**
 * UTF-8 text from a byte stream's chunks, decoded across chunk boundaries (a Chinese character's three
 * bytes may arrive in two chunks) and strictly: a file that is not UTF-8 (a spreadsheet saved as GBK, say)
 * is refused with the line it went wrong on, never read with replacement characters in its names.
 */
import { InputLineError } from './line-error.js';

export const NOT_UTF8 = '文件不是有效的 UTF-8 编码（如从表格软件以 GBK/ANSI 保存，请另存为“CSV UTF-8”后重新提交）';

export class Utf8Chunks {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  /** The text of the next chunk; `line` is the line the chunk starts on, for the error. */
  text(chunk: string | Buffer | Uint8Array, line: number): string {
    if (typeof chunk === 'string') return chunk;
    try {
      return this.decoder.decode(chunk, { stream: true });
    } catch {
      // The line of the first byte that is not UTF-8: this chunk read leniently, up to its first U+FFFD.
      const loose = new TextDecoder('utf-8').decode(chunk);
      const at = loose.indexOf('\uFFFD');
      let lines = 0;
      for (let i = loose.indexOf('\n'); i !== -1 && i < at; i = loose.indexOf('\n', i + 1)) lines++;
      throw new InputLineError(line + lines, undefined, [{ path: '', message: NOT_UTF8 }]);
    }
  }

  /** What is left at the end (an incomplete character is an error too). */
  end(line: number): string {
    try {
      return this.decoder.decode();
    } catch {
      throw new InputLineError(line, undefined, [{ path: '', message: '文件在一个字符的中间结束，不是完整的 UTF-8 文本' }]);
    }
  }
}
