/**
 * Request rate limits (issue 7): a token bucket per API key, or per client address for requests that
 * carry no key, kept in memory. A client that sends too much gets a clear 429 in Chinese with
 * Retry-After, and nothing it sent is looked at further.
 *
 * Configuration: ONESTOP_RATE_LIMIT, e.g. "100/s burst 200" (100 requests a second sustained, up to 200
 * at once), "6000/min", or "off". The defaults are meant to stop a runaway client, not a busy hospital:
 * a window settles a bill every minute or so, while a hospital's HIS may post for all its windows with
 * one key. ONESTOP_RATE_LIMIT_ANON sets the limit, per client address, for API calls without a key
 * and for failed keys (anyone guessing keys); pages, their assets and /healthz are not limited.
 *
 * The limit is per process: behind a load balancer with n API processes a client gets up to n times
 * the rate. That is what a guard against runaway clients needs; a contractual quota would live in a
 * shared store.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { presentedKey } from './auth.js';
import { errorBody, sendJson } from './errors.js';

export interface RateLimit {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Bucket size: how many requests may arrive at once. */
  burst: number;
}

export interface RateLimitConfig {
  /** Per presented API key; null = no limit. */
  keyed: RateLimit | null;
  /** Per client address, for requests without a key; null = no limit. */
  anonymous: RateLimit | null;
  /** Most buckets kept at once (a flood of made-up keys must not grow memory without end). */
  maxBuckets: number;
  /** The clock, in milliseconds (tests pass their own). */
  now: () => number;
}

export const DEFAULT_KEYED_LIMIT = '1000/s burst 2000';
export const DEFAULT_ANONYMOUS_LIMIT = '100/s burst 200';

const UNITS: Record<string, number> = { s: 1, sec: 1, second: 1, m: 60, min: 60, minute: 60, h: 3600, hour: 3600 };

/**
 * Read a limit written as "<count>/<unit>[ burst <n>]" (unit s, min or h; burst defaults to twice the
 * count per second, at least the count), or "off".
 *
 * @example parseRateLimit("100/s burst 200") // { ratePerSecond: 100, burst: 200 }
 * @example parseRateLimit("600/min")         // { ratePerSecond: 10, burst: 600 }
 * @example parseRateLimit("off")             // null
 */
export function parseRateLimit(spec: string): RateLimit | null {
  const text = spec.trim().toLowerCase();
  if (['off', 'none', 'false', '0', 'no'].includes(text)) return null;
  const m = /^(\d+(?:\.\d+)?)\s*\/\s*([a-z]+)(?:\s*(?:,|\s)\s*(?:burst\s*)?(\d+))?$/.exec(text);
  const unit = m ? UNITS[m[2]!] : undefined;
  if (!m || unit === undefined) throw new Error(`rate limit "${spec}" is not understood: write e.g. "100/s burst 200", "600/min" or "off"`);
  const count = Number(m[1]);
  const ratePerSecond = count / unit;
  const burst = m[3] !== undefined ? Number(m[3]) : Math.max(Math.ceil(count), Math.ceil(ratePerSecond * 2));
  if (!(ratePerSecond > 0) || !(burst >= 1)) throw new Error(`rate limit "${spec}" must allow at least one request`);
  return { ratePerSecond, burst };
}

