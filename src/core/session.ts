/** Per-connection state of the signaling core. Kept small: the capacity benchmark counts every field. */
import type { Logger } from 'pino';
import type { OutFrame } from '../../protocol/frame.js';
import type { Connection, ConnectionInfo, SessionHandle } from './connection.js';
import type { RateState, RoomChangeState } from './rate-limit.js';
import type { RelayState } from './relay-budget.js';
import type { ReplayLog } from './replay-log.js';

/** Stands for a binary frame in the pending queue, so its refusal keeps its place in the order. */
export const BINARY_FRAME = Symbol('binary frame');

/** Stands for a frame the message limit dropped, so its refusal and its count keep their place. */
export const DROPPED_FRAME = Symbol('dropped frame');

/** A frame waiting behind a running async step. */
export type QueuedFrame = string | typeof BINARY_FRAME | typeof DROPPED_FRAME;

/**
 * Where a session is in its life. `held`: the connection was lost and the peer is held for
 * resume; a step still running finishes (its output goes to the replay log), nothing new starts.
 */
export type SessionState = 'new' | 'identifying' | 'identified' | 'held' | 'closed';

/** What sessions need from the core that made them: one object per core, shared by its sessions. */
export interface SessionHost {
  readonly logger: Logger;
  onFrame(session: Session, frame: QueuedFrame): void;
  onClose(session: Session, code: number, lost: boolean): void;
}

/**
 * One client connection as the core sees it, and the transport's handle of it: the handle's
 * methods live on the prototype, so a connection costs no closures.
 */
export class Session implements RateState, RoomChangeState, RelayState, SessionHandle {
  state: SessionState = 'new';
  peerId = '';
  username = '';
  usernameKey = '';
  roomId: string | null = null;
  /** The token presented at IDENTIFY ('' when none), so HTTP endpoints can recognise the peer. */
  token = '';
  /** Rooms the peer's credentials allow (`null`: any). */
  allowedRooms: readonly string[] | null = null;
  /** When the peer's credentials expire (ms since the epoch; 0: never): no resume after it. */
  authExpiresAt = 0;
  /** Frames that arrived while an async step (identify, join, leave) ran; `null` when idle. */
  pending: QueuedFrame[] | null = null;
  /** The running async step, so cleanup waits for it. */
  busy: Promise<void> | null = null;
  /** Resolves when the session's room and username are released. */
  cleanedUp: Promise<void> | null = null;
  /** Its slot among the identify deadlines (identify-deadlines.ts); -1 once identified or closed. */
  identifySlot = -1;
  // Message limits (rate-limit.ts): plain numbers, no timers.
  tokens = 0;
  tokensAt = 0;
  strikes = 0;
  invalidLevel = 0;
  invalidAt = 0;
  roomTokens = 0;
  roomTokensAt = 0;
  // The signal budget (relay-budget.ts): plain numbers, so it can follow the session.
  relayTokens = 0;
  relayTokensAt = 0;
  relayStrikes = 0;
  relayHoldUntil = 0;
  relayRefusedAt = 0;
  roomPeers = 0;
  /** Frames processed after IDENTIFY when there is no replay log (resume off) to count them. */
  framesIn = 0;
  /**
   * The key (hash) of the current resume token ('' when resume is off); replaced at every resume.
   * The token itself is not kept: only its key is ever looked up, and it is already a map key.
   */
  resumeTokenKey = '';
  /** The key of the token this session resumed with, until the client shows it got the new one ('' then). */
  previousResumeTokenKey = '';
  /** Frame counts and recent output for resume; `null` until identified or when resume is off. */
  replay: ReplayLog | null = null;

  constructor(
    readonly connection: Connection,
    readonly info: ConnectionInfo,
    private readonly host: SessionHost,
  ) {}

  /** {@link SessionHandle.onText}. */
  onText(text: string): void {
    this.host.onFrame(this, text);
  }

  /** {@link SessionHandle.onBinary}. */
  onBinary(): void {
    this.host.onFrame(this, BINARY_FRAME);
  }

  /** {@link SessionHandle.onClose}. */
  onClose(code: number, lost = false): void {
    this.host.onClose(this, code, lost);
  }

  /** {@link SessionHandle.framesSent}. */
  framesSent(): number {
    return this.replay?.outCount ?? 0;
  }

  /** {@link SessionHandle.framesRead}. */
  framesRead(count: number): void {
    // Only while this connection is the session's: once held or taken over, its log is handed on.
    if (this.state === 'identified') this.replay?.readUpTo(count);
  }

  /**
   * A logger bound to this connection's ip (and peer id once known). Made on each use rather than
   * kept: a child logger held by every idle connection cost about 1.5 KB of heap, and sessions log
   * only a few lines in their life. Not for the per-message path.
   */
  get log(): Logger {
    return this.host.logger.child(
      this.peerId ? { ip: this.info.ip, peerId: this.peerId } : { ip: this.info.ip },
    );
  }

  /**
   * Log an info line of the connection's life (connect, identify, join, leave, disconnect). Every
   * connection logs these: the child logger is made only when info lines are written at all.
   */
  logInfo(fields: Record<string, unknown>, msg: string): void {
    if (this.host.logger.levelVal <= INFO_LEVEL) this.log.info(fields, msg);
  }

  /** Send a frame after AUTH_SUCCESS: counted and logged for resume. */
  send(frame: OutFrame): void {
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

/** pino's number for `info` (its `levelVal` compare is cheaper than `isLevelEnabled('info')`). */
const INFO_LEVEL = 30;
