/**
 * Frame counts and the last frames sent, per identified session, so a resume loses nothing that
 * was in flight when the connection died: the client says how many frames it received, the server
 * replays the rest from here and says how many it processed, and the client re-sends the rest.
 *
 * Frames the client has shown it read (it answered a heartbeat ping sent after them) are not kept,
 * so an idle session keeps none.
 *
 * Two forms, so that idle connections pay nothing for what busy ones need. Until the session is
 * sent a relayed signal, the log is an array of the texts of its frames (room events: an idle peer
 * keeps one or two until the next heartbeat round, in an array exactly as long up to 8; a member
 * of a room in a join storm keeps up to the frame bound). From its first signal on, the frames are
 * copied into a {@link FrameRing}: one buffer and a typed array of offsets, grown by doubling as
 * needed, with no object per frame for the garbage collector (a relayed frame kept as a Buffer
 * lived through the receiver's next 64 frames, long enough to be promoted, and old-generation
 * collections followed). When the client has shown it read every frame, the log returns to its
 * first form and the ring is freed. Room events stay texts until then: copying them into a ring
 * made a join storm's server CPU half as much again (200 peers, quick rounds), and they are few
 * where signals flow.
 */
import { frameFromText, isSignal, type OutFrame } from '../../protocol/frame.js';
import { FrameRing } from './frame-ring.js';

/** Bounds of the replay log. */
export interface ReplayBounds {
  maxFrames: number;
  maxBytes: number;
}

/** A ring this many times larger than its frames' bytes is cut when frames are acknowledged. */
const SHRINK_OVER = 4;
/** ...unless it is this small anyway (bytes). */
const SHRINK_FLOOR = 4096;

/** Texts arrays up to this long are exactly as long (push leaves slack, an idle connection pays). */
const EXACT_UP_TO = 8;

/** Counters and a bounded log of the most recent frames sent to one client. */
export class ReplayLog {
  /** Frames processed from the client after its IDENTIFY. */
  inCount: number;
  /** Frames sent to the client after AUTH_SUCCESS. */
  outCount: number;
  /** The kept frames' texts, oldest first, until the first signal; else `null`. */
  private texts: string[] | null = null;
  /** Sum of the texts' lengths. */
  private textBytes = 0;
  /** The kept frames once a signal was sent (or there were more than a few); else `null`. */
  private ring: FrameRing | null = null;

  constructor(
    private readonly bounds: ReplayBounds,
    inCount = 0,
    outCount = 0,
    frames: string[] = [],
  ) {
    this.inCount = inCount;
    this.outCount = outCount;
    for (const frame of frames) this.keep(frameFromText(frame));
  }

  /**
   * Bytes of the kept frames, as bounded by `maxBytes`: a signal's UTF-8 bytes, and string length
   * in UTF-16 units for the rest (mostly ASCII: near enough for a bound).
   */
  get bytes(): number {
    return this.ring !== null ? this.ring.size : this.textBytes;
  }

  /** A frame was sent to the client. */
  sent(frame: OutFrame): void {
    this.outCount++;
    this.keep(frame);
  }

  /** The logged frames, oldest first; the last is frame number `outCount`. */
  tail(): string[] {
    return this.newest(this.count);
  }

  /**
   * The frames after the client's `received` count, or `null` when the log no longer holds them
   * all (or the count is impossible).
   */
  missing(received: number): string[] | null {
    const count = this.outCount - received;
    if (count < 0 || count > this.count) return null;
    return this.newest(count);
  }

  /**
   * The client has read the first `count` frames (it answered a probe sent after them): forget
   * those still kept. A resume must then say it received at least `count`, or it is refused.
   */
  readUpTo(count: number): void {
    const kept = this.count;
    // A count above what was sent is no proof of anything (a client echoing a made-up probe).
    if (kept === 0 || count > this.outCount) return;
    const read = count - (this.outCount - kept);
    if (read <= 0) return;
    if (read >= kept) {
      this.texts = null;
      this.textBytes = 0;
      this.ring = null;
    } else if (this.ring !== null) {
      const ring = this.ring;
      ring.dropOldest(read);
      // A burst (a few large SDPs) grew the ring; a session that stays busy would keep it at its
      // peak for good. Once per heartbeat round, a ring four times larger than its frames is cut.
      if (ring.capacity > SHRINK_OVER * Math.max(ring.bytesInUse, SHRINK_FLOOR)) ring.compact();
    } else {
      const texts = (this.texts as string[]).slice(read);
      this.texts = texts;
      this.textBytes = lengths(texts);
    }
  }

  /**
   * The log stops growing (its session is held): cut its ring to what its frames use, so that the
   * held peers' budget, which counts {@link bytes}, counts what the log costs.
   */
  compact(): void {
    this.ring?.compact();
  }

  /** Frames kept. */
  private get count(): number {
    return this.ring !== null ? this.ring.count : (this.texts?.length ?? 0);
  }

  /** The newest `n` frames, oldest first. */
  private newest(n: number): string[] {
    if (this.ring !== null) return this.ring.newest(n);
    const texts = this.texts;
    return texts === null ? [] : texts.slice(texts.length - n);
  }

  private keep(frame: OutFrame): void {
    const { maxFrames, maxBytes } = this.bounds;
    if (this.ring === null) {
      if (!isSignal(frame)) {
        this.keepText(frame.text);
        return;
      }
      this.toRing();
    }
    const ring = this.ring as FrameRing;
    // The newest frame is always kept, whatever its size; the oldest make room for it.
    const signal = isSignal(frame);
    const bytes = signal ? frame.bytes : null;
    const size = bytes !== null ? bytes.length : frame.text.length;
    while (ring.count > 0 && (ring.count >= maxFrames || ring.size + size > maxBytes)) ring.dropOldest();
    if (bytes !== null) ring.pushBytes(bytes, size);
    else ring.pushText(frame.text, size);
  }

  private keepText(text: string): void {
    const { maxFrames, maxBytes } = this.bounds;
    let texts = this.texts;
    if (texts === null) texts = this.texts = [text];
    else if (texts.length < EXACT_UP_TO) texts = this.texts = texts.concat(text);
    else texts.push(text);
    this.textBytes += text.length;
    while (texts.length > maxFrames || (texts.length > 1 && this.textBytes > maxBytes)) {
      this.textBytes -= (texts.shift() as string).length;
    }
  }

  /** Move the kept texts into a new ring. */
  private toRing(): void {
    const ring = new FrameRing(this.bounds.maxFrames);
    for (const text of this.texts ?? []) ring.pushText(text, text.length);
    this.ring = ring;
    this.texts = null;
    this.textBytes = 0;
  }
}

/** Sum of the texts' lengths. */
function lengths(texts: string[] | null): number {
  let n = 0;
  if (texts !== null) for (const text of texts) n += text.length;
  return n;
}
