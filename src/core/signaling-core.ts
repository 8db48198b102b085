/**
 * The signaling core: identify, rooms and relay. It knows nothing of sockets or HTTP; a transport
 * hands it connections and text frames, and it answers through the {@link Connection} interface.
 *
 * Frames of one connection are handled strictly in order. Relay and ping are synchronous (the hot
 * path has no promise in it); identify, join and leave await the backend, and frames arriving
 * meanwhile wait in the session's `pending` list.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Backend, HeldState, LocalDelivery, ResumeSupport } from '../backend/backend.js';
import { BackendUnavailableError, supportsResume } from '../backend/backend.js';
import { CLOSE_CODES } from '../protocol/close-codes.js';
import { decodeClientFrame } from '../protocol/decode.js';
import {
  encodeAuthError,
  encodeAuthSuccess,
  encodeError,
  encodePong,
  encodeRoomMembers,
  encodeSignal,
} from '../protocol/encode.js';
import { ERROR_CODES, isAuthErrorCode, type ErrorCode } from '../protocol/error-codes.js';
import type { ClientMessage, IceServer, SignalIn } from '../protocol/messages.js';
import { checkRoomId, normaliseUsername, usernameKey } from '../protocol/names.js';
import { acceptAnyone, type Authenticator } from './authenticator.js';
import type { Connection, ConnectionInfo } from './connection.js';
import { NO_OBSERVER, type CoreObserver } from './core-observer.js';
import { MessageLimiter } from './message-limits.js';
import type { RateLimits } from './rate-limit.js';
import { completeResume } from './resume-handshake.js';
import { BINARY_FRAME, Session, type QueuedFrame } from './session.js';
import { SessionResume, type ResumeOptions } from './session-resume.js';
import { SignalError } from './signal-error.js';

/** Options of the core; the config module maps CLI options onto these. */
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
  /** Clock for the limits (ms); tests pass their own. */
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

/** The transport-facing handle of one connection. */
export interface SessionHandle {
  /** A text frame arrived. */
  onText(text: string): void;
  /** A binary frame arrived. */
  onBinary(): void;
  /**
   * The connection is gone. `lost`: it died without a close frame (code 1006) and the server did
   * not close it itself (a network drop or a heartbeat termination); such a peer is held for resume.
   */
  onClose(code: number, lost?: boolean): void;
}

/** Identify, rooms and relay for the connections of one node. */
export class SignalingCore implements LocalDelivery {
  private readonly sessions = new Map<string, Session>();
  private readonly connections = new Set<Session>();
  /** Identified sessions by the token they identified with, for `GET /api/ice-servers`. */
  private readonly byToken = new Map<string, Session>();
  /** Cleanups still running, so shutdown waits for them before the backend stops. */
  private readonly cleaning = new Set<Promise<void>>();
  private readonly authenticate: Authenticator;
  private readonly maxPendingFrames: number;
  private readonly limiter: MessageLimiter;
  private readonly resume: SessionResume;
  private readonly observer: CoreObserver;
  /** Debug logging, decided once: the per-message lines must not build their fields otherwise. */
  private readonly debug: boolean;
  private started = false;

  constructor(private readonly options: CoreOptions) {
    this.authenticate = options.authenticate ?? acceptAnyone;
    this.maxPendingFrames = options.maxPendingFrames ?? 256;
    this.debug = options.logger.isLevelEnabled('debug');
    this.resume = createResume(options);
    this.observer = options.observer ?? NO_OBSERVER;
    this.limiter = new MessageLimiter(
      options.rateLimits,
      options.now ?? Date.now,
      {
        reply: (s, code, message, ref) => this.reply(s, code, message, ref),
        close: (s, c, r) => this.closeSession(s, c, r),
      },
      this.observer,
    );
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
    return { connections: this.connections.size, peers: this.sessions.size, held: this.resume.stats().held };
  }

  /** The size of every map and queue the core and the backend keep, and resume counters: for leak checks. */
  introspect(): Record<string, number> {
    const backend = this.options.backend as Backend & { size?: () => Record<string, number> };
    const sizes: Record<string, number> = {
      connections: this.connections.size,
      sessions: this.sessions.size,
      byToken: this.byToken.size,
      cleaning: this.cleaning.size,
    };
    for (const [k, v] of Object.entries(this.resume.stats())) sizes[`resume.${k}`] = v;
    for (const [k, v] of Object.entries(backend.size?.() ?? {})) sizes[`backend.${k}`] = v;
    return sizes;
  }

