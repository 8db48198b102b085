/**
 * Signals the server refused for its rate limit, held and sent again in order (docs/protocol.md,
 * "Retrying refused messages"). The server names each refused frame by its number among the
 * frames this client sent after IDENTIFY, and refuses every later signal until the client has
 * kept quiet; so once a refusal is heard, new signals wait behind the refused ones, and after the
 * refusal's `retryAfterMs` they go out in their order. Nothing is dropped, and the order of
 * signals per target is kept.
 *
 * When the refusal says how many signals may go at once and how many a second after that
 * (`retryBurst`, `retryPerSecond`), the held signals are paced to it: sent all at once, a long
 * backlog (a mesh joiner's offers and candidates) would be refused again, and a server closes a
 * connection that keeps sending through refusals. Without those fields everything goes at once.
 */

/** How fast held signals may go once the retry time has come (from the latest refusal). */
export interface RetryPace {
  /** Signals at once. */
  atOnce: number;
  /** Signals a second after those. */
  perSecond: number;
}

// Paced a little under the server's refill, so timer jitter and signals bunched in transit do not
// overrun a bucket the client can only estimate.
const PACE_MARGIN = 0.9;
// Timers are not set finer than this: each one writes however many signals have become due.
const MIN_PACE_TICK_MS = 10;
// Nor coarser than this (a very slow pace still wakes up; setTimeout cannot wait past 2^31 ms).
const MAX_PACE_TICK_MS = 60_000;

/** The refused and waiting signals of one client, by frame number. */
export class SignalThrottle {
  /** Signals written lately, by frame number, so a refusal can name one. */
  private readonly recent = new Map<number, string>();
  /** Signals refused since the last send, in the order the server refused them (frame order). */
  private refused: string[] = [];
  /** Signals not sent yet, in order: refused ones due again, then those sent by the application behind them. */
  private queue: string[] = [];
  /** Set while the retry time of the latest refusal has not come. */
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** Set while paced signals wait for the bucket to refill. */
  private paceTimer: ReturnType<typeof setTimeout> | null = null;
  /** The pace of the latest refusal, until the estimated bucket is full again; null: no pacing. */
  private pace: RetryPace | null = null;
  /** The estimated bucket: signals that may go now, as of `tokensAt`. */
  private tokens = 0;
  private tokensAt = 0;

