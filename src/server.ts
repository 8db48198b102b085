/**
 * Composition root: builds the core, backend, transport and HTTP app from one config.
 * `createServer` makes the whole app; `attachSignaling` adds signaling to an existing http.Server.
 * Both check the config and build the logger and backend with `foundation`, start signaling with
 * `startSignaling`, and take their HTTP routes from one plugin (http/signalroom-routes.ts), so an
 * option behaves the same in either. module-options.ts maps the config onto each module's options.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { Server as TlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Backend } from './backend/backend.js';
import { createAuthenticator } from './auth/create-authenticator.js';
import { createBackend } from './backend/create-backend.js';
import { defineConfig, type Config } from './config.js';
import type { Authenticator } from './core/authenticator.js';
import { SignalingCore } from './core/signaling-core.js';
import { IceServerIssuer } from './auth/turn.js';
import { checkEmbeddable } from './embedding-options.js';
import { attachedRouteGroups, serveOnAttachedServer } from './http/attached-routes.js';
import { buildHttpApp } from './http/http-app.js';
import { buildMetricsApp } from './http/metrics-routes.js';
import { registerSignalroomRoutes } from './http/signalroom-routes.js';
import { instrumentBackend } from './metrics/instrumented-backend.js';
import { ServerMetrics } from './metrics/server-metrics.js';
import { createLogger } from './logger.js';
import {
  authOptions,
  backendOptions,
  checkCombinations,
  coreSettings,
  httpTimeouts,
  transportSettings,
  turnOptions,
} from './module-options.js';
import { webAppSource } from './package-root.js';
import type { CloseName } from '../protocol/close-codes.js';
import { attachTransport } from './transport/ws-transport.js';

/** Parts a caller may supply instead of the defaults built from config. */
export interface ServerDeps {
  logger?: Logger;
  backend?: Backend;
  authenticate?: Authenticator;
}

/** Signaling attached to an HTTP server. */
export interface AttachedSignaling {
  readonly config: Config;
  readonly core: SignalingCore;
  readonly logger: Logger;
  /** The backend as the core uses it (instrumented when metrics are on). */
  readonly backend: Backend;
  /** Prometheus metrics (`null` with `--no-metrics`); an embedding app may serve `metrics.render()`. */
  readonly metrics: ServerMetrics | null;
  /** TURN/STUN servers handed to peers (`--stun-urls`, `--turn-urls`, `--turn-secret`). */
  readonly iceServers: IceServerIssuer;
  /** True when the backend is up and new clients can be served. */
  isReady(): boolean;
  /** Stop accepting, close every client with `closeName` (default 1001), stop the backend. */
  close(closeName?: CloseName): Promise<void>;
}

/**
 * Add signaling at `config.wsPath` (default `/ws`) to an existing `http.Server`, such as the one
 * under an Express, Fastify or Next.js app. The caller keeps owning the server and its
 * `listen`/`close`. Every option works or is refused with a {@link ConfigError}: the routes of
 * the options given (`/api/ice-servers` with TURN or STUN, the admin API with `adminToken`,
 * `/metrics` with `metricsToken`) are answered on `server` ahead of the app's own handlers, and
 * `metricsPort` gets its own server on `host`. Health routes and an open `/metrics` are the app's
 * to mount: `signalroomRoutes` (Fastify) or `signalroomRequestHandler` (Express, connect, node:http).
 */
export async function attachSignaling(
  server: HttpServer,
  config: Partial<Config> = {},
  deps: ServerDeps = {},
): Promise<AttachedSignaling> {
  checkEmbeddable(config);
  const base = foundation(config, deps);
  const full = base.config;
  const signaling = await startSignaling(server, base);
  let release: () => void = () => undefined;
  const metricsHttp = metricsServerFor(signaling);
  try {
    release = await serveOnAttachedServer(server, signaling, attachedRouteGroups(signaling));
    await metricsHttp?.listen({ port: full.metricsPort, host: full.host });
  } catch (err) {
    // A metrics port in use, say: leave the app's server as it was found.
    release();
    await signaling.close();
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    ...signaling,
    close(closeName?: CloseName) {
      closing ??= (async () => {
        release();
        const metricsClosed = metricsHttp?.close();
        await signaling.close(closeName);
        await metricsClosed;
      })();
      return closing;
    },
  };
}

/** What both entry points build first: the checked config, and the logger and backend (given or made). */
interface Foundation {
  config: Config;
  logger: Logger;
  backend: Backend;
  authenticate?: Authenticator;
}

