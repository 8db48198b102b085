/**
 * Frame counts and the last frames sent, per identified session, so a resume loses nothing that
 * was in flight when the connection died: the client says how many frames it received, the server
 * replays the rest from here and says how many it processed, and the client re-sends the rest.
 *
 * Relayed signals are kept as their UTF-8 bytes (the Buffer the transport writes), not as
 * strings: every relayed frame stays in some log for a while, and kept strings are copied by each
 * young generation GC they live through, while a Buffer's bytes are not (only its small header
 * object). Other frames (room events, the few an idle peer keeps for long) stay strings: a small
 * Buffer would pin its 8 KB allocation pool, which costs an idle connection more than the string.
 */
import { frameBytes, isSignal } from './frame-bytes.js';

/** A kept frame: a relayed signal's bytes, or the text of any other frame. */
type Kept = Buffer | string;

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
  /**
   * A ring: the oldest kept frame is at `head`, the next ones follow (wrapping). It grows by push
   * up to `maxFrames` (an idle session keeps a short array), and then frames are overwritten in
   * place: shifting the oldest out moved every other element and wrote each slot again.
   */
  private frames: Kept[];
  private head = 0;
  private count = 0;
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
    for (const frame of frames) this.keep(kept(frame));
  }

  /** A frame was sent to the client. */
  sent(frame: string): void {
    this.outCount++;
    this.keep(kept(frame));
  }

  /** The logged frames, oldest first; the last is frame number `outCount`. */
  tail(): string[] {
    return this.oldestFirst(this.count).map(text);
  }

  /**
   * The frames after the client's `received` count, or `null` when the log no longer holds them
   * all (or the count is impossible).
   */
  missing(received: number): string[] | null {
    const count = this.outCount - received;
    if (count < 0 || count > this.count) return null;
    return this.oldestFirst(count).map(text);
  }

  /** The newest `n` frames, oldest first. */
  private oldestFirst(n: number): Kept[] {
    const out: Kept[] = [];
    for (let i = this.count - n; i < this.count; i++) {
      out.push(this.frames[(this.head + i) % this.frames.length] as Kept);
    }
    return out;
  }

  private keep(frame: Kept): void {
    const size = this.frames.length;
    if (this.count < size) {
      this.frames[(this.head + this.count) % size] = frame;
    } else if (size < this.bounds.maxFrames) {
      // Full but may still grow: lay the ring out from 0 again (if it wrapped) and append.
      if (this.head !== 0) this.frames = this.oldestFirst(this.count);
      this.head = 0;
      this.frames.push(frame);
    } else {
      this.dropOldest();
      this.frames[(this.head + this.count) % size] = frame;
    }
    this.count++;
    this.bytes += frame.length;
    while (this.bytes > this.bounds.maxBytes && this.count > 1) this.dropOldest();
  }

  private dropOldest(): void {
    const oldest = this.frames[this.head] as Kept;
    this.bytes -= oldest.length;
    this.frames[this.head] = EMPTY;
    this.head = (this.head + 1) % this.frames.length;
    this.count--;
  }
}

/** Stands in the slot of a dropped frame, so the ring does not keep it alive. */
const EMPTY = '';

// Bytes counts Buffer bytes, and string length in UTF-16 units for the rest (mostly ASCII): near
// enough for a bound.
function kept(frame: string): Kept {
  return isSignal(frame) ? frameBytes(frame) : frame;
}

function text(frame: Kept): string {
  return typeof frame === 'string' ? frame : frame.toString('utf8');
}
