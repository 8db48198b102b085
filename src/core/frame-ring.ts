/**
 * A ring of frames as bytes: every frame is copied into one buffer, one after the other (a frame
 * may wrap around the end), and its position, length and counted size are numbers in a typed array.
 * Nothing is kept per frame as a JavaScript object, so a busy session's recent frames give the
 * garbage collector nothing to copy or promote (they were Buffers kept for the receiver's next 64
 * frames: long enough to survive young-generation collections and be promoted, and old-generation
 * collections followed).
 *
 * Both arrays grow by doubling as frames need room, from small sizes, and `compact` cuts them to
 * what the frames use (the replay log does when a burst left its ring four times too large, and
 * when its session is held). The bounds themselves (frames, bytes) are the caller's, who drops the
 * oldest frames before pushing (`dropOldest`).
 */

/** Bytes of a new ring's buffer (grown by doubling). */
const FIRST_BYTES = 2048;
/** Frames of a new ring's index (grown by doubling, up to the caller's frame bound). */
const FIRST_SLOTS = 8;
/** Numbers per frame in the index: position in the buffer, length in bytes, counted size. */
const STRIDE = 3;

/** Frames as bytes in one buffer, oldest first. */
export class FrameRing {
  private data: Buffer;
  private index: Int32Array;
  /** Index slot of the oldest frame. */
  private first = 0;
  /** Frames kept. */
  private frames = 0;
  /** Bytes of the buffer in use, from the oldest frame's position (wrapping). */
  private used = 0;
  /** Sum of the kept frames' sizes, as given to `push*` (what the caller's byte bound counts). */
  private sizes = 0;

  constructor(
    /** Most frames the ring will be asked to hold (the index never grows beyond it). */
    private readonly maxFrames: number,
    bytes = FIRST_BYTES,
  ) {
    this.data = Buffer.allocUnsafeSlow(bytes);
    this.index = new Int32Array(Math.min(FIRST_SLOTS, maxFrames) * STRIDE);
  }

  /** Frames kept. */
  get count(): number {
    return this.frames;
  }

  /** Sum of the kept frames' sizes. */
  get size(): number {
    return this.sizes;
  }

  /** Bytes of the buffer the frames use. */
  get bytesInUse(): number {
    return this.used;
  }

  /** Bytes allocated for frames (the buffer's length). */
  get capacity(): number {
    return this.data.length;
  }

  /** Copy `bytes` in as the newest frame, counted as `size`. The caller keeps `count < maxFrames`. */
  pushBytes(bytes: Uint8Array, size: number): void {
    const at = this.reserve(bytes.length, size);
    const data = this.data;
    const room = data.length - at;
    if (bytes.length <= room) data.set(bytes, at);
    else {
      data.set(bytes.subarray(0, room), at);
      data.set(bytes.subarray(room), 0);
    }
  }

  /** Copy `text` in (UTF-8) as the newest frame, counted as `size`. */
  pushText(text: string, size: number): void {
    const length = Buffer.byteLength(text);
    const at = this.reserve(length, size);
    if (length <= this.data.length - at) this.data.write(text, at, length, 'utf8');
    else this.pushWrapped(Buffer.from(text, 'utf8'), at);
  }

  /** Forget the `n` oldest frames (all of them if `n` is more). */
  dropOldest(n = 1): void {
    const slots = this.index.length / STRIDE;
    for (let i = 0; i < n && this.frames > 0; i++) {
      const at = this.first * STRIDE;
      this.used -= this.index[at + 1]!;
      this.sizes -= this.index[at + 2]!;
      this.first = (this.first + 1) % slots;
      this.frames--;
    }
    if (this.frames === 0) {
      this.first = 0;
      this.used = 0;
    }
  }

