/**
 * Just enough STUN/TURN (RFC 5389 / 5766) over UDP to check credentials against a real coturn:
 * a Binding request (is it up?) and an Allocate with the long-term credential mechanism
 * (401 challenge → REALM and NONCE → request with MESSAGE-INTEGRITY).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

const MAGIC = 0x2112a442;
const BINDING = 0x0001;
const ALLOCATE = 0x0003;
const REFRESH = 0x0004;
const SUCCESS = 0x0100;
const ERROR = 0x0110;
const ATTR = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  LIFETIME: 0x000d,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_TRANSPORT: 0x0019,
} as const;

/** A decoded STUN message. */
interface StunMessage {
  type: number;
  attrs: Map<number, Buffer>;
}

/** The outcome of an Allocate. */
export type AllocateResult =
  { ok: true; relayed: { address: string; port: number } } | { ok: false; code: number; reason: string };

function encode(type: number, attrs: Array<[number, Buffer]>, integrityKey?: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const [t, value] of attrs) {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(t, 0);
    head.writeUInt16BE(value.length, 2);
    parts.push(head, value, Buffer.alloc((4 - (value.length % 4)) % 4));
  }
  let body = Buffer.concat(parts);
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt32BE(MAGIC, 4);
  randomBytes(12).copy(header, 8);
  if (integrityKey) {
    // The length covers the MESSAGE-INTEGRITY attribute itself (24 bytes) when the HMAC is computed.
    header.writeUInt16BE(body.length + 24, 2);
    const hmac = createHmac('sha1', integrityKey)
      .update(Buffer.concat([header, body]))
      .digest();
    const head = Buffer.alloc(4);
    head.writeUInt16BE(ATTR.MESSAGE_INTEGRITY, 0);
    head.writeUInt16BE(20, 2);
    body = Buffer.concat([body, head, hmac]);
  }
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, body]);
}

function decode(packet: Buffer): StunMessage {
  const attrs = new Map<number, Buffer>();
  const length = packet.readUInt16BE(2);
  let offset = 20;
  while (offset + 4 <= 20 + length) {
    const t = packet.readUInt16BE(offset);
    const len = packet.readUInt16BE(offset + 2);
    if (!attrs.has(t)) attrs.set(t, packet.subarray(offset + 4, offset + 4 + len));
    offset += 4 + len + ((4 - (len % 4)) % 4);
  }
  return { type: packet.readUInt16BE(0), attrs };
}

type Socket = ReturnType<typeof createSocket>;

/** Run `flow` over one UDP socket (TURN ties nonces and allocations to the client's address and port). */
async function withSocket<T>(flow: (socket: Socket) => Promise<T>): Promise<T> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    return await flow(socket);
  } finally {
    socket.close();
  }
}

/** Send `request` to 127.0.0.1:`port` and wait for the answer with its transaction id. */
function transact(
  socket: Socket,
  port: number,
  request: Buffer,
  timeoutMs: number,
  retransmitMs = 0,
): Promise<StunMessage> {
  const id = request.subarray(8, 20);
  return new Promise<StunMessage>((resolve, reject) => {
    let resend: NodeJS.Timeout | null = null;
    const onMessage = (packet: Buffer) => {
      if (packet.length >= 20 && packet.subarray(8, 20).equals(id)) done(() => resolve(decode(packet)));
    };
    const done = (fn: () => void) => {
      clearTimeout(timer);
      if (resend) clearInterval(resend);
      socket.off('message', onMessage);
      fn();
    };
    const timer = setTimeout(
      () => done(() => reject(new Error(`no STUN answer on port ${port}`))),
      timeoutMs,
    );
    socket.on('message', onMessage);
    socket.send(request, port, '127.0.0.1');
    // UDP: a request sent before the server bound its port is lost; send it again until answered.
    if (retransmitMs > 0) resend = setInterval(() => socket.send(request, port, '127.0.0.1'), retransmitMs);
  });
}

/** Resolves once a STUN server answers a Binding request on 127.0.0.1:`port`. */
export async function stunBinding(port: number, timeoutMs: number): Promise<void> {
  const answer = await withSocket((socket) => transact(socket, port, encode(BINDING, []), timeoutMs, 100));
  if (answer.type !== (BINDING | SUCCESS))
    throw new Error(`unexpected Binding answer 0x${answer.type.toString(16)}`);
}

function errorOf(message: StunMessage): { code: number; reason: string } {
  const value = message.attrs.get(ATTR.ERROR_CODE);
  if (!value) return { code: 0, reason: 'no ERROR-CODE' };
  return {
    code: (value[2] as number) * 100 + (value[3] as number),
    reason: value.subarray(4).toString('utf8'),
  };
}

/** TURN Allocate (UDP relay) on 127.0.0.1:`port` with a username and password; the allocation is released. */
export function turnAllocate(port: number, username: string, password: string): Promise<AllocateResult> {
  return withSocket((socket) => allocate(socket, port, username, password));
}

async function allocate(
  socket: Socket,
  port: number,
  username: string,
  password: string,
): Promise<AllocateResult> {
  const transport = Buffer.from([17, 0, 0, 0]);
  const challenge = await transact(
    socket,
    port,
    encode(ALLOCATE, [[ATTR.REQUESTED_TRANSPORT, transport]]),
    5000,
  );
  if (challenge.type !== (ALLOCATE | ERROR))
    throw new Error('an unauthenticated Allocate was not challenged');
  const realm = challenge.attrs.get(ATTR.REALM);
  const nonce = challenge.attrs.get(ATTR.NONCE);
  if (!realm || !nonce) throw new Error('the 401 challenge lacks REALM or NONCE');
  const key = createHash('md5')
    .update(`${username}:${realm.toString('utf8')}:${password}`)
    .digest();
  const auth: Array<[number, Buffer]> = [
    [ATTR.USERNAME, Buffer.from(username, 'utf8')],
    [ATTR.REALM, realm],
    [ATTR.NONCE, nonce],
  ];
  const answer = await transact(
    socket,
    port,
    encode(ALLOCATE, [[ATTR.REQUESTED_TRANSPORT, transport], ...auth], key),
    5000,
  );
  if (answer.type !== (ALLOCATE | SUCCESS)) return { ok: false, ...errorOf(answer) };
  const relayed = answer.attrs.get(ATTR.XOR_RELAYED_ADDRESS);
  if (!relayed) throw new Error('Allocate success without XOR-RELAYED-ADDRESS');
  const port16 = relayed.readUInt16BE(2) ^ (MAGIC >>> 16);
  const ip = (relayed.readUInt32BE(4) ^ MAGIC) >>> 0;
  const address = [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
  // Release it: Refresh with LIFETIME 0 (same credentials).
  const zero = Buffer.alloc(4);
  await transact(socket, port, encode(REFRESH, [[ATTR.LIFETIME, zero], ...auth], key), 5000).catch(
    () => undefined,
  );
  return { ok: true, relayed: { address, port: port16 } };
}
