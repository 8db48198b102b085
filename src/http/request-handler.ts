/**
 * The signalroom routes as a `(req, res, next)` function over node:http, for Express, connect or a
 * plain `http.createServer` handler: the same Fastify routes (signalroom-routes.ts) run on a
 * Fastify instance that never listens. A request none of them matches goes to `next()` before
 * anything reads its body, so the app's own routes get it untouched.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import { registerSignalroomRoutes, type RouteGroup, type RoutesSource } from './signalroom-routes.js';

/** Express/connect's `next`: called with nothing to pass the request on, with an error to fail it. */
export type NextFunction = (err?: unknown) => void;

/** A request handler for node:http, Express and connect. Without `next`, unmatched requests get 404. */
export interface SignalroomRequestHandler {
  (req: IncomingMessage, res: ServerResponse, next?: NextFunction): void;
  /** Resolves once the routes are ready (requests before then wait for it). */
  readonly ready: Promise<void>;
}

/** Options of {@link signalroomRequestHandler}. */
export interface RequestHandlerOptions {
  /** Only these groups (default: every group the signaling's options turn on). */
  routes?: readonly RouteGroup[];
}

type RouteFunction = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Build the handler: `app.use(signalroomRequestHandler(signaling))` in Express or connect, or
 * `http.createServer((req, res) => handler(req, res, () => myApp(req, res)))`.
 */
export function signalroomRequestHandler(
  signaling: RoutesSource & { readonly logger: Logger },
  options: RequestHandlerOptions = {},
): SignalroomRequestHandler {
  let route: RouteFunction | null = null;
  const passOn = new WeakMap<IncomingMessage, NextFunction>();
  const app = Fastify({
    loggerInstance: signaling.logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    // Fastify's handler without a server of its own: the app's server calls it.
    serverFactory: (handler) => {
      route = handler;
      return http.createServer();
    },
  });
  // Unmatched: hand the request back before the 404 route would parse its body.
  app.addHook('onRequest', (request, reply, done) => {
    const next = request.is404 ? passOn.get(request.raw) : undefined;
    if (!next) return done();
    reply.hijack();
    next();
  });
  registerSignalroomRoutes(app, { signaling, ...options });
  let isReady = false;
  const ready = Promise.resolve(app.ready()).then(() => {
    isReady = true;
  });
  const serve = (req: IncomingMessage, res: ServerResponse, next: NextFunction | undefined) => {
    if (next) passOn.set(req, next);
    (route as RouteFunction)(req, res);
  };
  const handler = (req: IncomingMessage, res: ServerResponse, next?: NextFunction) => {
    // Once ready, synchronously: an app that forwards unmatched requests sees them at once.
    if (isReady) return serve(req, res, next);
    ready.then(
      () => serve(req, res, next),
      (err: unknown) => (next ? next(err) : failed(res)),
    );
  };
  return Object.assign(handler, { ready });
}

function failed(res: ServerResponse): void {
  res.writeHead(500, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: 'INTERNAL', message: 'Internal server error' }));
}
