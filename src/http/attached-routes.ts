/**
 * The routes an embedding app asked for through `attachSignaling`'s options, answered on the
 * server signaling is attached to, ahead of the app's own request listeners: `/api/ice-servers`
 * (TURN or STUN: the SDK renews expiring TURN credentials there), the admin API (`adminToken`)
 * and `/metrics` (`metricsToken`). Every other request reaches the app as before, body unread.
 */
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { signalroomRequestHandler } from './request-handler.js';
import { enabledRoutes, type RouteGroup, type RoutesSource } from './signalroom-routes.js';

/**
 * The groups `attachSignaling` serves itself: those of options an operator sets on purpose.
 * Health routes and an open `/metrics` are never taken from the app: it mounts them where it likes.
 */
export function attachedRouteGroups(source: RoutesSource): RouteGroup[] {
  return enabledRoutes(source).filter(
    (group) => group !== 'health' && (group !== 'metrics' || source.config.metricsToken !== ''),
  );
}

/**
 * Answer `groups` on `server` before its request listeners (also those added later). Resolves
 * with a function that gives the server back its requests untouched.
 */
export async function serveOnAttachedServer(
  server: HttpServer,
  signaling: RoutesSource & { readonly logger: Logger },
  groups: readonly RouteGroup[],
): Promise<() => void> {
  if (groups.length === 0) return () => undefined;
  const handler = signalroomRequestHandler(signaling, { routes: groups });
  await handler.ready;
  const emit = server.emit;
  const forward = emit as (this: HttpServer, event: string | symbol, ...args: unknown[]) => boolean;
  // Wrapping emit rather than the listeners present now: an app may add its handler after attaching.
  const intercepting = function (this: HttpServer, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'request') return forward.call(this, event, ...args);
    const [req, res] = args as [IncomingMessage, ServerResponse];
    handler(req, res, () => forward.call(this, 'request', req, res));
    return true;
  };
  server.emit = intercepting as HttpServer['emit'];
  return () => {
    if (server.emit === intercepting) server.emit = emit;
  };
}
