/** Per-connection state of the signaling core. Kept small: the capacity benchmark counts every field. */
import type { Logger } from 'pino';
import type { Connection, ConnectionInfo } from './connection.js';
import type { RateState } from './rate-limit.js';
import type { ReplayLog } from './replay-log.js';

/** Stands for a binary frame in the pending queue, so its refusal keeps its place in the order. */
export const BINARY_FRAME = Symbol('binary frame');

/** A frame waiting behind a running async step. */
export type QueuedFrame = string | typeof BINARY_FRAME;

/**
 * Where a session is in its life. `held`: the connection was lost and the peer is held for
 * resume; a step still running finishes (its output goes to the replay log), nothing new starts.
 */
export type SessionState = 'new' | 'identifying' | 'identified' | 'held' | 'closed';

/** One client connection as the core sees it. */
export class Session implements RateState {
  state: SessionState = 'new';
  peerId = '';
  username = '';
  usernameKey = '';
  roomId: string | null = null;
  /** The token presented at IDENTIFY ('' when none), so HTTP endpoints can recognise the peer. */
  token = '';
  /** Rooms the peer's credentials allow (`null`: any). */
  allowedRooms: readonly string[] | null = null;
  /** Frames that arrived while an async step (identify, join, leave) ran; `null` when idle. */
  pending: QueuedFrame[] | null = null;
  /** The running async step, so cleanup waits for it. */
  busy: Promise<void> | null = null;
  /** Resolves when the session's room and username are released. */
  cleanedUp: Promise<void> | null = null;
  identifyTimer: NodeJS.Timeout | null = null;
  // Message limits (rate-limit.ts): plain numbers, no timers.
  tokens = 0;
  tokensAt = 0;
  strikes = 0;
  invalidLevel = 0;
  invalidAt = 0;
  /** The current resume token ('' when resume is off); replaced at every resume. */
  resumeToken = '';
  /** The token this session resumed with, until the client shows it got the new one ('' then). */
  previousResumeToken = '';
  /** Frame counts and recent output for resume; `null` until identified or when resume is off. */
  replay: ReplayLog | null = null;

  constructor(
    readonly connection: Connection,
    readonly info: ConnectionInfo,
    private readonly parentLog: Logger,
  ) {}

  /**
   * A logger bound to this connection's ip (and peer id once known). Made on each use rather than
   * kept: a child logger held by every idle connection cost about 1.5 KB of heap, and sessions log
   * only a few lines in their life. Not for the per-message path.
   */
  get log(): Logger {
    return this.parentLog.child(
      this.peerId ? { ip: this.info.ip, peerId: this.peerId } : { ip: this.info.ip },
    );
  }

  /** Send a frame after AUTH_SUCCESS: counted and logged for resume. */
  send(frame: string): void {
    this.connection.send(frame);
    this.replay?.sent(frame);
  }

  /** True once the session has ended for good (read through a method: it changes across awaits). */
  isClosed(): boolean {
    return this.state === 'closed';
  }

  /** The frames waiting behind a running async step, or `null` when idle. */
  waiting(): QueuedFrame[] | null {
    return this.pending;
  }

  /** The public identity announced to others. */
  get peer(): { id: string; username: string } {
    return { id: this.peerId, username: this.username };
  }
}