  /**
   * Cut the buffer and the index to exactly what the frames use (for a log that stops growing: a
   * held peer's, whose bytes the node's budget counts). Pushing again grows them as before.
   */
  compact(): void {
    this.relayout(Math.max(this.used, 1));
    const index = new Int32Array(Math.max(this.frames, 1) * STRIDE);
    this.copyIndexTo(index);
    this.index = index;
    this.first = 0;
  }

  /** Size of the oldest frame (0 when empty). */
  oldestSize(): number {
    return this.frames === 0 ? 0 : this.index[this.first * STRIDE + 2]!;
  }

  /** The newest `n` frames as text, oldest first. */
  newest(n: number): string[] {
    const out: string[] = [];
    for (let i = this.frames - Math.min(n, this.frames); i < this.frames; i++) out.push(this.text(i));
    return out;
  }

  /** Frame `i` (0 is the oldest) decoded as UTF-8. */
  private text(i: number): string {
    const at = ((this.first + i) % (this.index.length / STRIDE)) * STRIDE;
    const pos = this.index[at]!;
    const length = this.index[at + 1]!;
    const data = this.data;
    if (pos + length <= data.length) return data.toString('utf8', pos, pos + length);
    // Wrapped: join the two parts before decoding (a character may be split between them).
    return Buffer.concat([data.subarray(pos), data.subarray(0, pos + length - data.length)]).toString('utf8');
  }

  private pushWrapped(bytes: Buffer, at: number): void {
    const room = this.data.length - at;
    bytes.copy(this.data, at, 0, room);
    bytes.copy(this.data, 0, room);
  }

  /** Room for a frame of `length` bytes: grows what must grow, indexes it, returns its position. */
  private reserve(length: number, size: number): number {
    if (this.used + length > this.data.length) this.growData(this.used + length);
    if (this.frames === this.index.length / STRIDE) this.growIndex();
    const slots = this.index.length / STRIDE;
    const start = this.frames === 0 ? 0 : this.index[this.first * STRIDE]!;
    const at = (start + this.used) % this.data.length;
    const slot = ((this.first + this.frames) % slots) * STRIDE;
    this.index[slot] = at;
    this.index[slot + 1] = length;
    this.index[slot + 2] = size;
    this.frames++;
    this.used += length;
    this.sizes += size;
    return at;
  }

  /** A buffer of at least `need` bytes (doubling), the frames laid out from 0 in order. */
  private growData(need: number): void {
    let bytes = this.data.length * 2;
    while (bytes < need) bytes *= 2;
    this.relayout(bytes);
  }

  /** A new buffer of `bytes`, the frames laid out from 0 in order. */
  private relayout(bytes: number): void {
    const old = this.data;
    const data = Buffer.allocUnsafeSlow(bytes);
    if (this.frames > 0) {
      const start = this.index[this.first * STRIDE]!;
      const end = start + this.used;
      if (end <= old.length) old.copy(data, 0, start, end);
      else {
        old.copy(data, 0, start);
        old.copy(data, old.length - start, 0, end - old.length);
      }
      const slots = this.index.length / STRIDE;
      for (let i = 0; i < this.frames; i++) {
        const at = ((this.first + i) % slots) * STRIDE;
        this.index[at] = (this.index[at]! - start + old.length) % old.length;
      }
    }
    this.data = data;
  }

  /** Twice the slots (at most `maxFrames`), the frames moved to slot 0 on in order. */
  private growIndex(): void {
    const slots = this.index.length / STRIDE;
    const index = new Int32Array(Math.max(slots + 1, Math.min(slots * 2, this.maxFrames)) * STRIDE);
    this.copyIndexTo(index);
    this.index = index;
    this.first = 0;
  }

  /** The frames' entries, oldest first, into `index` from slot 0. */
  private copyIndexTo(index: Int32Array): void {
    const slots = this.index.length / STRIDE;
    for (let i = 0; i < this.frames; i++) {
      const from = ((this.first + i) % slots) * STRIDE;
      index.set(this.index.subarray(from, from + STRIDE), i * STRIDE);
    }
  }
}
