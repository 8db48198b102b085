/**
 * How long one HTTP request may take to arrive. Fastify turns node's request timeout off (0), so
 * without these a client sending its body a byte a minute holds its socket for ever.
 */
import type { ServerOptions } from 'node:http';

/** The two bounds, in ms (`--http-headers-timeout-ms`, `--http-request-timeout-ms`). */
export interface HttpTimeouts {
  headersMs: number;
  requestMs: number;
}

/** Throw an error when the headers may take longer than the whole request. */
export function checkHttpTimeouts(timeouts: HttpTimeouts): void {
  if (timeouts.headersMs > timeouts.requestMs) {
    throw new Error('--http-headers-timeout-ms: must not exceed --http-request-timeout-ms');
  }
}

/** Node's `http.createServer` options for `timeouts`, and the Fastify option that must agree. */
export function httpServerTimeouts(timeouts: HttpTimeouts): {
  http: ServerOptions;
  requestTimeout: number;
} {
  return {
    http: {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      // Node checks the deadlines on this interval (30 s by default, which would triple a 10 s
      // headers timeout); a quarter of the shorter one keeps the overshoot small.
      connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor(timeouts.headersMs / 4))),
    },
    requestTimeout: timeouts.requestMs,
  };
}