  /** Close every connection with `closeName` and wait for their cleanup. */
  async closeAll(closeName: keyof typeof CLOSE_CODES): Promise<void> {
    const { code, reason } = CLOSE_CODES[closeName];
    const sessions = [...this.connections];
    for (const s of sessions) s.connection.close(code, reason);
    await Promise.all(sessions.map((s) => this.cleanup(s)));
    await this.settled();
    // Held peers cannot come back to a node that is going away (docs/reliability.md).
    await this.resume.endAll();
  }

  /** Resolves when the cleanups of connections closed so far (room left, username freed) have finished. */
  async settled(): Promise<void> {
    while (this.cleaning.size > 0) await Promise.all(this.cleaning);
  }

  /** Stop the backend. Call after {@link closeAll}. */
  async stop(): Promise<void> {
    this.started = false;
    await this.options.backend.close();
  }

  /** Register a new connection; the transport feeds its frames to the returned handle. */
  connect(connection: Connection, info: ConnectionInfo): SessionHandle {
    const session = new Session(connection, info, this.options.logger);
    this.connections.add(session);
    this.observer.connectionOpened();
    session.identifyTimer = setTimeout(() => {
      session.identifyTimer = null;
      if (session.state === 'new') {
        session.log.info({ code: CLOSE_CODES.IDENTIFY_TIMEOUT.code }, 'identify timeout');
        this.closeSession(session, CLOSE_CODES.IDENTIFY_TIMEOUT.code, CLOSE_CODES.IDENTIFY_TIMEOUT.reason);
      }
    }, this.options.identifyTimeoutMs);
    session.identifyTimer.unref();
    session.log.info('connect');
    return {
      onText: (text) => this.onFrame(session, text),
      onBinary: () => this.onFrame(session, BINARY_FRAME),
      onClose: (code, lost = false) => {
        session.log.info(
          { peerId: session.peerId || undefined, roomId: session.roomId ?? undefined, code },
          'disconnect',
        );
        if (session.state === 'held') return; // taken over by a resume before the socket closed
        if (lost && session.state === 'identified' && this.resume.enabled) this.hold(session);
        else void this.cleanup(session);
      },
    };
  }

  /** {@link LocalDelivery}: the backend hands a frame to a local peer. */
  deliverLocal(peerId: string, frame: string): void {
    const session = this.sessions.get(peerId);
    if (session) {
      if (session.state === 'identified') session.send(frame);
      return;
    }
    if (this.resume.enabled) this.resume.deliver(peerId, frame);
  }

  /** {@link LocalDelivery}: a peer held here resumes (here or on another node). */
  releaseHeld(peerId: string): HeldState | null {
    return this.resume.release(peerId);
  }

  /** {@link LocalDelivery}: a newer connection took this peer's username. */
  evict(peerId: string): void {
    const session = this.sessions.get(peerId);
    if (!session) {
      this.resume.evict(peerId);
      return;
    }
    session.log.info({ code: CLOSE_CODES.REPLACED.code }, 'replaced by a newer connection');
    session.connection.close(CLOSE_CODES.REPLACED.code, CLOSE_CODES.REPLACED.reason);
    void this.cleanup(session);
  }

  /** The identified peer on this node whose auth token (from IDENTIFY) or current resume token is `token`. */
  peerByToken(token: string): { peerId: string; username: string } | null {
    const session = this.byToken.get(token) ?? this.resume.liveSession(token);
    return session && session.state === 'identified'
      ? { peerId: session.peerId, username: session.username }
      : null;
  }

  /** {@link LocalDelivery}: an operator removes a local peer from its room (4004, for good). */
  kickLocal(peerId: string, roomId: string): boolean {
    const session = this.sessions.get(peerId);
    if (!session || session.roomId !== roomId || session.state !== 'identified') return false;
    session.log.info({ roomId, code: CLOSE_CODES.KICKED.code }, 'kicked by an administrator');
    session.connection.close(CLOSE_CODES.KICKED.code, CLOSE_CODES.KICKED.reason);
    // Cleanup now, not on the socket's close: the room hears PEER_LEFT_ROOM even if the client lingers.
    void this.cleanup(session);
    return true;
  }

  // ---- frames ---------------------------------------------------------------------------------

  private onFrame(session: Session, frame: QueuedFrame): void {
    if (!this.limiter.admit(session)) return;
    if (session.pending !== null) {
      if (session.pending.length >= this.maxPendingFrames) {
        session.log.warn({ code: 'RATE_LIMITED' }, 'too many frames queued behind a pending step');
        this.observer.rateLimited();
        this.closeSession(session, CLOSE_CODES.POLICY.code, 'Too many messages');
        return;
      }
      session.pending.push(frame);
      return;
    }
    this.process(session, frame);
  }

