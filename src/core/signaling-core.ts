/**
 * The signaling core: identify, rooms and relay. It knows nothing of sockets or HTTP; a transport
 * hands it connections and text frames, and it answers through the {@link Connection} interface.
 *
 * SignalingCore coordinates: it decides which step a message runs, and its parts do the work.
 * frame-queue.ts keeps each connection's frames in order; identify-step.ts, room-steps.ts and
 * relay-signal.ts are the steps; refusals.ts answers errors; session-life.ts owns every session's
 * life (identify, hold, close) and the indexes of sessions; core-options.ts holds the options.
 */
import type { Backend, HeldState, LocalDelivery } from '../backend/backend.js';
import { CLOSE_CODES } from '../../protocol/close-codes.js';
import { encodePong } from '../../protocol/encode.js';
import type { OutFrame } from '../../protocol/frame.js';
import type { ClientMessage } from '../../protocol/messages.js';
import type { Connection, ConnectionInfo, SessionHandle } from './connection.js';
import { createResume, type CoreOptions } from './core-options.js';
import { NO_OBSERVER, type CoreObserver } from './core-observer.js';
import { FrameQueue } from './frame-queue.js';
import { IdentifyStep } from './identify-step.js';
import { MessageLimiter } from './message-limits.js';
import { Refusals } from './refusals.js';
import { relaySignal } from './relay-signal.js';
import { resumeTokenKey } from './resume-token.js';
import { joinRoom, leaveRoom } from './room-steps.js';
import { Session, type SessionHost } from './session.js';
import { SessionLife } from './session-life.js';
import type { SessionResume } from './session-resume.js';
import { SignalError } from './signal-error.js';

/** Options of the core (defined in core-options.ts, exported here with the core). */
export type { CoreOptions } from './core-options.js';
/** The transport-facing handle of one connection (defined in connection.ts, exported here with the core). */
export type { SessionHandle } from './connection.js';

/** Identify, rooms and relay for the connections of one node. */
export class SignalingCore implements LocalDelivery {
  private readonly life: SessionLife;
  /** Identified sessions by peer id (the life's index), kept at hand: every delivery to a local peer looks it up. */
  private readonly sessions: ReadonlyMap<string, Session>;
  private readonly frames: FrameQueue;
  private readonly limiter: MessageLimiter;
  private readonly identifyStep: IdentifyStep;
  private readonly resume: SessionResume;
  private readonly observer: CoreObserver;
  /** Given to every session: one object per core, so a session carries no closures of its own. */
  private readonly host: SessionHost;
  /** Debug logging, decided once: the per-message lines must not build their fields otherwise. */
  private readonly debug: boolean;
  private started = false;

  constructor(private readonly options: CoreOptions) {
    this.debug = options.logger.isLevelEnabled('debug');
    this.resume = createResume(options);
    this.observer = options.observer ?? NO_OBSERVER;
    this.life = new SessionLife(options.backend, this.resume, options.identifyTimeoutMs);
    this.sessions = this.life.peers;
    const refusals = new Refusals(this.observer, this.debug, this.life);
    this.limiter = new MessageLimiter(
      options.rateLimits,
      options.now ?? Date.now,
      {
        reply: (s, code, message, ref) => refusals.reply(s, code, message, ref),
        refuse: (s, code, frame) => refusals.refuse(s, code, frame),
        close: (s, c, r) => this.life.close(s, c, r),
      },
      this.observer,
    );
    this.frames = new FrameQueue(
      this.limiter,
      refusals,
      this.life,
      this.observer,
      options.maxPendingFrames ?? 256,
      (s, msg, frame) => this.dispatch(s, msg, frame),
    );
    this.identifyStep = new IdentifyStep(options, this.life, this.resume, this.observer, this.limiter);
    const frames = this.frames;
    this.host = {
      logger: options.logger,
      onFrame: (session, frame) => frames.onFrame(session, frame),
      onClose: (session, code, lost) => this.disconnected(session, code, lost),
    };
  }

  /** Start the backend and begin accepting deliveries. */
  async start(): Promise<void> {
    await this.options.backend.start(this);
    this.started = true;
  }

  /** True when new clients can be served (drives `/readyz`). */
  isReady(): boolean {
    return this.started && this.options.backend.isReady();
  }

  /** Counts for health, stats and tests. */
  stats(): { connections: number; peers: number; held: number } {
    return {
      connections: this.life.connectionCount,
      peers: this.sessions.size,
      held: this.resume.stats().held,
    };
  }

  /** The size of every map and queue the core and the backend keep, and resume counters: for leak checks. */
  introspect(): Record<string, number> {
    const backend = this.options.backend as Backend & { size?: () => Record<string, number> };
    const sizes = this.life.sizes();
    for (const [k, v] of Object.entries(this.resume.stats())) sizes[`resume.${k}`] = v;
    for (const [k, v] of Object.entries(backend.size?.() ?? {})) sizes[`backend.${k}`] = v;
    return sizes;
  }

  /** Close every connection with `closeName` and wait for their cleanup. */
  async closeAll(closeName: keyof typeof CLOSE_CODES): Promise<void> {
    const { code, reason } = CLOSE_CODES[closeName];
    const sessions = this.life.connections();
    for (const s of sessions) s.connection.close(code, reason);
    await Promise.all(sessions.map((s) => this.life.cleanup(s)));
    await this.settled();
    // Held peers cannot come back to a node that is going away (docs/reliability.md).
    await this.resume.endAll();
  }