export function rateLimitConfigFromEnv(env: NodeJS.ProcessEnv = process.env): RateLimitConfig {
  // An empty variable means the default.
  const keyed = parseRateLimit(env.ONESTOP_RATE_LIMIT || DEFAULT_KEYED_LIMIT);
  // "off" for the main limit turns every limit off, unless the anonymous one is set on its own.
  const anonymous = env.ONESTOP_RATE_LIMIT_ANON ? parseRateLimit(env.ONESTOP_RATE_LIMIT_ANON) : keyed ? parseRateLimit(DEFAULT_ANONYMOUS_LIMIT) : null;
  return { keyed, anonymous, maxBuckets: 100_000, now: () => performance.now() };
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets by identity. A bucket that would be full again is the same as no bucket, so buckets are
 * dropped as they fill up, and the oldest are dropped first when there are too many.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  constructor(
    private readonly maxBuckets: number,
    private readonly now: () => number,
  ) {}

  /** Take one token: 0 if it was there, else the seconds until one will be. */
  take(id: string, limit: RateLimit): number {
    const now = this.now();
    const b = this.buckets.get(id);
    let tokens = limit.burst;
    if (b) {
      tokens = Math.min(limit.burst, b.tokens + ((now - b.at) / 1000) * limit.ratePerSecond);
      this.buckets.delete(id); // re-inserted below: the map stays in least-recently-used order
    }
    this.sweep(now, limit);
    if (tokens >= 1) {
      this.buckets.set(id, { tokens: tokens - 1, at: now });
      return 0;
    }
    this.buckets.set(id, { tokens, at: now });
    return (1 - tokens) / limit.ratePerSecond;
  }

  /** Seconds until a token will be there (0 if one is), taking nothing. */
  peek(id: string, limit: RateLimit): number {
    const b = this.buckets.get(id);
    if (!b) return 0;
    const tokens = Math.min(limit.burst, b.tokens + ((this.now() - b.at) / 1000) * limit.ratePerSecond);
    return tokens >= 1 ? 0 : (1 - tokens) / limit.ratePerSecond;
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number, limit: RateLimit): void {
    while (this.buckets.size >= this.maxBuckets) {
      const oldest = this.buckets.keys().next();
      if (oldest.done) break;
      this.buckets.delete(oldest.value);
    }
    // Every so often, forget the buckets that have filled up again (at most once a second).
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    const fullAfterMs = (limit.burst / limit.ratePerSecond) * 1000;
    for (const [id, b] of this.buckets) {
      if (now - b.at < fullAfterMs) break; // LRU order: the rest are newer
      this.buckets.delete(id);
    }
  }
}

/**
 * The limits of one service. It runs before authentication, so a key is only what the request presents:
 * a made-up key gets a bucket of its own, but never more than `maxBuckets` of them are kept, and every
 * request that ends in 401 is charged to its address as well: an address that keeps presenting bad keys
 * is refused (429) before its next key is even looked up. The express middleware and the counter lane
 * share one limiter, so a client's requests count against one bucket whichever way they are served.
 */
export class RateLimiter {
  private readonly byKey: TokenBuckets;
  private readonly byAddress: TokenBuckets;
  private readonly failedAuth: TokenBuckets;

  constructor(private readonly config: RateLimitConfig = rateLimitConfigFromEnv()) {
    this.byKey = new TokenBuckets(config.maxBuckets, config.now);
    this.byAddress = new TokenBuckets(config.maxBuckets, config.now);
    this.failedAuth = new TokenBuckets(config.maxBuckets, config.now);
  }

  get enabled(): boolean {
    return this.config.keyed !== null || this.config.anonymous !== null;
  }

  /** True if the request may go on; otherwise the 429 has been sent. `path` is the URL without its query. */
  admit(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const { config } = this;
    if (!this.enabled) return true;
    const secret = presentedKey(req.headers);
    // Express's req.ip without 'trust proxy': the peer's address.
    const address = req.socket.remoteAddress ?? 'unknown';
    if (secret === undefined) {
      // Pages and their assets (GET outside the API) are cheap and load in bursts, often for many windows
      // behind one hospital address: only API calls without a key count against the address.
      const page = (req.method === 'GET' || req.method === 'HEAD') && !path.startsWith('/v1/');
      if (config.anonymous && !page) {
        const wait = this.byAddress.take(address, config.anonymous);
        if (wait > 0) return refuse(res, wait, '此地址');
      }
      return true;
    }
    const authLimit = config.anonymous;
    if (authLimit) {
      const wait = this.failedAuth.peek(address, authLimit);
      if (wait > 0) return refuse(res, wait, '此地址（多次使用无效密钥）');
      res.once('finish', () => {
        if (res.statusCode === 401) this.failedAuth.take(address, authLimit);
      });
    }
    if (config.keyed) {
      // The secret itself is not kept as a map key: a short hash of it tells keys apart.
      const id = createHash('sha256').update(secret).digest('base64url').slice(0, 22);
      const wait = this.byKey.take(id, config.keyed);
      if (wait > 0) return refuse(res, wait, '此密钥');
    }
    return true;
  }
}

function refuse(res: ServerResponse, waitSeconds: number, who: string): false {
  const retryAfter = Math.max(1, Math.ceil(waitSeconds));
  sendJson(res, 429, JSON.stringify(errorBody('RATE_LIMITED', `请求过于频繁：${who}的请求超过了限额，请 ${retryAfter} 秒后重试（本次请求未处理）`)), {
    'Retry-After': String(retryAfter),
  });
  return false;
}

/** The limiter as express middleware. */
export function rateLimit(limiter: RateLimiter = new RateLimiter()): RequestHandler {
  if (!limiter.enabled) return (_req, _res, next) => next();
  return (req: Request, res: Response, next: NextFunction) => {
    if (limiter.admit(req, res, req.path)) next();
  };
}
