/**
 * The composition root's map from the config (config.ts: flags, environment, defaults) onto the
 * options object of each module, and the check of them all. Each module defines and validates its
 * own options; only this file knows both the config and the modules, so no module imports the
 * config.
 */
import { checkAuthOptions, type AuthOptions } from './auth/create-authenticator.js';
import { checkTurnOptions, type TurnOptions } from './auth/turn.js';
import { checkBackendOptions, type BackendOptions } from './backend/create-backend.js';
import type { CoreOptions } from './core/core-options.js';
import { checkResumeOptions, type ResumeOptions } from './core/session-resume.js';
import { checkHttpTimeouts, type HttpTimeouts } from './http/http-timeouts.js';
import { checkRouteTokens } from './http/signalroom-routes.js';
import { checkTransportOptions, type TransportOptions } from './transport/ws-transport.js';
import { ConfigError, type Config } from './config.js';

/** The core's options that come from the config (the rest are built parts: backend, logger, …). */
export type CoreSettings = Pick<
  CoreOptions,
  'identifyTimeoutMs' | 'maxPeersPerRoom' | 'rateLimits' | 'resume' | 'onDuplicateUsername'
>;

/** The WebSocket edge's options that come from the config (`tls` and `observer` depend on the server). */
export type TransportSettings = Omit<TransportOptions, 'tls' | 'observer'>;

/** `--backend` and the `redis-*` options. */
export function backendOptions(config: Config): BackendOptions {
  return {
    kind: config.backend,
    redis: {
      url: config.redisUrl,
      sentinels: config.redisSentinels,
      sentinelMaster: config.redisSentinelMaster,
      clusterNodes: config.redisClusterNodes,
      keyPrefix: config.redisKeyPrefix,
      nodeTimeoutMs: config.redisNodeTimeoutMs,
      commandTimeoutMs: config.redisCommandTimeoutMs,
      relayDeadlineMs: config.redisRelayDeadlineMs,
      batchMs: config.redisBatchMs,
    },
  };
}

/** `--auth` and the options of each method. */
export function authOptions(config: Config): AuthOptions {
  return {
    method: config.auth,
    jwt: {
      secret: config.jwtSecret,
      publicKeyFile: config.jwtPublicKeyFile,
      jwksFile: config.jwksFile,
      audience: config.jwtAudience,
      issuer: config.jwtIssuer,
      allowNoExp: config.jwtAllowNoExp,
    },
    webhook: { url: config.authUrl, timeoutMs: config.authTimeoutMs },
    failuresPerMinute: config.authFailuresPerMinute,
    ipv6PrefixLength: config.ipv6PrefixLength,
  };
}

/** Identify, rooms, message limits and resume. */
export function coreSettings(config: Config): CoreSettings {
  return {
    identifyTimeoutMs: config.identifyTimeoutMs,
    maxPeersPerRoom: config.maxPeersPerRoom,
    rateLimits: {
      messagesPerSecond: config.maxMessagesPerSecond,
      burst: config.messageBurst,
      maxInvalid: config.maxInvalidMessages,
      invalidWindowMs: 5000,
      roomChanges: { perSecond: config.maxRoomChangesPerSecond, burst: config.roomChangeBurst },
      relays: { perPeerPerSecond: config.relaysPerSecondPerPeer, perPeerBurst: config.relayBurstPerPeer },
    },
    resume: resumeOptions(config),
    onDuplicateUsername: config.onDuplicateUsername,
  };
}

/** Session resume: grace period, queue and replay bounds, limits on holds. */
export function resumeOptions(config: Config): ResumeOptions {
  return {
    graceMs: config.resumeGraceMs,
    queue: { maxMessages: config.resumeQueueMessages, maxBytes: config.resumeQueueBytes },
    replay: { maxFrames: config.resumeReplayFrames, maxBytes: config.resumeReplayBytes },
    held: {
      maxHeld: config.resumeMaxHeld,
      maxHeldPerIp: config.resumeMaxHeldPerIp,
      maxBytes: config.resumeMemoryBytes,
    },
  };
}

/** The WebSocket edge: path, frame and output limits, heartbeat, origins, proxies, connection limits. */
export function transportSettings(config: Config): TransportSettings {
  return {
    path: config.wsPath,
    maxPayloadBytes: config.maxPayloadBytes,
    maxBufferedBytes: config.maxBufferedBytes,
    outputStallTimeoutMs: config.outputStallTimeoutMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    heartbeatTimeoutMs: config.heartbeatTimeoutMs,
    allowedOrigins: config.allowedOrigins,
    requireOrigin: config.requireOrigin,
    trustProxy: config.trustProxy,
    ipv6PrefixLength: config.ipv6PrefixLength,
    maxConnections: config.maxConnections,
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    maxAttemptsPerIpPerSecond: config.maxConnectionAttemptsPerIp,
    attemptBurst: config.connectionAttemptBurst,
  };
}

/** STUN and TURN servers handed to peers. */
export function turnOptions(config: Config): TurnOptions {
  return {
    stunUrls: config.stunUrls,
    turnUrls: config.turnUrls,
    secrets: config.turnSecret,
    ttlSeconds: config.turnTtl,
  };
}

/** The HTTP header and request deadlines. */
export function httpTimeouts(config: Config): HttpTimeouts {
  return { headersMs: config.httpHeadersTimeoutMs, requestMs: config.httpRequestTimeoutMs };
}

/** Check the options of every module together; the first problem stops start-up as a {@link ConfigError}. */
export function checkCombinations(config: Config): void {
  try {
    checkTransportOptions(transportSettings(config));
    checkAuthOptions(authOptions(config));
    if ((config.tlsCert === '') !== (config.tlsKey === '')) {
      throw new Error('--tls-cert and --tls-key go together: give both or neither');
    }
    checkRouteTokens(config);
    checkTurnOptions(turnOptions(config));
    checkHttpTimeouts(httpTimeouts(config));
    checkResumeOptions(resumeOptions(config));
    checkBackendOptions(backendOptions(config));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError((err as Error).message);
  }
}
