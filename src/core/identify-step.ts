/**
 * The IDENTIFY step: a new peer claims a username, or a held peer comes back with its resume token.
 * Both end the same way, in {@link SessionLife.becomeIdentified}; they differ in where the identity
 * comes from (the credentials, or the held peer's record) and in what follows AUTH_SUCCESS.
 */
import { randomUUID } from 'node:crypto';
import { encodeAuthSuccess } from '../../protocol/encode.js';
import { normaliseUsername } from '../../protocol/names.js';
import { usernameKey } from '../../protocol/username-key.js';
import { acceptAnyone, type Authenticator } from './authenticator.js';
import type { CoreOptions } from './core-options.js';
import type { CoreObserver } from './core-observer.js';
import type { MessageLimiter } from './message-limits.js';
import { sendResumed } from './resume-handshake.js';
import { resumeTokenKey } from './resume-token.js';
import type { Session } from './session.js';
import type { SessionLife } from './session-life.js';
import type { SessionResume } from './session-resume.js';
import { SignalError } from './signal-error.js';

/** Identifies the connections of one core, fresh or resuming. */
export class IdentifyStep {
  private readonly authenticate: Authenticator;

  constructor(
    private readonly options: CoreOptions,
    private readonly life: SessionLife,
    private readonly resume: SessionResume,
    private readonly observer: CoreObserver,
    private readonly limiter: MessageLimiter,
  ) {
    this.authenticate = options.authenticate ?? acceptAnyone;
  }

  /** A plain IDENTIFY: authenticate, claim the username, answer AUTH_SUCCESS. */
  async identify(session: Session, claimed: string, token: string | undefined): Promise<void> {
    this.life.identifying(session);
    const presented = token ?? session.info.urlToken;
    const identity = await this.authenticate({
      username: claimed,
      token: presented,
      ip: session.info.ip,
      origin: session.info.origin,
    });
    const name = normaliseUsername(identity.username);
    if (!name.ok) throw new SignalError('INVALID_USERNAME', name.reason);
    const peerId = randomUUID();
    const key = usernameKey(name.value);
    const peer = { id: peerId, username: name.value };
    const backend = this.options.backend;
    if (!(await backend.claimUsername(key, peer))) {
      if (this.options.onDuplicateUsername !== 'replace') throw new SignalError('USERNAME_TAKEN');
      // The newest connection wins: the holder (live or held for resume) is closed with 4003.
      await backend.replaceUsername(key, peer);
    }
    if (session.isClosed()) {
      await backend.releaseUsername(key, peerId);
      return;
    }
    const resumeToken = this.life.becomeIdentified(
      session,
      {
        peerId,
        username: name.value,
        usernameKey: key,
        roomId: null,
        allowedRooms: identity.rooms ?? null,
        authExpiresAt: identity.expiresAt ?? 0,
        token: presented ?? '',
        resumedWith: '',
      },
      null,
    );
    const iceServers = this.options.iceServersFor?.(peerId);
    session.connection.send(
      encodeAuthSuccess({
        username: name.value,
        peerId,
        ...(iceServers ? { iceServers } : {}),
        ...(resumeToken !== undefined ? { resumeToken } : {}),
      }),
    );
    session.logInfo({ username: name.value }, 'identify');
  }

  /** IDENTIFY with a resume token: the held peer comes back with its id, name and room. */
  async resumeIdentify(session: Session, token: string, received: number | undefined): Promise<void> {
    this.life.identifying(session);
    // The client noticed the drop before this server did: its old connection here is held now
    // (one on another node is, through the backend, when takeOver finds no record).
    const stale = this.life.replaceLive(resumeTokenKey(token));
    if (stale) await this.resume.settled(stale.peerId);
    const taken = await this.resume.takeOver(token, received);
    if (session.isClosed()) {
      this.resume.holdAgain(taken, session.info.ipKey ?? session.info.ip, session.log);
      return;
    }
    const { record } = taken;
    const resumeToken = this.life.becomeIdentified(
      session,
      {
        peerId: record.peerId,
        username: record.username,
        usernameKey: record.usernameKey,
        roomId: record.roomId,
        allowedRooms: record.allowedRooms,
        authExpiresAt: record.authExpiresAt ?? 0,
        token: '',
        resumedWith: token,
      },
      taken.replay,
    );
    // Before any frame that waited behind this step is processed: the budgets follow the peer.
    this.limiter.resumed(session, taken.budgets, taken.queued);
    this.observer.resumed();
    await sendResumed(session, taken, resumeToken, this.options.backend, this.options.iceServersFor);
  }
}
