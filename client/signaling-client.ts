/**
 * The signaling connection: identify, join, leave and relay offers, answers and candidates, with
 * typed events and automatic reconnection. Runs in browsers and in Node (inject `ws`).
 *
 * States: idle → connecting → connected ⇄ reconnecting → closed. While reconnecting, signals are
 * held in a send queue; after the socket is back the client identifies again (with its resume
 * token when the server gave one) and rejoins its room, then reports how it came back.
 *
 * Here: the public API, the session state and what incoming messages do to it. Elsewhere: the
 * socket and keepalive (signaling-socket.ts, keepalive.ts), the reconnection loop (reconnect-loop.ts),
 * resume bookkeeping (session-resume.ts), requests (server-requests.ts), the send queue
 * (signal-queue.ts) and the public types (signaling-types.ts).
 */
import { CLOSE_CODES } from '../protocol/close-codes.js';
import type {
  ClientMessage,
  ClientMessageOf,
  IceCandidate,
  PeerInfo,
  ServerMessage,
  ServerMessageOf,
  SessionDescription,
} from '../protocol/messages.js';
import { TypedEmitter } from './emitter.js';
import { SignalroomError } from './errors.js';
import { PendingReplies } from './pending-replies.js';
import { isFinalClose, ReconnectLoop } from './reconnect-loop.js';
import { ExponentialBackoffPolicy, NEVER_RECONNECT } from './reconnect-policy.js';
import {
  requestIdentify,
  requestIdentifyAndJoin,
  requestJoin,
  requestLeave,
  type IdentifyAndJoin,
} from './server-requests.js';
import { ResumeLedger } from './resume-ledger.js';
import { SignalQueue } from './signal-queue.js';
import { isSignalFrame, SignalThrottle } from './signal-throttle.js';
import { SignalingSocket } from './signaling-socket.js';
import type {
  ConnectionState,
  Identity,
  JoinedIdentity,
  ReconnectOutcome,
  SignalingClientOptions,
  SignalingEvents,
} from './signaling-types.js';
import { globalWebSocket } from './websocket-like.js';

/** A connection to a signalroom server. */
export class SignalingClient extends TypedEmitter<SignalingEvents> {
  private readonly socket: SignalingSocket;
  private readonly reconnection: ReconnectLoop;
  private readonly replies: PendingReplies;
  private readonly resume: ResumeLedger;
  private readonly queue: SignalQueue;
  /** Signals the server refused for its rate limit, and those waiting behind them. */
  private readonly throttle: SignalThrottle;
  private current: ConnectionState = 'idle';
  private credentials: { username: string; token?: string } | null = null;
  /** The auth token of the last IDENTIFY sent (the one an AUTH_SUCCESS answers). */
  private identifyToken: string | undefined;
  private identity: Identity | null = null;
  private room: string | null = null;
  private wantedRoom: string | null = null;
  private sequence = 0;
  private readonly writeMessage = (message: ClientMessage): void => this.write(message);
  /** The WebSocket URL this client connects to. */
  readonly url: string;

  constructor(options: SignalingClientOptions) {
    super();
    this.url = options.url;
    const impl = options.WebSocket ?? globalWebSocket();
    if (!impl)
      throw new TypeError('SignalingClient: no global WebSocket; pass options.WebSocket (e.g. from "ws")');
    const maxQueued = options.maxQueuedSignals ?? 1000;
    this.replies = new PendingReplies(options.requestTimeoutMs ?? 10_000);
    this.resume = new ResumeLedger(maxQueued);
    this.queue = new SignalQueue(maxQueued);
    this.throttle = new SignalThrottle(maxQueued, (frame) => this.writeHeldSignal(frame));
    this.socket = new SignalingSocket(options.url, impl, options.keepaliveIntervalMs ?? 20_000, {
      onMessage: (message) => this.onMessage(message),
      onLost: (code) => this.onSocketLost(code),
      // Nothing may be written between a resuming IDENTIFY and its answer (the frame counts).
      mayPing: () => this.current === 'connected',
      nextPingId: () => this.nextId('keepalive'),
      write: this.writeMessage,
    });
    const policy =
      options.reconnect === false ? NEVER_RECONNECT : (options.reconnect ?? new ExponentialBackoffPolicy());
    this.reconnection = new ReconnectLoop(policy, {
      state: () => this.current,
      setState: (state) => this.setState(state),
      openSocket: () => this.socket.open(),
      restoreSession: () => this.restoreSession(),
      abandonSocket: () => this.socket.detach()?.close(CLOSE_CODES.NORMAL.code, 'Retrying'),
      dropResumeToken: () => this.resume.dropToken(),
      clearQueue: () => {
        this.queue.clear();
        this.throttle.clear();
      },
      giveUp: (error) => {
        this.setState('closed');
        this.emit('error', error);
      },
      reconnected: (outcome, attempts) => {
        this.setState('connected');
        this.throttle.pump(); // signals held across a resume, in their turn
        this.emit('reconnected', { outcome, attempts });
      },
    });
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
  /**
   * The bearer token of this session for the server's HTTP API (`GET /api/ice-servers`): the
   * current resume token, else the auth token given to {@link identify}, else the `token` query
   * parameter of the URL; null before identification.
   */
  get apiToken(): string | null {
    if (!this.identity) return null;
    return this.resume.token ?? this.identifyToken ?? urlToken(this.url);
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
      await this.socket.open();
    } catch (err) {
      this.setState('closed');
      throw err;
    }
    this.setState('connected');
  }