  private process(session: Session, frame: QueuedFrame): void {
    if (frame === BINARY_FRAME) {
      this.observer.messageIn('invalid');
      this.limiter.refuseInvalid(session, 'BINARY_NOT_SUPPORTED');
      return;
    }
    // Counted when processed, not when received: frames still waiting at a drop are re-sent by the client.
    if (session.replay !== null) {
      session.replay.inCount++;
      // Any frame after a resume means the client read its AUTH_SUCCESS and has the new token.
      session.previousResumeToken = '';
    }
    const decoded = decodeClientFrame(frame);
    if (!decoded.ok) {
      this.observer.messageIn('invalid');
      if (isAuthErrorCode(decoded.code)) {
        // An IDENTIFY the decoder already refused on a username rule: refused like the core's own checks.
        if (session.state === 'new')
          this.fail(session, new SignalError(decoded.code, decoded.message), 'IDENTIFY');
        else this.reply(session, 'ALREADY_IDENTIFIED', undefined, 'IDENTIFY');
        return;
      }
      this.limiter.refuseInvalid(session, decoded.code, decoded.message, decoded.ref);
      return;
    }
    const msg = decoded.message;
    this.observer.messageIn(msg.type);
    try {
      this.dispatch(session, msg, frame);
    } catch (err) {
      this.fail(session, err, msg.type);
    }
  }

  /** `frame` is the text `msg` was parsed from; the relay may reuse parts of it. */
  private dispatch(session: Session, msg: ClientMessage, frame: string): void {
    if (msg.type === 'PING') {
      session.send(encodePong(msg.id));
      return;
    }
    if (msg.type === 'IDENTIFY') {
      if (session.state !== 'new') throw new SignalError('ALREADY_IDENTIFIED');
      this.runStep(session, msg.type, () =>
        msg.resumeToken !== undefined && this.resume.enabled
          ? this.resumeIdentify(session, msg.resumeToken, msg.received)
          : this.identify(session, msg.username, msg.token),
      );
      return;
    }
    if (session.state !== 'identified') throw new SignalError('NOT_IDENTIFIED');
    switch (msg.type) {
      case 'JOIN_ROOM':
        this.runStep(session, msg.type, () => this.join(session, msg.roomId));
        return;
      case 'LEAVE_ROOM':
        this.runStep(session, msg.type, () => this.leave(session, msg.roomId));
        return;
      default:
        this.relay(session, msg, frame);
    }
  }

  /** Run an async step; frames arriving meanwhile wait and are processed in order afterwards. */
  private runStep(session: Session, ref: string, step: () => Promise<void>): void {
    session.pending = [];
    session.busy = step()
      .catch((err: unknown) => this.fail(session, err, ref))
      .finally(() => {
        session.busy = null;
        const queued = session.pending ?? [];
        session.pending = null;
        // A held session starts nothing new: frames not processed yet are re-sent after resume.
        while (queued.length > 0 && session.state !== 'closed' && session.state !== 'held') {
          const waiting = session.waiting();
          if (waiting) {
            // A queued frame started another async step: the rest waits behind it.
            waiting.push(...queued);
            return;
          }
          this.process(session, queued.shift() as QueuedFrame);
        }
      });
  }

  // ---- identify -------------------------------------------------------------------------------

  private async identify(session: Session, claimed: string, token: string | undefined): Promise<void> {
    session.state = 'identifying';
    const identity = await this.authenticate({
      username: claimed,
      token: token ?? session.info.urlToken,
      ip: session.info.ip,
      origin: session.info.origin,
    });
    const name = normaliseUsername(identity.username);
    if (!name.ok) throw new SignalError('INVALID_USERNAME', name.reason);
    const peerId = randomUUID();
    const key = usernameKey(name.value);
    const peer = { id: peerId, username: name.value };
    if (!(await this.options.backend.claimUsername(key, peer))) {
      const backend = this.options.backend;
      if (this.options.onDuplicateUsername !== 'replace' || !backend.replaceUsername)
        throw new SignalError('USERNAME_TAKEN');
      // The newest connection wins: the holder (live or held for resume) is closed with 4003.
      await backend.replaceUsername(key, peer);
    }
    if (session.isClosed()) {
      await this.options.backend.releaseUsername(key, peerId);
      return;
    }
    session.peerId = peerId;
    session.username = name.value;
    session.usernameKey = key;
    session.allowedRooms = identity.rooms ?? null;
    session.state = 'identified';
    this.clearIdentifyTimer(session);
    this.sessions.set(peerId, session);
    const presented = token ?? session.info.urlToken;
    if (presented) {
      session.token = presented;
      this.byToken.set(presented, session);
    }
    const iceServers = this.options.iceServersFor?.(peerId);
    const fields = { username: name.value, peerId, ...(iceServers ? { iceServers } : {}) };
    if (this.resume.enabled) {
      const resumeToken = this.resume.issueToken(session);
      session.replay = this.resume.newLog();
      session.connection.send(encodeAuthSuccess({ ...fields, resumeToken }));
    } else {
      session.connection.send(encodeAuthSuccess(fields));
    }
    session.log.info({ username: name.value }, 'identify');
  }

