/**
 * Frame counts and the last frames sent, per identified session, so a resume loses nothing that
 * was in flight when the connection died: the client says how many frames it received, the server
 * replays the rest from here and says how many it processed, and the client re-sends the rest.
 *
 * The frames are kept as their UTF-8 bytes (the Buffer the transport writes), not as strings:
 * every relayed frame stays in some log for a while, and kept strings are copied by each young
 * generation GC they live through, while a Buffer's bytes are not (only its small header object).
 */
import { frameBytes } from './frame-bytes.js';

/** Bounds of the replay log. */
export interface ReplayBounds {
  maxFrames: number;
  maxBytes: number;
}

/** Counters and a bounded log of the most recent frames sent to one client. */
export class ReplayLog {
  /** Frames processed from the client after its IDENTIFY. */
  inCount: number;
  /** Frames sent to the client after AUTH_SUCCESS. */
  outCount: number;
  private readonly frames: Buffer[];
  private bytes = 0;

  constructor(
    private readonly bounds: ReplayBounds,
    inCount = 0,
    outCount = 0,
    frames: string[] = [],
  ) {
    this.inCount = inCount;
    this.outCount = outCount;
    this.frames = [];
    for (const frame of frames) this.keep(frameBytes(frame));
  }

  /** A frame was sent to the client. */
  sent(frame: string): void {
    this.outCount++;
    this.keep(frameBytes(frame));
  }

  /** The logged frames, oldest first; the last is frame number `outCount`. */
  tail(): string[] {
    return this.frames.map(text);
  }

  /**
   * The frames after the client's `received` count, or `null` when the log no longer holds them
   * all (or the count is impossible).
   */
  missing(received: number): string[] | null {
    const count = this.outCount - received;
    if (count < 0 || count > this.frames.length) return null;
    return count === 0 ? [] : this.frames.slice(this.frames.length - count).map(text);
  }

  private keep(frame: Buffer): void {
    this.frames.push(frame);
    this.bytes += frame.length;
    while (
      this.frames.length > this.bounds.maxFrames ||
      (this.bytes > this.bounds.maxBytes && this.frames.length > 1)
    ) {
      this.bytes -= (this.frames.shift() as Buffer).length;
    }
  }
}

function text(frame: Buffer): string {
  return frame.toString('utf8');
}
