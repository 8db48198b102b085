/** The HTTP side of a signalroom server: demo, health and (later) metrics and API routes. */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { WebAppSource } from '../package-root.js';
import { registerHealthRoutes, type HealthSource } from './health-routes.js';
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
}

/** Build the Fastify app; the caller attaches the WebSocket transport to `app.server`. */
export async function buildHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // Request logs are noise next to the session logs; warnings and errors still show.
    loggerInstance: options.logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    // The WebSocket sessions outlive requests; closing must not wait on keep-alive sockets.
    forceCloseConnections: 'idle',
    ...(options.tls ? { https: options.tls } : {}),
  }) as unknown as FastifyInstance;
  registerHealthRoutes(app, options.health);
  if (options.wsPath && options.wsPath !== '/') registerUpgradeRequiredRoute(app, options.wsPath);
  await registerStaticRoutes(app, options.webApp);
  return app;
}
