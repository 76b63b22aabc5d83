/**
 * `npm start`: the service on the embedded default (SQLite under data/, seeded on first start).
 * Configuration by environment: PORT (3000), ONESTOP_DB (data/onestop.db, or postgres://…),
 * ONESTOP_RULES (rules/), ONESTOP_SEEDS (seeds/; "none" to start empty), LOG_LEVEL (info),
 * ONESTOP_RATE_LIMIT (src/http/limits.ts), and the slow-client limits in {@link serverTimeouts}.
 */
import { createServer } from 'node:http';
import { createLogger } from '../http/logger.js';
import { createService } from '../http/service.js';
import { boot } from './boot.js';

function envMs(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

/**
 * Slow clients may not hold a connection, or the process's sockets, for ever (slowloris): the headers
 * must arrive within ONESTOP_HEADERS_TIMEOUT_MS (15 s) and the whole request within
 * ONESTOP_REQUEST_TIMEOUT_MS (30 s), else Node answers 408 and closes the socket; an idle keep-alive
 * connection closes after ONESTOP_KEEPALIVE_TIMEOUT_MS (5 s) and any socket silent for
 * ONESTOP_SOCKET_TIMEOUT_MS (120 s) is destroyed. Node checks the first two every
 * `connectionsCheckingInterval` (30 s by default, so a slow client could hold on for up to a minute):
 * here every second. At most ONESTOP_MAX_CONNECTIONS (4096) sockets are open at once.
 */
export function serverTimeouts() {
  const requestTimeout = envMs('ONESTOP_REQUEST_TIMEOUT_MS', 30_000);
  // Node refuses a headers timeout longer than the request timeout.
  const headersTimeout = Math.min(envMs('ONESTOP_HEADERS_TIMEOUT_MS', 15_000), requestTimeout);
  return {
    requestTimeout,
    headersTimeout,
    keepAliveTimeout: envMs('ONESTOP_KEEPALIVE_TIMEOUT_MS', 5_000),
    socketTimeout: envMs('ONESTOP_SOCKET_TIMEOUT_MS', 120_000),
    connectionsCheckingInterval: Math.min(1_000, headersTimeout),
    maxConnections: envMs('ONESTOP_MAX_CONNECTIONS', 4096),
  };
}

export async function startServer(opts: { port?: number } = {}) {
  const logger = createLogger();
  const { store, rules } = await boot({ logger });

  // ONESTOP_COUNTER_LANE=off serves the counter routes through express too (benchmarks/fast-paths measures both).
  const { handler, app } = createService({ store, rules, logger, lane: process.env.ONESTOP_COUNTER_LANE !== 'off' });
  const port = opts.port ?? Number(process.env.PORT ?? 3000);
  const t = serverTimeouts();
  const server = createServer({ requestTimeout: t.requestTimeout, headersTimeout: t.headersTimeout, connectionsCheckingInterval: t.connectionsCheckingInterval }, handler);
  server.keepAliveTimeout = t.keepAliveTimeout;
  server.setTimeout(t.socketTimeout, (socket) => socket.destroy());
  server.maxConnections = t.maxConnections;
  server.listen(port, () => {
    logger.info({ port, store: store.dialect, db: store.location, rulesets: rules.all.map((r) => r.ruleset.id) }, `onestop listening on http://localhost:${port}`);
  });

  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close(() => {
      void store.close().then(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return { server, store, app };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  startServer().catch((e: unknown) => {
    process.stderr.write(`onestop: could not start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
