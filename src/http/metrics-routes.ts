/** `GET /metrics` (Prometheus text format), on the main app or on its own port (`--metrics-port`). */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ServerMetrics } from '../metrics/server-metrics.js';
import { bearerMatches } from './bearer.js';
import { httpServerTimeouts, type HttpTimeouts } from './http-timeouts.js';

/** Register `/metrics` on `app`; with a `token`, only `Authorization: Bearer <token>` may read it. */
export function registerMetricsRoute(app: FastifyInstance, metrics: ServerMetrics, token: string): void {
  app.get('/metrics', async (request, reply) => {
    if (token !== '' && !bearerMatches(request.headers.authorization, token)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .send({ error: 'UNAUTHORIZED', message: 'A valid bearer token is required' });
    }
    const { contentType, body } = await metrics.render();
    return reply.type(contentType).send(body);
  });
}

/** A separate HTTP server that serves only `/metrics` (and `/healthz`, for the probe of that port). */
export function buildMetricsApp(
  metrics: ServerMetrics,
  token: string,
  logger: Logger,
  timeouts: HttpTimeouts,
): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger.child({ component: 'metrics-http' }, { level: 'warn' }) as FastifyBaseLogger,
    ...httpServerTimeouts(timeouts),
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  registerMetricsRoute(app, metrics, token);
  return app;
}
