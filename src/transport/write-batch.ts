/**
 * Coalesces the frames written to one socket into one write. Without it every frame costs one
 * `writev` system call (and usually one TCP segment).
 *
 * - Relayed signals are corked until the end of the current tick: a burst read from one sender
 *   goes out together, and no frame waits for any other I/O.
 * - Room events (a peer joined or left) are corked until the event loop has handled the I/O that
 *   is ready now (`setImmediate`): in a join storm each join arrives on its own socket, so only
 *   waiting for that batch lets the announcements to one member share a write.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

const endOfTick: Socket[] = [];
const endOfIo: Socket[] = [];
let tickScheduled = false;
let ioScheduled = false;

function uncorkAll(list: Socket[]): void {
  for (let i = 0; i < list.length; i++) (list[i] as Socket).uncork();
  list.length = 0;
}

function flushTick(): void {
  tickScheduled = false;
  uncorkAll(endOfTick);
}

function flushIo(): void {
  ioScheduled = false;
  uncorkAll(endOfIo);
}

/** The TCP socket under a `ws` WebSocket (ws keeps it as `_socket`; there is no public accessor). */
function socketOf(ws: WebSocket): Socket | undefined {
  return (ws as unknown as { _socket?: Socket })._socket;
}

/** Cork `ws`'s socket (once per turn) until the end of this tick, or with `untilIo` until the ready I/O is handled. */
export function batchWrites(ws: WebSocket, untilIo: boolean): void {
  const socket = socketOf(ws);
  if (!socket || socket.writableCorked > 0) return;
  socket.cork();
  if (untilIo) {
    endOfIo.push(socket);
    if (!ioScheduled) {
      ioScheduled = true;
      setImmediate(flushIo);
    }
  } else {
    endOfTick.push(socket);
    if (!tickScheduled) {
      tickScheduled = true;
      process.nextTick(flushTick);
    }
  }
}
