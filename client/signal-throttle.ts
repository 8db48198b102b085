/**
 * Signals the server refused for its rate limit, held and sent again in order (docs/protocol.md,
 * "Retrying refused messages"). The server names each refused frame by its number among the
 * frames this client sent after IDENTIFY, and refuses every later signal until the client has
 * kept quiet; so once a refusal is heard, new signals wait behind the refused ones, and after the
 * refusal's `retryAfterMs` all of them go out in their order. Nothing is dropped, and the order
 * of signals per target is kept.
 */

/** The refused and waiting signals of one client, by frame number. */
export class SignalThrottle {
  /** Signals written lately, by frame number, so a refusal can name one. */
  private readonly recent = new Map<number, string>();
  /** Refused signals in the order the server refused them (its processing order: frame order). */
  private readonly refusedFrames = new Map<number, string>();
  /** Signals the application sent while refused ones waited. */
  private waiting: string[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    /** How many recent signals are remembered, and how many may wait (the oldest waiting one goes first). */
    private readonly maxKept: number,
    /** Called when the wait is over, to send everything held again in order. */
    private readonly release: () => void,
  ) {}

  /** True while signals wait for a refusal's retry time: new signals must wait behind them. */
  get holding(): boolean {
    return this.refusedFrames.size > 0 || this.waiting.length > 0;
  }

  /** How many signals are held (refused and waiting). */
  get held(): number {
    return this.refusedFrames.size + this.waiting.length;
  }

  /** A signal was written as frame number `frameNumber`. */
  sent(frameNumber: number, frame: string): void {
    // After a resume the numbers of frames written again repeat: the newest text wins.
    this.recent.delete(frameNumber);
    this.recent.set(frameNumber, frame);
    if (this.recent.size > this.maxKept) this.recent.delete(this.recent.keys().next().value as number);
  }

  /** Hold a signal behind the refused ones. */
  hold(frame: string): void {
    this.waiting.push(frame);
    if (this.waiting.length > this.maxKept) this.waiting.shift();
  }

  /**
   * The server refused frame `frameNumber` (`RATE_LIMITED`): true when it was one of our signals,
   * which is then held, and sent again `retryAfterMs` from now (the latest refusal decides).
   */
  refuse(frameNumber: number, retryAfterMs: number): boolean {
    const frame = this.recent.get(frameNumber);
    if (frame === undefined) return false;
    this.recent.delete(frameNumber);
    this.refusedFrames.set(frameNumber, frame);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.release();
    }, retryAfterMs);
    return true;
  }

  /** True while the retry time of the latest refusal has not come yet. */
  get waitingForRetry(): boolean {
    return this.timer !== null;
  }

  /** Everything held, refused first, then waiting, each in order; the throttle is empty after. */
  take(): { refused: string[]; waiting: string[] } {
    const refused = [...this.refusedFrames.values()];
    const waiting = this.waiting;
    this.refusedFrames.clear();
    this.waiting = [];
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    return { refused, waiting };
  }

  /** Forget everything (a new session: the held signals name peers of the old one). */
  clear(): void {
    this.take();
    this.recent.clear();
  }
}

/** True for the frame of a signal (the SDK writes `type` first, as JSON.stringify of its messages). */
export function isSignalFrame(frame: string): boolean {
  return frame.startsWith('{"type":"SDP_') || frame.startsWith('{"type":"ICE_CANDIDATE"');
}
