/**
 * Where a model run's admissions come from: a file (CSV or JSON Lines), uploaded text (the API), or
 * the store's unreversed bills of one year, each person's in ledger order. Every source streams: records are read one at a time, and the
 * runner reads only the person of each (to route it to its shard) before passing its text on.
 */
import { createReadStream, statSync, type ReadStream } from 'node:fs';
import { basename, extname } from 'node:path';
import { Readable } from 'node:stream';
import { csvRecordChunks, fieldBounds, newFieldBounds, parseCsvRecord, type CsvRecord } from '../../formats/csv.js';
import { jsonValues } from '../../formats/json-values.js';
import { jsonSyntaxError, jsonSyntaxProblem } from '../../formats/json.js';
import { InputLineError } from '../../formats/line-error.js';
import type { Store } from '../../store/port.js';
import { csvLayout, type CsvLayout } from './csv-rows.js';
import { personOfJson } from './json-rows.js';

export type InputFormat = 'csv' | 'jsonl';

export type ModelSource =
  | { kind: 'file'; path: string; format?: InputFormat }
  | { kind: 'text'; text: string; format: InputFormat; name?: string }
  | { kind: 'stream'; stream: Readable; format: InputFormat; name?: string }
  | { kind: 'store'; store: Store; year: number };

export interface SourceRecord {
  line: number;
  text: string;
  person: string;
}

/** What the report says about its input. */
export interface InputInfo {
  source: 'csv' | 'jsonl' | 'store';
  file?: string;
  year?: number;
}

export interface OpenedSource {
  format: InputFormat;
  csv: CsvLayout | null;
  /** The records, in input order, in arrays (as the input delivers them; never empty). */
  records: AsyncGenerator<SourceRecord[]>;
  info: InputInfo;
  /** Rows, when known before reading (the store). */
  totalRows?: number;
  /**
   * How each person's rows are ordered: `discharge` (files and uploads: by discharge date, checked) or
   * `ledger` (the store: the order the counter settled them, which may go back in discharge date).
   */
  order: 'discharge' | 'ledger';
  /** Bytes, for a file: with bytesRead(), a progress fraction. */
  totalBytes?: number;
  bytesRead(): number;
  close(): void;
}

export function formatOfFile(path: string): InputFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  throw new InputLineError(0, undefined, [{ path: '', message: `无法从文件扩展名 “${ext || '（无）'}” 判断格式：请用 .csv 或 .jsonl，或指定 --format csv|jsonl` }]);
}

/** How many people's bills are read at a time. */
const PEOPLE_PER_PAGE = 200;

/**
 * The store's unreversed bills of a year, each person's in the order the counter settled them (the
 * ledger's, SETTLEMENT.md §4), not by discharge date: a bill settled late counts after the ones settled
 * before it, as at the counter. With the reversed ones left out, that replay is the year as it now
 * stands, adjustments included. Read a page of people at a time by the (person, year) index: a keyset
 * over (person, ledger version, id) across the whole year made SQLite scan the year again for every page.
 */
async function* storeRecords(store: Store, year: number): AsyncGenerator<SourceRecord[]> {
  const people = (await store.db.selectFrom('settlements').select('person_id').distinct().where('year', '=', year).orderBy('person_id').execute()).map((r) => r.person_id);
  let line = 0;
  for (let i = 0; i < people.length; i += PEOPLE_PER_PAGE) {
    const rows = await store.db
      .selectFrom('settlements')
      .select(['person_id', 'bill_json'])
      .where('person_id', 'in', people.slice(i, i + PEOPLE_PER_PAGE))
      .where('year', '=', year)
      .where('status', '=', 'settled')
      .orderBy('person_id')
      .orderBy('ledger_version')
      .orderBy('id')
      .execute();
    if (rows.length) yield rows.map((r) => ({ line: ++line, text: r.bill_json, person: r.person_id }));
  }
}

const bounds = newFieldBounds();

/** Field `at` of a CSV record: what parseCsvRecord(text)[at] gives. */
function csvFieldAt(text: string, at: number): string | undefined {
  if (text.includes('"')) return parseCsvRecord(text)[at];
  return at < fieldBounds(text, bounds) ? text.slice(bounds.starts[at]!, bounds.ends[at]!) : undefined;
}

