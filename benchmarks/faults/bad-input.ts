/**
 * Fault: bad input. At least 10,000 generated malformed or hostile request bodies (seeded, so a run can be
 * repeated exactly): wrong types, huge numbers, negative and NaN-like amounts, 10 MB bodies (with a length,
 * and chunked without one), deep nesting, unknown fields (`__proto__` and friends), unicode tricks
 * (homoglyphs, invisible and control characters, lone surrogates, invalid UTF-8), amounts that are not
 * price × quantity, dates outside every ruleset or not dates at all, broken JSON and content types, and
 * hostile reversal requests against a real settlement. Every body is invalid by construction.
 *
 * Expect: no 5xx; every request answered (a 10 MB upload may instead be cut off by the server, which is
 * counted apart); no error body with a stack trace or database detail; nothing written (counts of
 * settlements, per-fund rows and audit entries, and a digest of every ledger, are the same before and
 * after, and the settlement under attack is still settled); the server still answers and still settles
 * a good bill afterwards. Rate limiting is off for this run, so every body reaches validation.
 *
 *   npm run fault:bad-input -- [--count 10000] [--seed 7] [--store sqlite|postgres|both]
 */
import { request as httpRequest } from 'node:http';
import { pathToFileURL } from 'node:url';
import {
  HOSPITAL,
  OTHER_HOSPITAL,
  freshDatabase,
  get,
  inpatientBill,
  intArg,
  pool,
  post,
  prepare,
  report,
  runScript,
  send,
  snapshot,
  startApi,
  storesArg,
  type Answer,
  type Api,
  type StoreKind,
} from './harness.js';

// ---------------------------------------------------------------------------------------------------------
// Generation

/** mulberry32: a small seeded generator, so a failing body can be made again. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Case {
  category: string;
  /** What was done, for the report of a failure. */
  what: string;
  path: string;
  body: string | Buffer;
  contentType?: string | null;
  headers?: Record<string, string>;
  /** Stream the body in chunks without Content-Length. */
  chunked?: boolean;
  /** Bigger than the body limit: the server may cut the upload off instead of answering. */
  huge?: boolean;
}

type Json = Record<string, unknown>;

/** A raw JSON token (not a string) to splice into the serialised body: 1e309, NaN, -0 … */
class Raw {
  constructor(readonly text: string) {}
}

function serialise(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Raw) {
      raws.push(v.text);
      return `@@RAW${raws.length - 1}@@`;
    }
    return v;
  });
  return text.replace(/"@@RAW(\d+)@@"/g, (_m, i: string) => raws[Number(i)]!);
}

function setAt(obj: Json, path: (string | number)[], value: unknown): void {
  let o = obj as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[path[path.length - 1]!] = value;
}

const STRING_PATHS: (string | number)[][] = [['billNo'], ['hospital', 'code'], ['person', 'id'], ['visit', 'type'], ['visit', 'admitted'], ['visit', 'discharged'], ['items', 0, 'code'], ['items', 1, 'class'], ['items', 2, 'code'], ['items', 3, 'class']];
const OPTIONAL_STRING_PATHS: (string | number)[][] = [['hospital', 'tier'], ['hospital', 'name'], ['person', 'name'], ['diagnosis'], ['items', 0, 'name']];
const OBJECT_PATHS: (string | number)[][] = [['hospital'], ['person'], ['visit'], ['items', 0], ['items', 2]];
/** Money and decimals: [path, may a valid-looking but different number be used (it breaks amount = price × qty)]. */
const NUMBER_PATHS: [(string | number)[], boolean][] = [
  [['items', 0, 'unitPrice'], true],
  [['items', 0, 'quantity'], true],
  [['items', 0, 'amount'], true],
  [['items', 2, 'amount'], true],
  [['items', 1, 'selfPayRatio'], false],
  [['items', 1, 'priceCap'], false],
  [['items', 3, 'unitPrice'], true],
];

