/**
 * Where shared signaling state lives and how frames reach peers. The core speaks to it in domain
 * terms (usernames, rooms, peers), never in storage commands, so the memory and Redis
 * implementations share one contract (test/backend/contract.ts). Every async method may reject
 * with {@link BackendUnavailableError}; the core answers `UNAVAILABLE` and carries on.
 */
import type { OutFrame } from '../../protocol/frame.js';
import type { PeerInfo } from '../../protocol/messages.js';

/** What the backend calls back into: the peers connected to this node. */
export interface LocalDelivery {
  /** Hand a ready frame to a peer connected to this node; unknown ids are ignored. */
  deliverLocal(peerId: string, frame: OutFrame): void;
  /**
   * A peer this node holds for resume is resuming elsewhere (or here): stop holding it, without
   * leaving its room or freeing its username (the resumer owns them now), and hand over its state.
   * `null` when this node does not hold it.
   */
  releaseHeld(peerId: string): HeldState | null;
  /**
   * A resume on another node presents the current resume token (hash `tokenKey`) of `peerId`,
   * whose connection here still looks alive (the client noticed the drop first): close it with
   * 4003 and hold the peer, as for a resume here. Resolves once the peer is held and its record
   * saved (true; also when it was held already), or false when this node has no such session.
   */
  holdLive(tokenKey: string, peerId: string): Promise<boolean>;
  /**
   * Another connection took this peer's username (`--on-duplicate-username replace`): close its
   * connection with 4003, or drop its hold, and remove it from its room.
   */
  evict(peerId: string): void;
  /**
   * An operator removes a peer (admin API): if it is connected here and in `roomId`, close it with
   * 4004 and end its session for good (its room is told PEER_LEFT_ROOM). False when not here.
   */
  kickLocal(peerId: string, roomId: string): boolean;
}

/**
 * What a node saves when it holds a dropped peer for resume, under a hash of the resume token.
 * Whoever takes it (the resuming connection or the node's grace timer) owns the peer from then on.
 */
export interface ResumeRecord {
  peerId: string;
  username: string;
  /** The claimed username key (case-folded), to release it when the grace period ends. */
  usernameKey: string;
  roomId: string | null;
  /** Rooms the peer's credentials allow (`null`: any). */
  allowedRooms: readonly string[] | null;
  /**
   * When the peer's credentials expire (ms since the epoch; absent: never): a resume after it is
   * refused. Optional, so records saved by nodes that predate it still resume.
   */
  authExpiresAt?: number;
  /** The node that holds the peer's queue and replay log. */
  nodeId: string;
  /** The key the record is saved under; taking it is what makes a resume or an expiry the owner. */
  tokenKey: string;
  /**
   * A second key for the same record: the token the session was last resumed with, while the
   * client may not have received its replacement (the drop hit the resume's answer). Taking it
   * grants nothing until `tokenKey` is taken too.
   */
  aliasKey: string | null;
}

/** The per-peer state the holding node hands to the node where the peer resumes. */
export interface HeldState {
  /** Frames the server processed from the client after its IDENTIFY, over the session's life. */
  inCount: number;
  /** Frames the server sent to the client after AUTH_SUCCESS, over the session's life. */
  outCount: number;
  /**
   * The last frames sent before the drop, oldest first; the last one is frame number `outCount`.
   * Frames here are texts: the state may cross nodes (the receiver rebuilds them with `frameFromText`).
   */
  replay: string[];
  /** Frames that arrived for the peer while it was away, in order (not yet counted in `outCount`); texts too. */
  queued: string[];
  /** True when membership events were dropped from a full queue: the resumer needs a fresh ROOM_MEMBERS. */
  lostEvents: boolean;
  /**
   * The session's message, room-change and signal budgets at the drop (the core's own flat array
   * of numbers), so a resume does not refill them. Absent from nodes that predate it, or when the
   * core has no limits: the resumed session then starts with full budgets.
   */
  budgets?: number[];
}

/**
 * Session resume in a backend (docs/reliability.md): every backend has it; the core turns resume
 * off with `graceMs: 0` (`--resume-grace-ms 0`), not by the backend it is given.
 */
export interface ResumeSupport {
  /** Store a held peer's record under `tokenKey` for `ttlMs` (the grace period). */
  saveResume(tokenKey: string, record: ResumeRecord, ttlMs: number): Promise<void>;
  /** Atomically fetch and delete a record: a token works once; `null` when unknown, used or expired. */
  takeResume(tokenKey: string): Promise<ResumeRecord | null>;
  /**
   * Get the held state of a peer whose record was just taken, from the node named in
   * `record.nodeId` (by calling its {@link LocalDelivery.releaseHeld}); `null` when that node no
   * longer holds it. Frames for the peer that reach this node meanwhile are the core's to buffer.
   */
  fetchHeld(record: ResumeRecord): Promise<HeldState | null>;
  /**
   * No record was found under `tokenKey`: if another node has a live session whose current resume
   * token has that hash, have it hold the peer ({@link LocalDelivery.holdLive}) so that its record
   * can be taken. True once it is held there; false when no other node has it live, or that node
   * did not answer within the backend's deadline (the resume is then refused as for an unknown
   * token). A single node's backend answers false: the core takes its own sessions over.
   */
  holdLive(tokenKey: string): Promise<boolean>;
  /**
   * Claim a username key even when another peer holds it (`--on-duplicate-username replace`);
   * the previous holder, if any, is evicted on its node ({@link LocalDelivery.evict}) and returned.
   */
  replaceUsername(key: string, peer: PeerInfo): Promise<PeerInfo | null>;
}

