/**
 * A hand-built WebSocket client on a bare TCP socket, for frames no well-behaved library would
 * send: reserved bits, bad opcodes, unmasked frames, fragment floods, absurd lengths.
 */
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

/** How one raw exchange ended. */
export interface RawOutcome {
  /** The HTTP status of the upgrade answer (101 when it was accepted). */
  status: number;
  /** The code of the server's close frame, if it sent one. */
  closeCode?: number;
}

/** Options of one frame. */
export interface FrameSpec {
  opcode: number;
  payload?: Buffer | string;
  fin?: boolean;
  /** Bits RSV1..RSV3 as 0b100, 0b010, 0b001. */
  rsv?: number;
  mask?: boolean;
  /** Announce this length instead of the payload's real one (64-bit form). */
  fakeLength?: bigint;
}

/** Encode one client frame. */
export function frame(spec: FrameSpec): Buffer {
  const payload =
    typeof spec.payload === 'string' ? Buffer.from(spec.payload) : (spec.payload ?? Buffer.alloc(0));
  const mask = spec.mask ?? true;
  const first = ((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | (spec.opcode & 0x0f);
  let header: Buffer;
  const len = spec.fakeLength ?? BigInt(payload.length);
  if (spec.fakeLength !== undefined || len > 65535n) {
    header = Buffer.alloc(10);
    header[1] = 127;
    header.writeBigUInt64BE(len, 2);
  } else if (len > 125n) {
    header = Buffer.alloc(4);
    header[1] = 126;
    header.writeUInt16BE(Number(len), 2);
  } else {
    header = Buffer.alloc(2);
    header[1] = Number(len);
  }
  header[0] = first;
  if (!mask) return Buffer.concat([header, payload]);
  header[1] = (header[1] as number) | 0x80;
  const key = randomBytes(4);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i] = (masked[i] as number) ^ (key[i % 4] as number);
  return Buffer.concat([header, key, masked]);
}

/** A close frame with `code` and an optional reason. */
export function closeFrame(code: number, reason = ''): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return frame({ opcode: 0x8, payload });
}

/**
 * Open a raw connection to `host:port`, send the upgrade request (with `extraHeaders` as raw lines),
 * then, if it was accepted, write `frames`; resolves when the server has closed the connection.
 */
export function rawExchange(
  port: number,
  frames: Buffer[] | ((socket: Socket) => void),
  extraHeaders: string[] = [],
  path = '/ws',
): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    let status = 0;
    let closeCode: number | undefined;
    let upgraded = false;
    const safety = setTimeout(() => {
      socket.destroy();
      reject(new Error(`raw exchange did not end within 15 s (status ${status}, close ${closeCode})`));
    }, 15_000);
    socket.on('connect', () => {
      const lines = [
        `GET ${path} HTTP/1.1`,
        `Host: 127.0.0.1:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        ...extraHeaders,
      ];
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        status = Number(/^HTTP\/1\.1 (\d{3})/.exec(buffer.subarray(0, end).toString('latin1'))?.[1] ?? 0);
        buffer = buffer.subarray(end + 4);
        upgraded = true;
        if (status === 101) {
          if (typeof frames === 'function') frames(socket);
          else for (const f of frames) if (!socket.destroyed) socket.write(f);
        }
      }
      closeCode ??= readCloseCode(buffer);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(safety);
      resolve({ status, closeCode });
    });
  });
}

/** The code of the first close frame in `data` (server frames are unmasked), skipping other frames. */
function readCloseCode(data: Buffer): number | undefined {
  let at = 0;
  while (at + 2 <= data.length) {
    const opcode = (data[at] as number) & 0x0f;
    let len = (data[at + 1] as number) & 0x7f;
    let offset = at + 2;
    if (len === 126) {
      if (offset + 2 > data.length) return undefined;
      len = data.readUInt16BE(offset);
      offset += 2;
    } else if (len === 127) {
      if (offset + 8 > data.length) return undefined;
      len = Number(data.readBigUInt64BE(offset));
      offset += 8;
    }
    if (offset + len > data.length) return undefined;
    if (opcode === 0x8) return len >= 2 ? data.readUInt16BE(offset) : 1005;
    at = offset + len;
  }
  return undefined;
}
