/**
 * Coalesces the frames written to one socket into one write. Without it every frame costs one
 * `writev` system call (and usually one TCP segment).
 *
 * - Relayed signals are corked until the end of the current tick: a burst read from one sender
 *   goes out together, and no frame waits for any other I/O.
 * - Room events (a peer joined or left) are corked until the event loop has handled the I/O that
 *   is ready now (`setImmediate`): in a join storm each join arrives on its own socket, so only
 *   waiting for that batch lets the announcements to one member share a write.
 *
 * A room event goes to every member of the room: {@link writeFramed} frames it once and writes the
 * same bytes to each member's socket, where `ws.send` would frame it again for every receiver (a
 * header buffer, option objects and two writes each: a third of a join storm's server CPU).
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

/** The frame last framed by {@link writeFramed}, and its wire bytes (one entry: a fan-out sends one frame to all). */
let lastFramed: Uint8Array | null = null;
let lastWire: Buffer = Buffer.alloc(0);

/** `payload` as one unmasked, final WebSocket text frame (RFC 6455 §5.2), header and payload in one buffer. */
export function textFrame(payload: Uint8Array): Buffer {
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const wire = Buffer.allocUnsafe(header + length);
  wire[0] = 0x81; // FIN, opcode 1 (text)
  if (header === 2) {
    wire[1] = length;
  } else if (header === 4) {
    wire[1] = 126;
    wire.writeUInt16BE(length, 2);
  } else {
    wire[1] = 127;
    wire.writeBigUInt64BE(BigInt(length), 2);
  }
  wire.set(payload, header);
  return wire;
}

/**
 * Send `payload` as a text frame on `ws`, written straight to its TCP socket, framed once for as
 * long as the same payload is sent to one socket after another. The same bytes ws would write:
 * ws sends synchronously through `_socket` (no queue without compression, which is off), so the
 * frame keeps its place among the frames ws writes, and ws's `bufferedAmount` counts it.
 */
export function writeFramed(ws: WebSocket, payload: Uint8Array): void {
  const socket = socketOf(ws);
  if (!socket) {
    ws.send(payload, { binary: false });
    return;
  }
  if (payload !== lastFramed) {
    lastWire = textFrame(payload);
    lastFramed = payload;
  }
  socket.write(lastWire);
}
