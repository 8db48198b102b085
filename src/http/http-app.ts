/** The HTTP side of a signalroom server: demo, health and (later) metrics and API routes. */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { WebAppSource } from './static-routes.js';
import { registerHealthRoutes, type HealthSource } from './health-routes.js';
import { httpServerTimeouts, type HttpTimeouts } from './http-timeouts.js';
import { registerStaticRoutes } from './static-routes.js';
import { registerUpgradeRequiredRoute } from './upgrade-required-route.js';

/** What the HTTP app needs. */
export interface HttpAppOptions {
  logger: Logger;
  health: HealthSource;
  /** The web app at `/`. */
  webApp: WebAppSource;
  /** The WebSocket path: a plain GET of it answers 426 Upgrade Required (unless it is `/`). */
  wsPath?: string;
  /** PEM certificate chain and key: serve https (and so wss) instead of http. */
  tls?: { cert: string; key: string };
  /** Header and whole-request deadlines of every HTTP request (upgrades included). */
  timeouts: HttpTimeouts;
}

/** Build the Fastify app; the caller attaches the WebSocket transport to `app.server`. */
export async function buildHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const { http, requestTimeout } = httpServerTimeouts(options.timeouts);
  const app = Fastify({
    // Request logs are noise next to the session logs; warnings and errors still show.
    loggerInstance: options.logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    // The WebSocket sessions outlive requests; closing must not wait on keep-alive sockets.
    forceCloseConnections: 'idle',
    requestTimeout,
    // https.createServer takes node:http's server options too.
    ...(options.tls ? { https: { ...http, ...options.tls } } : { http }),
  }) as unknown as FastifyInstance;
  registerHealthRoutes(app, options.health);
  if (options.wsPath && options.wsPath !== '/') registerUpgradeRequiredRoute(app, options.wsPath);
  await registerStaticRoutes(app, options.webApp);
  return app;
}
