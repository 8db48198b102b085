/**
 * Frame counts and the last frames sent, per identified session, so a resume loses nothing that
 * was in flight when the connection died: the client says how many frames it received, the server
 * replays the rest from here and says how many it processed, and the client re-sends the rest.
 *
 * Frames the client has shown it read (it answered a heartbeat ping sent after them) are not kept,
 * so an idle session keeps none.
 *
 * Relayed signals are kept as their UTF-8 bytes (the frame's bytes, which the transport writes),
 * not as strings: every relayed frame stays in some log for a while, and kept strings are copied
 * by each young generation GC they live through, while a Buffer's bytes are not (only its small
 * header object). Other frames (room events, the few an idle peer keeps for long) stay strings: a
 * small Buffer would pin its 8 KB allocation pool, which costs an idle connection more than the
 * string. Neither keeps the frame object itself: that would cost every idle connection more.
 */
import { frameFromText, isSignal, type OutFrame } from '../../protocol/frame.js';

/** A kept frame: a relayed signal's bytes, or the text of any other frame. */
type Kept = Uint8Array | string;

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
   * A ring: the oldest kept frame is at `head`, the next ones follow (wrapping). It grows up to
   * `maxFrames`, and then frames are overwritten in place: shifting the oldest out moved every
   * other element and wrote each slot again. `null` until the first frame, and a short ring is an
   * array of exactly its length: most idle sessions keep one or two frames (their room's
   * announcements), and an empty array plus the 17-slot store a first `push` makes cost about
   * 180 B per idle connection.
   */
  private frames: Kept[] | null = null;
  private head = 0;
  private count = 0;
  private keptBytes = 0;

  constructor(
    private readonly bounds: ReplayBounds,
    inCount = 0,
    outCount = 0,
    frames: string[] = [],
  ) {
    this.inCount = inCount;
    this.outCount = outCount;
    for (const frame of frames) this.keep(kept(frameFromText(frame)));
  }

  /** Bytes of the kept frames, as bounded by `maxBytes`. */
  get bytes(): number {
    return this.keptBytes;
  }

  /** A frame was sent to the client. */
  sent(frame: OutFrame): void {
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

  /**
   * The client has read the first `count` frames (it answered a probe sent after them): forget
   * those still kept. A resume must then say it received at least `count`, or it is refused.
   */
  readUpTo(count: number): void {
    // A count above what was sent is no proof of anything (a client echoing a made-up probe).
    if (this.count === 0 || count > this.outCount) return;
    const read = count - (this.outCount - this.count);
    if (read <= 0) return;
    if (read >= this.count) {
      this.frames = null;
      this.head = 0;
      this.count = 0;
      this.keptBytes = 0;
      return;
    }
    for (let i = 0; i < read; i++) this.dropOldest();
  }

  /** The newest `n` frames, oldest first. */
  private oldestFirst(n: number): Kept[] {
    const frames = this.frames;
    const out: Kept[] = [];
    if (frames === null) return out;
    for (let i = this.count - n; i < this.count; i++) {
      out.push(frames[(this.head + i) % frames.length] as Kept);
    }
    return out;
  }

  private keep(frame: Kept): void {
    const frames = this.frames;
    if (frames === null) {
      this.frames = [frame];
    } else if (this.count < frames.length) {
      frames[(this.head + this.count) % frames.length] = frame;
    } else if (frames.length < this.bounds.maxFrames) {
      // Full but may still grow: lay the ring out from 0 again (if it wrapped) and append. A
      // short ring grows by concat, into an array of exactly the new length (push leaves slack).
      const ordered = this.head === 0 ? frames : this.oldestFirst(this.count);
      this.head = 0;
      if (ordered.length < EXACT_UP_TO) this.frames = ordered.concat(frame);
      else {
        ordered.push(frame);
        this.frames = ordered;
      }
    } else {
      this.dropOldest();
      frames[(this.head + this.count) % frames.length] = frame;
    }
    this.count++;
    this.keptBytes += frame.length;
    while (this.keptBytes > this.bounds.maxBytes && this.count > 1) this.dropOldest();
  }

  private dropOldest(): void {
    const frames = this.frames as Kept[];
    const oldest = frames[this.head] as Kept;
    this.keptBytes -= oldest.length;
    frames[this.head] = EMPTY;
    this.head = (this.head + 1) % frames.length;
    this.count--;
  }
}

/** Rings up to this long are arrays of exactly their length. */
const EXACT_UP_TO = 8;

/** Stands in the slot of a dropped frame, so the ring does not keep it alive. */
const EMPTY = '';

// Bytes counts a signal's bytes, and string length in UTF-16 units for the rest (mostly ASCII):
// near enough for a bound.
function kept(frame: OutFrame): Kept {
  return isSignal(frame) ? frame.bytes : frame.text;
}

function text(frame: Kept): string {
  return typeof frame === 'string'
    ? frame
    : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('utf8');
}