  /** IDENTIFY with a resume token: the held peer comes back with its id, name and room. */
  private async resumeIdentify(session: Session, token: string, received: number | undefined): Promise<void> {
    session.state = 'identifying';
    const stale = this.resume.liveSession(token);
    if (stale && stale !== session) {
      // The client noticed the drop before this server did: its old connection is held now.
      stale.log.info({ code: CLOSE_CODES.REPLACED.code }, 'taken over by a resuming connection');
      stale.connection.close(CLOSE_CODES.REPLACED.code, CLOSE_CODES.REPLACED.reason);
      this.hold(stale);
      await this.resume.settled(stale.peerId);
    }
    const taken = await this.resume.takeOver(token, received);
    if (session.isClosed()) {
      this.resume.holdAgain(taken, session.log);
      return;
    }
    this.clearIdentifyTimer(session);
    this.sessions.set(taken.record.peerId, session);
    this.observer.resumed();
    await completeResume(session, taken, this.resume, this.options.backend, this.options.iceServersFor);
  }

  // ---- rooms ----------------------------------------------------------------------------------

  private async join(session: Session, roomId: string): Promise<void> {
    const check = checkRoomId(roomId);
    if (!check.ok) throw new SignalError('INVALID_ROOM', check.reason);
    if (session.allowedRooms && !session.allowedRooms.includes(roomId)) {
      throw new SignalError('FORBIDDEN_ROOM', `You may not join room '${roomId}'`);
    }
    const backend = this.options.backend;
    if (session.roomId === roomId) {
      // Joining the room you are in is answered with its members again, and announced to no one.
      const members = await backend.roomMembers(roomId);
      session.send(
        encodeRoomMembers(
          roomId,
          members.filter((m) => m.id !== session.peerId),
        ),
      );
      return;
    }
    if (session.roomId !== null) await this.leaveCurrentRoom(session);
    if (session.isClosed()) return;
    const outcome = await backend.joinRoom(roomId, session.peer, this.options.maxPeersPerRoom);
    if (!outcome.ok) throw new SignalError('ROOM_FULL', `Room '${roomId}' is full`);
    // Even when the connection closed meanwhile, the join is completed and announced: the cleanup
    // waiting behind this step then leaves the room, so the members hear NEW_PEER_IN_ROOM and
    // PEER_LEFT_ROOM as a pair, never a PEER_LEFT_ROOM for a peer they were not told of.
    session.roomId = roomId;
    // The joiner hears of the members before they hear of it, so it never gets an offer from a stranger.
    if (!session.isClosed()) session.send(encodeRoomMembers(roomId, outcome.members));
    backend.announceJoin(roomId, session.peer, outcome.members);
    session.log.info({ roomId, members: outcome.members.length }, 'join');
  }

  private async leave(session: Session, roomId: string | undefined): Promise<void> {
    if (session.roomId === null) throw new SignalError('NOT_IN_ROOM');
    if (roomId !== undefined && roomId !== session.roomId) {
      throw new SignalError('NOT_IN_ROOM', `You are not in room '${roomId}'`);
    }
    await this.leaveCurrentRoom(session);
  }

  private async leaveCurrentRoom(session: Session): Promise<void> {
    const roomId = session.roomId;
    if (roomId === null) return;
    session.roomId = null;
    await this.options.backend.leaveRoom(roomId, session.peer);
    session.log.info({ roomId }, 'leave');
  }

  // ---- relay ----------------------------------------------------------------------------------

