/**
 * The per-connection frame queue. Frames of one connection are handled strictly in order. Relay and
 * ping are synchronous (the hot path has no promise in it); identify, join and leave await the
 * backend, and frames arriving meanwhile wait in the session's `pending` list.
 */
import { CLOSE_CODES } from '../../protocol/close-codes.js';
import { decodeClientFrame } from '../../protocol/decode.js';
import { isAuthErrorCode } from '../../protocol/error-codes.js';
import type { ClientMessage } from '../../protocol/messages.js';
import type { CoreObserver } from './core-observer.js';
import type { MessageLimiter } from './message-limits.js';
import type { RefusalSubject, Refusals } from './refusals.js';
import { BINARY_FRAME, DROPPED_FRAME, type QueuedFrame, type Session } from './session.js';
import type { SessionLife } from './session-life.js';
import { SignalError } from './signal-error.js';

/** Acts on one decoded message; `frame` is the text `msg` was parsed from, which the relay may reuse. */
export type Dispatch = (session: Session, msg: ClientMessage, frame: string) => void;

/** Admits, queues and decodes the frames of every connection, and runs their async steps one at a time. */
export class FrameQueue {
  constructor(
    private readonly limiter: MessageLimiter,
    private readonly refusals: Refusals,
    private readonly life: SessionLife,
    private readonly observer: CoreObserver,
    /** Frames a connection may queue behind a running step; beyond it the connection is closed. */
    private readonly maxPendingFrames: number,
    /** Given once by the core, not per connection or per frame. */
    private readonly dispatch: Dispatch,
  ) {}

  /** A frame arrived: process it now, or queue it behind the step that is running. */
  onFrame(session: Session, frame: QueuedFrame): void {
    if (!this.limiter.admit(session)) {
      // Dropped unread, but refused and counted in its turn: the client numbers every frame.
      if (session.state === 'closed') return;
      frame = DROPPED_FRAME;
    }
    if (session.pending !== null) {
      if (session.pending.length >= this.maxPendingFrames) {
        session.log.warn({ code: 'RATE_LIMITED' }, 'too many frames queued behind a pending step');
        this.observer.rateLimited();
        this.life.close(session, CLOSE_CODES.POLICY.code, 'Too many messages');
        return;
      }
      session.pending.push(frame);
      return;
    }
    this.process(session, frame);
  }

  /**
   * Run an async step; frames arriving meanwhile wait and are processed in order afterwards.
   * `subject` names what the step is about (the username, the room), for the log of a refusal.
   */
  runStep(session: Session, ref: string, step: () => Promise<void>, subject?: RefusalSubject): void {
    session.pending = [];
    session.busy = step()
      .catch((err: unknown) => this.refusals.fail(session, err, ref, subject))
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

  /**
   * Count a frame of the client's, in order. Counted when processed, not when received: frames
   * still waiting at a drop are re-sent by the client.
   */
  private count(session: Session): void {
    if (session.replay !== null) {
      session.replay.inCount++;
      // Any frame after a resume means the client read its AUTH_SUCCESS and has the new token.
      session.previousResumeTokenKey = '';
    } else if (session.state === 'identified') {
      session.framesIn++;
    }
  }

  private process(session: Session, frame: QueuedFrame): void {
    if (frame === DROPPED_FRAME) {
      this.count(session);
      this.limiter.refuseDropped(session);
      return;
    }
    if (frame === BINARY_FRAME) {
      this.observer.messageIn('invalid');
      this.limiter.refuseInvalid(session, 'BINARY_NOT_SUPPORTED');
      return;
    }
    this.count(session);
    const decoded = decodeClientFrame(frame);
    if (!decoded.ok) {
      this.observer.messageIn('invalid');
      if (isAuthErrorCode(decoded.code)) {
        // An IDENTIFY the decoder already refused on a username rule: refused like the core's own checks.
        if (session.state === 'new')
          this.refusals.fail(session, new SignalError(decoded.code, decoded.message), 'IDENTIFY');
        else this.refusals.reply(session, 'ALREADY_IDENTIFIED', undefined, 'IDENTIFY');
        return;
      }
      this.limiter.refuseInvalid(session, decoded.code, decoded.message, decoded.ref);
      return;
    }
    const msg = decoded.message;
    this.observer.messageIn(msg.type);
    if (!this.limiter.admitDecoded(session, msg.type)) return;
    try {
      this.dispatch(session, msg, frame);
    } catch (err) {
      this.refusals.fail(session, err, msg.type);
    }
  }
}
