/** Server pings: a connection that misses its pong is terminated and cleaned up like any other. */

/** A connection the heartbeat watches. Its state is a field of its own: no map entry per connection. */
export interface Watched {
  /** The round of its unanswered ping, or 0 once it has shown life since (set by its owner on any frame). */
  pingedIn: number;
  ping(): void;
  terminate(): void;
}

/**
 * Pings every tracked connection each interval and terminates those that stay silent past the timeout.
 *
 * Pings are counted in rounds (one per interval). With a timeout shorter than the interval, a
 * deadline after each round terminates the connections that did not answer it. With a timeout of
 * one interval or more, an unanswered ping is given `ceil(timeout / interval)` rounds and checked at
 * the start of a round, so a slow but live client is never dropped before its timeout (a single
 * deadline of `min(timeout, interval)` would cut every timeout down to one interval).
 */
export class Heartbeat {
  private readonly watched = new Set<Watched>();
  private readonly interval: NodeJS.Timeout;
  private readonly roundsAllowed: number;
  private deadline: NodeJS.Timeout | null = null;
  private round = 0;

  constructor(
    intervalMs: number,
    private readonly timeoutMs: number,
  ) {
    this.roundsAllowed = timeoutMs < intervalMs ? 0 : Math.ceil(timeoutMs / intervalMs);
    this.interval = setInterval(() => this.tick(), intervalMs);
    this.interval.unref();
  }

  /** Start watching a connection; its owner resets `pingedIn` to 0 on any pong or frame. */
  track(peer: Watched): void {
    peer.pingedIn = 0;
    this.watched.add(peer);
  }

  /** Stop watching a connection. */
  forget(peer: Watched): void {
    this.watched.delete(peer);
  }

  /** Connections watched right now. */
  get size(): number {
    return this.watched.size;
  }

  /** Stop all timers. */
  stop(): void {
    clearInterval(this.interval);
    if (this.deadline) clearTimeout(this.deadline);
  }

  private tick(): void {
    this.round++;
    if (this.roundsAllowed > 0) this.terminateUnanswered(this.round - this.roundsAllowed);
    for (const peer of this.watched) {
      if (peer.pingedIn !== 0) continue; // still within the time to answer an earlier ping
      peer.pingedIn = this.round;
      try {
        peer.ping();
      } catch {
        // A socket that is already closing cannot be pinged; its close event cleans it up.
      }
    }
    if (this.roundsAllowed === 0) {
      const round = this.round;
      if (this.deadline) clearTimeout(this.deadline);
      this.deadline = setTimeout(() => {
        this.deadline = null;
        this.terminateUnanswered(round);
      }, this.timeoutMs);
      this.deadline.unref();
    }
  }

  /** Terminate every connection whose ping of round `lastOverdue` or earlier is still unanswered. */
  private terminateUnanswered(lastOverdue: number): void {
    for (const peer of this.watched) {
      // Forgotten on its close event (terminating a closing socket again is harmless).
      if (peer.pingedIn !== 0 && peer.pingedIn <= lastOverdue) peer.terminate();
    }
  }
}
