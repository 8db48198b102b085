/**
 * The one owner of a session's life: new → identifying → identified → held → closed. Every change
 * of `Session.state`, and every write to the indexes of sessions (open connections, identified
 * sessions by peer id and by resume token, and the backend's bearer index), happens here; the steps ask for a
 * transition and read the indexes (test/unit/session-life.test.ts checks no other file writes
 * them). A fresh IDENTIFY and a resume both end in {@link SessionLife.becomeIdentified}.
 *
 * The room a session is in is the room steps' (room-steps.ts) once it is identified; a resumed
 * session gets its room back here, with the rest of its identity.
 */
import type { Backend } from '../backend/backend.js';
import { CLOSE_CODES } from '../../protocol/close-codes.js';
import { IdentifyDeadlines } from './identify-deadlines.js';
import type { ReplayLog } from './replay-log.js';
import { newResumeToken, resumeTokenKey } from './resume-token.js';
import { leaveCurrentRoom } from './room-steps.js';
import type { Session } from './session.js';
import type { SessionResume } from './session-resume.js';

/** Who an identified session is: from its credentials (a fresh IDENTIFY) or its resume record. */
export interface SessionIdentity {
  peerId: string;
  username: string;
  usernameKey: string;
  /** The room it is in: `null` for a fresh session, the held peer's room for a resumed one. */
  roomId: string | null;
  /** Rooms the credentials allow (`null`: any). */
  allowedRooms: readonly string[] | null;
  /** When the credentials expire (ms since the epoch; 0: never). */
  authExpiresAt: number;
  /** The auth token presented at IDENTIFY ('' when none, and for a resume). */
  token: string;
  /** The resume token a resumed session came back with ('' for a fresh one). */
  resumedWith: string;
}

/** The sessions of one node and every change in their life. */
export class SessionLife {
  /** Every open connection, identified or not. */
  private readonly open = new Set<Session>();
  /** Identified sessions by peer id. */
  private readonly byPeer = new Map<string, Session>();
  /** Identified sessions by the key of their resume token: a client may notice a drop first. */
  private readonly byResumeKey = new Map<string, Session>();
  /** Cleanups still running, so shutdown waits for them before the backend stops. */
  private readonly cleaning = new Set<Promise<void>>();
  /** Identified sessions by peer id, read-only: every delivery to a local peer looks its target up here. */
  readonly peers: ReadonlyMap<string, Session> = this.byPeer;
  /** New connections' identify timeouts, on one timer. */
  private readonly identifyDeadlines: IdentifyDeadlines<Session>;

  constructor(
    private readonly backend: Backend,
    private readonly resume: SessionResume,
    /** Close a connection that has not identified after this long (4001). */
    identifyTimeoutMs: number,
  ) {
    this.identifyDeadlines = new IdentifyDeadlines(identifyTimeoutMs, (session) => {
      // Still authenticating: the step decides (as it would a moment later).
      if (session.state !== 'new') return;
      const { code, reason } = CLOSE_CODES.IDENTIFY_TIMEOUT;
      session.log.info({ code }, 'identify timeout');
      this.close(session, code, reason);
    });
  }

  /** A new connection: counted, and closed with 4001 unless it identifies in time. */
  opened(session: Session): void {
    this.open.add(session);
    this.identifyDeadlines.add(session);
  }

  /** An IDENTIFY step starts. */
  identifying(session: Session): void {
    session.state = 'identifying';
  }

  /** An IDENTIFY step failed: the session may identify again (unless it is closed by now). */
  identifyFailed(session: Session): void {
    if (session.state === 'identifying') session.state = 'new';
  }

  /**
   * The session is `identity` from now on, fresh or resumed: indexed by peer id (and auth token),
   * given `replay` (a resumed peer's log; a new one for a fresh session) and a resume token when
   * resume is on. Returns that token, for AUTH_SUCCESS.
   */
  becomeIdentified(
    session: Session,
    identity: SessionIdentity,
    replay: ReplayLog | null,
  ): string | undefined {
    session.peerId = identity.peerId;
    session.username = identity.username;
    session.usernameKey = identity.usernameKey;
    session.roomId = identity.roomId;
    session.allowedRooms = identity.allowedRooms;
    session.authExpiresAt = identity.authExpiresAt;
    session.state = 'identified';
    this.identifyDeadlines.remove(session);
    this.byPeer.set(identity.peerId, session);
    // Any node recognises the session by its tokens (`GET /api/ice-servers`), until it is held or ends.
    if (identity.token) {
      session.token = identity.token;
      this.backend.addBearer(resumeTokenKey(identity.token), session);
    }
    if (!this.resume.enabled) return undefined;
    session.replay = replay ?? this.resume.newLog();
    // Until the client shows it got the new token, the one it came back with is valid again.
    session.previousResumeTokenKey = identity.resumedWith ? resumeTokenKey(identity.resumedWith) : '';
    const token = newResumeToken();
    session.resumeTokenKey = resumeTokenKey(token);
    this.byResumeKey.set(session.resumeTokenKey, session);
    this.backend.addBearer(session.resumeTokenKey, session);
    return token;
  }

