/**
 * The Redis backend: usernames, rooms and peer records live in Redis and change only through the
 * atomic Lua scripts of `redis-scripts.ts`; frames and room events for a peer on another node go
 * over that node's pub/sub channel. Each node keeps a mirror (room-mirror.ts) of the rooms where it
 * has peers, so `relay` stays synchronous.
 *
 * Order: everything this node sends (script calls and publishes) goes over ONE command connection
 * and everything it receives over ONE subscriber connection, so Redis keeps the order per sender
 * node → target node: a joiner's NEW_PEER_IN_ROOM reaches the other node before its first offer,
 * and a leaver's last relay before its PEER_LEFT_ROOM. Announcements of a script's change are
 * published right after its reply, before anything else this node sends.
 *
 * Layers (each imports only from the layers below it; test/backend/redis-layers.test.ts checks):
 *
 *   redis.ts                 RedisBackend: the facade, implements `Backend`, wires the parts
 *     ↓
 *   parts                    redis-usernames, redis-rooms, redis-resume, redis-inbound,
 *                            redis-liveness → redis-reregister → redis-peer-removal,
 *                            redis-room-listing
 *     ↓
 *   redis-node.ts            RedisNode: node id, keys, connections, local peers, room mirrors,
 *                            counters, publish / local delivery, the group-by-node fan-out
 *     ↓
 *   foundations              redis-connection (+ redis-scripts), redis-keys (every key and
 *                            channel name), cluster-messages (node ↔ node wire format),
 *                            redis-members (room-hash values), room-mirror, local-peers, backend
 */
import type { Logger } from 'pino';
import type { Backend, BackendHealth, JoinOutcome, LocalDelivery, RoomPage } from './backend.js';
import type { HeldState, ResumeRecord } from './backend.js';
import type { OutFrame } from '../../protocol/frame.js';
import type { PeerInfo } from '../../protocol/messages.js';
import { redactUrl } from './redis-connection.js';
import { clusterMessageHandler } from './redis-inbound.js';
import { ClusterLiveness } from './redis-liveness.js';
import { RedisNode } from './redis-node.js';
import { RedisResume } from './redis-resume.js';
import { countRedisRooms, listRedisRooms } from './redis-room-listing.js';
import { RedisRooms } from './redis-rooms.js';
import { RedisUsernames } from './redis-usernames.js';

/** Options of the Redis backend (from the `redis-*` config options). */
export interface RedisBackendOptions {
  url: string;
  keyPrefix: string;
  /** A node silent this long is dead; its peers are removed cluster-wide. */
  nodeTimeoutMs: number;
  commandTimeoutMs: number;
  logger: Logger;
  nodeId?: string;
}

/** Shared state in Redis, delivery over pub/sub; see the module comment. */
export class RedisBackend implements Backend {
  readonly kind = 'redis';
  readonly nodeId: string;
  private readonly log: Logger;
  private readonly node: RedisNode;
  private readonly usernames: RedisUsernames;
  private readonly rooms: RedisRooms;
  private readonly resume: RedisResume;
  private liveness: ClusterLiveness | null = null;

  constructor(private readonly options: RedisBackendOptions) {
    this.log = options.logger.child({ component: 'redis-backend' });
    this.node = new RedisNode({ nodeId: options.nodeId, keyPrefix: options.keyPrefix, logger: this.log });
    this.nodeId = this.node.nodeId;
    this.usernames = new RedisUsernames(this.node);
    this.rooms = new RedisRooms(this.node);
    this.resume = new RedisResume(this.node, Math.max(1000, 2 * options.commandTimeoutMs));
  }

  async start(local: LocalDelivery): Promise<void> {
    const { url, commandTimeoutMs } = this.options;
    const onMessage = clusterMessageHandler(this.node, this.resume, this.log);
    await this.node.open(local, { url, commandTimeoutMs }, onMessage);
    this.liveness = new ClusterLiveness(this.node, this.options.nodeTimeoutMs, this.log);
    await this.liveness.start();
    this.log.info({ url: redactUrl(url), prefix: this.node.keys.prefix }, 'redis backend started');
  }

  async close(): Promise<void> {
    const liveness = this.liveness;
    this.liveness = null;
    // Nothing reaches local peers any more; the connections stay for the liveness to unregister.
    this.node.detach();
    await liveness?.stop();
    await this.node.close();
  }

  isReady(): boolean {
    return this.liveness?.isReady() ?? false;
  }

  /** Readiness, latency and traffic counters, for metrics and logs. */
  health(): BackendHealth {
    return {
      ...(this.liveness?.health() ?? { ready: false, degradedSince: null, latencyMs: null }),
      ...this.node.traffic(),
    };
  }

  claimUsername(key: string, peer: PeerInfo): Promise<boolean> {
    return this.usernames.claim(key, peer);
  }

  releaseUsername(key: string, peerId: string): Promise<void> {
    return this.usernames.release(key, peerId);
  }

  joinRoom(roomId: string, peer: PeerInfo, maxPeers: number): Promise<JoinOutcome> {
    return this.rooms.joinRoom(roomId, peer, maxPeers);
  }

  announceJoin(roomId: string, peer: PeerInfo, recipients: readonly PeerInfo[]): void {
    this.rooms.announceJoin(roomId, peer, recipients);
  }

  leaveRoom(roomId: string, peer: PeerInfo): Promise<void> {
    return this.rooms.leaveRoom(roomId, peer);
  }

  roomMembers(roomId: string): Promise<PeerInfo[]> {
    return this.rooms.roomMembers(roomId);
  }

  relay(roomId: string, toPeerId: string, frame: OutFrame): boolean {
    return this.node.relay(roomId, toPeerId, frame);
  }

  listRooms(cursor: string | null, limit: number): Promise<RoomPage> {
    return listRedisRooms(this.node.command(), this.node.keys, cursor, limit);
  }

  roomCount(): Promise<number> {
    return countRedisRooms(this.node.command(), this.node.keys);
  }

  kick(roomId: string, peerId: string): Promise<boolean> {
    return this.rooms.kick(roomId, peerId);
  }

  saveResume(tokenKey: string, record: ResumeRecord, ttlMs: number): Promise<void> {
    return this.resume.saveResume(tokenKey, record, ttlMs);
  }

  takeResume(tokenKey: string): Promise<ResumeRecord | null> {
    return this.resume.takeResume(tokenKey);
  }

  fetchHeld(record: ResumeRecord): Promise<HeldState | null> {
    return this.resume.fetchHeld(record);
  }

  replaceUsername(key: string, peer: PeerInfo): Promise<PeerInfo | null> {
    return this.usernames.replace(key, peer);
  }

  /** Map sizes, for leak checks (`core.sizes()`). */
  size(): Record<string, number> {
    return { mirrors: this.node.mirrors.size, localPeers: this.node.peers.size, ...this.resume.size() };
  }
}
