/** How the core answers a frame it refuses: an ERROR reply, or for a failed identify AUTH_ERROR and close. */
import { BackendUnavailableError } from '../backend/backend.js';
import { CLOSE_CODES } from '../../protocol/close-codes.js';
import { encodeAuthError, encodeError } from '../../protocol/encode.js';
import { ERROR_CODES, type ErrorCode } from '../../protocol/error-codes.js';
import type { OutFrame } from '../../protocol/frame.js';
import type { CoreObserver } from './core-observer.js';
import type { Session } from './session.js';
import type { SessionLife } from './session-life.js';
import { SignalError } from './signal-error.js';

/** What a refused step was about, logged with the refusal: the username asked for, or the room. */
export interface RefusalSubject {
  username?: string;
  roomId?: string;
}

/** Turns refusals and failed steps into ERROR or AUTH_ERROR frames, counted and logged once. */
export class Refusals {
  constructor(
    private readonly observer: CoreObserver,
    /** Debug logging, decided once: the per-message lines must not build their fields otherwise. */
    private readonly debug: boolean,
    private readonly life: SessionLife,
  ) {}

  /**
   * Send an ERROR frame with `code`, unless the session has closed. A refusal naming what it
   * refused (a room) is logged at info; the others (relays, rate limits) at debug.
   */
  reply(session: Session, code: ErrorCode, message?: string, ref?: string, subject?: RefusalSubject): void {
    if (session.state === 'closed') return;
    this.observer.error(code);
    if (subject) session.log.info({ code, ref, ...subject }, 'refused');
    else if (this.debug) session.log.debug({ code, ref }, 'refused');
    session.send(encodeError(code, message, ref));
  }

  /** Send a refusal with `code` already encoded as `frame` (extra fields), unless the session has closed. */
  refuse(session: Session, code: ErrorCode, frame: OutFrame): void {
    if (session.state === 'closed') return;
    this.observer.error(code);
    if (this.debug) session.log.debug({ code }, 'refused');
    session.send(frame);
  }

  /** Answer `err`, thrown while handling a `ref` frame: its code for a SignalError, else UNAVAILABLE or INTERNAL. */
  fail(session: Session, err: unknown, ref: string, subject?: RefusalSubject): void {
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
    if (ref === 'IDENTIFY') this.life.identifyFailed(session);
    if (
      policy === 'auth' ||
      (ref === 'IDENTIFY' && session.state === 'new' && code !== 'ALREADY_IDENTIFIED')
    ) {
      // Identification failed: AUTH_ERROR then close, as the original server did.
      if (session.state === 'closed') return;
      session.log.info({ code, ...subject }, 'identify refused');
      this.observer.error(code);
      session.connection.send(encodeAuthError(code, message));
      // Closed for the core at once: frames queued behind the refused IDENTIFY are not tried.
      this.life.close(session, CLOSE_CODES.POLICY.code, message ?? ERROR_CODES[code].message);
      return;
    }
    this.reply(session, code, message, ref, subject);
  }
}
