/**
 * The counter lane (src/http/node/counter-lane.ts) serves POST /v1/settlements and /preview without
 * express, over the same route objects. Its own part (reading the body, the order of the checks, the
 * answer's headers) must answer exactly as express's does: two services on identical fresh databases get the same
 * requests, good and bad, one through the lane and one through express alone, and their answers must
 * be the same but for the settlement id and time. Each case also says whether the lane took it, so the
 * comparison cannot pass by the lane quietly handing everything to express.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counterLane, isUtf8Json } from '../../src/http/node/counter-lane.js';
import { RateLimiter } from '../../src/http/limits.js';
import { inpatientBill, startTestService, type TestService } from './fixture.js';

const HOSPITAL = 'H152200-L01';
const OTHER = 'H152221-C01';

interface Side {
  svc: TestService;
  server: Server;
  port: number;
  window: string;
  otherWindow: string;
  auditor: string;
  /** What the lane did with each request it saw: true = served it. */
  taken: boolean[];
  logLines: Record<string, unknown>[];
}

interface Answer {
  status: number;
  contentType: string | undefined;
  retryAfter: string | undefined;
  text: string;
}

async function side(withLane: boolean, limiter = new RateLimiter({ keyed: null, anonymous: null, maxBuckets: 10, now: () => 0 })): Promise<Side> {
  const svc = await startTestService({ seed: false });
  const taken: boolean[] = [];
  const logLines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
  const lane = counterLane({ store: svc.store, limiter, logger, routes: svc.routes });
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (withLane) {
      const served = lane(req, res);
      taken.push(served);
      if (served) return;
    }
    svc.expressApp(req, res);
  };
  const server = await new Promise<Server>((resolve) => {
    const s = createServer(handler).listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    svc,
    server,
    port: (server.address() as AddressInfo).port,
    window: await svc.key('window', HOSPITAL),
    otherWindow: await svc.key('window', OTHER),
    auditor: await svc.key('auditor'),
    taken,
    logLines,
  };
}

/** One raw HTTP request: headers exactly as given; a body given as an array of parts is sent chunked. */
function send(port: number, opts: { method?: string; path: string; headers: Record<string, string>; body?: string | Buffer | (string | Buffer)[] }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: opts.method ?? 'POST', path: opts.path, headers: opts.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          contentType: res.headers['content-type'],
          retryAfter: res.headers['retry-after'] as string | undefined,
          text: Buffer.concat(parts).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    if (Array.isArray(opts.body)) {
      for (const p of opts.body) req.write(p);
      req.end();
    } else {
      if (opts.body !== undefined) req.setHeader('Content-Length', Buffer.byteLength(opts.body));
      req.end(opts.body);
    }
  });
}

/** The answer without what differs between two databases by design: the settlement id and its time. */
function comparable(a: Answer) {
  const text = a.text.replace(/JS\d{8}[0-9A-Z]+/g, '(settlement id)').replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '(time)');
  return { status: a.status, contentType: a.contentType, retryAfter: a.retryAfter, text };
}

let lane: Side;
let plain: Side;

beforeAll(async () => {
  [lane, plain] = await Promise.all([side(true), side(false)]);
});
afterAll(async () => {
  for (const s of [lane, plain]) {
    s.server.closeAllConnections();
    await new Promise<void>((resolve) => s.server.close(() => resolve()));
    await s.svc.close();
  }
});

const bill = (billNo: string, extra: object = {}) => ({ ...inpatientBill({ billNo, hospital: HOSPITAL, person: 'P-000001' }), ...extra });
const json = 'application/json';

type Key = 'window' | 'otherWindow' | 'auditor' | 'none' | 'bogus';
interface Case {
  name: string;
  key: Key;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer | (string | Buffer)[];
  /** Does the lane serve it (true) or hand it to express untouched (false)? */
  laneTakes: boolean;
  status: number;
}