  private relay(session: Session, msg: SignalIn, source: string): void {
    const roomId = session.roomId;
    if (roomId === null) throw new SignalError('NOT_IN_ROOM', 'Join a room before sending signals');
    const started = this.observer.timesRelay ? performance.now() : 0;
    const frame = encodeSignal(session.peerId, msg, source);
    if (msg.toPeerId === session.peerId || !this.options.backend.relay(roomId, msg.toPeerId, frame)) {
      throw new SignalError('UNKNOWN_PEER', `No peer '${clip(msg.toPeerId)}' in your room`);
    }
    if (started !== 0) this.observer.relayTime((performance.now() - started) / 1000);
    if (this.debug) session.log.debug({ type: msg.type, to: msg.toPeerId, roomId }, 'relay');
  }

  // ---- errors and cleanup ---------------------------------------------------------------------

  private reply(session: Session, code: ErrorCode, message?: string, ref?: string): void {
    if (session.state === 'closed') return;
    this.observer.error(code);
    if (this.debug) session.log.debug({ code, ref }, 'refused');
    session.send(encodeError(code, message, ref));
  }

  private fail(session: Session, err: unknown, ref: string): void {
    let code: ErrorCode;
    let message: string | undefined;
    if (err instanceof SignalError) {
      code = err.code;
      message = err.message;
    } else if (err instanceof BackendUnavailableError) {
      code = 'UNAVAILABLE';
      session.log.warn({ code, ref, err: err.message }, 'backend unavailable');
    } else {
      code = 'INTERNAL';
      session.log.error({ code, ref, err }, 'unexpected error while handling a message');
    }
    const policy = ERROR_CODES[code].policy;
    if (ref === 'IDENTIFY' && session.state === 'identifying') session.state = 'new';
    if (
      policy === 'auth' ||
      (ref === 'IDENTIFY' && session.state === 'new' && code !== 'ALREADY_IDENTIFIED')
    ) {
      // Identification failed: AUTH_ERROR then close, as the original server did.
      if (session.state === 'closed') return;
      session.log.info({ code }, 'identify refused');
      this.observer.error(code);
      session.connection.send(encodeAuthError(code, message));
      // Closed for the core at once: frames queued behind the refused IDENTIFY are not tried.
      this.closeSession(session, CLOSE_CODES.POLICY.code, message ?? ERROR_CODES[code].message);
      return;
    }
    this.reply(session, code, message, ref);
  }

  /** The connection was lost: hold the peer for resume, silently for its room. */
  private hold(session: Session): void {
    session.state = 'held';
    this.clearIdentifyTimer(session);
    this.connections.delete(session);
    if (this.sessions.get(session.peerId) === session) this.sessions.delete(session.peerId);
    this.resume.hold(session);
  }

  /** Close the connection and release the session now, without waiting for the socket's close event. */
  private closeSession(session: Session, code: number, reason: string): void {
    session.connection.close(code, reason);
    void this.cleanup(session);
  }

  private cleanup(session: Session): Promise<void> {
    if (session.cleanedUp) return session.cleanedUp;
    session.state = 'closed';
    this.clearIdentifyTimer(session);
    this.connections.delete(session);
    this.resume.forget(session);
    const done = (session.busy ?? Promise.resolve()).then(async () => {
      try {
        if (session.roomId !== null) await this.leaveCurrentRoom(session);
        if (session.usernameKey)
          await this.options.backend.releaseUsername(session.usernameKey, session.peerId);
      } catch (err) {
        session.log.warn({ err: (err as Error).message }, 'cleanup after disconnect failed');
      } finally {
        if (this.sessions.get(session.peerId) === session) this.sessions.delete(session.peerId);
        if (session.token && this.byToken.get(session.token) === session) this.byToken.delete(session.token);
      }
    });
    session.cleanedUp = done;
    this.cleaning.add(done);
    void done.finally(() => this.cleaning.delete(done));
    return done;
  }

  private clearIdentifyTimer(session: Session): void {
    if (session.identifyTimer) clearTimeout(session.identifyTimer);
    session.identifyTimer = null;
  }
}

function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}

/** Resume as configured, or off when the backend cannot store resume records (logged once). */
function createResume(options: CoreOptions): SessionResume {
  const settings = options.resume ?? {
    graceMs: 0,
    queue: { maxMessages: 256, maxBytes: 256 * 1024 },
    replay: { maxFrames: 64, maxBytes: 128 * 1024 },
  };
  const backend = options.backend;
  if (supportsResume(backend)) return new SessionResume(backend, options.logger, settings);
  if (settings.graceMs > 0)
    options.logger.warn({ backend: backend.kind }, 'session resume is off: the backend does not support it');
  // Never used with graceMs 0, but typed: a backend without resume support cannot be reached.
  return new SessionResume(backend as Backend & ResumeSupport, options.logger, { ...settings, graceMs: 0 });
}
