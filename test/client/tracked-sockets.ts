/** A `ws` WebSocket class that keeps every socket it makes, so a test can drop one (a network blip). */
import WebSocket from 'ws';

/** A WebSocket class a client can be given (it makes `ws` sockets). */
export type WebSocketClass = new (url: string, protocols?: string | string[]) => WebSocket;

/** The class to give a client as its `WebSocket`, and the sockets made so far (the newest last). */
export function trackedSockets(): { TrackedSocket: WebSocketClass; sockets: WebSocket[] } {
  const sockets: WebSocket[] = [];
  class TrackedSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this);
    }
  }
  return { TrackedSocket, sockets };
}
