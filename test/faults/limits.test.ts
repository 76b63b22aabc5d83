/**
 * Rate limits (src/http/limits.ts): the token bucket on a clock of our own, and the 429 a client gets
 * from the real app, per key and per address, with Retry-After and a message in Chinese.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenBuckets, parseRateLimit, rateLimitConfigFromEnv } from '../../src/http/limits.js';
import { startTestService, type TestService } from '../http/fixture.js';

describe('parseRateLimit', () => {
  it('reads rates, units and bursts, and "off"', () => {
    expect(parseRateLimit('100/s burst 200')).toEqual({ ratePerSecond: 100, burst: 200 });
    expect(parseRateLimit('100/s, 300')).toEqual({ ratePerSecond: 100, burst: 300 });
    expect(parseRateLimit('600/min')).toEqual({ ratePerSecond: 10, burst: 600 });
    expect(parseRateLimit('3600/h burst 10')).toEqual({ ratePerSecond: 1, burst: 10 });
    expect(parseRateLimit('50/s')).toEqual({ ratePerSecond: 50, burst: 100 });
    expect(parseRateLimit('off')).toBeNull();
    expect(parseRateLimit(' OFF ')).toBeNull();
  });

  it('refuses what it cannot read, rather than guessing', () => {
    for (const bad of ['fast', '100', '100/fortnight', '-5/s', '0/s', '1/s burst 0']) expect(() => parseRateLimit(bad), bad).toThrow();
  });

  it('defaults are generous, an empty variable means the default, and off turns both limits off', () => {
    const d = rateLimitConfigFromEnv({});
    expect(d.keyed).toEqual({ ratePerSecond: 1000, burst: 2000 });
    expect(d.anonymous).toEqual({ ratePerSecond: 100, burst: 200 });
    expect(rateLimitConfigFromEnv({ ONESTOP_RATE_LIMIT: '' }).keyed).toEqual(d.keyed);
    const off = rateLimitConfigFromEnv({ ONESTOP_RATE_LIMIT: 'off' });
    expect([off.keyed, off.anonymous]).toEqual([null, null]);
  });
});

describe('TokenBuckets', () => {
  it('lets a burst through, then refuses with the wait until the next token, and refills with time', () => {
    let now = 0;
    const b = new TokenBuckets(1000, () => now);
    const limit = { ratePerSecond: 2, burst: 3 };
    expect([b.take('k', limit), b.take('k', limit), b.take('k', limit)]).toEqual([0, 0, 0]);
    expect(b.take('k', limit)).toBeCloseTo(0.5, 9);
    expect(b.take('other', limit)).toBe(0);
    now += 500;
    expect(b.take('k', limit)).toBe(0);
    expect(b.take('k', limit)).toBeGreaterThan(0);
    now += 10_000;
    expect([b.take('k', limit), b.take('k', limit), b.take('k', limit)]).toEqual([0, 0, 0]);
  });

  it('keeps at most maxBuckets, forgetting the least recently used, and forgets full buckets', () => {
    let now = 0;
    const b = new TokenBuckets(100, () => now);
    const limit = { ratePerSecond: 1, burst: 1 };
    for (let i = 0; i < 1000; i++) b.take(`made-up-${i}`, limit);
    expect(b.size).toBeLessThanOrEqual(100);
    now += 60_000;
    b.take('late', limit);
    expect(b.size).toBe(1);
  });
});

describe('429 from the app', () => {
  let svc: TestService;
  let windowKey: string;
  let auditorKey: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    // One token an hour: nothing refills while the test runs.
    process.env.ONESTOP_RATE_LIMIT = '1/h burst 5';
    process.env.ONESTOP_RATE_LIMIT_ANON = '1/h burst 3';
    svc = await startTestService({ seed: false });
    windowKey = await svc.key('window', 'H152200-L01');
    auditorKey = await svc.key('auditor');
  });
  afterAll(async () => {
    process.env = saved;
    await svc.close();
  });

  it('per key: the burst, then 429 with Retry-After and a Chinese message; another key is not affected', async () => {
    const get = (key: string) => request(svc.app).get('/v1/settlements').set('Authorization', `Bearer ${key}`);
    for (let i = 0; i < 5; i++) expect((await get(windowKey)).status).toBe(200);
    const refused = await get(windowKey);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    expect(refused.body.error.message).toMatch(/请求过于频繁.*此密钥.*秒后重试/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await get(auditorKey)).status).toBe(200);
  });

  it('per address without a key, and an address presenting bad keys is refused before its keys are looked up', async () => {
    for (let i = 0; i < 3; i++) expect((await request(svc.app).get('/v1/rulesets')).status).toBe(401);
    const anon = await request(svc.app).get('/v1/rulesets');
    expect(anon.status).toBe(429);
    expect(anon.body.error.message).toContain('此地址');
    // Pages, their assets and the health check are not limited.
    for (let i = 0; i < 10; i++) expect((await request(svc.app).get('/healthz')).status).toBe(200);

    const bad = () => request(svc.app).get('/v1/settlements').set('Authorization', 'Bearer os_window_made-up');
    // The made-up key has its own bucket (5), but every 401 is charged to the address (3).
    for (let i = 0; i < 3; i++) expect((await bad()).status).toBe(401);
    const flooded = await bad();
    expect(flooded.status).toBe(429);
    expect(flooded.body.error.message).toContain('无效密钥');
    // Whoever else is at that address waits too, good key or not, until the bucket refills.
    expect((await request(svc.app).get('/v1/settlements').set('Authorization', `Bearer ${auditorKey}`)).status).toBe(429);
  });
});