const CASES: Case[] = [
  { name: 'a new bill is settled', key: 'window', body: JSON.stringify(bill('L-1')), laneTakes: true, status: 201 },
  { name: 'the same bill again is a replay', key: 'window', body: JSON.stringify(bill('L-1')), laneTakes: true, status: 200 },
  { name: 'the same bill number with other content is a conflict', key: 'window', body: JSON.stringify(bill('L-1', { visit: { type: 'inpatient', admitted: '2018-11-02', discharged: '2018-11-13' } })), laneTakes: true, status: 409 },
  { name: 'a preview', key: 'window', path: '/v1/settlements/preview', body: JSON.stringify(bill('L-2')), laneTakes: true, status: 200 },
  { name: 'charset=UTF-8 in the media type', key: 'window', headers: { 'content-type': 'application/json;charset=UTF-8' }, body: JSON.stringify(bill('L-3')), laneTakes: true, status: 201 },
  { name: 'a byte-order mark before the JSON', key: 'window', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(bill('L-4')))]), laneTakes: true, status: 201 },
  { name: 'whitespace before the JSON', key: 'window', body: ` \n\t${JSON.stringify(bill('L-5'))}`, laneTakes: true, status: 201 },
  { name: 'no key', key: 'none', body: JSON.stringify(bill('L-6')), laneTakes: true, status: 401 },
  { name: 'an unknown key', key: 'bogus', body: JSON.stringify(bill('L-6')), laneTakes: true, status: 401 },
  { name: 'an auditor may not settle', key: 'auditor', body: JSON.stringify(bill('L-6')), laneTakes: true, status: 403 },
  { name: 'an auditor with broken JSON: the body is read before the role is checked, as in express', key: 'auditor', body: '{"billNo": ', laneTakes: true, status: 400 },
  { name: "a window key for another hospital's bill", key: 'otherWindow', body: JSON.stringify(bill('L-6')), laneTakes: true, status: 403 },
  { name: 'broken JSON', key: 'window', body: '{"billNo": "L-7",', laneTakes: true, status: 400 },
  { name: 'JSON that is not an object or array (strict)', key: 'window', body: '"L-7"', laneTakes: true, status: 400 },
  { name: 'an array', key: 'window', body: '[]', laneTakes: true, status: 422 },
  { name: 'an empty body', key: 'window', body: '', laneTakes: true, status: 422 },
  { name: 'a bill missing its items', key: 'window', body: JSON.stringify({ ...bill('L-8'), items: undefined }), laneTakes: true, status: 422 },
  { name: 'an unknown person', key: 'window', body: JSON.stringify(bill('L-9', { person: { id: 'P-999999' } })), laneTakes: true, status: 422 },
  { name: 'text/plain goes to express', key: 'window', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(bill('L-10')), laneTakes: false, status: 415 },
  { name: 'application/merge-patch+json goes to express', key: 'window', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify(bill('L-11')), laneTakes: false, status: 201 },
  { name: 'charset=utf-16 goes to express', key: 'window', headers: { 'content-type': 'application/json; charset=utf-16le' }, body: Buffer.from(JSON.stringify(bill('L-12')), 'utf16le'), laneTakes: false, status: 201 },
  { name: 'a chunked body goes to express', key: 'window', body: [JSON.stringify(bill('L-13')).slice(0, 100), JSON.stringify(bill('L-13')).slice(100)], laneTakes: false, status: 201 },
  { name: 'a query string goes to express', key: 'window', path: '/v1/settlements?trace=1', body: JSON.stringify(bill('L-14')), laneTakes: false, status: 201 },
  { name: 'a trailing slash goes to express', key: 'window', path: '/v1/settlements/', body: JSON.stringify(bill('L-15')), laneTakes: false, status: 201 },
  { name: 'a body over 1 MB goes to express', key: 'window', body: JSON.stringify({ ...bill('L-16'), note: 'x'.repeat(1024 * 1024) }), laneTakes: false, status: 413 },
  { name: 'gzip goes to express', key: 'window', headers: { 'content-encoding': 'gzip' }, body: 'not really gzip', laneTakes: false, status: 400 },
];