const WRONG_FOR_STRING = [null, true, false, 0, 1.5, -1, [], {}, ['x'], { x: 1 }, [[[]]]];
const WRONG_FOR_OPTIONAL_STRING = [true, false, 0, 1.5, [], {}, ['x'], { x: 1 }];
const WRONG_FOR_OBJECT = ['x', '', 1, 0, null, true, [], [1, 2], ['x']];
const WRONG_FOR_NUMBER = [null, true, false, [], {}, ['1.00'], { amount: '1.00' }, [[1]]];
const HUGE = [new Raw('1e309'), new Raw('-1e309'), new Raw('1e400'), new Raw('1e21'), new Raw('123456789012345678901234567890'), new Raw('9007199254740993.5'), '1000000000000.00', '99999999999999999999', '1e999', '1E5', '9'.repeat(400), `0.${'1'.repeat(300)}`];
const HUGE_BUT_WELL_FORMED = ['999999999999.99', '999999999999', '100000000000.00'];
const NAN_LIKE = [
  '-1.00',
  new Raw('-1'),
  new Raw('-0.01'),
  '-0',
  '-0.00',
  'NaN',
  'nan',
  'Infinity',
  '-Infinity',
  '+1.00',
  '0x10',
  '0b11',
  '1e3',
  '1,000.00',
  '１２.００',
  '١٢.٠٠',
  '12.00元',
  '¥12.00',
  '',
  ' ',
  '.5',
  '5.',
  '1.005',
  '12.345',
  '012.00',
  'null',
  'undefined',
  new Raw('NaN'),
  new Raw('Infinity'),
  new Raw('-Infinity'),
  new Raw('0x10'),
];

const UNKNOWN_KEYS = ['extra', '__proto__', 'constructor', 'prototype', 'isAdmin', 'status', 'id', 'fundPaysTotal', 'patientPays', 'result', 'replay', 'created_by', 'hospital_code', 'toString', 'hasOwnProperty', '', ' ', 'billNo ', 'BillNo', 'billno', 'items\u0000', '$where', 'role'];
const UNKNOWN_VALUES: unknown[] = [1, 'x', null, true, {}, [], { polluted: true }, { prototype: { polluted: true } }, { role: 'admin' }, '12000.00'];

/** Characters that make a key look like another, or that no key should hold. */
const INVISIBLE = ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u202E', '\u202D', '\u2066', '\u00AD', '\u0000', '\u0001', '\u001F', '\u007F', '\u0085', '\u2028', '\u2029', '\uD800', '\uDFFF', '\uFFFD', '\uE000'];
const HOSPITAL_LOOKALIKES = ['Н152200-L01', 'Ｈ152200-L01', 'H152200-L0１', 'H152200\u2010L01', 'H152200-LO1', 'h152200-l01', 'H152200-L01 '.repeat(2).trim() + 'x', 'H152200-L01\u0301'];
const PERSON_LOOKALIKES = ['Р-000001', 'P-00000１', 'P\u2011000001', 'P-000001x', 'P-O00001', 'p-000001', 'P-000001\u0301', 'P-٠٠٠٠٠١'];

function validBill(n: number): Json {
  return inpatientBill({ billNo: `BAD-${String(n).padStart(6, '0')}`, person: 'P-000001', hospital: HOSPITAL }) as unknown as Json;
}

