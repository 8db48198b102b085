/** Server pings: a connection that misses its pong is terminated and cleaned up like any other. */
import type { WebSocket } from 'ws';

/** Sends a ping to every tracked socket each interval and terminates those silent past the timeout. */
export class Heartbeat {
  private readonly sockets = new Map<WebSocket, boolean>();
  private readonly interval: NodeJS.Timeout;
  private deadline: NodeJS.Timeout | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
  ) {
    this.interval = setInterval(() => this.tick(), intervalMs);
    this.interval.unref();
  }

  /** Start watching a socket; any pong or frame counts as a sign of life. */
  track(ws: WebSocket): void {
    this.sockets.set(ws, true);
    ws.on('pong', () => this.sockets.set(ws, true));
  }

  /** Any frame from the client proves it is alive. */
  alive(ws: WebSocket): void {
    if (this.sockets.has(ws)) this.sockets.set(ws, true);
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
    for (const ws of this.sockets.keys()) {
      this.sockets.set(ws, false);
      try {
        ws.ping();
      } catch {
        // A socket that is already closing cannot be pinged; its close event cleans it up.
      }
    }
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = setTimeout(() => this.sweep(), Math.min(this.timeoutMs, this.intervalMs));
    this.deadline.unref();
  }

  private sweep(): void {
    this.deadline = null;
    for (const [ws, alive] of this.sockets) {
      if (!alive) {
        this.sockets.delete(ws);
        ws.terminate();
      }
    }
  }
}