  constructor(
    /** How many recent signals are remembered, and how many may wait (the oldest waiting one goes first). */
    private readonly maxKept: number,
    /** Write a signal now; false when the connection cannot take it (it stays held). */
    private readonly write: (frame: string) => boolean,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while signals wait for a refusal's retry time or their pace: new signals must wait behind them. */
  get holding(): boolean {
    return this.refused.length > 0 || this.queue.length > 0 || this.retryTimer !== null;
  }

  /** How many signals are held (refused and waiting). */
  get held(): number {
    return this.refused.length + this.queue.length;
  }

  /**
   * The application sends a signal on a connected socket: written now, or held behind signals
   * that wait (or beyond the pace of the latest refusal) and written in its turn.
   */
  submit(frame: string): void {
    if (!this.holding && this.takeToken() && this.write(frame)) return;
    this.queue.push(frame);
    if (this.queue.length > this.maxKept) this.queue.shift();
    this.schedule();
  }

  /** A signal was written as frame number `frameNumber`. */
  sent(frameNumber: number, frame: string): void {
    // After a resume the numbers of frames written again repeat: the newest text wins.
    this.recent.delete(frameNumber);
    this.recent.set(frameNumber, frame);
    if (this.recent.size > this.maxKept) this.recent.delete(this.recent.keys().next().value as number);
  }

  /**
   * The server refused frame `frameNumber` (`RATE_LIMITED`): true when it was one of our signals,
   * which is then held, and sent again `retryAfterMs` from now (the latest refusal decides), at
   * `pace` when the refusal gave one.
   */
  refuse(frameNumber: number, retryAfterMs: number, pace?: RetryPace): boolean {
    const frame = this.recent.get(frameNumber);
    if (frame === undefined) return false;
    this.recent.delete(frameNumber);
    this.refused.push(frame);
    // A pace that could never send (no rate, nothing at once) is ignored: all go at the retry time.
    this.pace = pace && pace.perSecond > 0 && pace.atOnce >= 1 ? pace : null;
    this.stopTimers();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      // The server's hold ends with its bucket at least `atOnce` full.
      this.tokens = this.pace?.atOnce ?? 0;
      this.tokensAt = this.now();
      this.pump();
    }, retryAfterMs);
    return true;
  }

  /**
   * Write what is held and due, oldest first: the refused signals go before the ones held behind
   * them. Runs when the retry time comes, then as the pace allows. What the connection cannot
   * take stays held (a resume hands it back, see {@link resumeWith}).
   */
  pump(): void {
    if (this.retryTimer !== null) return;
    if (this.refused.length > 0) {
      this.queue = [...this.refused, ...this.queue];
      this.refused = [];
    }
    while (this.queue.length > 0 && this.takeToken()) {
      if (!this.write(this.queue[0] as string)) {
        this.tokens++; // not written: the token stays
        return;
      }
      this.queue.shift();
    }
    this.schedule();
  }

  /** True while held signals or the pace of a refusal still decide when signals go. */
  get active(): boolean {
    return this.holding || this.pace !== null;
  }

  /**
   * The session resumed on a new connection, where the server restored its budgets as they were:
   * the refused signals keep waiting for their retry time and pace, the signals written to the old
   * connection that the server never processed (`unprocessed`) go after them, and those the
   * application sent while reconnecting (`sentMeanwhile`) last. {@link pump} sends them once the
   * client is connected again.
   */
  resumeWith(unprocessed: readonly string[], sentMeanwhile: readonly string[]): void {
    this.queue = [...this.refused, ...unprocessed, ...this.queue, ...sentMeanwhile];
    this.refused = [];
  }

  /** Everything held, refused first, then waiting, each in order; the throttle is empty after. */
  take(): { refused: string[]; waiting: string[] } {
    const taken = { refused: this.refused, waiting: this.queue };
    this.refused = [];
    this.queue = [];
    this.pace = null;
    this.stopTimers();
    return taken;
  }

  /** Forget everything (a new session: the held signals name peers of the old one). */
  clear(): void {
    this.take();
    this.recent.clear();
  }

  // Take one signal's worth of the estimated bucket; always true when not pacing.
  private takeToken(): boolean {
    if (this.pace === null) return true;
    const now = this.now();
    const rate = this.pace.perSecond * PACE_MARGIN;
    this.tokens = Math.min(this.pace.atOnce, this.tokens + ((now - this.tokensAt) * rate) / 1000);
    this.tokensAt = now;
    if (this.tokens >= this.pace.atOnce && this.held === 0) {
      this.pace = null; // refilled, nothing waits: back to sending at once
      return true;
    }
    if (this.tokens >= 1) {
      this.tokens--;
      return true;
    }
    return false;
  }

  // While signals are held and the retry time has passed, wake up when the next one is due.
  private schedule(): void {
    if (this.retryTimer !== null || this.paceTimer !== null) return;
    const pace = this.pace;
    if (this.queue.length === 0) return;
    if (pace === null) return; // not pacing: held only while the connection cannot write
    const waitMs = ((1 - this.tokens) * 1000) / (pace.perSecond * PACE_MARGIN);
    this.paceTimer = setTimeout(
      () => {
        this.paceTimer = null;
        this.pump();
      },
      Math.min(MAX_PACE_TICK_MS, Math.max(MIN_PACE_TICK_MS, Math.ceil(waitMs))),
    );
  }

  private stopTimers(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (this.paceTimer !== null) clearTimeout(this.paceTimer);
    this.retryTimer = null;
    this.paceTimer = null;
  }
}

/** True for the frame of a signal (the SDK writes `type` first, as JSON.stringify of its messages). */
export function isSignalFrame(frame: string): boolean {
  return frame.startsWith('{"type":"SDP_') || frame.startsWith('{"type":"ICE_CANDIDATE"');
}