export function generate(count: number, seed: number, reversalTarget: string, bigBodies = 26): Case[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (n: number) => Math.floor(r() * n);
  // Inside, not at either end: a leading or trailing space-like character (U+FEFF, U+2028 …) is trimmed
  // away by validation, which leaves a clean, valid key.
  const inside = (s: string, c: string) => {
    const at = 1 + int(s.length - 1);
    return s.slice(0, at) + c + s.slice(at);
  };
  const cases: Case[] = [];
  const settle = '/v1/settlements';
  let n = 0;
  const add = (category: string, what: string, body: unknown, extra: Partial<Case> = {}) => {
    cases.push({ category, what, path: extra.path ?? settle, body: typeof body === 'string' || Buffer.isBuffer(body) ? body : serialise(body), ...extra });
  };
  // Shares of the total, by category; the 10 MB bodies are a fixed few.
  const share = (f: number) => Math.max(1, Math.round(count * f));

  for (let i = 0; i < share(0.16); i++) {
    const b = validBill(n++);
    const kind = int(4);
    if (kind === 0) {
      const p = pick(STRING_PATHS);
      const v = pick(WRONG_FOR_STRING);
      setAt(b, p, v);
      add('wrong types', `${p.join('.')} = ${JSON.stringify(v)}`, b);
    } else if (kind === 1) {
      const p = pick(OPTIONAL_STRING_PATHS);
      const v = pick(WRONG_FOR_OPTIONAL_STRING);
      setAt(b, p, v);
      add('wrong types', `${p.join('.')} = ${JSON.stringify(v)}`, b);
    } else if (kind === 2) {
      const p = pick(OBJECT_PATHS);
      const v = pick(WRONG_FOR_OBJECT);
      setAt(b, p, v);
      add('wrong types', `${p.join('.')} = ${JSON.stringify(v)}`, b);
    } else {
      const [p] = pick(NUMBER_PATHS);
      const v = pick(WRONG_FOR_NUMBER);
      setAt(b, p, v);
      add('wrong types', `${p.join('.')} = ${JSON.stringify(v)}`, b);
    }
  }
  for (let i = 0; i < share(0.09); i++) {
    const b = validBill(n++);
    const [p, mayBeWellFormed] = pick(NUMBER_PATHS);
    const v = mayBeWellFormed && r() < 0.3 ? pick(HUGE_BUT_WELL_FORMED) : pick(HUGE);
    setAt(b, p, v);
    add('huge numbers', `${p.join('.')} = ${v instanceof Raw ? v.text : JSON.stringify(v).slice(0, 40)}`, b);
  }
  for (let i = 0; i < share(0.09); i++) {
    const b = validBill(n++);
    const [p] = pick(NUMBER_PATHS);
    let v = pick(NAN_LIKE);
    // "-0" is a valid ratio (it is 0): not a bad value for selfPayRatio.
    while (p[2] === 'selfPayRatio' && (v === '-0' || v === '-0.00')) v = pick(NAN_LIKE);
    setAt(b, p, v);
    add('negative and NaN-like amounts', `${p.join('.')} = ${v instanceof Raw ? v.text : JSON.stringify(v)}`, b);
  }
  for (let i = 0; i < share(0.04); i++) {
    const depth = [1000, 10_000, 50_000, 100_000, 200_000][int(5)]!;
    const where = int(3);
    const nest = int(2) === 0 ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    const b = serialise(validBill(n++));
    const body =
      where === 0 ? b.replace(/"billNo":"[^"]*"/, `"billNo":${nest}`) : where === 1 ? b.replace(/^\{/, `{"nested":${nest},`) : b.replace(/"items":\[/, `"items":[${nest},`);
    add('deep nesting', `${['billNo', 'unknown field', 'items[0]'][where]} nested ${depth} deep`, body, { huge: body.length > 1_000_000 });
  }
  for (let i = 0; i < share(0.13); i++) {
    const b = validBill(n++);
    const where = pick([[], ['hospital'], ['person'], ['visit'], ['items', int(4)]] as (string | number)[][]);
    const key = pick(UNKNOWN_KEYS);
    const value = pick(UNKNOWN_VALUES);
    let target = b as Record<string | number, unknown>;
    for (const k of where) target = target[k] as Record<string | number, unknown>;
    // Defined, not assigned: `__proto__` must become a key of the JSON text, as a hostile client sends it.
    Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
    add('unknown fields', `${[...where, key].join('.')} = ${JSON.stringify(value)}`, b);
  }
  for (let i = 0; i < share(0.13); i++) {
    const b = validBill(n++);
    const kind = int(6);
    if (kind === 0) {
      const c = pick(INVISIBLE);
      b.billNo = inside(b.billNo as string, c);
      add('unicode tricks', `billNo with U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`, b);
    } else if (kind === 1) {
      (b.hospital as Json).code = r() < 0.5 ? pick(HOSPITAL_LOOKALIKES) : inside(HOSPITAL, pick(INVISIBLE));
      add('unicode tricks', `hospital.code look-alike ${JSON.stringify((b.hospital as Json).code)}`, b);
    } else if (kind === 2) {
      (b.person as Json).id = r() < 0.5 ? pick(PERSON_LOOKALIKES) : inside('P-000001', pick(INVISIBLE));
      add('unicode tricks', `person.id look-alike ${JSON.stringify((b.person as Json).id)}`, b);
    } else if (kind === 3) {
      const p = pick([['items', 0, 'class'], ['visit', 'type'], ['visit', 'discharged'], ['items', 0, 'amount']] as (string | number)[][]);
      const v = pick(['Ａ', 'A\u200B', 'ｉｎｐａｔｉｅｎｔ', 'inpatient\u0000', '２０１８-１１-１２', '2018-11-1２', '٢٠١٨-١١-١٢', '４００.００', '400.00\u200B']);
      setAt(b, p, v);
      add('unicode tricks', `${p.join('.')} = ${JSON.stringify(v)}`, b);
    } else if (kind === 4) {
      // Invalid UTF-8 in the bill number: bytes no encoder would write (overlong '/', a lone continuation, 0xFF).
      const bad = pick([Buffer.from([0xc0, 0xaf]), Buffer.from([0x80]), Buffer.from([0xff, 0xfe]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf4, 0x90, 0x80, 0x80])]);
      const text = serialise(b);
      const at = text.indexOf('BAD-') + 4;
      add('unicode tricks', `billNo with invalid UTF-8 bytes ${bad.toString('hex')}`, Buffer.concat([Buffer.from(text.slice(0, at)), bad, Buffer.from(text.slice(at))]));
    } else {
      // A byte-order mark before a body that is wrong anyway, and the JSON escape of a NUL in a key.
      b.billNo = `${String(b.billNo)}\u0000`;
      add('unicode tricks', 'BOM + escaped NUL in billNo', `\uFEFF${serialise(b)}`);
    }
  }
  for (let i = 0; i < share(0.13); i++) {
    const b = validBill(n++);
    const items = b.items as Json[];
    const k = int(items.length);
    const it = items[k]!;
    const fen = (s: unknown) => Math.round(Number(s) * 100);
    const kind = int(4);
    if (kind === 0) {
      const delta = pick([1, -1, 100, -100, 1000]);
      const product = Math.round(fen(it.unitPrice) * Number(it.quantity));
      const amount = Math.max(0, product + delta);
      it.amount = (amount / 100).toFixed(2);
      add('amount ≠ price × quantity', `items[${k}].amount off by ${delta} fen`, b);
    } else if (kind === 1) {
      it.quantity = pick(['0.3333', '1.5', '2', '0.0001', '7']);
      add('amount ≠ price × quantity', `items[${k}].quantity = ${String(it.quantity)} with the old amount`, b);
    } else if (kind === 2) {
      it.unitPrice = '0.33';
      it.quantity = '3';
      it.amount = '1.00';
      add('amount ≠ price × quantity', `items[${k}] 0.33 × 3 ≠ 1.00`, b);
    } else {
      // A bill that carries both items and pre-summed buckets, or buckets that do not add up.
      b.buckets = { outOfCatalog: '0.00', overLimit: '0.00', preSelfPay: '0.00', inPolicy: pick(['1.00', '-1.00', '99999999999999.00']) };
      add('amount ≠ price × quantity', 'items and buckets together', b);
    }
  }
  for (let i = 0; i < share(0.1); i++) {
    const b = validBill(n++);
    const v = b.visit as Json;
    const kind = int(3);
    if (kind === 0) {
      const year = r() < 0.5 ? 1990 + int(26) : 2019 + int(81);
      const d = `${year}-${String(1 + int(12)).padStart(2, '0')}-${String(1 + int(28)).padStart(2, '0')}`;
      v.admitted = d;
      v.discharged = d;
      add('dates out of any ruleset', `discharged ${d}`, b);
    } else if (kind === 1) {
      const d = pick(['2018-02-30', '2018-02-29', '2018-13-01', '2018-00-10', '2018-11-31', '2018-1-1', '2018-11-12T00:00:00Z', '2018/11/12', '12/11/2018', '20181112', '', 'yesterday', '0000-00-00', '9999-99-99', '+2018-11-12', '2018-11-12 ']);
      v.discharged = d;
      add('dates out of any ruleset', `discharged ${JSON.stringify(d)}`, b);
    } else {
      v.admitted = '2018-12-01';
      v.discharged = pick(['2018-11-30', '2018-01-01', '2017-12-31']);
      add('dates out of any ruleset', `admitted after discharged (${String(v.discharged)})`, b);
    }
  }
  const structural: [string, string | Buffer, Partial<Case>][] = [
    ['empty body', '', {}],
    ['null', 'null', {}],
    ['a number', '1', {}],
    ['a string', '"bill"', {}],
    ['an empty array', '[]', {}],
    ['an empty object', '{}', {}],
    ['truncated JSON', serialise(validBill(0)).slice(0, 120), {}],
    ['trailing garbage', `${serialise(validBill(0))}x`, {}],
    ['a comment', `/* c */${serialise(validBill(0))}`, {}],
    ['single quotes', serialise(validBill(0)).replace(/"/g, "'"), {}],
    ['text/plain', serialise(validBill(0)), { contentType: 'text/plain' }],
    ['no content type', serialise(validBill(0)), { contentType: null }],
    ['form encoding', 'billNo=X&hospital=H', { contentType: 'application/x-www-form-urlencoded' }],
    ['charset utf-16', serialise(validBill(0)), { contentType: 'application/json; charset=utf-16' }],
    ['charset nonsense', serialise(validBill(0)), { contentType: 'application/json; charset=klingon' }],
    ['gzip that is not gzip', serialise(validBill(0)), { headers: { 'content-encoding': 'gzip' } }],
    ['unknown encoding', serialise(validBill(0)), { headers: { 'content-encoding': 'zstd-ish' } }],
    ['no items, no buckets', serialise({ ...validBill(0), items: undefined }), {}],
    ['empty items', serialise({ ...validBill(0), items: [] }), {}],
  ];
  for (let i = 0; i < share(0.06); i++) {
    const [what, body, extra] = pick(structural);
    const b = validBill(n++);
    // Give each its own bill number, so that if one were accepted it would show as written.
    const text = typeof body === 'string' ? body.replace(/BAD-000000/g, String(b.billNo)) : body;
    add('broken JSON and content types', what, text, extra);
  }
  for (let i = 0; i < share(0.01); i++) {
    const b = validBill(n++);
    const item = (b.items as Json[])[0]!;
    b.items = Array.from({ length: 5001 }, () => item);
    add('broken JSON and content types', '5,001 items', b);
  }
  const reversalBodies: [string, unknown][] = [
    ['reason a number', { reason: 1 }],
    ['reason too long', { reason: '撤'.repeat(501) }],
    ['reason null', { reason: null }],
    ['unknown field', { why: 'x' }],
    ['reason and an unknown field', { reason: '录入错误', status: 'settled' }],
    ['an array', []],
    ['a string', 'reverse'],
    ['reason an object', { reason: { text: 'x' } }],
  ];
  for (let i = 0; i < share(0.03); i++) {
    const [what, body] = pick(reversalBodies);
    add('hostile reversal of a real settlement', what, body, { path: `/v1/settlements/${reversalTarget}/reversal` });
  }
  for (let i = 0; i < share(0.02); i++) {
    const id = pick(['%00', '..%2F..%2Fetc%2Fpasswd', "x'%20or%20'1'%3D'1", `${'A'.repeat(5000)}`, '%E2%80%AE', '%ED%A0%80', '%FF']);
    add('hostile reversal of a real settlement', `reversal of id ${id.slice(0, 30)}`, { reason: 'x' }, { path: `/v1/settlements/${id}/reversal` });
  }
  for (let i = 0; i < share(0.03); i++) {
    // The same kinds of body on the preview route (nothing is written there anyway; it must not fail).
    const b = validBill(n++);
    setAt(b, pick(STRING_PATHS), pick(WRONG_FOR_STRING));
    add('preview with bad bodies', 'wrong type', b, { path: '/v1/settlements/preview' });
  }
  // A window key posting for another hospital with a body that is wrong too.
  for (let i = 0; i < share(0.01); i++) {
    const b = validBill(n++);
    (b.hospital as Json).code = OTHER_HOSPITAL;
    (b.items as Json[])[0]!.amount = '-1';
    add('wrong types', 'another hospital and a negative amount', b);
  }

  // 10 MB bodies: a valid-looking bill with a 10 MB diagnosis, 60,000 items, 10 MB of '[', and the same
  // streamed chunked without a length.
  const big = (what: string, body: string, chunked = false) => add('10 MB bodies', what, body, { huge: true, chunked });
  const tenMB = 10 * 1024 * 1024;
  const per = (k: number) => Math.max(1, Math.round((bigBodies * k) / 26));
  for (let i = 0; i < per(8); i++) big('10 MB diagnosis', serialise({ ...validBill(n++), diagnosis: 'x'.repeat(tenMB) }));
  for (let i = 0; i < per(6); i++) {
    const b = validBill(n++);
    const item = (b.items as Json[])[0]!;
    b.items = Array.from({ length: 60_000 }, () => item);
    big('60,000 items (10 MB)', serialise(b));
  }
  for (let i = 0; i < per(6); i++) big('10 MB of [', '['.repeat(tenMB));
  for (let i = 0; i < per(6); i++) big('10 MB diagnosis, chunked, no Content-Length', serialise({ ...validBill(n++), diagnosis: 'y'.repeat(tenMB) }), true);

  // Shuffle (seeded), so categories interleave as they would from many clients.
  for (let i = cases.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [cases[i], cases[j]] = [cases[j]!, cases[i]!];
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------------------
// Sending

function sendCase(api: Api, key: string, c: Case): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, ...(c.headers ?? {}) };
  if (c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json';
  if (!c.chunked) return send('POST', `${api.base}${c.path}`, { headers, body: typeof c.body === 'string' ? Buffer.from(c.body) : c.body, timeoutMs: 60_000, noContentType: c.contentType === null });
  return new Promise((resolve) => {
    const req = httpRequest(`${api.base}${c.path}`, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, headers: {}, text: '', json: undefined, error: e.code ?? e.message }));
    req.setTimeout(60_000, () => req.destroy(new Error('timed out')));
    const buf = Buffer.from(c.body);
    const step = 64 * 1024;
    let at = 0;
    const pump = () => {
      while (at < buf.length) {
        const ok = req.write(buf.subarray(at, at + step));
        at += step;
        if (!ok) return void req.once('drain', pump);
      }
      req.end();
    };
    req.on('socket', () => pump());
  });
}

