/**
 * The application-level keepalive: a PING every interval, and a socket that leaves one unanswered
 * for a whole interval is dead, even when no close or error event says so.
 */
import type { ClientMessage } from '../protocol/messages.js';
import type { WebSocketLike } from './websocket-like.js';

/** What a {@link Keepalive} asks of the connection it watches. */
export interface KeepaliveHost {
  /** The socket to ping now, or null to skip this tick. */
  pingableSocket(): WebSocketLike | null;
  /** A fresh id for the next PING. */
  nextPingId(): string;
  /** Write a frame on the watched socket. */
  write(message: ClientMessage): void;
  /** Forget the watched socket (this stops the keepalive too). */
  detachSocket(): void;
  /** Handle the loss of the connection as a close with `code`. */
  onSocketLost(code: number): void;
}

/** Pings one socket at a time and drops it when a PING goes unanswered. */
export class Keepalive {
  private timer: ReturnType<typeof setInterval> | null = null;
  private unansweredPing: string | null = null;

  /** `intervalMs` 0 or less turns the keepalive off. */
  constructor(
    private readonly intervalMs: number,
    private readonly host: KeepaliveHost,
  ) {}

  /** Start pinging (the socket just opened). */
  start(): void {
    if (this.intervalMs <= 0) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
  }

  /** Stop pinging and forget the outstanding PING (the socket is gone). */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.unansweredPing = null;
  }

  /** A PONG arrived: the one for the outstanding PING shows the connection is alive. */
  onPong(id: string | number | undefined): void {
    if (id !== undefined && id === this.unansweredPing) this.unansweredPing = null;
  }

  private tick(): void {
    const socket = this.host.pingableSocket();
    if (!socket) return;
    if (this.unansweredPing !== null) {
      // No PONG for a whole interval: the TCP connection is dead even if the browser has not noticed.
      this.host.detachSocket();
      // `ws` can drop the socket at once; a browser can only start a close handshake that will not finish.
      const terminate = (socket as { terminate?: () => void }).terminate;
      if (terminate) terminate.call(socket);
      else socket.close(4000, 'Keepalive timeout');
      this.host.onSocketLost(1006);
      return;
    }
    this.unansweredPing = this.host.nextPingId();
    this.host.write({ type: 'PING', id: this.unansweredPing });
  }
}
