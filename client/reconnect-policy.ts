/**
 * When and whether to reconnect. A policy returns the next delay in milliseconds, or null to stop,
 * so applications can plug in their own (as in livekit's ReconnectPolicy).
 */

/** What a policy knows about the reconnection in progress. */
export interface ReconnectContext {
  /** 0 for the first retry after the drop, then 1, 2, … */
  readonly attempt: number;
  /** Milliseconds since the connection was lost. */
  readonly elapsedMs: number;
  /** The close code of the lost connection (1006 when it dropped without a close frame). */
  readonly closeCode: number;
}

/** Decides the delay before the next reconnection attempt. */
export interface ReconnectPolicy {
  /** The delay before the next attempt, or null to give up. */
  nextDelayMs(context: ReconnectContext): number | null;
}

/** Options of {@link ExponentialBackoffPolicy}. */
export interface ExponentialBackoffOptions {
  /** The first delay (default 500 ms). */
  initialDelayMs?: number;
  /** The delay never grows past this (default 15 s). */
  maxDelayMs?: number;
  /** Each delay is multiplied by this (default 2). */
  multiplier?: number;
  /** Each delay is drawn from [delay·(1−jitter), delay] (default 0.5) so clients spread out after a restart. */
  jitter?: number;
  /** Give up after this many attempts (default: never). */
  maxAttempts?: number;
  /** Give up once the connection has been lost this long (default: never). */
  maxElapsedMs?: number;
  /** A random source in [0, 1), injectable for tests. */
  random?: () => number;
}

/** Jittered exponential backoff: 0.5, 1, 2, 4 … s up to 15 s by default, never giving up. */
export class ExponentialBackoffPolicy implements ReconnectPolicy {
  private readonly initial: number;
  private readonly max: number;
  private readonly multiplier: number;
  private readonly jitter: number;
  private readonly maxAttempts: number;
  private readonly maxElapsed: number;
  private readonly random: () => number;

  constructor(options: ExponentialBackoffOptions = {}) {
    this.initial = options.initialDelayMs ?? 500;
    this.max = options.maxDelayMs ?? 15_000;
    this.multiplier = options.multiplier ?? 2;
    this.jitter = options.jitter ?? 0.5;
    this.maxAttempts = options.maxAttempts ?? Infinity;
    this.maxElapsed = options.maxElapsedMs ?? Infinity;
    this.random = options.random ?? Math.random;
    if (!(this.initial >= 0 && this.max >= this.initial && this.multiplier >= 1)) {
      throw new RangeError(
        'ExponentialBackoffPolicy: need 0 <= initialDelayMs <= maxDelayMs and multiplier >= 1',
      );
    }
    if (!(this.jitter >= 0 && this.jitter <= 1))
      throw new RangeError('ExponentialBackoffPolicy: jitter must be in [0, 1]');
  }

  nextDelayMs({ attempt, elapsedMs }: ReconnectContext): number | null {
    if (attempt >= this.maxAttempts || elapsedMs >= this.maxElapsed) return null;
    const base = Math.min(this.max, this.initial * this.multiplier ** attempt);
    return Math.round(base * (1 - this.jitter * this.random()));
  }
}

/** A policy that never reconnects. */
export const NEVER_RECONNECT: ReconnectPolicy = { nextDelayMs: () => null };
