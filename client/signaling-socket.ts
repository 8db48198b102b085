/**
 * The client's WebSocket, one at a time: opening it, writing to it, reporting its messages and its
 * loss, and the keepalive that notices when it went silent. A socket that was detached (replaced,
 * abandoned or closed by the client) can no longer reach the client: its late events are ignored.
 */
import type { ClientMessage, ServerMessage } from '../protocol/messages.js';
import { SignalroomError } from './errors.js';
import { Keepalive } from './keepalive.js';
import { READY_STATE, type WebSocketConstructor, type WebSocketLike } from './websocket-like.js';

/** What a {@link SignalingSocket} reports to, and asks of, its client. */
export interface SignalingSocketHost {
  /** A server message arrived on the current socket. */
  onMessage(message: ServerMessage): void;
  /** The current socket was lost after it had opened (already detached); `code` is its close code. */
  onLost(code: number): void;
  /** Whether the keepalive may write a PING now. */
  mayPing(): boolean;
  /** A fresh id for a keepalive PING. */
  nextPingId(): string;
  /** Write a frame the way the client writes all of its frames. */
  write(message: ClientMessage): void;
}

/** The current WebSocket of a client and its keepalive. */
export class SignalingSocket {
  private socket: WebSocketLike | null = null;
  private readonly keepalive: Keepalive;

  constructor(
    private readonly url: string,
    private readonly WebSocketImpl: WebSocketConstructor,
    keepaliveIntervalMs: number,
    private readonly host: SignalingSocketHost,
  ) {
    this.keepalive = new Keepalive(keepaliveIntervalMs, {
      // A socket already closing (its close event not yet delivered) is skipped: send would throw.
      pingableSocket: () =>
        this.socket?.readyState === READY_STATE.OPEN && host.mayPing() ? this.socket : null,
      nextPingId: () => host.nextPingId(),
      write: (message) => host.write(message),
      detachSocket: () => void this.detach(),
      onSocketLost: (code) => host.onLost(code),
    });
  }

  /** Whether there is a current socket (open, or still opening). */
  get attached(): boolean {
    return this.socket !== null;
  }

  /** Whether the current socket is open for writing (not still opening, not already closing). */
  get writable(): boolean {
    return this.socket?.readyState === READY_STATE.OPEN;
  }

  /** Open a new socket as the current one. Resolves when it is open; rejects with CONNECTION_FAILED. */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      let socket: WebSocketLike;
      try {
        socket = new this.WebSocketImpl(this.url);
      } catch (err) {
        reject(SignalroomError.client('CONNECTION_FAILED', `Cannot open ${this.url}: ${String(err)}`));
        return;
      }
      this.socket = socket;
      let opened = false;
      socket.onopen = () => {
        if (this.socket !== socket) return;
        opened = true;
        this.keepalive.start();
        resolve();
      };
      socket.onmessage = (event: { data: unknown }) => {
        if (this.socket !== socket) return;
        const message = decodeServerFrame(event.data);
        if (message) this.host.onMessage(message);
      };
      socket.onerror = () => undefined; // a close event always follows and carries the code
      socket.onclose = (event: { code: number; reason: string }) => {
        if (!opened) {
          // Also when the client abandoned this socket while it was opening: the caller must not hang.
          if (this.socket === socket) this.detach();
          reject(SignalroomError.client('CONNECTION_FAILED', `Cannot connect to ${this.url}`));
          return;
        }
        if (this.socket !== socket) return;
        this.detach();
        this.host.onLost(event.code);
      };
    });
  }

  /** Forget the current socket and stop the keepalive; returns the socket so the caller can close it. */
  detach(): WebSocketLike | null {
    const socket = this.socket;
    this.socket = null;
    this.keepalive.stop();
    return socket;
  }

  /** Write a frame; throws NOT_CONNECTED unless the current socket is open. */
  send(frame: string): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== READY_STATE.OPEN) throw SignalroomError.client('NOT_CONNECTED');
    socket.send(frame);
  }

  /** A PONG arrived (it may answer the keepalive's PING). */
  onPong(id: string | number | undefined): void {
    this.keepalive.onPong(id);
  }
}

/** Parse a frame from the server; null when it is not a message (the SDK ignores those). */
export function decodeServerFrame(data: unknown): ServerMessage | null {
  if (typeof data !== 'string') return null; // the server sends text only
  let message: ServerMessage;
  try {
    message = JSON.parse(data) as ServerMessage;
  } catch {
    return null;
  }
  if (typeof message !== 'object' || message === null || typeof message.type !== 'string') return null;
  return message;
}
