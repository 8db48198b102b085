/**
 * Per-connection message limits as plain arithmetic on a few numbers kept on the session: no timer,
 * no closure, no allocation per message (the capacity benchmark counts bytes per connection).
 *
 * - Messages: a token bucket (`messagesPerSecond`, `burst`). A message without a token is dropped and
 *   the sender told `RATE_LIMITED` once per episode; a sender that keeps flooding (another `burst`
 *   of dropped messages before it slows down) is closed with 1008.
 * - Invalid messages: a leaky counter; more than `maxInvalid` within `invalidWindowMs` closes with 1008
 *   (`TOO_MANY_INVALID`).
 */

/** The limits, from config. */
export interface RateLimits {
  messagesPerSecond: number;
  burst: number;
  maxInvalid: number;
  invalidWindowMs: number;
}

/** The numbers a session keeps for its limits (all start at 0). */
export interface RateState {
  /** Tokens left at `tokensAt`. */
  tokens: number;
  /** When `tokens` was last computed (ms); 0 before the first message, meaning a full bucket. */
  tokensAt: number;
  /** Messages dropped in the current flooding episode. */
  strikes: number;
  /** Invalid messages counted, draining at `maxInvalid` per `invalidWindowMs`. */
  invalidLevel: number;
  /** When `invalidLevel` was last computed (ms). */
  invalidAt: number;
}

/** What to do with a message. */
export type RateVerdict = 'accept' | 'drop-and-warn' | 'drop' | 'close';

/** Take a token for one message at time `now` (ms). */
export function takeMessageToken(state: RateState, now: number, limits: RateLimits): RateVerdict {
  const refill =
    state.tokensAt === 0 ? limits.burst : ((now - state.tokensAt) * limits.messagesPerSecond) / 1000;
  state.tokens = Math.min(limits.burst, state.tokens + refill);
  state.tokensAt = now;
  // A flooding episode ends once the sender has let the bucket refill halfway.
  if (state.strikes > 0 && state.tokens >= limits.burst / 2) state.strikes = 0;
  if (state.tokens >= 1) {
    state.tokens -= 1;
    return 'accept';
  }
  state.strikes++;
  if (state.strikes > limits.burst) return 'close';
  return state.strikes === 1 ? 'drop-and-warn' : 'drop';
}

/** Count one invalid message at time `now`; true when the sender is over the limit and must be closed. */
export function countInvalidMessage(state: RateState, now: number, limits: RateLimits): boolean {
  const drained = ((now - state.invalidAt) * limits.maxInvalid) / limits.invalidWindowMs;
  state.invalidLevel = Math.max(0, state.invalidLevel - drained) + 1;
  state.invalidAt = now;
  return state.invalidLevel > limits.maxInvalid;
}