async function* csvData(first: CsvRecord[], rest: AsyncGenerator<CsvRecord[]>, layout: CsvLayout): AsyncGenerator<SourceRecord[]> {
  const at = layout.index.person!;
  const withPerson = function* (records: CsvRecord[]): Generator<SourceRecord[]> {
    const out: SourceRecord[] = [];
    for (const r of records) {
      const person = csvFieldAt(r.text, at)?.trim();
      if (!person) {
        // The records before it still go out first, as they would one by one.
        if (out.length) yield out;
        throw new InputLineError(r.line, undefined, [{ path: 'person', message: '不能为空' }]);
      }
      out.push({ line: r.line, text: r.text, person });
    }
    if (out.length) yield out;
  };
  yield* withPerson(first);
  for await (const records of rest) yield* withPerson(records);
}

async function* jsonData(input: Readable): AsyncGenerator<SourceRecord[]> {
  for await (const v of jsonValues(input)) {
    let obj: unknown;
    try {
      obj = JSON.parse(v.text);
    } catch (e) {
      const p = jsonSyntaxProblem(jsonSyntaxError(v.text, e as Error), v.line);
      throw new InputLineError(p.line, undefined, [{ path: '', message: p.message }]);
    }
    const person = personOfJson(obj)?.trim();
    if (!person) {
      const billNo = typeof (obj as { billNo?: unknown })?.billNo === 'string' ? (obj as { billNo: string }).billNo : undefined;
      throw new InputLineError(v.line, billNo, [{ path: 'person.id', message: '缺少参保人编号：测算按人累计年度数' }]);
    }
    yield [{ line: v.line, text: v.text, person }];
  }
}

/** Open a source; for CSV, read and check the header (a bad header is refused before anything runs). */
export async function openSource(source: ModelSource, weights: string | null): Promise<OpenedSource> {
  if (source.kind === 'store') {
    const total = await source.store.db
      .selectFrom('settlements')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('year', '=', source.year)
      .where('status', '=', 'settled')
      .executeTakeFirstOrThrow();
    return {
      format: 'jsonl',
      csv: null,
      records: storeRecords(source.store, source.year),
      info: { source: 'store', year: source.year },
      totalRows: Number(total.n),
      order: 'ledger',
      bytesRead: () => 0,
      close: () => {},
    };
  }
  let stream: Readable;
  let file: ReadStream | null = null;
  let format: InputFormat;
  let info: InputInfo;
  let totalBytes: number | undefined;
  if (source.kind === 'file') {
    format = source.format ?? formatOfFile(source.path);
    totalBytes = statSync(source.path).size;
    stream = file = createReadStream(source.path, { encoding: 'utf8', highWaterMark: 1 << 20 });
    info = { source: format, file: basename(source.path) };
  } else if (source.kind === 'text') {
    format = source.format;
    stream = Readable.from([source.text]);
    totalBytes = Buffer.byteLength(source.text);
    info = { source: format, ...(source.name ? { file: source.name } : {}) };
  } else {
    format = source.format;
    stream = source.stream;
    stream.setEncoding('utf8');
    info = { source: format, ...(source.name ? { file: source.name } : {}) };
  }
  const bytesRead = () => (file ? file.bytesRead : (totalBytes ?? 0));
  const close = () => stream.destroy();
  if (format === 'jsonl') return { format, csv: null, records: jsonData(stream), info, totalBytes, order: 'discharge', bytesRead, close };

  const chunks = csvRecordChunks(stream);
  const first = await chunks.next();
  if (first.done) {
    close();
    throw new InputLineError(1, undefined, [{ path: '', message: 'CSV 文件是空的：第一行应为表头' }]);
  }
  const [header, ...rest] = first.value;
  let layout: CsvLayout;
  try {
    layout = csvLayout(parseCsvRecord(header!.text), weights);
  } catch (e) {
    close();
    throw e;
  }
  return { format, csv: layout, records: csvData(rest, chunks, layout), info, totalBytes, order: 'discharge', bytesRead, close };
}
