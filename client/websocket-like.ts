/**
 * The part of a WebSocket the SDK uses. Browsers' WebSocket and the `ws` package both fit, so
 * Node code and tests inject `ws` and browsers use the global one.
 */

/** The ready states shared by the browser WebSocket and `ws`. */
export const READY_STATE = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;

/** A WebSocket as the SDK drives it. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // The handlers take `never` so both the DOM's and `ws`'s richer event types are assignable;
  // the SDK reads only `data` (message) and `code`/`reason` (close) from them.
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
}

/** A WebSocket constructor: `globalThis.WebSocket` in browsers, `import WebSocket from 'ws'` in Node. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** The runtime's global WebSocket, if it has one. */
export function globalWebSocket(): WebSocketConstructor | undefined {
  return (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
}
