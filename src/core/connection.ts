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