function headersFor(s: Side, c: Case): Record<string, string> {
  const key = c.key === 'none' ? undefined : c.key === 'bogus' ? 'os_window_not-a-key' : s[c.key];
  return { 'content-type': json, ...(key ? { authorization: `Bearer ${key}` } : {}), ...c.headers };
}

describe('counter lane: the same answers as express', () => {
  it('recognises only UTF-8 JSON media types', () => {
    expect(isUtf8Json('application/json')).toBe(true);
    expect(isUtf8Json('Application/JSON; charset="utf-8"')).toBe(true);
    expect(isUtf8Json('application/json; charset=latin1')).toBe(false);
    expect(isUtf8Json('application/json; version=2')).toBe(false);
    expect(isUtf8Json(undefined)).toBe(false);
  });

  // In order: the replay and the conflict follow the first settlement.
  for (const c of CASES) {
    it(`${c.name}: ${c.status}, ${c.laneTakes ? 'served by the lane' : 'handed to express'}`, async () => {
      const before = lane.taken.length;
      const [viaLane, viaExpress] = await Promise.all(
        [lane, plain].map((s) => send(s.port, { path: c.path ?? '/v1/settlements', headers: headersFor(s, c), body: c.body })),
      );
      expect(lane.taken.slice(before)).toEqual([c.laneTakes]);
      expect(viaExpress!.status).toBe(c.status);
      expect(comparable(viaLane!)).toEqual(comparable(viaExpress!));
    });
  }

  it('leaves both databases with the same settlements', async () => {
    const rows = (s: Side) =>
      s.svc.store.db.selectFrom('settlements').select(['bill_no', 'bill_hash', 'result_json', 'total_fen', 'patient_pays_fen']).orderBy('bill_no').execute();
    const [a, b] = await Promise.all([rows(lane), rows(plain)]);
    expect(a.length).toBeGreaterThanOrEqual(6);
    expect(a).toEqual(b);
  });

  it('writes the request log line express writes, with the key id', async () => {
    const res = await send(lane.port, { path: '/v1/settlements', headers: headersFor(lane, { key: 'window' } as Case), body: JSON.stringify(bill('L-LOG')) });
    expect(res.status).toBe(201);
    await new Promise((r) => setTimeout(r, 20));
    const line = [...lane.logLines].reverse().find((l) => l.msg === 'request');
    expect(line).toMatchObject({ method: 'POST', path: '/v1/settlements', status: 201 });
    expect(String(line!.key)).toMatch(/^k_/);
  });
});

describe('counter lane: rate limits', () => {
  it('refuses a key over its limit with 429 and Retry-After, and settles nothing', async () => {
    const strict = await side(true, new RateLimiter({ keyed: { ratePerSecond: 0.001, burst: 1 }, anonymous: null, maxBuckets: 10, now: () => 0 }));
    try {
      const headers = headersFor(strict, { key: 'window' } as Case);
      const first = await send(strict.port, { path: '/v1/settlements', headers, body: JSON.stringify(bill('R-1')) });
      const second = await send(strict.port, { path: '/v1/settlements', headers, body: JSON.stringify(bill('R-2')) });
      expect(first.status).toBe(201);
      expect(second.status).toBe(429);
      expect(Number(second.retryAfter)).toBeGreaterThan(0);
      expect(JSON.parse(second.text).error.code).toBe('RATE_LIMITED');
      expect(strict.taken).toEqual([true, true]);
      const stored = await strict.svc.store.db.selectFrom('settlements').select('bill_no').execute();
      expect(stored.map((r) => r.bill_no)).toEqual(['R-1']);
    } finally {
      strict.server.closeAllConnections();
      await new Promise<void>((resolve) => strict.server.close(() => resolve()));
      await strict.svc.close();
    }
  });
});
