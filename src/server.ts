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
import { buildHttpApp } from './http/http-app.js';
import { createLogger } from './logger.js';
import { demoDir } from './package-root.js';
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
  const logger = deps.logger ?? createLogger(full.logLevel, nodeId);
  const backend = deps.backend ?? createBackend(full, logger, nodeId);
  const core = new SignalingCore({
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
    },
    logger,
  );
  let closing: Promise<void> | null = null;
  return {
    config: full,
    core,
    logger,
    isReady: () => core.isReady(),
    close(closeName: CloseName = 'GOING_AWAY') {
      closing ??= (async () => {
        transport.stopAccepting();
        await core.closeAll(closeName);
        await core.stop();
      })();
      return closing;
    },
  };
}

/** A complete signalroom server: demo, health, WebSocket. */
export interface SignalroomServer extends AttachedSignaling {
  readonly http: FastifyInstance;
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
  const logger = deps.logger ?? createLogger(full.logLevel, nodeId);
  const backend = deps.backend ?? createBackend(full, logger, nodeId);
  let signaling: AttachedSignaling | null = null;
  const http = await buildHttpApp({
    logger,
    health: { isReady: () => signaling?.isReady() ?? false },
    staticDir: full.staticDir || demoDir(),
    tls: full.tlsCert
      ? { cert: readFileSync(full.tlsCert, 'utf8'), key: readFileSync(full.tlsKey, 'utf8') }
      : undefined,
  });
  signaling = await attachSignaling(http.server, full, { ...deps, backend, logger });
  const attached = signaling;
  let closing: Promise<void> | null = null;
  return {
    ...attached,
    http,
    async listen() {
      await http.listen({ port: full.port, host: full.host });
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
        await attached.close(closeName);
        await httpClosed;
      })();
      return closing;
    },
  };
}
