/** The options of the signaling core, and the session resume built from them. */
import type { Logger } from 'pino';
import type { Backend } from '../backend/backend.js';
import type { IceServer } from '../../protocol/messages.js';
import type { Authenticator } from './authenticator.js';
import type { CoreObserver } from './core-observer.js';
import type { RateLimits } from './rate-limit.js';
import { SessionResume, type ResumeOptions } from './session-resume.js';

/** Options of the core; the composition root (src/module-options.ts) maps the config onto these. */
export interface CoreOptions {
  backend: Backend;
  logger: Logger;
  /** Close a connection that has not identified after this long (4001). */
  identifyTimeoutMs: number;
  /** `ROOM_FULL` beyond this many peers in one room. */
  maxPeersPerRoom: number;
  /** Frames a connection may queue while one of its async steps runs; beyond it the connection is closed. */
  maxPendingFrames?: number;
  authenticate?: Authenticator;
  /** Per-connection message limits (docs/security.md); absent: unlimited. */
  rateLimits?: RateLimits;
  /** Clock for the limits and credential expiry (ms); tests pass their own. */
  now?: () => number;
  /** Session resume (docs/reliability.md); absent or `graceMs: 0`: off. */
  resume?: ResumeOptions;
  /** A plain IDENTIFY with a username in use: refuse it, or let the newest connection win. */
  onDuplicateUsername?: 'reject' | 'replace';
  /** Told of traffic and refusals (metrics); default: nobody. */
  observer?: CoreObserver;
  /** ICE servers (TURN credentials) for a newly identified peer, sent in AUTH_SUCCESS. */
  iceServersFor?: (peerId: string) => IceServer[] | undefined;
}

/** Resume as configured (off with `graceMs: 0`, the default when none is given). */
export function createResume(options: CoreOptions): SessionResume {
  const settings = options.resume ?? {
    graceMs: 0,
    queue: { maxMessages: 256, maxBytes: 256 * 1024 },
    replay: { maxFrames: 64, maxBytes: 128 * 1024 },
  };
  return new SessionResume(options.backend, options.logger, settings, options.now);
}
