/**
 * The signaling connection: identify, join, leave and relay offers, answers and candidates, with
 * typed events and automatic reconnection. Runs in browsers and in Node (inject `ws`).
 *
 * States: idle → connecting → connected ⇄ reconnecting → closed. While reconnecting, signals are
 * held in a send queue; after the socket is back the client identifies again (with its resume
 * token when the server gave one) and rejoins its room, then reports how it came back.
 */
import { CLOSE_CODES } from '../src/protocol/close-codes.js';
import type {
  ClientMessage,
  IceCandidate,
  IceServer,
  PeerInfo,
  ServerMessage,
  ServerMessageOf,
  SessionDescription,
} from '../src/protocol/messages.js';
import { TypedEmitter } from './emitter.js';
import { FrameLedger } from './frame-ledger.js';
import { SignalroomError } from './errors.js';
import { PendingReplies } from './pending-replies.js';
import { ExponentialBackoffPolicy, NEVER_RECONNECT, type ReconnectPolicy } from './reconnect-policy.js';
import {
  globalWebSocket,
  READY_STATE,
  type WebSocketConstructor,
  type WebSocketLike,
} from './websocket-like.js';

/** Where the connection stands. `connected` means usable: identified and in the room again after a drop. */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** How a reconnection restored the session. */
export type ReconnectOutcome = 'resumed' | 'rejoined' | 'reidentified' | 'reconnected';

/** A relayed signal as the server delivers it. */
export type SignalMessage =
  ServerMessageOf<'SDP_OFFER'> | ServerMessageOf<'SDP_ANSWER'> | ServerMessageOf<'ICE_CANDIDATE'>;

/** Who this client is after identification. */
export interface Identity {
  peerId: string;
  username: string;
  /** ICE servers the server handed out (TURN credentials), if any. */
  iceServers: IceServer[] | undefined;
  /** True when a held session was resumed (same peer id and room). */
  resumed: boolean;
}

/** Events of {@link SignalingClient}. */
export interface SignalingEvents {
  state: { state: ConnectionState; previous: ConnectionState };
  identified: Identity;
  members: { roomId: string; members: PeerInfo[] };
  'peer-joined': { roomId: string; peer: PeerInfo };
  'peer-left': { roomId: string; peer: PeerInfo };
  /**
   * The client is no longer in `roomId`. `rejoining`: only because the server lost the session
   * (a restart); the client is rejoining the room under a new peer id, and peer connections that
   * are up may be kept (the mesh does).
   */
  'room-left': { roomId: string; rejoining: boolean };
  signal: SignalMessage;
  /** A refusal or failure not tied to a pending call (those reject the call instead). */
  error: SignalroomError;
  reconnected: { outcome: ReconnectOutcome; attempts: number };
}

/** Options of {@link SignalingClient}. */
export interface SignalingClientOptions {
  /** The WebSocket URL, e.g. `wss://example.com/ws`. */
  url: string;
  /** The WebSocket implementation (default: the global one; pass `ws` in Node 20). */
  WebSocket?: WebSocketConstructor;
  /** When to reconnect after a drop; `false` never does (default: jittered backoff 0.5 s … 15 s). */
  reconnect?: ReconnectPolicy | false;
  /** Application-level PING interval that detects dead connections; 0 turns it off (default 20 s). */
  keepaliveIntervalMs?: number;
  /** How long identify, join and leave wait for the server (default 10 s). */
  requestTimeoutMs?: number;
  /** Signals held while reconnecting, at most (default 1000); older ones are dropped first. */
  maxQueuedSignals?: number;
}

// Closes after which reconnecting would only repeat the refusal.
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CLOSE_CODES.NORMAL.code,
  CLOSE_CODES.POLICY.code,
  CLOSE_CODES.REPLACED.code,
  CLOSE_CODES.KICKED.code,
]);
// Identification refusals worth retrying while reconnecting: the server may still hold the old session.
const RETRYABLE_AUTH_CODES: ReadonlySet<string> = new Set(['USERNAME_TAKEN', 'UNAVAILABLE', 'INTERNAL']);

