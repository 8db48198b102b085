/**
 * Per-connection message limits as plain arithmetic on a few numbers kept on the session: no timer,
 * no closure, no allocation per message (the capacity benchmark counts bytes per connection).
 *
 * - Messages: a token bucket (`messagesPerSecond`, `burst`), taken before a frame is decoded. A
 *   frame without a token is dropped and answered `RATE_LIMITED` with its number and when to send
 *   again; a sender that keeps flooding (another `burst` of dropped frames before it slows down) is
 *   closed with 1008. Signals give their token back once decoded: they have a budget of their own
 *   that grows with the sender's room (relay-budget.ts).
 * - Invalid messages: a leaky counter; more than `maxInvalid` within `invalidWindowMs` closes with 1008
 *   (`TOO_MANY_INVALID`).
 * - Room changes (JOIN_ROOM, LEAVE_ROOM): a token bucket of their own, much smaller, because each one
 *   is announced to every member of a room (one frame in, up to a room's worth out). A change
 *   without a token is refused with `RATE_LIMITED`; it costs the sender nothing else.
 */

/** The limits, from config. */
export interface RateLimits {
  messagesPerSecond: number;
  burst: number;
  maxInvalid: number;
  invalidWindowMs: number;
  /** Room changes per connection; absent: only the message bucket limits them. */
  roomChanges?: RoomChangeLimits;
  /** How the signal budget grows per other member of the room; absent: it does not grow. */
  relays?: RelayGrowth;
}

/** The growth of the signal budget (relay-budget.ts) per other member of the sender's room. */
export interface RelayGrowth {
  perPeerPerSecond: number;
  perPeerBurst: number;
}

/** The room-change bucket: sustained changes per second, and how many may come at once. */
export interface RoomChangeLimits {
  perSecond: number;
  burst: number;
}

/**
 * The numbers a session keeps for its room-change budget (both start at 0, a full bucket). They
 * live on the session, not the connection, so a budget can follow the peer (a resume).
 */
export interface RoomChangeState {
  /** Room-change tokens left at `roomTokensAt`. */
  roomTokens: number;
  /** When `roomTokens` was last computed (ms); 0 before the first change. */
  roomTokensAt: number;
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
export type RateVerdict = 'accept' | 'drop' | 'close';

/** Take a token for one message at time `now` (ms). */
export function takeMessageToken(state: RateState, now: number, limits: RateLimits): RateVerdict {
  state.tokens = refilledTokens(state.tokens, state.tokensAt, now, limits.messagesPerSecond, limits.burst);
  state.tokensAt = now;
  // A flooding episode ends once the sender has let the bucket refill halfway.
  if (state.strikes > 0 && state.tokens >= limits.burst / 2) state.strikes = 0;
  if (state.tokens >= 1) {
    state.tokens -= 1;
    return 'accept';
  }
  state.strikes++;
  return state.strikes > limits.burst ? 'close' : 'drop';
}

/** A decoded frame turned out to be a signal: give its message token back (signals have their own budget). */
export function refundMessageToken(state: RateState, limits: RateLimits): void {
  state.tokens = Math.min(limits.burst, state.tokens + 1);
}

/** After a dropped message at `now`: when the bucket is half full again, which ends the episode (ms). */
export function messageRetryAfterMs(state: RateState, now: number, limits: RateLimits): number {
  const tokens = refilledTokens(state.tokens, state.tokensAt, now, limits.messagesPerSecond, limits.burst);
  return Math.max(0, ((limits.burst / 2 - tokens) * 1000) / limits.messagesPerSecond);
}

/** Count one invalid message at time `now`; true when the sender is over the limit and must be closed. */
export function countInvalidMessage(state: RateState, now: number, limits: RateLimits): boolean {
  const drained = ((now - state.invalidAt) * limits.maxInvalid) / limits.invalidWindowMs;
  state.invalidLevel = Math.max(0, state.invalidLevel - drained) + 1;
  state.invalidAt = now;
  return state.invalidLevel > limits.maxInvalid;
}

/** Take a token for one room change at time `now` (ms); false when the change must be refused. */
export function takeRoomChangeToken(state: RoomChangeState, now: number, limits: RoomChangeLimits): boolean {
  state.roomTokens = refilledTokens(
    state.roomTokens,
    state.roomTokensAt,
    now,
    limits.perSecond,
    limits.burst,
  );
  state.roomTokensAt = now;
  if (state.roomTokens < 1) return false;
  state.roomTokens -= 1;
  return true;
}

/** After a refused room change at `now`: when the next token is there (ms). */
export function roomChangeRetryAfterMs(
  state: RoomChangeState,
  now: number,
  limits: RoomChangeLimits,
): number {
  const tokens = refilledTokens(state.roomTokens, state.roomTokensAt, now, limits.perSecond, limits.burst);
  return Math.max(0, ((1 - tokens) * 1000) / limits.perSecond);
}

/** A bucket's tokens at `now`, refilled at `perSecond` since `at` (0: never used, so full), up to `burst`. */
export function refilledTokens(
  tokens: number,
  at: number,
  now: number,
  perSecond: number,
  burst: number,
): number {
  if (at === 0) return burst;
  return Math.min(burst, tokens + ((now - at) * perSecond) / 1000);
}
