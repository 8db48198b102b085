/**
 * Signals sent while reconnecting, held as frames until the session is back. Bounded, dropping the
 * oldest first, so a long outage cannot grow it without limit.
 */

/** The bounded queue of signal frames that wait for the connection to come back. */
export class SignalQueue {
  private frames: string[] = [];

  constructor(private readonly maxFrames: number) {}

  /** Hold a frame; past the limit the oldest one is dropped. */
  hold(frame: string): void {
    this.frames.push(frame);
    if (this.frames.length > this.maxFrames) this.frames.shift();
  }

  /** Hand over every held frame, oldest first, and empty the queue. */
  take(): string[] {
    const frames = this.frames;
    this.frames = [];
    return frames;
  }

  /** Drop every held frame (they can no longer be delivered). */
  clear(): void {
    this.frames = [];
  }
}