/** A connection to a signalroom server. */
export class SignalingClient extends TypedEmitter<SignalingEvents> {
  private readonly url: string;
  private readonly WebSocketImpl: WebSocketConstructor;
  private readonly policy: ReconnectPolicy;
  private readonly keepaliveMs: number;
  private readonly maxQueued: number;
  private readonly replies: PendingReplies;
  /** Frame counts that make a resume lose nothing and repeat nothing (docs/reliability.md). */
  private readonly ledger: FrameLedger;
  /** The server's `received` count in the last resumed AUTH_SUCCESS. */
  private serverReceived: number | undefined;
  private socket: WebSocketLike | null = null;
  private current: ConnectionState = 'idle';
  private credentials: { username: string; token?: string } | null = null;
  private resumeToken: string | undefined;
  private identity: Identity | null = null;
  private room: string | null = null;
  private wantedRoom: string | null = null;
  private queue: string[] = [];
  private keepaliveTimer: ReturnType<typeof setInterval> | null = null;
  private unansweredPing: string | null = null;
  private wakeReconnect: (() => void) | null = null;
  private sequence = 0;

  constructor(options: SignalingClientOptions) {
    super();
    const impl = options.WebSocket ?? globalWebSocket();
    if (!impl)
      throw new TypeError('SignalingClient: no global WebSocket; pass options.WebSocket (e.g. from "ws")');
    this.url = options.url;
    this.WebSocketImpl = impl;
    this.policy =
      options.reconnect === false ? NEVER_RECONNECT : (options.reconnect ?? new ExponentialBackoffPolicy());
    this.keepaliveMs = options.keepaliveIntervalMs ?? 20_000;
    this.maxQueued = options.maxQueuedSignals ?? 1000;
    this.replies = new PendingReplies(options.requestTimeoutMs ?? 10_000);
    this.ledger = new FrameLedger(this.maxQueued);
  }

  /** The connection state. */
  get state(): ConnectionState {
    return this.current;
  }
  /** This client's peer id, once identified. */
  get peerId(): string | null {
    return this.identity?.peerId ?? null;
  }
  /** Identity details from the last `AUTH_SUCCESS`. */
  get identified(): Identity | null {
    return this.identity;
  }
  /** The room the server has us in, if any. */
  get roomId(): string | null {
    return this.room;
  }

  /** Open the WebSocket. Resolves when it is open; rejects with CONNECTION_FAILED. */
  async connect(): Promise<void> {
    if (this.current === 'connecting' || this.current === 'connected' || this.current === 'reconnecting') {
      throw SignalroomError.client('CONNECTION_FAILED', `Already ${this.current}`);
    }
    this.identity = null;
    this.room = null;
    this.setState('connecting');
    try {
      await this.openSocket();
    } catch (err) {
      this.setState('closed');
      throw err;
    }
    this.setState('connected');
  }

  /** Identify as `username` (with a `token` when the server requires one). Rejects with the AUTH_ERROR code. */
  async identify(username: string, options: { token?: string } = {}): Promise<Identity> {
    this.requireOpen();
    const identity = await this.sendIdentify({ username, ...options }, undefined);
    this.credentials = { username: identity.username, ...options };
    return identity;
  }

  /** Join `roomId` (leaving the current room); resolves with the other members. */
  async join(roomId: string): Promise<PeerInfo[]> {
    this.requireOpen();
    if (!this.identity) throw SignalroomError.client('NOT_IDENTIFIED');
    const members = await this.sendJoin(roomId);
    this.wantedRoom = roomId;
    return members;
  }

  /** Leave the current room. */
  async leave(): Promise<void> {
    this.requireOpen();
    this.wantedRoom = null;
    const id = this.nextId('leave');
    const reply = this.replies.wait(
      (m) => (m.type === 'PONG' && m.id === id) || (m.type === 'ERROR' && m.ref === 'LEAVE_ROOM'),
      'LEAVE_ROOM',
    );
    this.write({ type: 'LEAVE_ROOM' });
    // The server does not acknowledge a leave; a PING after it is answered once the leave is done.
    this.write({ type: 'PING', id });
    const answer = await reply;
    if (answer.type === 'ERROR') throw SignalroomError.fromServer(answer);
    this.setRoomLeft();
  }