  /**
   * Identify as `username` (with a `token` when the server requires one). Rejects with the
   * AUTH_ERROR code; the client stays `connected`, so it may identify again (under another name,
   * say) at once: the server closed the refused connection, and the retry opens a fresh one.
   *
   * With `room`, joins it in the same round trip (JOIN_ROOM sent right behind IDENTIFY) and
   * resolves with its members too. When only the join is refused, rejects with that error (`ref`
   * `JOIN_ROOM`): the client is identified then, in no room, and may {@link join} another.
   */
  identify(username: string, options?: { token?: string }): Promise<Identity>;
  identify(username: string, options: { token?: string; room: string }): Promise<JoinedIdentity>;
  async identify(
    username: string,
    options: { token?: string; room?: string } = {},
  ): Promise<Identity | JoinedIdentity> {
    if (this.current === 'connected' && !this.socket.attached && !this.identity)
      await this.reopenAfterRefusal();
    this.requireOpen();
    const { room, ...rest } = options;
    const credentials = { username, ...rest };
    const pipelined = room === undefined ? null : this.sendIdentifyAndJoin(credentials, room);
    try {
      if (pipelined) await pipelined.identified;
      else await this.sendIdentify(credentials, undefined);
    } catch (err) {
      // After AUTH_ERROR the server closes this socket (the protocol's rule). Let go of it first,
      // so its close does not end the client: the next identify() opens a new one.
      if (err instanceof SignalroomError && err.fromServer)
        this.socket.detach()?.close(CLOSE_CODES.NORMAL.code, 'Identify refused');
      throw err;
    }
    const identity = this.identity as Identity;
    // The session stands (and reconnects as itself) whatever a pipelined join's answer.
    this.credentials = { ...credentials, username: identity.username };
    if (!pipelined || room === undefined) return identity;
    const members = await pipelined.joined;
    this.wantedRoom = room;
    return { ...identity, roomId: room, members };
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
    await requestLeave(this.replies, this.writeMessage, this.nextId('leave'));
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
    this.socket.detach()?.close(CLOSE_CODES.NORMAL.code, 'Client closed');
    this.replies.failAll(SignalroomError.client('CLOSED'));
    this.queue.clear();
    this.throttle.clear();
    this.reconnection.wake();
    this.setState('closed');
  }

  // ---- connection loss -------------------------------------------------------------------------

  private onSocketLost(code: number): void {
    this.replies.failAll(SignalroomError.client('CONNECTION_CLOSED', `Connection closed (${code})`));
    // While reconnecting, the loop notices through its failed request and tries again.
    if (this.current !== 'connected') return;
    if (isFinalClose(code)) {
      this.setState('closed');
      return;
    }
    void this.reconnection.run(code);
  }

  /** Identify again (resuming when possible) and rejoin the room. */
  private async restoreSession(): Promise<ReconnectOutcome> {
    if (!this.credentials) return 'reconnected';
    if (this.resume.token === undefined && this.wantedRoom !== null) {
      // A new session for sure: its rejoin goes right behind the IDENTIFY, one round trip for both.
      const pipelined = this.sendIdentifyAndJoin(this.credentials, this.wantedRoom);
      await pipelined.identified;
      this.dropHeldSignals();
      await pipelined.joined;
      return 'rejoined';
    }
    const identity = await this.sendIdentify(this.credentials, this.resume.token);
    if (identity.resumed) {
      // Frames written to the dead socket that the server never processed go again, once. Signals
      // it refused were written before those, and signals waiting behind them after.
      const unprocessed = this.resume.framesToRepeat();
      const held = this.queue.take();
      if (this.throttle.active) {
        // The server restored the budgets with the session: signals it refused still wait for
        // their retry time and go at their pace (all at once they would be refused again, and
        // past four buckets' worth closed as a flood), the unprocessed and held ones behind them;
        // the throttle sends them once connected. Other frames go now.
        for (const frame of unprocessed) if (!isSignalFrame(frame)) this.writeRaw(frame);
        this.throttle.resumeWith(unprocessed.filter(isSignalFrame), held);
      } else {
        for (const frame of [...unprocessed, ...held]) this.writeRaw(frame);
      }
      // The server may have undone a join that was running when the connection died.
      if (this.wantedRoom !== null && this.room !== this.wantedRoom) await this.sendJoin(this.wantedRoom);
      return 'resumed';
    }
    this.dropHeldSignals();
    if (this.wantedRoom === null) return 'reidentified';
    await this.sendJoin(this.wantedRoom);
    return 'rejoined';
  }

  /** A new session has a new peer id: signals held for the old one's peers would be refused. */
  private dropHeldSignals(): void {
    this.queue.clear();
    this.throttle.clear();
  }

