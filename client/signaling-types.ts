/** The public types of {@link SignalingClient}: its states, events, options and what identification returns. */
import type { IceServer, PeerInfo, ServerMessageOf } from '../protocol/messages.js';
import type { SignalroomError } from './errors.js';
import type { ReconnectPolicy } from './reconnect-policy.js';
import type { WebSocketConstructor } from './websocket-like.js';

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

/** What `identify(username, { room })` resolves with: the identity, and the room it joined in the same round trip. */
export interface JoinedIdentity extends Identity {
  roomId: string;
  /** The other members of the room, as `join` gives them. */
  members: PeerInfo[];
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
  /**
   * The server refused signals for its rate limit (`RATE_LIMITED`): they are held, with any sent
   * meanwhile, and sent again in order after `retryAfterMs`. Nothing is lost; no `error` is emitted.
   */
  throttled: { held: number; retryAfterMs: number };
}

/** Options of {@link SignalingClient}. */
export interface SignalingClientOptions {
  /** The WebSocket URL, e.g. `wss://example.com/ws`. */
  url: string;
  /** The WebSocket implementation (default: the global one, in browsers and Node 22+; pass `ws` before). */
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
