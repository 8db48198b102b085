/**
 * The HTTP routes of signalroom as one Fastify plugin: health, metrics, the admin API and ICE
 * servers, each as its options turn it on. `createServer` registers it on its own app; an
 * embedding app registers it on its Fastify app, or mounts the request handler built on it
 * (request-handler.ts) in Express, connect or plain node:http.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { IceServerIssuer } from '../auth/turn.js';
import type { Backend } from '../backend/backend.js';
import type { ServerMetrics } from '../metrics/server-metrics.js';
import { registerAdminRoutes } from './admin-routes.js';
import { registerHealthRoutes } from './health-routes.js';
import { registerIceRoutes, type PeerLookup } from './ice-routes.js';
import { registerMetricsRoute } from './metrics-routes.js';

/** A group of routes: `/healthz` + `/readyz`, `/metrics`, `/api/stats` + `/api/rooms…`, `/api/ice-servers`. */
export type RouteGroup = 'health' | 'metrics' | 'admin' | 'iceServers';

/** The options the routes read (`--admin-token`, `--metrics-token`, `--metrics-port`). */
export interface RoutesConfig {
  /** Bearer token of the admin API; '' turns it off. */
  adminToken: string;
  /** Bearer token of `/metrics`; '' leaves it open. */
  metricsToken: string;
  /** A port of its own for `/metrics`; 0: served with the other routes. */
  metricsPort: number;
  /** Origins whose pages may call `/api/ice-servers` (CORS), as for the WebSocket upgrade. */
  allowedOrigins: readonly string[];
}

/** Throw an error when a bearer token is too short to be a secret. */
export function checkRouteTokens(config: Pick<RoutesConfig, 'adminToken' | 'metricsToken'>): void {
  for (const [flag, token] of [
    ['--metrics-token', config.metricsToken],
    ['--admin-token', config.adminToken],
  ] as const) {
    if (token !== '' && token.length < 16) throw new Error(`${flag}: use at least 16 characters`);
  }
}

/** What the routes read: an `AttachedSignaling` (or a `SignalroomServer`) fits. */
export interface RoutesSource {
  readonly config: RoutesConfig;
  readonly metrics: ServerMetrics | null;
  readonly backend: Backend;
  readonly core: PeerLookup & { stats(): { connections: number; peers: number } };
  readonly iceServers: IceServerIssuer;
  isReady(): boolean;
}

/** Options of {@link signalroomRoutes}. */
export interface SignalroomRoutesOptions {
  /** The signaling whose routes these are (what `attachSignaling` returned). */
  signaling: RoutesSource;
  /** Only these groups (default: every group its options turn on, see {@link enabledRoutes}). */
  routes?: readonly RouteGroup[];
}

/**
 * The groups that `source`'s options turn on: health always; `/metrics` unless `--no-metrics` or
 * `--metrics-port` (its own server); the admin API with `--admin-token`; ICE servers with TURN or STUN.
 */
export function enabledRoutes(source: RoutesSource): RouteGroup[] {
  const groups: RouteGroup[] = ['health'];
  if (source.metrics && source.config.metricsPort === 0) groups.push('metrics');
  if (source.config.adminToken !== '') groups.push('admin');
  if (source.iceServers.enabled) groups.push('iceServers');
  return groups;
}

/** Register the routes of `signaling` on `app`; a group its options leave off is never registered. */
export function registerSignalroomRoutes(app: FastifyInstance, options: SignalroomRoutesOptions): void {
  const { signaling } = options;
  const enabled = enabledRoutes(signaling);
  const wanted = (group: RouteGroup) =>
    enabled.includes(group) && (options.routes === undefined || options.routes.includes(group));
  if (wanted('health')) registerHealthRoutes(app, signaling);
  if (wanted('metrics') && signaling.metrics)
    registerMetricsRoute(app, signaling.metrics, signaling.config.metricsToken);
  if (wanted('admin')) {
    const source = { backend: signaling.backend, stats: () => signaling.core.stats() };
    registerAdminRoutes(app, source, signaling.config.adminToken);
  }
  if (wanted('iceServers'))
    registerIceRoutes(app, signaling.iceServers, signaling.core, signaling.config.allowedOrigins);
}

/**
 * The routes as a Fastify plugin: `await app.register(signalroomRoutes, { signaling })`, with an
 * optional `prefix`. Registered without fastify-plugin, so its hooks stay inside it.
 */
export const signalroomRoutes: FastifyPluginAsync<SignalroomRoutesOptions> = async (app, options) => {
  registerSignalroomRoutes(app, options);
};
