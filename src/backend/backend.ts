/**
 * Where shared signaling state lives and how frames reach peers. The core speaks to it in domain
 * terms (usernames, rooms, peers), never in storage commands, so the memory and Redis
 * implementations share one contract (test/backend/contract.ts). Every async method may reject
 * with {@link BackendUnavailableError}; the core answers `UNAVAILABLE` and carries on.
 */
import type { PeerInfo } from '../protocol/messages.js';

/** What the backend calls back into: the peers connected to this node. */
export interface LocalDelivery {
  /** Hand a ready frame to a peer connected to this node; unknown ids are ignored. */
  deliverLocal(peerId: string, frame: string): void;
}

/** The result of an atomic join. */
export type JoinOutcome = { ok: true; members: PeerInfo[] } | { ok: false; reason: 'full' };

/** Shared state and delivery for the signaling core. */
export interface Backend {
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
  relay(roomId: string, toPeerId: string, frame: string): boolean;
}

/** Thrown by a backend that cannot reach its store; answered as `UNAVAILABLE`. */
export class BackendUnavailableError extends Error {
  constructor(message = 'Backend unavailable') {
    super(message);
    this.name = 'BackendUnavailableError';
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
  /** Cluster messages that could not be sent (lost: delivery between nodes is at most once). */
  publishErrors: number;
  /** Cluster messages for rooms this node no longer has peers in. */
  dropped: number;
}
