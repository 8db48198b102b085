/** The little the core needs from a transport connection, so it runs without sockets in unit tests. */
import type { OutFrame } from '../../protocol/frame.js';

/** A transport connection as the core sees it. */
export interface Connection {
  /** Queue one text frame (`frame.text`, written as `frame.bytes`). */
  send(frame: OutFrame): void;
  /** Close with a WebSocket close code and reason. */
  close(code: number, reason: string): void;
  /** Bytes queued and not yet written; lets the core drop slow consumers. */
  readonly bufferedAmount: number;
}

/** Facts about a connection known at upgrade time. */
export interface ConnectionInfo {
  /** The client address (after trusted proxies). */
  ip: string;
  /**
   * The key the per-IP limits count this client under: its IPv6 prefix (`--ipv6-prefix-length`)
   * or its IPv4 address. Absent: `ip` itself.
   */
  ipKey?: string;
  /** The Origin header, when a browser sent one. */
  origin?: string;
  /** `token` from the upgrade URL, for clients that cannot send it in IDENTIFY. */
  urlToken?: string;
}

/** The transport-facing handle of one connection, returned by `SignalingCore.connect`. */
export interface SessionHandle {
  /** A text frame arrived. */
  onText(text: string): void;
  /** A binary frame arrived. */
  onBinary(): void;
  /**
   * The connection is gone. `lost`: it died without a close frame (code 1006) and the server did
   * not close it itself (a network drop or a heartbeat termination); such a peer is held for resume.
   */
  onClose(code: number, lost?: boolean): void;
  /**
   * Frames sent to the client so far (counted as for resume; 0 before AUTH_SUCCESS). A transport
   * that can ask the client to echo a probe (a WebSocket ping's payload) sends this count in it.
   */
  framesSent(): number;
  /**
   * The client answered a probe carrying `count` (a pong echoing the ping): it has read every frame
   * up to `count`, which were written before the probe on the same ordered stream. Those frames are
   * no longer kept for replay on resume (docs/reliability.md).
   */
  framesRead(count: number): void;
}
