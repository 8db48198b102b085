/**
 * Applies the per-connection limits of rate-limit.ts to sessions: decides, answers and closes,
 * so the signaling core only asks "may this frame go on?" and "this frame was invalid".
 */
import { CLOSE_CODES } from '../../protocol/close-codes.js';
import { ERROR_CODES, type ErrorCode } from '../../protocol/error-codes.js';
import type { CoreObserver } from './core-observer.js';
import { countInvalidMessage, takeMessageToken, takeRoomChangeToken, type RateLimits } from './rate-limit.js';
import type { Session } from './session.js';

/** How the limiter answers and closes; the core supplies these once, not per connection. */
export interface LimitActions {
  reply(session: Session, code: ErrorCode, message?: string, ref?: string): void;
  close(session: Session, code: number, reason: string): void;
}

/** The message limits of one core; without `limits` every frame passes. */
export class MessageLimiter {
  constructor(
    private readonly limits: RateLimits | undefined,
    private readonly now: () => number,
    private readonly actions: LimitActions,
    private readonly observer: CoreObserver,
  ) {}

  /** Take a token for one incoming frame; false when the frame is dropped (or the sender closed). */
  admit(session: Session): boolean {
    if (session.state === 'closed') return false;
    if (!this.limits) return true;
    const verdict = takeMessageToken(session, this.now(), this.limits);
    if (verdict === 'accept') return true;
    this.observer.rateLimited();
    if (verdict === 'drop-and-warn') {
      session.log.info({ code: 'RATE_LIMITED' }, 'rate limited');
      this.actions.reply(session, 'RATE_LIMITED');
    } else if (verdict === 'close') {
      session.log.warn({ code: 'RATE_LIMITED' }, 'kept flooding: connection closed');
      this.actions.reply(session, 'RATE_LIMITED', 'Too many messages; closing the connection');
      this.actions.close(session, CLOSE_CODES.POLICY.code, 'Too many messages');
    }
    return false;
  }

  /**
   * Take a room-change token for a JOIN_ROOM or LEAVE_ROOM; false when the session is over its
   * room-change budget (the caller refuses the change with `RATE_LIMITED`).
   */
  admitRoomChange(session: Session): boolean {
    const budget = this.limits?.roomChanges;
    if (!budget || takeRoomChangeToken(session, this.now(), budget)) return true;
    this.observer.rateLimited();
    return false;
  }

  /** Answer a frame that failed to decode, and close a sender that keeps sending such frames. */
  refuseInvalid(session: Session, code: ErrorCode, message?: string, ref?: string): void {
    if (this.limits && countInvalidMessage(session, this.now(), this.limits)) {
      session.log.warn({ code: 'TOO_MANY_INVALID' }, 'too many invalid messages: connection closed');
      this.actions.reply(session, 'TOO_MANY_INVALID');
      const { closeCode, message: reason } = ERROR_CODES.TOO_MANY_INVALID;
      this.actions.close(session, closeCode, reason);
      return;
    }
    this.actions.reply(session, code, message, ref);
  }
}