  /** The connection is gone (see `SessionHandle.onClose`): hold the peer for resume, or end it. */
  connectionGone(session: Session, lost: boolean): void {
    if (session.state === 'held') return; // taken over by a resume before the socket closed
    if (lost && session.state === 'identified' && this.resume.enabled) this.hold(session);
    else void this.cleanup(session);
  }

  /**
   * The connection was lost: hold the peer for resume, silently for its room. The session object
   * leaves every index here: the hold keeps only its record, replay log and queue, and a resume
   * gives the peer a new session (which a held one left in an index would outlive, with its log).
   */
  hold(session: Session): void {
    session.state = 'held';
    this.unindex(session, true);
    this.resume.hold(session);
    // The bearer index names this node for the resume token until the record is saved: a resume
    // on another node racing this hold then finds the session here and waits for the record
    // (`LocalDelivery.holdLive`), where it would otherwise find neither.
    const key = session.resumeTokenKey;
    if (key !== '')
      void this.resume.settled(session.peerId).finally(() => this.backend.dropBearer(key, session));
  }

  /** Close the connection and release the session now, without waiting for the socket's close event. */
  close(session: Session, code: number, reason: string): void {
    session.connection.close(code, reason);
    void this.cleanup(session);
  }

  /** End the session for good: after its running step, leave its room and free its username (once). */
  cleanup(session: Session): Promise<void> {
    if (session.cleanedUp) return session.cleanedUp;
    session.state = 'closed';
    this.identifyDeadlines.remove(session);
    this.open.delete(session);
    this.forgetResumeToken(session);
    const done = (session.busy ?? Promise.resolve()).then(async () => {
      try {
        if (session.roomId !== null) await leaveCurrentRoom(session, this.backend);
        if (session.usernameKey) await this.backend.releaseUsername(session.usernameKey, session.peerId);
      } catch (err) {
        session.log.warn({ err: (err as Error).message }, 'cleanup after disconnect failed');
      } finally {
        this.unindex(session);
      }
    });
    session.cleanedUp = done;
    this.cleaning.add(done);
    void done.finally(() => this.cleaning.delete(done));
    return done;
  }

  /**
   * A resume presents the current resume token (hash `key`) of a connection that still looks
   * alive: the client noticed the drop before this server did. Close that connection with 4003 and
   * hold its peer, so the resume can take it. Returns the held session, or undefined when no live
   * session has that token.
   */
  replaceLive(key: string): Session | undefined {
    const stale = this.byResumeKey.get(key);
    if (!stale) return undefined;
    stale.log.info({ code: CLOSE_CODES.REPLACED.code }, 'taken over by a resuming connection');
    stale.connection.close(CLOSE_CODES.REPLACED.code, CLOSE_CODES.REPLACED.reason);
    this.hold(stale);
    return stale;
  }

  /** Every open connection (a copy, safe to iterate while sessions close). */
  connections(): Session[] {
    return [...this.open];
  }

  /** Open connections, identified or not. */
  get connectionCount(): number {
    return this.open.size;
  }

  /** Resolves when the cleanups of connections closed so far (room left, username freed) have finished. */
  async settled(): Promise<void> {
    while (this.cleaning.size > 0) await Promise.all(this.cleaning);
  }

  /** The size of each index, for leak checks. */
  sizes(): Record<string, number> {
    return {
      connections: this.open.size,
      sessions: this.byPeer.size,
      byResumeToken: this.byResumeKey.size,
      cleaning: this.cleaning.size,
    };
  }

  /** Take `session` out of every index it is still the entry of (but for `keepResumeBearer`). */
  private unindex(session: Session, keepResumeBearer = false): void {
    this.identifyDeadlines.remove(session);
    this.open.delete(session);
    if (this.byPeer.get(session.peerId) === session) this.byPeer.delete(session.peerId);
    this.forgetResumeToken(session, keepResumeBearer);
  }

  /**
   * Its tokens no longer name a live connection, here or for the bearer index (there the resume
   * token stays with `keepResumeBearer`: a hold drops it once its record is saved).
   */
  private forgetResumeToken(session: Session, keepResumeBearer = false): void {
    const key = session.resumeTokenKey;
    if (key !== '' && this.byResumeKey.get(key) === session) this.byResumeKey.delete(key);
    if (key !== '' && !keepResumeBearer) this.backend.dropBearer(key, session);
    if (session.token) this.backend.dropBearer(resumeTokenKey(session.token), session);
  }
}
