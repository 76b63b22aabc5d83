/**
 * Slow clients (slowloris): a real API process (see serverMode in the fault harness) with its socket
 * timeouts shortened through the environment, and clients that send their headers, or their body, a
 * byte at a time. The server must cut each of them off, and keep answering everyone else meanwhile.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, freshDatabase, get, prepare, sleep, startApi, type Api, type Keys } from '../../benchmarks/faults/harness.js';

let api: Api;
let keys: Keys;

beforeAll(async () => {
  const db = await freshDatabase('sqlite');
  keys = await prepare(db);
  api = await startApi(db, { ONESTOP_HEADERS_TIMEOUT_MS: '1000', ONESTOP_REQUEST_TIMEOUT_MS: '2000', ONESTOP_KEEPALIVE_TIMEOUT_MS: '1000' });
});
afterAll(async () => {
  await cleanupAll();
});

interface Slow {
  socket: Socket;
  closed: Promise<string>;
  stop(): void;
}

/** A client that writes `head` at once, then one byte of `drip` every `everyMs`, until the server closes it. */
function slowClient(port: number, head: string, drip: string, everyMs: number): Slow {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  let timer: NodeJS.Timeout | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (received += d));
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  socket.once('connect', () => {
    socket.write(head);
    let i = 0;
    timer = setInterval(() => {
      if (socket.destroyed) return clearInterval(timer);
      socket.write(drip[i++ % drip.length]!);
    }, everyMs);
  });
  return { socket, closed, stop: () => (clearInterval(timer), socket.destroy()) };
}

describe('slow clients', () => {
  it('a client dripping its headers is cut off (408), and the server answers others meanwhile', async () => {
    const slow = Array.from({ length: 40 }, () => slowClient(api.port, 'GET /v1/settlements HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n', 200));
    try {
      // While they drip, others are served.
      for (let i = 0; i < 5; i++) {
        expect((await get(api, null, '/healthz')).status).toBe(200);
        expect((await get(api, keys.auditor, '/v1/settlements')).status).toBe(200);
        await sleep(100);
      }
      // Bounded wait for an event, not a measurement: each is closed by the server well before we give up.
      const outcome = await Promise.race([Promise.all(slow.map((s) => s.closed)), sleep(20_000).then(() => null)]);
      expect(outcome, 'the server did not close the slow clients').not.toBeNull();
      for (const received of outcome!) expect(received === '' || received.startsWith('HTTP/1.1 408')).toBe(true);
      expect((await get(api, null, '/healthz')).status).toBe(200);
    } finally {
      for (const s of slow) s.stop();
    }
  });

  it('a client dripping its body is cut off, and the bill is not settled', async () => {
    const body = JSON.stringify({ billNo: 'SLOW-1', hospital: { code: 'H152200-L01' }, person: { id: 'P-000001' } });
    const head = `POST /v1/settlements HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${keys.window}\r\nContent-Type: application/json\r\nContent-Length: ${body.length + 1000}\r\n\r\n`;
    const slow = Array.from({ length: 10 }, () => slowClient(api.port, head, body, 150));
    try {
      expect((await get(api, keys.auditor, '/v1/settlements')).status).toBe(200);
      const outcome = await Promise.race([Promise.all(slow.map((s) => s.closed)), sleep(20_000).then(() => null)]);
      expect(outcome, 'the server did not close the slow uploads').not.toBeNull();
      for (const received of outcome!) expect(received).not.toMatch(/^HTTP\/1\.1 20/);
      const list = await get(api, keys.auditor, '/v1/settlements');
      expect((list.json as { total: number }).total).toBe(0);
    } finally {
      for (const s of slow) s.stop();
    }
  });
});