  /** Relay an SDP offer to `toPeerId`. */
  sendOffer(toPeerId: string, sdp: SessionDescription): void {
    this.sendSignal({ type: 'SDP_OFFER', toPeerId, sdp: { type: sdp.type, sdp: sdp.sdp } });
  }
  /** Relay an SDP answer to `toPeerId`. */
  sendAnswer(toPeerId: string, sdp: SessionDescription): void {
    this.sendSignal({ type: 'SDP_ANSWER', toPeerId, sdp: { type: sdp.type, sdp: sdp.sdp } });
  }
  /** Relay an ICE candidate to `toPeerId`. */
  sendCandidate(toPeerId: string, iceCandidate: IceCandidate): void {
    this.sendSignal({ type: 'ICE_CANDIDATE', toPeerId, iceCandidate });
  }

  /** Close for good (code 1000): no reconnection; the server ends the session at once. */
  close(): void {
    if (this.current === 'closed') return;
    const socket = this.socket;
    this.detachSocket();
    socket?.close(CLOSE_CODES.NORMAL.code, 'Client closed');
    this.replies.failAll(SignalroomError.client('CLOSED'));
    this.queue = [];
    this.wakeReconnect?.();
    this.setState('closed');
  }

  // ---- socket --------------------------------------------------------------------------------

  private openSocket(): Promise<void> {
    return new Promise((resolve, reject) => {
      let socket: WebSocketLike;
      try {
        socket = new this.WebSocketImpl(this.url);
      } catch (err) {
        reject(SignalroomError.client('CONNECTION_FAILED', `Cannot open ${this.url}: ${String(err)}`));
        return;
      }
      this.socket = socket;
      let opened = false;
      socket.onopen = () => {
        if (this.socket !== socket) return;
        opened = true;
        this.startKeepalive();
        resolve();
      };
      socket.onmessage = (event: { data: unknown }) => {
        if (this.socket === socket) this.onFrame(event.data);
      };
      socket.onerror = () => undefined; // a close event always follows and carries the code
      socket.onclose = (event: { code: number; reason: string }) => {
        if (!opened) {
          // Also when close() abandoned this socket while it was opening: the caller must not hang.
          if (this.socket === socket) this.detachSocket();
          reject(SignalroomError.client('CONNECTION_FAILED', `Cannot connect to ${this.url}`));
          return;
        }
        if (this.socket !== socket) return;
        this.detachSocket();
        this.onSocketLost(event.code);
      };
    });
  }

  private detachSocket(): void {
    this.socket = null;
    if (this.keepaliveTimer !== null) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
    this.unansweredPing = null;
  }

  private onSocketLost(code: number): void {
    this.replies.failAll(SignalroomError.client('CONNECTION_CLOSED', `Connection closed (${code})`));
    // While reconnecting, the loop notices through its failed request and tries again.
    if (this.current !== 'connected') return;
    if (FINAL_CLOSE_CODES.has(code)) {
      this.setState('closed');
      return;
    }
    void this.reconnectLoop(code);
  }

  private startKeepalive(): void {
    if (this.keepaliveMs <= 0) return;
    this.keepaliveTimer = setInterval(() => {
      const socket = this.socket;
      // Nothing may be written between a resuming IDENTIFY and its answer (the frame counts).
      if (!socket || this.current !== 'connected') return;
      if (this.unansweredPing !== null) {
        // No PONG for a whole interval: the TCP connection is dead even if the browser has not noticed.
        this.detachSocket();
        // `ws` can drop the socket at once; a browser can only start a close handshake that will not finish.
        const terminate = (socket as { terminate?: () => void }).terminate;
        if (terminate) terminate.call(socket);
        else socket.close(4000, 'Keepalive timeout');
        this.onSocketLost(1006);
        return;
      }
      this.unansweredPing = this.nextId('keepalive');
      this.write({ type: 'PING', id: this.unansweredPing });
    }, this.keepaliveMs);
  }

  // ---- reconnection ----------------------------------------------------------------------------

