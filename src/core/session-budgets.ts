/**
 * The budgets of a session follow it across a resume (docs/security.md): a client that drops its
 * connection and resumes finds its message, room-change and signal buckets as it left them,
 * refilled only by the time that passed, so reconnecting never buys a fresh burst.
 *
 * When a session is held, {@link saveBudgets} copies its numbers into a flat array (13 numbers,
 * at most about 150 bytes of JSON when the held state crosses nodes); the resuming connection gets them back with
 * {@link restoreBudgets}. That connection has already spent some of its own fresh message bucket
 * (its resuming IDENTIFY, and whatever it sent before the resume was answered): that spending is
 * charged to the restored bucket, which may go below zero (a debt that refills like any tokens).
 * Times are on the core's clock (`Date.now` in a server), which nodes share closely enough; a
 * time in the future (another node's clock ahead) counts as now.
 */
import { refilledTokens, type RateLimits, type RateState, type RoomChangeState } from './rate-limit.js';
import type { RelayState } from './relay-budget.js';

/** Every number a session keeps for its limits. */
type BudgetState = RateState & RoomChangeState & RelayState;

/** The numbers saved, in this order (also their place in the saved array). */
const FIELDS = [
  'tokens',
  'tokensAt',
  'strikes',
  'invalidLevel',
  'invalidAt',
  'roomTokens',
  'roomTokensAt',
  'relayTokens',
  'relayTokensAt',
  'relayStrikes',
  'relayHoldUntil',
  'relayRefusedAt',
  'roomPeers',
] as const satisfies ReadonlyArray<keyof BudgetState>;

/** Fields that are times: a saved time later than the restoring clock's now is read as now. */
const TIMES: ReadonlySet<string> = new Set(['tokensAt', 'invalidAt', 'roomTokensAt', 'relayTokensAt']);

/** The budgets of `state` as a flat array of numbers (token counts rounded to 1/1000). */
export function saveBudgets(state: BudgetState): number[] {
  return FIELDS.map((field) => Math.round(state[field] * 1000) / 1000);
}

/** True when `saved` is what {@link saveBudgets} wrote (state from another node is checked, not trusted). */
export function isSavedBudgets(saved: unknown): saved is number[] {
  return (
    Array.isArray(saved) &&
    saved.length === FIELDS.length &&
    saved.every((n) => typeof n === 'number' && Number.isFinite(n))
  );
}

/**
 * Give `state` (a resuming connection's fresh session) the budgets `saved` when its peer was
 * held, at time `now`, charged with the messages this connection has sent so far.
 */
export function restoreBudgets(
  state: BudgetState,
  saved: readonly number[],
  now: number,
  limits: RateLimits,
): void {
  // What this connection took from its own bucket, which started full. Its own refill is not
  // counted: the restored bucket refills over the same time, and a full bucket's refill is capped.
  const spent = state.tokensAt === 0 ? 0 : limits.burst - state.tokens;
  const strikes = state.strikes;
  const invalid = state.invalidAt === 0 ? 0 : drainedInvalid(state, now, limits);
  FIELDS.forEach((field, i) => {
    const value = saved[i] as number;
    state[field] = TIMES.has(field) ? Math.min(value, now) : value;
  });
  if (state.tokensAt !== 0 || spent > 0) {
    const carried = refilledTokens(state.tokens, state.tokensAt, now, limits.messagesPerSecond, limits.burst);
    state.tokens = carried - spent;
    state.tokensAt = now;
  }
  state.strikes = Math.max(state.strikes, strikes);
  if (invalid > 0) {
    state.invalidLevel = drainedInvalid(state, now, limits) + invalid;
    state.invalidAt = now;
  }
}

/** The invalid-message level of `state` at `now`, drained since it was last counted. */
function drainedInvalid(state: RateState, now: number, limits: RateLimits): number {
  if (state.invalidAt === 0) return 0;
  const drained = ((now - state.invalidAt) * limits.maxInvalid) / limits.invalidWindowMs;
  return Math.max(0, state.invalidLevel - drained);
}
