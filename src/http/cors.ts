/**
 * CORS for the routes a page on another origin calls with a bearer token (`GET /api/ice-servers`:
 * the SDK renews TURN credentials from wherever its page is served). An origin is allowed when
 * `--allowed-origins` names it, exactly as for the WebSocket upgrade (src/transport/origin.ts).
 *
 * The answer echoes the request's origin (never `*`), with `Vary: Origin` so caches keep one copy
 * per origin, and allows the `Authorization` header. The bearer travels in that header, not in a
 * cookie, so credentialed CORS is never turned on (no `Access-Control-Allow-Credentials`). A
 * request from an origin not allowed gets no CORS header at all: its page cannot read the answer,
 * and its preflight is refused with 403.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { originAllowed } from '../transport/origin.js';

/** How long a browser may cache a preflight's answer (seconds). */
const PREFLIGHT_MAX_AGE_S = 600;

/** The origin of `request` when it is one `allowedOrigins` lets read the answer, else `null`. */
function corsOrigin(request: FastifyRequest, allowedOrigins: readonly string[]): string | null {
  const origin = request.headers.origin;
  if (typeof origin !== 'string' || origin === '' || allowedOrigins.length === 0) return null;
  // No Host: the server's own origin needs no CORS (the browser does not ask), only listed ones do.
  const allowed = originAllowed(origin, undefined, { allowedOrigins, requireOrigin: true, scheme: 'https' });
  return allowed ? origin : null;
}

/**
 * Let pages on `allowedOrigins` call `GET path` with an `Authorization` header: the route's
 * `onRequest` hook, which puts the CORS headers on every answer (a refusal too, so the page can
 * read why), and `OPTIONS path` for the preflight.
 */
export function registerCors(
  app: FastifyInstance,
  path: string,
  allowedOrigins: readonly string[],
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  app.options(path, async (request, reply) => preflight(request, reply, allowedOrigins));
  return async (request, reply) => {
    reply.header('vary', 'Origin');
    const origin = corsOrigin(request, allowedOrigins);
    if (origin !== null) reply.header('access-control-allow-origin', origin);
  };
}

function preflight(request: FastifyRequest, reply: FastifyReply, allowedOrigins: readonly string[]) {
  reply.header('vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
  const origin = corsOrigin(request, allowedOrigins);
  const method = request.headers['access-control-request-method'];
  if (origin === null) {
    return reply.code(403).send({
      error: 'ORIGIN_NOT_ALLOWED',
      message: 'This origin is not in --allowed-origins: it may not call this endpoint from a page',
    });
  }
  if (method !== undefined && method !== 'GET') {
    return reply
      .code(405)
      .header('allow', 'GET, OPTIONS')
      .send({ error: 'METHOD_NOT_ALLOWED', message: `Only GET is allowed here, not ${String(method)}` });
  }
  return reply
    .code(204)
    .header('access-control-allow-origin', origin)
    .header('access-control-allow-methods', 'GET')
    .header('access-control-allow-headers', 'Authorization')
    .header('access-control-max-age', String(PREFLIGHT_MAX_AGE_S))
    .send();
}