/** What must never be in an error body: stack frames, file paths, database errors. */
const LEAK = /\bat [^\n]*\.(js|ts|mjs):\d+|node_modules|SQLITE_|sqlite3?|postgres|pg_|syntax error at|relation "|duplicate key|violates|\/work\/|\/home\/|TypeError|RangeError|ReferenceError/i;

export async function badInput(kind: StoreKind, count: number, seed: number, concurrency = 16, bigBodies = 26): Promise<{ violations: string[]; figures: Record<string, unknown> }> {
  const db = await freshDatabase(kind);
  const keys = await prepare(db);
  const api = await startApi(db, { ONESTOP_RATE_LIMIT: 'off' });
  // A real settlement for the hostile reversals to aim at.
  const target = await post(api, keys.window, inpatientBill({ billNo: 'TARGET-1', person: 'P-000009' }));
  if (target.status !== 201) throw new Error(`could not create the reversal target: ${target.status} ${target.text}`);
  const targetId = (target.json as { id: string }).id;
  const before = await snapshot(db);

  const cases = generate(count, seed, targetId, bigBodies);
  const violations: string[] = [];
  const byCategory = new Map<string, Record<string, number>>();
  let cutOff = 0;
  const started = Date.now();
  await pool(cases, concurrency, async (c) => {
    const a = await sendCase(api, keys.window, c);
    const t = byCategory.get(c.category) ?? {};
    const k = a.status === 0 ? 'cut off' : String(a.status);
    t[k] = (t[k] ?? 0) + 1;
    byCategory.set(c.category, t);
    if (a.status === 0) {
      if (c.huge) cutOff++;
      else violations.push(`${c.category} / ${c.what}: no answer (${a.error})`);
    } else if (a.status >= 500) violations.push(`${c.category} / ${c.what}: ${a.status} ${a.text.slice(0, 200)}`);
    else if (a.status < 400) violations.push(`${c.category} / ${c.what}: accepted (${a.status})`);
    if (LEAK.test(a.text)) violations.push(`${c.category} / ${c.what}: the error body leaks detail: ${a.text.slice(0, 200)}`);
  });
  const seconds = (Date.now() - started) / 1000;

  const health = await get(api, null, '/healthz');
  if (health.status !== 200) violations.push(`the server no longer answers /healthz (${health.status} ${health.error ?? ''})`);
  const after = await snapshot(db);
  for (const k of Object.keys(before) as (keyof typeof before)[]) {
    if (before[k] !== after[k]) violations.push(`something was written: ${k} ${before[k]} → ${after[k]}`);
  }
  const stillSettled = await get(api, keys.auditor, `/v1/settlements/${targetId}`);
  if ((stillSettled.json as { status?: string } | undefined)?.status !== 'settled') violations.push(`the settlement under attack is no longer settled: ${stillSettled.text.slice(0, 200)}`);
  // And it still does its job.
  const good = await post(api, keys.window, inpatientBill({ billNo: 'AFTER-1', person: 'P-000010' }));
  if (good.status !== 201) violations.push(`a good bill after the attack answered ${good.status}`);
  await api.stop();

  const statuses: Record<string, number> = {};
  for (const t of byCategory.values()) for (const [k, v] of Object.entries(t)) statuses[k] = (statuses[k] ?? 0) + v;
  const figures: Record<string, unknown> = {
    store: kind,
    seed,
    'requests sent': cases.length,
    'answers by status': statuses,
    '10 MB uploads cut off by the server before an answer': cutOff,
    [`seconds (concurrency ${concurrency})`]: seconds.toFixed(1),
    'settlements / audit entries before → after': `${before.settlements} / ${before.audit} → ${after.settlements} / ${after.audit}`,
    'ledger digest before → after': `${before.ledgerDigest} → ${after.ledgerDigest}`,
    'server answers /healthz afterwards': health.status === 200,
    'a good bill afterwards': good.status,
    violations: violations.length,
  };
  for (const [cat, t] of [...byCategory.entries()].sort()) figures[`  ${cat}`] = t;
  return { violations, figures };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runScript('fault:bad-input', 900, async (args) => {
    const count = intArg(args, 'count', 10_000, 100_000);
    const seed = intArg(args, 'seed', 7, 2 ** 31);
    let total = 0;
    for (const kind of storesArg(args)) {
      const r = await badInput(kind, count, seed);
      report(`bad input on ${kind}`, r.figures);
      for (const v of r.violations.slice(0, 50)) process.stdout.write(`  VIOLATION: ${v}\n`);
      if (r.violations.length > 50) process.stdout.write(`  … and ${r.violations.length - 50} more\n`);
      total += r.violations.length;
    }
    return { violations: total };
  });
}
