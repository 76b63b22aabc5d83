/**
 * CSV, the one reader and writer (the fund model's admissions, receivables and reports, register and
 * catalogue imports): RFC 4180 (comma-separated, fields may be quoted with `"`, a quote inside a
 * quoted field is doubled, a quoted field may span lines), UTF-8 with or without a byte-order mark,
 * LF or CRLF line ends.
 *
 * Streams: records are handed out one at a time with the line they start on, so a million rows never
 * sit in memory together and an error can name its line.
 */
import type { Readable } from 'node:stream';
import { InputLineError } from './line-error.js';
import { Utf8Chunks } from './utf8.js';

export interface CsvRecord {
  /** The line the record starts on (1 = the header). */
  line: number;
  /** The record's text without its line end: what a worker re-parses. */
  text: string;
}

/** Split one record's text into fields. */
export function parseCsvRecord(text: string): string[] {
  if (!text.includes('"')) return text.split(',');
  const out: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
    i++;
  }
  out.push(field);
  return out;
}

/**
 * Where each field of a quote-free record starts and ends (what `split(',')` would cut), into arrays
 * the caller keeps and reuses, so a hot loop cuts no string it does not need. Returns the number of
 * fields; `into.starts`/`into.ends` grow as needed.
 */
export function fieldBounds(text: string, into: FieldBounds): number {
  let n = 0;
  let start = 0;
  for (;;) {
    if (n === into.starts.length) {
      const s2 = new Int32Array(n * 2);
      s2.set(into.starts);
      into.starts = s2;
      const e2 = new Int32Array(n * 2);
      e2.set(into.ends);
      into.ends = e2;
    }
    const comma = text.indexOf(',', start);
    into.starts[n] = start;
    into.ends[n] = comma === -1 ? text.length : comma;
    n++;
    if (comma === -1) return n;
    start = comma + 1;
  }
}

export interface FieldBounds {
  starts: Int32Array;
  ends: Int32Array;
}

export function newFieldBounds(): FieldBounds {
  return { starts: new Int32Array(64), ends: new Int32Array(64) };
}

/** A field as CSV text: quoted only when it must be. */
export function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: readonly (string | number)[]): string {
  return values.map(csvField).join(',');
}

/** Whether the quotes in a piece of text leave a quoted field open. */
function opensQuote(text: string, open: boolean): boolean {
  let at = text.indexOf('"');
  while (at !== -1) {
    open = !open;
    at = text.indexOf('"', at + 1);
  }
  return open;
}

/**
 * The records of a CSV stream, header first. Blank lines are skipped (they still count for line numbers).
 * Bytes are decoded as UTF-8 across chunk boundaries, strictly (./utf8.ts).
 */
export async function* csvRecords(input: Readable | AsyncIterable<string | Buffer>): AsyncGenerator<CsvRecord> {
  for await (const records of csvRecordChunks(input)) yield* records;
}

/**
 * The same records, handed out as the arrays that each piece of the stream completes (never an empty
 * one): a megabyte of input is one step of the iteration rather than ten thousand.
 */
export async function* csvRecordChunks(input: Readable | AsyncIterable<string | Buffer>): AsyncGenerator<CsvRecord[]> {
  let rest = '';
  let line = 1;
  let pending = '';
  let pendingLine = 0;
  let open = false;
  let first = true;
  const utf8 = new Utf8Chunks();
  for await (const chunk of input as AsyncIterable<string | Buffer>) {
    let text = utf8.text(chunk, line);
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    rest += text;
    const out: CsvRecord[] = [];
    let start = 0;
    let nl = rest.indexOf('\n', start);
    while (nl !== -1) {
      let piece = rest.slice(start, nl);
      start = nl + 1;
      if (open) {
        pending += `\n${piece}`;
        open = opensQuote(piece, open);
      } else {
        if (piece.endsWith('\r')) piece = piece.slice(0, -1);
        pending = piece;
        pendingLine = line;
        open = piece.includes('"') && opensQuote(piece, false);
      }
      line++;
      if (!open) {
        if (pending.endsWith('\r')) pending = pending.slice(0, -1);
        if (pending.length) out.push({ line: pendingLine, text: pending });
        pending = '';
      }
      nl = rest.indexOf('\n', start);
    }
    rest = rest.slice(start);
    if (out.length) yield out;
  }
  rest += utf8.end(line);
  if (open) {
    throw new InputLineError(pendingLine, undefined, [{ path: '', message: 'CSV 引号未闭合：从这一行开始的带引号字段一直到文件末尾都没有结束的引号' }]);
  } else if (rest.trim().length) {
    yield [{ line, text: rest.endsWith('\r') ? rest.slice(0, -1) : rest }];
  }
}
