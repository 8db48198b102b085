/**
 * A WebSocket test client that reads like the scenario: `await alice.next('ROOM_MEMBERS')`.
 * Every received frame is queued; waits are event-driven with a generous safety timeout that
 * only turns a hang into a readable failure (it never asserts on timing).
 */
import type { Socket } from 'node:net';
import type { TestContext } from 'node:test';
import WebSocket from 'ws';

/** A received server message (loosely typed: tests assert on the exact fields). */
export type Received = { type: string; [key: string]: unknown };

const SAFETY_MS = 10_000;

/** One real WebSocket client. */
export class TestClient {
  readonly ws: WebSocket;
  readonly received: Received[] = [];
  private readonly inbox: Received[] = [];
  private waiters: Array<() => void> = [];
  peerId = '';
  username = '';
  /** Resolves with the close code and reason when the connection closes. */
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const msg = isBinary ? { type: '<binary>' } : (JSON.parse(data.toString('utf8')) as Received);
      this.received.push(msg);
      this.inbox.push(msg);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code: number, reason: Buffer) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      });
    });
    ws.on('error', () => undefined);
  }

  /** Open a connection; registers its closing with the test. */
  static async connect(
    t: TestContext | null,
    url: string,
    options: WebSocket.ClientOptions = {},
  ): Promise<TestClient> {
    const ws = new WebSocket(url, options);
    const client = new TestClient(ws);
    t?.after(() => client.terminate());
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return client;
  }

  /** Send a JSON message (or a raw string as is). */
  send(message: object | string): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /**
   * Send several messages in one TCP write (ws's private `_socket` corked around them, as
   * test/unit/ws-internals.test.ts checks it can be): the server reads them in one chunk, so the
   * later ones arrive while the step of the first (an IDENTIFY) is still running.
   */
  sendTogether(messages: readonly object[]): void {
    const socket = (this.ws as unknown as { _socket: Socket })._socket;
    socket.cork();
    for (const message of messages) this.send(message);
    socket.uncork();
  }

  /** The next message, optionally of one type (earlier messages of other types are skipped and kept in `received`). */
  async next(type?: string): Promise<Received> {
    return this.waitFor((m) => type === undefined || m.type === type, type ?? 'any message');
  }

  /** The next message matching `predicate`; messages before it are consumed. */
  async waitFor(predicate: (m: Received) => boolean, what = 'a matching message'): Promise<Received> {
    const deadline = Date.now() + SAFETY_MS;
    for (;;) {
      while (this.inbox.length > 0) {
        const msg = this.inbox.shift() as Received;
        if (predicate(msg)) return msg;
      }
      if (this.ws.readyState === WebSocket.CLOSED)
        throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no ${what} within ${SAFETY_MS} ms; got ${JSON.stringify(this.received.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Messages not yet consumed by `next`/`waitFor`. */
  unread(): Received[] {
    return [...this.inbox];
  }

  /** Send a PING and wait for its PONG: everything the server sent before it has arrived. */
  async sync(): Promise<void> {
    const id = `sync-${Math.random()}`;
    this.send({ type: 'PING', id });
    const pong = await this.waitFor((m) => m.type === 'PONG' && m.id === id, 'PONG');
    // Put back nothing: messages before the pong stay in `received`; the inbox keeps later ones.
    void pong;
  }

  /** Identify and wait for AUTH_SUCCESS. */
  async identify(username: string, extra: object = {}): Promise<Received> {
    this.send({ type: 'IDENTIFY', username, ...extra });
    const msg = await this.waitFor((m) => m.type === 'AUTH_SUCCESS' || m.type === 'AUTH_ERROR', 'AUTH_*');
    if (msg.type !== 'AUTH_SUCCESS') throw new Error(`identify failed: ${JSON.stringify(msg)}`);
    this.peerId = msg.peerId as string;
    this.username = msg.username as string;
    return msg;
  }

  /** Join a room and wait for its ROOM_MEMBERS. */
  async join(roomId: string): Promise<Received> {
    this.send({ type: 'JOIN_ROOM', roomId });
    return this.waitFor((m) => m.type === 'ROOM_MEMBERS' && m.roomId === roomId, 'ROOM_MEMBERS');
  }

  /** Close with a close frame and wait for the close. */
  async close(code = 1000): Promise<void> {
    this.ws.close(code);
    await this.closed;
  }

  /** Drop without a close frame. */
  terminate(): void {
    this.ws.terminate();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Connect and identify one client. */
export async function identifiedClient(
  t: TestContext | null,
  wsUrl: string,
  username: string,
): Promise<TestClient> {
  const client = await TestClient.connect(t, wsUrl);
  await client.identify(username);
  return client;
}

/** `n` identified clients in one room, each having seen everyone who joined after it. */
export async function peersInRoom(
  t: TestContext | null,
  wsUrl: string,
  roomId: string,
  n: number,
  prefix = 'peer',
): Promise<TestClient[]> {
  const clients: TestClient[] = [];
  for (let i = 0; i < n; i++) {
    const c = await identifiedClient(t, wsUrl, `${prefix}${i}-${roomId}`);
    await c.join(roomId);
    for (const earlier of clients) await earlier.next('NEW_PEER_IN_ROOM');
    clients.push(c);
  }
  return clients;
}
