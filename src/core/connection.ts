/** The little the core needs from a transport connection, so it runs without sockets in unit tests. */
export interface Connection {
  /** Queue one text frame. */
  send(frame: string): void;
  /** Close with a WebSocket close code and reason. */
  close(code: number, reason: string): void;
  /** Bytes queued and not yet written; lets the core drop slow consumers. */
  readonly bufferedAmount: number;
}

/** Facts about a connection known at upgrade time. */
export interface ConnectionInfo {
  /** The client address (after trusted proxies). */
  ip: string;
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
}
