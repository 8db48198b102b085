/**
 * Composition root: builds the core, backend, transport and HTTP app from one config.
 * `createServer` makes the whole app; `attachSignaling` adds signaling to an existing http.Server.
 * Both start signaling with `startSignaling` and take their HTTP routes from one plugin
 * (http/signalroom-routes.ts), so an option behaves the same in either.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { Server as TlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Backend } from './backend/backend.js';
import { authenticatorFromConfig } from './auth/from-config.js';
import { createBackend } from './backend/create-backend.js';
import { defineConfig, checkCombinations, type Config } from './config.js';
import type { Authenticator } from './core/authenticator.js';
import { SignalingCore } from './core/signaling-core.js';
import { IceServerIssuer } from './auth/turn.js';
import { checkEmbeddable } from './embedding-options.js';
import { attachedRouteGroups, serveOnAttachedServer } from './http/attached-routes.js';
import { buildHttpApp } from './http/http-app.js';
import type { HttpTimeouts } from './http/http-timeouts.js';
import { buildMetricsApp } from './http/metrics-routes.js';
import { registerSignalroomRoutes } from './http/signalroom-routes.js';
import { instrumentBackend } from './metrics/instrumented-backend.js';
import { ServerMetrics } from './metrics/server-metrics.js';
import { createLogger } from './logger.js';
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
  const full = defineConfig(config);
  checkCombinations(full);
  const signaling = await startSignaling(server, full, deps);
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

/** Core, backend and WebSocket transport on `server`, from a checked config: what both entry points share. */
async function startSignaling(
  server: HttpServer,
  full: Config,
  deps: ServerDeps,
): Promise<AttachedSignaling> {
  const nodeId = deps.backend?.nodeId ?? randomUUID();
  const logger = deps.logger ?? createLogger(full.logLevel, nodeId, full.logFormat);
  const rawBackend = deps.backend ?? createBackend(full, logger, nodeId);
  const iceServers = new IceServerIssuer({
    stunUrls: full.stunUrls,
    turnUrls: full.turnUrls,
    secrets: full.turnSecret,
    ttlSeconds: full.turnTtl,
  });
  let core: SignalingCore | null = null;
  const stats = () => core?.stats() ?? { connections: 0, peers: 0 };
  const metrics = full.metrics ? new ServerMetrics({ stats, backend: rawBackend }) : null;
  const backend = metrics ? instrumentBackend(rawBackend, metrics.registry) : rawBackend;
  core = new SignalingCore({
    backend,
    logger,
    identifyTimeoutMs: full.identifyTimeoutMs,
    maxPeersPerRoom: full.maxPeersPerRoom,
    rateLimits: {
      messagesPerSecond: full.maxMessagesPerSecond,
      burst: full.messageBurst,
      maxInvalid: full.maxInvalidMessages,
      invalidWindowMs: 5000,
      roomChanges: { perSecond: full.maxRoomChangesPerSecond, burst: full.roomChangeBurst },
      relays: { perPeerPerSecond: full.relaysPerSecondPerPeer, perPeerBurst: full.relayBurstPerPeer },
    },
    authenticate: deps.authenticate ?? (await authenticatorFromConfig(full, logger)),
    resume: {
      graceMs: full.resumeGraceMs,
      queue: { maxMessages: full.resumeQueueMessages, maxBytes: full.resumeQueueBytes },
      replay: { maxFrames: full.resumeReplayFrames, maxBytes: full.resumeReplayBytes },
      held: {
        maxHeld: full.resumeMaxHeld,
        maxHeldPerIp: full.resumeMaxHeldPerIp,
        maxBytes: full.resumeMemoryBytes,
      },
    },
    onDuplicateUsername: full.onDuplicateUsername,
    observer: metrics ?? undefined,
    iceServersFor: iceServers.enabled ? (peerId) => iceServers.issue(peerId) : undefined,
  });
  await core.start();
  const transport = attachTransport(
    server,
    core,
    {
      path: full.wsPath,
      maxPayloadBytes: full.maxPayloadBytes,
      maxBufferedBytes: full.maxBufferedBytes,
      outputStallTimeoutMs: full.outputStallTimeoutMs,
      heartbeatIntervalMs: full.heartbeatIntervalMs,
      heartbeatTimeoutMs: full.heartbeatTimeoutMs,
      allowedOrigins: full.allowedOrigins,
      requireOrigin: full.requireOrigin,
      // https.Server is a tls.Server: an embedding app's TLS server counts too.
      tls: server instanceof TlsServer,
      trustProxy: full.trustProxy,
      ipv6PrefixLength: full.ipv6PrefixLength,
      maxConnections: full.maxConnections,
      maxConnectionsPerIp: full.maxConnectionsPerIp,
      maxAttemptsPerIpPerSecond: full.maxConnectionAttemptsPerIp,
      attemptBurst: full.connectionAttemptBurst,
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
  const full = defineConfig(config);
  checkCombinations(full);
  const nodeId = deps.backend?.nodeId ?? randomUUID();
  const logger = deps.logger ?? createLogger(full.logLevel, nodeId, full.logFormat);
  const backend = deps.backend ?? createBackend(full, logger, nodeId);
  let signaling: AttachedSignaling | null = null;
  const http = await buildHttpApp({
    logger,
    health: { isReady: () => signaling?.isReady() ?? false },
    webApp: webAppSource(full.staticDir),
    wsPath: full.wsPath,
    tls: full.tlsCert
      ? { cert: readFileSync(full.tlsCert, 'utf8'), key: readFileSync(full.tlsKey, 'utf8') }
      : undefined,
    timeouts: httpTimeouts(full),
  });
  signaling = await startSignaling(http.server, full, { ...deps, backend, logger });
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

/** The HTTP header and request deadlines of the configuration. */
function httpTimeouts(config: Config): HttpTimeouts {
  return { headersMs: config.httpHeadersTimeoutMs, requestMs: config.httpRequestTimeoutMs };
}
