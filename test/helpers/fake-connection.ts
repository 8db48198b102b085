/**
 * Drives a SignalingCore without sockets: a Connection that records what the core sends and
 * closes, and a memory backend whose async steps can be held open to test what happens meanwhile.
 */
import { pino, type Logger } from 'pino';
import { MemoryBackend } from '../../src/backend/memory.js';
import type { Connection } from '../../src/core/connection.js';
import type { OutFrame } from '../../protocol/frame.js';
import { SignalingCore, type CoreOptions, type SessionHandle } from '../../src/core/signaling-core.js';
import type { PeerInfo } from '../../protocol/messages.js';

/** A frame the core sent, parsed. */
export type Frame = { type: string; [key: string]: unknown };

/** Everything every fake connection saw, in the order the core did it (for cross-peer ordering). */
export type Journal = Array<{ who: string; frame?: Frame; close?: number }>;

const SAFETY_MS = 5000;

/** A Connection that records frames and closes. */
export class FakeConnection implements Connection {
  readonly frames: Frame[] = [];
  closedWith: { code: number; reason: string } | null = null;
  bufferedAmount = 0;
  private cursor = 0;
  private waiters: Array<() => void> = [];

  constructor(
    readonly name: string,
    private readonly journal: Journal = [],
  ) {}

  send(frame: OutFrame): void {
    const parsed = JSON.parse(frame.text) as Frame;
    this.frames.push(parsed);
    this.journal.push({ who: this.name, frame: parsed });
    this.wake();
  }

  close(code: number, reason: string): void {
    if (this.closedWith) return;
    this.closedWith = { code, reason };
    this.journal.push({ who: this.name, close: code });
    this.wake();
  }

  /** The next frame not yet read by `next` (optionally of one type; others are skipped). */
  async next(type?: string): Promise<Frame> {
    const deadline = Date.now() + SAFETY_MS;
    for (;;) {
      while (this.cursor < this.frames.length) {
        const frame = this.frames[this.cursor++] as Frame;
        if (type === undefined || frame.type === type) return frame;
      }
      if (Date.now() > deadline)
        throw new Error(`${this.name}: no ${type ?? 'frame'}; got ${JSON.stringify(this.frames)}`);
      await this.changed();
    }
  }

  /** Resolves when the core closes this connection. */
  async closed(): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + SAFETY_MS;
    while (!this.closedWith) {
      if (Date.now() > deadline) throw new Error(`${this.name}: not closed`);
      await this.changed();
    }
    return this.closedWith;
  }

  /** Frames not yet read. */
  unread(): Frame[] {
    return this.frames.slice(this.cursor);
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, SAFETY_MS);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** A gate: `wait()` pends until `open()`. */
export class Gate {
  private release!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.release = resolve));
  /** Resolves when something is waiting at the gate. */
  readonly reached: Promise<void>;
  private arrive!: () => void;

  constructor() {
    this.reached = new Promise((resolve) => (this.arrive = resolve));
  }

  async wait(): Promise<void> {
    this.arrive();
    await this.opened;
  }

  open(): void {
    this.release();
  }
}

/** The memory backend, where the next call of a chosen method can be held at a {@link Gate}. */
export class HoldableBackend extends MemoryBackend {
  private readonly gates = new Map<string, Gate>();

  /** Hold the next call of `method` until the returned gate is opened. */
  hold(method: 'claimUsername' | 'joinRoom' | 'leaveRoom' | 'roomMembers' | 'releaseUsername'): Gate {
    const gate = new Gate();
    this.gates.set(method, gate);
    return gate;
  }

  private async gate(method: string): Promise<void> {
    const gate = this.gates.get(method);
    if (!gate) return;
    this.gates.delete(method);
    await gate.wait();
  }

  override async claimUsername(key: string, peer: PeerInfo): Promise<boolean> {
    await this.gate('claimUsername');
    return super.claimUsername(key, peer);
  }

  override async releaseUsername(key: string, peerId: string): Promise<void> {
    await this.gate('releaseUsername');
    return super.releaseUsername(key, peerId);
  }

  override async joinRoom(roomId: string, peer: PeerInfo, maxPeers: number) {
    await this.gate('joinRoom');
    return super.joinRoom(roomId, peer, maxPeers);
  }

  override async leaveRoom(roomId: string, peer: PeerInfo): Promise<void> {
    await this.gate('leaveRoom');
    return super.leaveRoom(roomId, peer);
  }

  override async roomMembers(roomId: string): Promise<PeerInfo[]> {
    await this.gate('roomMembers');
    return super.roomMembers(roomId);
  }
}

/** A core on a holdable memory backend, and a way to open fake connections to it. */
export interface CoreRig {
  core: SignalingCore;
  backend: HoldableBackend;
  journal: Journal;
  /** Open a connection; `send` takes objects or raw strings. */
  connect(name: string): { conn: FakeConnection; handle: SessionHandle; send(msg: object | string): void };
  /** Open, identify and (optionally) join. */
  peer(
    name: string,
    roomId?: string,
  ): Promise<{ conn: FakeConnection; handle: SessionHandle; send(msg: object | string): void; id: string }>;
}

/** Build a started core with a silent logger unless one is given. */
export async function coreRig(options: Partial<CoreOptions> = {}): Promise<CoreRig> {
  const backend = (options.backend as HoldableBackend | undefined) ?? new HoldableBackend();
  const logger: Logger = options.logger ?? pino({ level: 'silent' });
  const core = new SignalingCore({
    identifyTimeoutMs: 5000,
    maxPeersPerRoom: 50,
    ...options,
    backend,
    logger,
  });
  await core.start();
  const journal: Journal = [];
  const connect = (name: string) => {
    const conn = new FakeConnection(name, journal);
    const handle = core.connect(conn, { ip: '127.0.0.1' });
    const send = (msg: object | string) => handle.onText(typeof msg === 'string' ? msg : JSON.stringify(msg));
    return { conn, handle, send };
  };
  return {
    core,
    backend,
    journal,
    connect,
    async peer(name, roomId) {
      const c = connect(name);
      c.send({ type: 'IDENTIFY', username: name });
      const auth = await c.conn.next();
      if (auth.type !== 'AUTH_SUCCESS') throw new Error(`${name}: ${JSON.stringify(auth)}`);
      if (roomId !== undefined) {
        c.send({ type: 'JOIN_ROOM', roomId });
        await c.conn.next('ROOM_MEMBERS');
      }
      return { ...c, id: auth.peerId as string };
    },
  };
}
