/**
 * How many WebSocket pings and pongs a client may send together: a leaky bucket of
 * {@link PING_BURST} that drains {@link PINGS_PER_SECOND} a second. Browsers never send pings and
 * answer one heartbeat ping per interval; libraries ping every few seconds. Only a flood (each ping
 * costs a pong the server must queue, each pong a parse and a look at the replay log) reaches it.
 */

/** Pings and pongs a client may send in one burst. */
export const PING_BURST = 20;
/** Pings and pongs a second a client may keep sending. */
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
