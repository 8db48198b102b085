/**
 * Applies the per-connection limits of rate-limit.ts and relay-budget.ts to sessions: decides,
 * answers and closes, so the frame queue only asks "may this frame go on?".
 *
 * Every refused frame is answered `RATE_LIMITED` with `retryAfterMs` and, once identified, its
 * number among the client's frames after IDENTIFY (`frame`), so a client knows exactly which
 * messages to send again. Refused frames still count as processed (the resume counts stay exact).
 */
import { CLOSE_CODES } from '../../protocol/close-codes.js';
import { encodeRateLimited } from '../../protocol/encode-rate-limited.js';
import { ERROR_CODES, type ErrorCode } from '../../protocol/error-codes.js';
import type { OutFrame } from '../../protocol/frame.js';
import type { CoreObserver } from './core-observer.js';
import {
  countInvalidMessage,
  messageRetryAfterMs,
  refundMessageToken,
  roomChangeRetryAfterMs,
  takeMessageToken,
  takeRoomChangeToken,
  type RateLimits,
} from './rate-limit.js';
import { noteDelivered, retryAfterMs, retryPace, takeRelayToken, type RelayLimits } from './relay-budget.js';
import type { Session } from './session.js';
import { restoreBudgets } from './session-budgets.js';

/** How the limiter answers and closes; the core supplies these once, not per connection. */
export interface LimitActions {
  reply(session: Session, code: ErrorCode, message?: string, ref?: string): void;
  /** Send a refusal already encoded (a `RATE_LIMITED` with its extra fields). */
  refuse(session: Session, code: ErrorCode, frame: OutFrame): void;
  close(session: Session, code: number, reason: string): void;
}

/** The message types that are signals (relayed to another peer). */
const SIGNAL_TYPES: ReadonlySet<string> = new Set(['SDP_OFFER', 'SDP_ANSWER', 'ICE_CANDIDATE']);

/** The message limits of one core; without `limits` every frame passes. */
export class MessageLimiter {
  private readonly relays: RelayLimits | undefined;

  constructor(
    private readonly limits: RateLimits | undefined,
    private readonly now: () => number,
    private readonly actions: LimitActions,
    private readonly observer: CoreObserver,
  ) {
    this.relays = limits && {
      perSecond: limits.messagesPerSecond,
      burst: limits.burst,
      perPeerPerSecond: limits.relays?.perPeerPerSecond ?? 0,
      perPeerBurst: limits.relays?.perPeerBurst ?? 0,
    };
  }

  /**
   * Take a token for one incoming frame, before it is decoded. False when the frame is dropped:
   * the caller refuses it in its turn ({@link refuseDropped}), unless the sender was closed.
   */
  admit(session: Session): boolean {
    if (session.state === 'closed') return false;
    if (!this.limits) return true;
    const verdict = takeMessageToken(session, this.now(), this.limits);
    if (verdict === 'accept') return true;
    this.observer.rateLimited();
    if (verdict === 'close') {
      session.log.warn({ code: 'RATE_LIMITED' }, 'kept flooding: connection closed');
      this.actions.reply(session, 'RATE_LIMITED', 'Too many messages; closing the connection');
      this.actions.close(session, CLOSE_CODES.POLICY.code, 'Too many messages');
    }
    return false;
  }

  /** Answer a frame {@link admit} dropped, now that its turn has come (it has been counted). */
  refuseDropped(session: Session): void {
    if (!this.limits || session.state === 'closed') return;
    const retry = messageRetryAfterMs(session, this.now(), this.limits);
    this.actions.refuse(
      session,
      'RATE_LIMITED',
      encodeRateLimited({ retryAfterMs: retry, frame: frameNumber(session) }),
    );
  }

  /**
   * The budgets that need the decoded type: a signal gives its message token back and takes one
   * of the relay budget; a room change takes one of the room-change budget. False when the frame
   * is refused (answered here, and the sender closed if it kept flooding).
   */
  admitDecoded(session: Session, type: string): boolean {
    if (!this.limits || session.state !== 'identified') return true;
    if (SIGNAL_TYPES.has(type)) return this.admitSignal(session, type, this.limits);
    if (type === 'JOIN_ROOM' || type === 'LEAVE_ROOM') return this.admitRoomChange(session, type);
    return true;
  }

  /**
   * `session` resumed a held peer: it takes over the peer's budgets as they were at the drop
   * (`saved`, session-budgets.ts; `null`: none were saved, it keeps its fresh ones), charged with
   * what this connection sent so far; then the room events queued meanwhile (`queued`, delivered
   * after this) are counted as if they had been delivered live.
   */
  resumed(session: Session, saved: readonly number[] | null, queued: readonly OutFrame[]): void {
    if (!this.limits) return;
    if (saved) restoreBudgets(session, saved, this.now(), this.limits);
    for (const frame of queued) this.noteDelivered(session, frame);
  }

  /** A frame went to `session`: room events change what its signal budget is sized for. */
  noteDelivered(session: Session, frame: OutFrame): void {
    if (this.relays) noteDelivered(session, frame, this.now, this.relays);
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

  private admitSignal(session: Session, type: string, limits: RateLimits): boolean {
    refundMessageToken(session, limits);
    const now = this.now();
    const relays = this.relays as RelayLimits;
    const verdict = takeRelayToken(session, now, relays);
    if (verdict === 'accept') return true;
    this.observer.rateLimited();
    const frame = frameNumber(session);
    const retry = retryAfterMs(session, now);
    if (verdict === 'close') {
      session.log.warn({ code: 'RATE_LIMITED' }, 'kept sending signals while refused: connection closed');
      const message = 'Too many signals; closing the connection';
      this.actions.refuse(
        session,
        'RATE_LIMITED',
        encodeRateLimited({ message, ref: type, retryAfterMs: retry, frame }),
      );
      this.actions.close(session, CLOSE_CODES.POLICY.code, 'Too many messages');
      return false;
    }
    const message = `Too many signals; send this one and those after it again in ${Math.ceil(retry)} ms`;
    const { atOnce: retryBurst, perSecond: retryPerSecond } = retryPace(session, relays);
    this.actions.refuse(
      session,
      'RATE_LIMITED',
      encodeRateLimited({ message, ref: type, retryAfterMs: retry, frame, retryBurst, retryPerSecond }),
    );
    return false;
  }

  /** Room changes are announced to whole rooms: they have a budget of their own (rate-limit.ts). */
  private admitRoomChange(session: Session, type: string): boolean {
    const budget = this.limits?.roomChanges;
    const now = this.now();
    if (!budget || takeRoomChangeToken(session, now, budget)) return true;
    this.observer.rateLimited();
    const message = 'Too many room changes (JOIN_ROOM, LEAVE_ROOM); slow down';
    const retry = roomChangeRetryAfterMs(session, now, budget);
    this.actions.refuse(
      session,
      'RATE_LIMITED',
      encodeRateLimited({ message, ref: type, retryAfterMs: retry, frame: frameNumber(session) }),
    );
    return false;
  }
}

/**
 * The number of the frame being processed among the client's frames after IDENTIFY (1 is the
 * first), or undefined before identification. The resume counts when resume is on, else the
 * session's own count.
 */
export function frameNumber(session: Session): number | undefined {
  if (session.state !== 'identified' && session.state !== 'held') return undefined;
  return session.replay?.inCount ?? session.framesIn;
}
