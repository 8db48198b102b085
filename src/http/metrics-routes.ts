/** `GET /metrics` (Prometheus text format), on the main app or on its own port (`--metrics-port`). */
import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ServerMetrics } from '../metrics/server-metrics.js';
import { bearerMatches } from './bearer.js';
import { httpServerTimeouts, type HttpTimeouts } from './http-timeouts.js';

/**
 * Register `/metrics` on `app`. With a `token`, only `Authorization: Bearer <token>` may read it;
 * without one, only clients on this host (a loopback peer, not forwarded by a proxy): metrics tell
 * an outsider the load and who is connected, so they are never public by default.
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: ServerMetrics, token: string): void {
  app.get('/metrics', async (request, reply) => {
    if (token !== '' && !bearerMatches(request.headers.authorization, token)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .send({ error: 'UNAUTHORIZED', message: 'A valid bearer token is required' });
    }
    if (token === '' && !fromThisHost(request.raw)) {
      return reply.code(403).send({
        error: 'FORBIDDEN',
        message: '/metrics answers only this host; set --metrics-token to scrape it from elsewhere',
      });
    }
    const { contentType, body } = await metrics.render();
    return reply.type(contentType).send(body);
  });
}

/**
 * True for a request from a loopback address that no proxy forwarded: a proxy on the same host
 * (nginx in front of the server) connects from loopback too, but says whom it forwards.
 */
function fromThisHost(req: IncomingMessage): boolean {
  const peer = req.socket.remoteAddress ?? '';
  const loopback = peer === '::1' || peer.startsWith('127.') || peer.startsWith('::ffff:127.');
  return loopback && req.headers['x-forwarded-for'] === undefined && req.headers.forwarded === undefined;
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
