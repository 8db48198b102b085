/**
 * How many WebSocket pings a client may send: a leaky bucket of {@link PING_BURST} that drains
 * {@link PINGS_PER_SECOND} a second. Browsers never send pings and libraries send one every few
 * seconds, so only a flood (each ping costs a pong the server must queue) ever reaches the limit.
 */

/** Pings a client may send in one burst. */
export const PING_BURST = 20;
/** Pings a second a client may keep sending. */
export const PINGS_PER_SECOND = 5;

/** Two numbers per connection; no timer. */
export class PingBudget {
  private level = 0;
  private at = 0;

  /** Count one ping at time `now` (ms); false once the client exceeds the budget. */
  take(now: number): boolean {
    this.level = Math.max(0, this.level - ((now - this.at) * PINGS_PER_SECOND) / 1000) + 1;
    this.at = now;
    return this.level <= PING_BURST;
  }
}
