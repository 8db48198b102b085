/** Server pings: a connection that misses its pong is terminated and cleaned up like any other. */
import type { WebSocket } from 'ws';

/**
 * Pings every tracked socket each interval and terminates those that stay silent past the timeout.
 *
 * Pings are counted in rounds (one per interval). With a timeout shorter than the interval, a
 * deadline after each round terminates the sockets that did not answer it. With a timeout of one
 * interval or more, an unanswered ping is given `ceil(timeout / interval)` rounds and checked at
 * the start of a round, so a slow but live client is never dropped before its timeout (a single
 * deadline of `min(timeout, interval)` would cut every timeout down to one interval).
 */
export class Heartbeat {
  /** Per socket: the round of its unanswered ping, or 0 once it has shown life since. */
  private readonly sockets = new Map<WebSocket, number>();
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

  /** Start watching a socket; any pong or frame counts as a sign of life. */
  track(ws: WebSocket): void {
    this.sockets.set(ws, 0);
    ws.on('pong', () => this.alive(ws));
  }

  /** Any frame from the client proves it is alive. */
  alive(ws: WebSocket): void {
    if (this.sockets.has(ws)) this.sockets.set(ws, 0);
  }

  /** Stop watching a socket. */
  forget(ws: WebSocket): void {
    this.sockets.delete(ws);
  }

  /** Stop all timers. */
  stop(): void {
    clearInterval(this.interval);
    if (this.deadline) clearTimeout(this.deadline);
  }

  private tick(): void {
    this.round++;
    if (this.roundsAllowed > 0) this.terminateUnanswered(this.round - this.roundsAllowed);
    for (const [ws, pingedIn] of this.sockets) {
      if (pingedIn !== 0) continue; // still within the time to answer an earlier ping
      this.sockets.set(ws, this.round);
      try {
        ws.ping();
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

  /** Terminate every socket whose ping of round `lastOverdue` or earlier is still unanswered. */
  private terminateUnanswered(lastOverdue: number): void {
    for (const [ws, pingedIn] of this.sockets) {
      if (pingedIn !== 0 && pingedIn <= lastOverdue) {
        this.sockets.delete(ws);
        ws.terminate();
      }
    }
  }
}
