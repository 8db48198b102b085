/**
 * The sessions of one node (every open connection, the identified ones by peer id and by token)
 * and the ways a session leaves them: held for resume, or closed and cleaned up.
 */
import type { Backend } from '../backend/backend.js';
import { leaveCurrentRoom } from './room-steps.js';
import type { Session } from './session.js';
import type { SessionResume } from './session-resume.js';

/** Where the core finds its sessions, and where they are released. */
export class SessionRegistry {
  /** Identified sessions by peer id. */
  readonly sessions = new Map<string, Session>();
  /** Every open connection, identified or not. */
  readonly connections = new Set<Session>();
  /** Identified sessions by the token they identified with, for `GET /api/ice-servers`. */
  readonly byToken = new Map<string, Session>();
  /** Cleanups still running, so shutdown waits for them before the backend stops. */
  private readonly cleaning = new Set<Promise<void>>();

  constructor(
    private readonly backend: Backend,
    private readonly resume: SessionResume,
  ) {}

  /** The size of each map, for leak checks. */
  sizes(): Record<string, number> {
    return {
      connections: this.connections.size,
      sessions: this.sessions.size,
      byToken: this.byToken.size,
      cleaning: this.cleaning.size,
    };
  }

  /** Resolves when the cleanups of connections closed so far (room left, username freed) have finished. */
  async settled(): Promise<void> {
    while (this.cleaning.size > 0) await Promise.all(this.cleaning);
  }

  /**
   * The connection was lost: hold the peer for resume, silently for its room. The session object
   * leaves every index here: the hold keeps only its record, replay log and queue, and a resume
   * gives the peer a new session (which a held one left in an index would outlive, with its log).
   */
  hold(session: Session): void {
    session.state = 'held';
    clearIdentifyTimer(session);
    this.connections.delete(session);
    if (this.sessions.get(session.peerId) === session) this.sessions.delete(session.peerId);
    this.forgetToken(session);
    this.resume.hold(session);
  }

  /** Close the connection and release the session now, without waiting for the socket's close event. */
  closeSession(session: Session, code: number, reason: string): void {
    session.connection.close(code, reason);
    void this.cleanup(session);
  }

  /** End the session for good: after its running step, leave its room and free its username (once). */
  cleanup(session: Session): Promise<void> {
    if (session.cleanedUp) return session.cleanedUp;
    session.state = 'closed';
    clearIdentifyTimer(session);
    this.connections.delete(session);
    this.resume.forget(session);
    const done = (session.busy ?? Promise.resolve()).then(async () => {
      try {
        if (session.roomId !== null) await leaveCurrentRoom(session, this.backend);
        if (session.usernameKey) await this.backend.releaseUsername(session.usernameKey, session.peerId);
      } catch (err) {
        session.log.warn({ err: (err as Error).message }, 'cleanup after disconnect failed');
      } finally {
        if (this.sessions.get(session.peerId) === session) this.sessions.delete(session.peerId);
        this.forgetToken(session);
      }
    });
    session.cleanedUp = done;
    this.cleaning.add(done);
    void done.finally(() => this.cleaning.delete(done));
    return done;
  }

  /** Take `session` out of the by-token index (if it is still the entry for its token). */
  private forgetToken(session: Session): void {
    if (session.token && this.byToken.get(session.token) === session) this.byToken.delete(session.token);
  }
}

/** Stop the identify timeout of `session`, if it is still running. */
export function clearIdentifyTimer(session: Session): void {
  if (session.identifyTimer) clearTimeout(session.identifyTimer);
  session.identifyTimer = null;
}
