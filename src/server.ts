/**
 * Composition root: builds the core, backend, transport and HTTP app from one config.
 * `createServer` makes the whole app; `attachSignaling` adds signaling to an existing http.Server.
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
import { registerAdminRoutes } from './http/admin-routes.js';
import { buildHttpApp } from './http/http-app.js';
import { registerIceRoutes } from './http/ice-routes.js';
import { buildMetricsApp, registerMetricsRoute } from './http/metrics-routes.js';
import { instrumentBackend } from './metrics/instrumented-backend.js';
import { ServerMetrics } from './metrics/server-metrics.js';
import { createLogger } from './logger.js';
import { webAppSource } from './package-root.js';
import type { CloseName } from './protocol/close-codes.js';
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
 * under an Express or Fastify app. The caller keeps owning the server and its `listen`/`close`.
 */
export async function attachSignaling(
  server: HttpServer,
  config: Partial<Config> = {},
  deps: ServerDeps = {},
): Promise<AttachedSignaling> {
  const full = defineConfig(config);
  checkCombinations(full);
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
    },
    authenticate: deps.authenticate ?? (await authenticatorFromConfig(full, logger)),
    resume: {
      graceMs: full.resumeGraceMs,
      queue: { maxMessages: full.resumeQueueMessages, maxBytes: full.resumeQueueBytes },
      replay: { maxFrames: full.resumeReplayFrames, maxBytes: full.resumeReplayBytes },
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
      heartbeatIntervalMs: full.heartbeatIntervalMs,
      heartbeatTimeoutMs: full.heartbeatTimeoutMs,
      allowedOrigins: full.allowedOrigins,
      requireOrigin: full.requireOrigin,
      // https.Server is a tls.Server: an embedding app's TLS server counts too.
      tls: server instanceof TlsServer,
      trustProxy: full.trustProxy,
      maxConnections: full.maxConnections,
      maxConnectionsPerIp: full.maxConnectionsPerIp,
      maxAttemptsPerIpPerSecond: full.maxConnectionAttemptsPerIp,
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
  });
  signaling = await attachSignaling(http.server, full, { ...deps, backend, logger });
  const attached = signaling;
  const metricsHttp = registerOperatorRoutes(http, attached);
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
        await httpClosed;
        await metricsClosed;
      })();
      return closing;
    },
  };
}

/** Metrics, admin API and ICE server routes, as configured; returns the separate metrics app if any. */
function registerOperatorRoutes(http: FastifyInstance, signaling: AttachedSignaling): FastifyInstance | null {
  const { config, metrics, core } = signaling;
  let metricsHttp: FastifyInstance | null = null;
  if (metrics && config.metricsPort !== 0) {
    metricsHttp = buildMetricsApp(metrics, config.metricsToken, signaling.logger);
  } else if (metrics) {
    registerMetricsRoute(http, metrics, config.metricsToken);
  }
  if (config.adminToken !== '') {
    registerAdminRoutes(http, { backend: signaling.backend, stats: () => core.stats() }, config.adminToken);
  }
  if (signaling.iceServers.enabled) registerIceRoutes(http, signaling.iceServers, core);
  return metricsHttp;
}
