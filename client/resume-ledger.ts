/**
 * What lets a reconnection resume the same session instead of starting a new one: the server's
 * resume token, and the frame counts that make a resume lose nothing and repeat nothing
 * (docs/reliability.md).
 */
import type { ClientMessageOf, ServerMessageOf } from '../protocol/messages.js';
import { SignalroomError } from './errors.js';
import { FrameLedger } from './frame-ledger.js';

/** The resume token and frame counts of a client's session, across its reconnections. */
export class ResumeLedger {
  /** The token from the last AUTH_SUCCESS; undefined when the next IDENTIFY starts a new session. */
  token: string | undefined;
  private readonly ledger: FrameLedger;
  /** The server's `received` count in the last resumed AUTH_SUCCESS. */
  private serverReceived: number | undefined;

  /** `maxKeptFrames`: how many sent frames are kept for repeating after a resume. */
  constructor(maxKeptFrames: number) {
    this.ledger = new FrameLedger(maxKeptFrames);
  }

  /** Fill in an IDENTIFY: resuming with `token` when there is one, else starting every count afresh. */
  prepareIdentify(message: ClientMessageOf<'IDENTIFY'>, token: string | undefined): void {
    if (token !== undefined) {
      message.resumeToken = token;
      message.received = this.ledger.received;
    } else {
      this.ledger.reset();
    }
  }

  /** Record an AUTH_SUCCESS: the next token, and how many of our frames the server processed. */
  identified(message: ServerMessageOf<'AUTH_SUCCESS'>): void {
    this.token = message.resumeToken;
    this.serverReceived = message.received;
    if (message.resumed !== true) this.ledger.received = 0;
  }

  /** A frame other than AUTH_SUCCESS or AUTH_ERROR arrived. */
  frameReceived(): void {
    this.ledger.received++;
  }

  /** A frame was written after IDENTIFY: counted and kept until a resume confirms it arrived. */
  frameSent(frame: string): void {
    this.ledger.sent(frame);
  }

  /** Frames written after IDENTIFY so far: the number of the last one written (the server's `frame`). */
  get framesSent(): number {
    return this.ledger.sentTotal;
  }

  /**
   * After a resume: the frames written to the dead socket that the server never processed, to be
   * written again (and counted again). Throws CONNECTION_FAILED when they are no longer all kept.
   */
  framesToRepeat(): string[] {
    const unprocessed = this.serverReceived === undefined ? [] : this.ledger.unprocessed(this.serverReceived);
    if (unprocessed === null) {
      // Too many to repeat: a fresh session is better than one with a silent gap.
      this.token = undefined;
      throw SignalroomError.client('CONNECTION_FAILED', 'Cannot resume without a gap; identifying again');
    }
    if (this.serverReceived !== undefined) this.ledger.rewind(this.serverReceived);
    return unprocessed;
  }

  /** Forget the token, so the next IDENTIFY starts a new session; false when there was none. */
  dropToken(): boolean {
    if (this.token === undefined) return false;
    this.token = undefined;
    return true;
  }
}
