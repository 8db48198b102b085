/** The IDENTIFY step: a new peer claims a username, or a held peer comes back with its resume token. */
import { randomUUID } from 'node:crypto';
import { CLOSE_CODES } from '../../protocol/close-codes.js';
import { encodeAuthSuccess } from '../../protocol/encode.js';
import { normaliseUsername } from '../../protocol/names.js';
import { usernameKey } from '../../protocol/username-key.js';
import { acceptAnyone, type Authenticator } from './authenticator.js';
import type { CoreOptions } from './core-options.js';
import type { CoreObserver } from './core-observer.js';
import { completeResume } from './resume-handshake.js';
import type { Session } from './session.js';
import { clearIdentifyTimer, type SessionRegistry } from './session-registry.js';
import type { SessionResume } from './session-resume.js';
import { SignalError } from './signal-error.js';

/** Identifies the connections of one core, fresh or resuming. */
export class IdentifyStep {
  private readonly authenticate: Authenticator;

  constructor(
    private readonly options: CoreOptions,
    private readonly registry: SessionRegistry,
    private readonly resume: SessionResume,
    private readonly observer: CoreObserver,
  ) {
    this.authenticate = options.authenticate ?? acceptAnyone;
  }

  /** A plain IDENTIFY: authenticate, claim the username, answer AUTH_SUCCESS. */
  async identify(session: Session, claimed: string, token: string | undefined): Promise<void> {
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
    session.authExpiresAt = identity.expiresAt ?? 0;
    session.state = 'identified';
    clearIdentifyTimer(session);
    this.registry.sessions.set(peerId, session);
    const presented = token ?? session.info.urlToken;
    if (presented) {
      session.token = presented;
      this.registry.byToken.set(presented, session);
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
  async resumeIdentify(session: Session, token: string, received: number | undefined): Promise<void> {
    session.state = 'identifying';
    const stale = this.resume.liveSession(token);
    if (stale && stale !== session) {
      // The client noticed the drop before this server did: its old connection is held now.
      stale.log.info({ code: CLOSE_CODES.REPLACED.code }, 'taken over by a resuming connection');
      stale.connection.close(CLOSE_CODES.REPLACED.code, CLOSE_CODES.REPLACED.reason);
      this.registry.hold(stale);
      await this.resume.settled(stale.peerId);
    }
    const taken = await this.resume.takeOver(token, received);
    if (session.isClosed()) {
      this.resume.holdAgain(taken, session.info.ipKey ?? session.info.ip, session.log);
      return;
    }
    clearIdentifyTimer(session);
    this.registry.sessions.set(taken.record.peerId, session);
    this.observer.resumed();
    await completeResume(session, taken, this.resume, this.options.backend, this.options.iceServersFor);
  }
}