  // ---- requests --------------------------------------------------------------------------------

  private async sendIdentify(
    credentials: { username: string; token?: string },
    resumeToken: string | undefined,
  ): Promise<Identity> {
    await requestIdentify(this.replies, this.writeMessage, this.identifyMessage(credentials, resumeToken));
    return this.identity as Identity;
  }

  /** The IDENTIFY to send, resuming with `resumeToken` when given (else every count starts afresh). */
  private identifyMessage(
    credentials: { username: string; token?: string },
    resumeToken: string | undefined,
  ): ClientMessageOf<'IDENTIFY'> {
    const message: ClientMessageOf<'IDENTIFY'> = {
      type: 'IDENTIFY',
      username: credentials.username,
    };
    if (credentials.token !== undefined) message.token = credentials.token;
    this.identifyToken = credentials.token;
    this.resume.prepareIdentify(message, resumeToken);
    return message;
  }

  /** IDENTIFY (never resuming: the frames to repeat must go before anything new) and JOIN_ROOM at once. */
  private sendIdentifyAndJoin(
    credentials: { username: string; token?: string },
    roomId: string,
  ): IdentifyAndJoin {
    return requestIdentifyAndJoin(
      this.replies,
      this.writeMessage,
      this.identifyMessage(credentials, undefined),
      roomId,
    );
  }

  private sendJoin(roomId: string): Promise<PeerInfo[]> {
    return requestJoin(this.replies, this.writeMessage, roomId);
  }

  private sendSignal(message: ClientMessage): void {
    if (this.current === 'connected' && this.socket.writable) {
      // Behind signals the server refused, a new one waits its turn (the order per target).
      this.throttle.submit(JSON.stringify(message));
    } else if (this.current === 'reconnecting' || (this.current === 'connected' && this.socket.attached)) {
      // Reconnecting, or the socket is closing and its close event (which starts the reconnection)
      // is on its way: held, and sent after a resume (dropped if the session must be re-created).
      this.queue.hold(JSON.stringify(message));
    } else {
      throw SignalroomError.client('NOT_CONNECTED');
    }
  }

  private write(message: ClientMessage): void {
    const frame = JSON.stringify(message);
    if (message.type === 'IDENTIFY') {
      this.socket.send(frame);
    } else {
      this.writeRaw(frame);
    }
  }

  /** Write a frame sent after IDENTIFY: counted and kept until a resume confirms it arrived. */
  private writeRaw(frame: string): void {
    this.socket.send(frame);
    this.resume.frameSent(frame);
    // The server names a refused frame by this count.
    if (isSignalFrame(frame)) this.throttle.sent(this.resume.framesSent, frame);
  }

  /** A held signal's turn has come (its retry time, its pace): written unless the connection is down. */
  private writeHeldSignal(frame: string): boolean {
    // While the connection is down it stays held: the resume sends it in its place.
    if (this.current !== 'connected' || !this.socket.writable) return false;
    this.writeRaw(frame);
    return true;
  }

  /** A fresh socket for identifying again after a refusal; the client is closed if none can be had. */
  private async reopenAfterRefusal(): Promise<void> {
    try {
      await this.socket.open();
    } catch (err) {
      this.setState('closed');
      throw err;
    }
  }

  private requireOpen(): void {
    if (this.current !== 'connected' || !this.socket.attached) throw SignalroomError.client('NOT_CONNECTED');
  }

  // ---- incoming --------------------------------------------------------------------------------

  private onMessage(message: ServerMessage): void {
    if (message.type !== 'AUTH_SUCCESS' && message.type !== 'AUTH_ERROR') this.resume.frameReceived();
    if (message.type === 'ERROR' && this.heldForRetry(message)) return;
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
        this.socket.onPong(message.id);
        break;
    }
    const taken = this.replies.offer(message);
    if (!taken && (message.type === 'ERROR' || message.type === 'AUTH_ERROR')) {
      this.emit('error', SignalroomError.fromServer(message));
    }
  }

  /** A `RATE_LIMITED` naming one of our signals: it is held and sent again, not an error. */
  private heldForRetry(message: ServerMessageOf<'ERROR'>): boolean {
    if (message.code !== 'RATE_LIMITED' || message.frame === undefined) return false;
    const retryAfterMs = message.retryAfterMs ?? 1000;
    const pace =
      message.retryBurst !== undefined && message.retryPerSecond !== undefined
        ? { atOnce: message.retryBurst, perSecond: message.retryPerSecond }
        : undefined;
    if (!this.throttle.refuse(message.frame, retryAfterMs, pace)) return false;
    this.emit('throttled', { held: this.throttle.held, retryAfterMs });
    return true;
  }

  private onAuthSuccess(message: ServerMessageOf<'AUTH_SUCCESS'>): void {
    const resumed = message.resumed === true;
    this.identity = {
      peerId: message.peerId,
      username: message.username,
      iceServers: message.iceServers,
      resumed,
    };
    this.resume.identified(message);
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

function urlToken(url: string): string | null {
  try {
    return new URL(url).searchParams.get('token');
  } catch {
    return null;
  }
}