  /** Resolves when the cleanups of connections closed so far (room left, username freed) have finished. */
  settled(): Promise<void> {
    return this.life.settled();
  }

  /** Stop the backend. Call after {@link closeAll}. */
  async stop(): Promise<void> {
    this.started = false;
    await this.options.backend.close();
  }

  /** Register a new connection; the transport feeds its frames to the returned handle (the session). */
  connect(connection: Connection, info: ConnectionInfo): SessionHandle {
    const session = new Session(connection, info, this.host);
    this.life.opened(session);
    this.observer.connectionOpened();
    session.logInfo({}, 'connect');
    return session;
  }

  /** The connection of `session` is gone (see {@link SessionHandle.onClose}). */
  private disconnected(session: Session, code: number, lost: boolean): void {
    // session.log carries the peer id already.
    session.logInfo({ roomId: session.roomId ?? undefined, code }, 'disconnect');
    this.life.connectionGone(session, lost);
  }

  /** {@link LocalDelivery}: the backend hands a frame to a local peer. */
  deliverLocal(peerId: string, frame: OutFrame): void {
    const session = this.sessions.get(peerId);
    if (session) {
      if (session.state === 'identified') {
        this.limiter.noteDelivered(session, frame);
        session.send(frame);
      }
      return;
    }
    if (this.resume.enabled) this.resume.deliver(peerId, frame);
  }

  /** {@link LocalDelivery}: a peer held here resumes (here or on another node). */
  releaseHeld(peerId: string): HeldState | null {
    return this.resume.release(peerId);
  }

  /** {@link LocalDelivery}: a resume on another node takes over a peer still live here. */
  async holdLive(tokenKey: string, peerId: string): Promise<boolean> {
    if (!this.resume.enabled) return false;
    const stale = this.life.replaceLive(tokenKey);
    // Not live here (any more): held already if its drop was noticed meanwhile, then its record is saved.
    await this.resume.settled(stale?.peerId ?? peerId);
    return stale !== undefined || this.resume.holds(peerId);
  }

  /** {@link LocalDelivery}: a newer connection took this peer's username. */
  evict(peerId: string): void {
    const session = this.sessions.get(peerId);
    if (!session) {
      this.resume.evict(peerId);
      return;
    }
    session.log.info({ code: CLOSE_CODES.REPLACED.code }, 'replaced by a newer connection');
    this.life.close(session, CLOSE_CODES.REPLACED.code, CLOSE_CODES.REPLACED.reason);
  }

  /**
   * The live peer, on any node, whose auth token (from IDENTIFY) or current resume token is
   * `token`; `null` for an unknown token, a session held for resume or ended, or credentials past
   * their expiry. May reject with `BackendUnavailableError`.
   */
  async peerByToken(token: string): Promise<{ peerId: string; username: string } | null> {
    const holder = await this.options.backend.findBearer(resumeTokenKey(token));
    if (!holder) return null;
    if (holder.authExpiresAt !== 0 && Date.now() >= holder.authExpiresAt) return null;
    return { peerId: holder.peerId, username: holder.username };
  }

  /**
   * {@link LocalDelivery}: an operator removes a local peer from its room (4004, for good); a peer
   * held here for resume has no connection to close: its hold ends.
   */
  kickLocal(peerId: string, roomId: string): boolean {
    const session = this.sessions.get(peerId);
    if (!session) return this.resume.enabled && this.resume.kick(peerId, roomId);
    if (session.roomId !== roomId || session.state !== 'identified') return false;
    session.log.info({ roomId, code: CLOSE_CODES.KICKED.code }, 'kicked by an administrator');
    // Cleanup now, not on the socket's close: the room hears PEER_LEFT_ROOM even if the client lingers.
    this.life.close(session, CLOSE_CODES.KICKED.code, CLOSE_CODES.KICKED.reason);
    return true;
  }

  /** `frame` is the text `msg` was parsed from; the relay may reuse parts of it. */
  private dispatch(session: Session, msg: ClientMessage, frame: string): void {
    if (msg.type === 'PING') {
      session.send(encodePong(msg.id));
      return;
    }
    if (msg.type === 'IDENTIFY') {
      if (session.state !== 'new') throw new SignalError('ALREADY_IDENTIFIED');
      const resuming = msg.resumeToken !== undefined && this.resume.enabled;
      this.frames.runStep(
        session,
        msg.type,
        () =>
          resuming
            ? this.identifyStep.resumeIdentify(session, msg.resumeToken as string, msg.received)
            : this.identifyStep.identify(session, msg.username, msg.token),
        resuming ? undefined : { username: msg.username },
      );
      return;
    }
    if (session.state !== 'identified') throw new SignalError('NOT_IDENTIFIED');
    const backend = this.options.backend;
    switch (msg.type) {
      case 'JOIN_ROOM':
        this.frames.runStep(
          session,
          msg.type,
          () => joinRoom(session, msg.roomId, backend, this.options.maxPeersPerRoom),
          { roomId: msg.roomId },
        );
        return;
      case 'LEAVE_ROOM':
        this.frames.runStep(session, msg.type, () => leaveRoom(session, msg.roomId, backend), {
          roomId: msg.roomId,
        });
        return;
      default:
        relaySignal(session, msg, frame, backend, this.observer, this.debug);
    }
  }
}
