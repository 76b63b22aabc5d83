/**
 * Reads a stream of top-level JSON values: one pretty-printed bill, JSON Lines, or values one after
 * another. Streams, so a million bills never sit in memory at once, and remembers the line each value
 * starts on, so an error can name it.
 */
import type { Readable } from 'node:stream';
import { Utf8Chunks } from './utf8.js';

export interface JsonValueAt {
  line: number;
  text: string;
}

export async function* jsonValues(input: Readable): AsyncGenerator<JsonValueAt> {
  let buf = '';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let line = 1;
  let startLine = 0;
  let scalar = false;
  const utf8 = new Utf8Chunks();
  for await (const chunk of input) {
    const text = utf8.text(chunk as Buffer | string, line);
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c === '\n') line++;
      if (depth === 0 && !inString && !scalar) {
        if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\ufeff') continue;
        startLine = line;
        buf = '';
        if (c !== '{' && c !== '[') scalar = true;
      }
      buf += c;
      if (scalar) {
        // A bare scalar at top level is not a bill; hand it over at the end of its line.
        if (c === '\n') {
          scalar = false;
          yield { line: startLine, text: buf.trim() };
          buf = '';
        }
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          yield { line: startLine, text: buf };
          buf = '';
        }
      }
    }
  }
  if (buf.trim()) yield { line: startLine, text: buf.trim() };
}
