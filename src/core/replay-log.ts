/**
 * Frame counts and the last frames sent, per identified session, so a resume loses nothing that
 * was in flight when the connection died: the client says how many frames it received, the server
 * replays the rest from here and says how many it processed, and the client re-sends the rest.
 *
 * Frames the client has shown it read (it answered a heartbeat ping sent after them) are not kept,
 * so an idle session keeps none.
 *
 * Two forms, so that idle connections pay nothing for what busy ones need. Until the session is
 * sent a relayed signal (or more than a few frames), the log is an array of the texts of its few
 * frames (room events: an idle peer keeps one or two until the next heartbeat round), exactly as
 * long as it needs. From then on the frames are copied into a {@link FrameRing}: one buffer and a
 * typed array of offsets, grown by doubling as needed, with no object per frame for the garbage
 * collector (a relayed frame kept as a Buffer lived through the receiver's next 64 frames, long
 * enough to be promoted, and old-generation collections followed). When the client has shown it
 * read every frame, the log returns to its first form and the ring is freed.
 */
import { frameFromText, isSignal, type OutFrame } from '../../protocol/frame.js';
import { FrameRing } from './frame-ring.js';

/** Bounds of the replay log. */
export interface ReplayBounds {
  maxFrames: number;
  maxBytes: number;
}

/** Frames kept as texts in an array before the log moves to a ring. */
const TEXTS_UP_TO = 8;

/** Counters and a bounded log of the most recent frames sent to one client. */
export class ReplayLog {
  /** Frames processed from the client after its IDENTIFY. */
  inCount: number;
  /** Frames sent to the client after AUTH_SUCCESS. */
  outCount: number;
  /** The kept frames' texts, oldest first, while there are few and none is a signal; else `null`. */
  private texts: string[] | null = null;
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
    return this.ring !== null ? this.ring.size : lengths(this.texts);
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
      this.ring = null;
    } else if (this.ring !== null) this.ring.dropOldest(read);
    else this.texts = (this.texts as string[]).slice(read);
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
    const signal = isSignal(frame);
    if (this.ring === null && (signal || (this.texts?.length ?? 0) >= TEXTS_UP_TO)) this.toRing();
    const { maxFrames, maxBytes } = this.bounds;
    const ring = this.ring;
    if (ring === null) {
      // Few frames: an array of exactly their number (push leaves slack, an idle connection pays).
      let texts = this.texts === null ? [frame.text] : this.texts.concat(frame.text);
      while (texts.length > maxFrames || (texts.length > 1 && lengths(texts) > maxBytes))
        texts = texts.slice(1);
      this.texts = texts;
      return;
    }
    // The newest frame is always kept, whatever its size; the oldest make room for it.
    const bytes = signal ? frame.bytes : null;
    const size = bytes !== null ? bytes.length : frame.text.length;
    while (ring.count > 0 && (ring.count >= maxFrames || ring.size + size > maxBytes)) ring.dropOldest();
    if (bytes !== null) ring.pushBytes(bytes, size);
    else ring.pushText(frame.text, size);
  }

  /** Move the kept texts into a new ring. */
  private toRing(): void {
    const ring = new FrameRing(this.bounds.maxFrames);
    for (const text of this.texts ?? []) ring.pushText(text, text.length);
    this.ring = ring;
    this.texts = null;
  }
}

/** Sum of the texts' lengths. */
function lengths(texts: string[] | null): number {
  let n = 0;
  if (texts !== null) for (const text of texts) n += text.length;
  return n;
}
