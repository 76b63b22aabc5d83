/**
 * `npm start`: the service on the embedded default (SQLite under data/, seeded on first start).
 * Configuration by environment: PORT (3000), ONESTOP_DB (data/onestop.db, or postgres://…),
 * ONESTOP_RULES (rules/), ONESTOP_SEEDS (seeds/; "none" to start empty), LOG_LEVEL (info).
 */
import { boot } from '../store/boot.js';
import { createApp } from './app.js';
import { createLogger } from './logger.js';
import { mountExtensions } from './extensions.js';

export async function startServer(opts: { port?: number } = {}) {
  const logger = createLogger();
  const { store, rules } = await boot({ logger });

  const app = createApp({ store, rules, logger, extend: mountExtensions });
  const port = opts.port ?? Number(process.env.PORT ?? 3000);
  const server = app.listen(port, () => {
    logger.info({ port, store: store.dialect, db: store.location, rulesets: rules.all.map((r) => r.ruleset.id) }, `onestop listening on http://localhost:${port}`);
  });
  // Slow clients may not hold a connection forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  server.keepAliveTimeout = 5_000;

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