/** Check `config` (defaults for what is not given) and build the logger and backend the deps do not supply. */
function foundation(config: Partial<Config>, deps: ServerDeps): Foundation {
  const full = defineConfig(config);
  checkCombinations(full);
  const nodeId = deps.backend?.nodeId ?? randomUUID();
  const logger = deps.logger ?? createLogger(full.logLevel, nodeId, full.logFormat);
  const backend = deps.backend ?? createBackend(backendOptions(full), logger, nodeId);
  return { config: full, logger, backend, authenticate: deps.authenticate };
}

/** Core and WebSocket transport on `server`, on a foundation: what both entry points share. */
async function startSignaling(server: HttpServer, base: Foundation): Promise<AttachedSignaling> {
  const { config: full, logger, backend: rawBackend } = base;
  const iceServers = new IceServerIssuer(turnOptions(full));
  let core: SignalingCore | null = null;
  const stats = () => core?.stats() ?? { connections: 0, peers: 0 };
  const metrics = full.metrics ? new ServerMetrics({ stats, backend: rawBackend }) : null;
  const backend = metrics ? instrumentBackend(rawBackend, metrics.registry) : rawBackend;
  core = new SignalingCore({
    ...coreSettings(full),
    backend,
    logger,
    authenticate: base.authenticate ?? (await createAuthenticator(authOptions(full), logger)),
    observer: metrics ?? undefined,
    iceServersFor: iceServers.enabled ? (peerId) => iceServers.issue(peerId) : undefined,
  });
  await core.start();
  const transport = attachTransport(
    server,
    core,
    {
      ...transportSettings(full),
      // https.Server is a tls.Server: an embedding app's TLS server counts too.
      tls: server instanceof TlsServer,
      observer: metrics ?? undefined,
    },
    logger,
  );
  let closing: Promise<void> | null = null;
  const started = core;
  return {
    config: full,
    core: started,
    logger,
    backend,
    metrics,
    iceServers,
    isReady: () => started.isReady(),
    close(closeName: CloseName = 'GOING_AWAY') {
      closing ??= (async () => {
        transport.stopAccepting();
        await started.closeAll(closeName);
        await started.stop();
      })();
      return closing;
    },
  };
}

/** A complete signalroom server: demo, health, WebSocket. */
export interface SignalroomServer extends AttachedSignaling {
  readonly http: FastifyInstance;
  /** The `--metrics-port` server, when one is configured. */
  readonly metricsHttp: FastifyInstance | null;
  /** Listen on `config.host:config.port`; resolves with the bound address. */
  listen(): Promise<{ host: string; port: number; url: string }>;
}

/** Build the whole app from a config (defaults for what is not given). */
export async function createServer(
  config: Partial<Config> = {},
  deps: ServerDeps = {},
): Promise<SignalroomServer> {
  const base = foundation(config, deps);
  const full = base.config;
  let signaling: AttachedSignaling | null = null;
  const http = await buildHttpApp({
    logger: base.logger,
    health: { isReady: () => signaling?.isReady() ?? false },
    webApp: webAppSource(full.staticDir),
    wsPath: full.wsPath,
    tls: full.tlsCert
      ? { cert: readFileSync(full.tlsCert, 'utf8'), key: readFileSync(full.tlsKey, 'utf8') }
      : undefined,
    timeouts: httpTimeouts(full),
  });
  signaling = await startSignaling(http.server, base);
  const attached = signaling;
  // The health routes come with the app (buildHttpApp); the others from the shared plugin.
  registerSignalroomRoutes(http, { signaling: attached, routes: ['metrics', 'admin', 'iceServers'] });
  const metricsHttp = metricsServerFor(attached);
  let closing: Promise<void> | null = null;
  return {
    ...attached,
    http,
    metricsHttp,
    async listen() {
      await http.listen({ port: full.port, host: full.host });
      if (metricsHttp) await metricsHttp.listen({ port: full.metricsPort, host: full.host });
      const address = http.server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return {
        host: address.address,
        port: address.port,
        url: `${full.tlsCert ? 'https' : 'http'}://${host}:${address.port}`,
      };
    },
    close(closeName?: CloseName) {
      closing ??= (async () => {
        const httpClosed = http.close();
        const metricsClosed = metricsHttp?.close();
        await attached.close(closeName);
        // Node stops its header and request deadlines once closing: a connection still sending
        // a slow request would hold the close for ever. The WebSockets are closed by now.
        http.server.closeAllConnections();
        await httpClosed;
        await metricsClosed;
      })();
      return closing;
    },
  };
}

/** The `--metrics-port` server, when metrics are on and have a port of their own. */
function metricsServerFor(signaling: AttachedSignaling): FastifyInstance | null {
  const { config, metrics } = signaling;
  if (!metrics || config.metricsPort === 0) return null;
  return buildMetricsApp(metrics, config.metricsToken, signaling.logger, httpTimeouts(config));
}