/** A live session as a bearer token names it, on whichever node holds it. */
export interface BearerHolder {
  readonly peerId: string;
  readonly username: string;
  /** When the session's credentials expire (ms since the epoch; 0: never). */
  readonly authExpiresAt: number;
}

/**
 * Recognising a live session by a bearer token on any node (`GET /api/ice-servers`): each node
 * lists the tokens of the sessions it holds under their hash (`key`), in memory or in Redis.
 */
export interface BearerSupport {
  /**
   * From now on `key` names `holder`, a session identified on this node. Synchronous and never
   * throws: a write Redis missed is made again later (another node may not see the key meanwhile).
   */
  addBearer(key: string, holder: BearerHolder): void;
  /** `key` no longer names `holder` (its session ended, was held for resume, or got a new token). */
  dropBearer(key: string, holder: BearerHolder): void;
  /** The live session `key` names on any node, or `null`. */
  findBearer(key: string): Promise<BearerHolder | null>;
}

/** One room as operators see it (admin API, metrics). */
export interface RoomSummary {
  id: string;
  /** Members on every node. */
  members: number;
}

/** A page of {@link Backend.listRooms}. */
export interface RoomPage {
  rooms: RoomSummary[];
  /** Opaque cursor of the next page; `null` after the last one. */
  next: string | null;
}

/** The result of an atomic join. */
export type JoinOutcome = { ok: true; members: PeerInfo[] } | { ok: false; reason: 'full' };

/** Shared state and delivery for the signaling core. */
export interface Backend extends ResumeSupport, BearerSupport {
  /** `memory` or `redis`, for logs and metrics. */
  readonly kind: string;
  /** This node's id; peer records name the node that holds their connection. */
  readonly nodeId: string;
  /** Connect and start delivering to `local`. */
  start(local: LocalDelivery): Promise<void>;
  /** Release every resource; pending calls reject. */
  close(): Promise<void>;
  /** False while the backend cannot serve (Redis unreachable); drives `/readyz`. */
  isReady(): boolean;
  /** Readiness, latency and traffic counters, for metrics (read it on scrape). */
  health(): BackendHealth;

  /** Atomically claim a username key for a peer; false when another peer holds it. */
  claimUsername(key: string, peer: PeerInfo): Promise<boolean>;
  /** Free a username key, only if `peerId` still holds it. */
  releaseUsername(key: string, peerId: string): Promise<void>;

  /** Atomically add a peer to a room (created on first join) unless it holds `maxPeers` already. */
  joinRoom(roomId: string, peer: PeerInfo, maxPeers: number): Promise<JoinOutcome>;
  /** Tell `recipients` (the members returned by the join) that `peer` arrived. */
  announceJoin(roomId: string, peer: PeerInfo, recipients: readonly PeerInfo[]): void;
  /** Atomically remove a peer from a room (deleted when empty) and tell those left behind. */
  leaveRoom(roomId: string, peer: PeerInfo): Promise<void>;
  /** Everyone in a room, on every node. */
  roomMembers(roomId: string): Promise<PeerInfo[]>;

  /**
   * Deliver a relayed frame to `toPeerId` if it is in `roomId`; false when it is not.
   * Synchronous on the hot path: order per sender → target is the call order. May throw
   * {@link BackendUnavailableError} when the target is on another node and Redis is unreachable.
   */
  relay(roomId: string, toPeerId: string, frame: OutFrame): boolean;

  // ---- operations (admin API and metrics, docs/deploy.md) ------------------------------------

  /**
   * Rooms on every node, a page at a time: `cursor` is `null` for the first page, then the previous
   * page's `next`. A page may hold fewer than `limit` rooms before the end; rooms created or removed
   * meanwhile may or may not appear, every room present throughout appears exactly once.
   */
  listRooms(cursor: string | null, limit: number): Promise<RoomPage>;
  /** How many rooms exist on every node. */
  roomCount(): Promise<number>;
  /** Remove `peerId` from `roomId` and close its connection with 4004 on whichever node holds it. */
  kick(roomId: string, peerId: string): Promise<boolean>;
}

/** Thrown by a backend that cannot reach its store; answered as `UNAVAILABLE`. */
export class BackendUnavailableError extends Error {
  constructor(message = 'Backend unavailable') {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

/** A kick asked of another node that did not take effect in time; its message is for the operator. */
export class KickUnconfirmedError extends BackendUnavailableError {
  constructor(message: string) {
    super(message);
    this.name = 'KickUnconfirmedError';
  }
}

/** What a backend reports about itself, for `/metrics` and logs. */
export interface BackendHealth {
  /** Same as `isReady()`. */
  ready: boolean;
  /** When the backend became unable to serve (ms since the epoch), or `null` while healthy. */
  degradedSince: number | null;
  /** Round trip of the last heartbeat to the store, or `null` (memory backend, or none yet). */
  latencyMs: number | null;
  /** Cluster messages sent to other nodes. */
  published: number;
  /** Cluster messages received from other nodes. */
  received: number;
  /** Cluster messages that could not be sent (their publish failed or reached no subscriber). */
  publishErrors: number;
  /** Cluster messages for rooms this node no longer has peers in. */
  dropped: number;
  /** Relays that reached this node after their deadline and were dropped (their senders were told). */
  expired: number;
  /** Batches of cluster messages from other nodes that never arrived (gaps in their numbering). */
  lost: number;
  /**
   * Relays to another node that it never acknowledged (it crashed or hung before processing
   * them, or its ack was lost): their senders were told. Optional, for backends without nodes.
   */
  unacknowledged?: number;
}