  private async reconnectLoop(closeCode: number): Promise<void> {
    this.setState('reconnecting');
    const lostAt = Date.now();
    for (let attempt = 0; ; attempt++) {
      const delay = this.policy.nextDelayMs({ attempt, elapsedMs: Date.now() - lostAt, closeCode });
      if (delay === null) {
        this.queue = [];
        this.setState('closed');
        this.emit('error', SignalroomError.client('RECONNECT_FAILED'));
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wakeReconnect = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeReconnect = null;
      if (this.current !== 'reconnecting') return;
      try {
        await this.openSocket();
        const outcome = await this.restoreSession();
        this.setState('connected');
        this.emit('reconnected', { outcome, attempts: attempt + 1 });
        return;
      } catch (err) {
        if (this.current !== 'reconnecting') return;
        const error =
          err instanceof SignalroomError ? err : SignalroomError.client('CONNECTION_FAILED', String(err));
        const socket = this.socket;
        this.detachSocket();
        socket?.close(CLOSE_CODES.NORMAL.code, 'Retrying');
        if (error.isAuthError && !RETRYABLE_AUTH_CODES.has(error.code) && error.code !== 'UNAUTHORIZED') {
          this.setState('closed');
          this.emit('error', error);
          return;
        }
        if (error.code === 'UNAUTHORIZED') {
          // A stale resume token: the next attempt identifies afresh. Without one, the token is refused.
          if (this.resumeToken === undefined) {
            this.setState('closed');
            this.emit('error', error);
            return;
          }
          this.resumeToken = undefined;
        }
      }
    }
  }

  /** Identify again (resuming when possible) and rejoin the room. */
  private async restoreSession(): Promise<ReconnectOutcome> {
    if (!this.credentials) return 'reconnected';
    const identity = await this.sendIdentify(this.credentials, this.resumeToken);
    if (identity.resumed) {
      // Frames written to the dead socket that the server never processed go again, once.
      const unprocessed =
        this.serverReceived === undefined ? [] : this.ledger.unprocessed(this.serverReceived);
      if (unprocessed === null) {
        // Too many to repeat: a fresh session is better than one with a silent gap.
        this.resumeToken = undefined;
        throw SignalroomError.client('CONNECTION_FAILED', 'Cannot resume without a gap; identifying again');
      }
      if (this.serverReceived !== undefined) this.ledger.rewind(this.serverReceived);
      const held = this.queue;
      this.queue = [];
      for (const frame of [...unprocessed, ...held]) this.writeRaw(frame);
      // The server may have undone a join that was running when the connection died.
      if (this.wantedRoom !== null && this.room !== this.wantedRoom) await this.sendJoin(this.wantedRoom);
      return 'resumed';
    }
    // A new session has a new peer id: signals queued for the old one's peers would be refused.
    this.queue = [];
    if (this.wantedRoom === null) return 'reidentified';
    await this.sendJoin(this.wantedRoom);
    return 'rejoined';
  }

  // ---- requests --------------------------------------------------------------------------------

  private async sendIdentify(
    credentials: { username: string; token?: string },
    resumeToken: string | undefined,
  ): Promise<Identity> {
    const reply = this.replies.wait((m) => m.type === 'AUTH_SUCCESS' || m.type === 'AUTH_ERROR', 'IDENTIFY');
    const message: ClientMessage = { type: 'IDENTIFY', username: credentials.username };
    if (credentials.token !== undefined) message.token = credentials.token;
    if (resumeToken !== undefined) {
      message.resumeToken = resumeToken;
      message.received = this.ledger.received;
    } else {
      this.ledger.reset();
    }
    this.write(message);
    const answer = await reply;
    if (answer.type !== 'AUTH_SUCCESS')
      throw SignalroomError.fromServer(answer as ServerMessageOf<'AUTH_ERROR'>);
    return this.identity as Identity;
  }

  private async sendJoin(roomId: string): Promise<PeerInfo[]> {
    const reply = this.replies.wait(
      (m) =>
        (m.type === 'ROOM_MEMBERS' && m.roomId === roomId) || (m.type === 'ERROR' && m.ref === 'JOIN_ROOM'),
      'JOIN_ROOM',
    );
    this.write({ type: 'JOIN_ROOM', roomId });
    const answer = await reply;
    if (answer.type === 'ERROR') throw SignalroomError.fromServer(answer);
    return (answer as ServerMessageOf<'ROOM_MEMBERS'>).members;
  }

  private sendSignal(message: ClientMessage): void {
    if (this.current === 'connected' && this.socket) {
      this.write(message);
    } else if (this.current === 'reconnecting') {
      this.queue.push(JSON.stringify(message));
      if (this.queue.length > this.maxQueued) this.queue.shift();
    } else {
      throw SignalroomError.client('NOT_CONNECTED');
    }
  }

  private write(message: ClientMessage): void {
    const frame = JSON.stringify(message);
    if (message.type === 'IDENTIFY') {
      const socket = this.socket;
      if (!socket || socket.readyState !== READY_STATE.OPEN) throw SignalroomError.client('NOT_CONNECTED');
      socket.send(frame);
    } else {
      this.writeRaw(frame);
    }
  }

  /** Write a frame sent after IDENTIFY: counted and kept until a resume confirms it arrived. */
  private writeRaw(frame: string): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== READY_STATE.OPEN) throw SignalroomError.client('NOT_CONNECTED');
    socket.send(frame);
    this.ledger.sent(frame);
  }

  private requireOpen(): void {
    if (this.current !== 'connected' || !this.socket) throw SignalroomError.client('NOT_CONNECTED');
  }

  // ---- incoming --------------------------------------------------------------------------------

  private onFrame(data: unknown): void {
    if (typeof data !== 'string') return; // the server sends text only
    let message: ServerMessage;
    try {
      message = JSON.parse(data) as ServerMessage;
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null || typeof message.type !== 'string') return;
    if (message.type !== 'AUTH_SUCCESS' && message.type !== 'AUTH_ERROR') this.ledger.received++;
    switch (message.type) {
      case 'AUTH_SUCCESS':
        this.onAuthSuccess(message);
        break;
      case 'ROOM_MEMBERS':
        this.room = message.roomId;
        this.emit('members', { roomId: message.roomId, members: message.members });
        break;
      case 'NEW_PEER_IN_ROOM':
        this.emit('peer-joined', { roomId: message.roomId, peer: message.peer });
        break;
      case 'PEER_LEFT_ROOM':
        this.emit('peer-left', { roomId: message.roomId, peer: message.peer });
        break;
      case 'SDP_OFFER':
      case 'SDP_ANSWER':
      case 'ICE_CANDIDATE':
        this.emit('signal', message);
        break;
      case 'PONG':
        if (message.id !== undefined && message.id === this.unansweredPing) this.unansweredPing = null;
        break;
    }
    const taken = this.replies.offer(message);
    if (!taken && (message.type === 'ERROR' || message.type === 'AUTH_ERROR')) {
      this.emit('error', SignalroomError.fromServer(message));
    }
  }

  private onAuthSuccess(message: ServerMessageOf<'AUTH_SUCCESS'>): void {
    const resumed = message.resumed === true;
    this.identity = {
      peerId: message.peerId,
      username: message.username,
      iceServers: message.iceServers,
      resumed,
    };
    this.resumeToken = message.resumeToken;
    this.serverReceived = message.received;
    if (!resumed) this.ledger.received = 0;
    if (resumed) this.room = message.roomId ?? null;
    else if (this.room !== null)
      this.setRoomLeft(this.current === 'reconnecting' && this.wantedRoom !== null);
    this.emit('identified', this.identity);
  }

  private setRoomLeft(rejoining = false): void {
    const roomId = this.room;
    this.room = null;
    if (roomId !== null) this.emit('room-left', { roomId, rejoining });
  }

  private setState(state: ConnectionState): void {
    const previous = this.current;
    if (previous === state) return;
    this.current = state;
    this.emit('state', { state, previous });
  }

  private nextId(kind: string): string {
    this.sequence += 1;
    return `${kind}-${this.sequence}`;
  }
}
