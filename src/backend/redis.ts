/**
 * The Redis backend: usernames, rooms and peer records live in Redis (one server, a Sentinel-
 * managed primary, or a Redis Cluster: redis-topology.ts) and change through single-slot steps
 * (`redis-scripts.ts`, keys tagged in `redis-keys.ts`); frames and room events for a peer on
 * another node go over that node's pub/sub channel (sharded on a cluster), batched per turn of
 * the event loop (redis-outbox.ts). Each node keeps a mirror (room-mirror.ts) of the rooms where it
 * has peers, so `relay` stays synchronous.
 *
 * Order: everything this node sends another node goes through ONE queue per target, published
 * over one connection to the target's channel, and everything it receives comes in on its own
 * channel, so the order per sender node → target node is kept: a joiner's NEW_PEER_IN_ROOM
 * reaches the other node before its first offer, and a leaver's last relay before its
 * PEER_LEFT_ROOM. Announcements of a change are queued right after its reply.
 *
 * Delivery between nodes has a deadline (`--redis-relay-deadline-ms`): a relay is refused at once
 * when it cannot make it (Redis unreachable, the target node's heartbeat lapsed, its channel
 * stuck), and one that could not be delivered in time is dropped and its sender told UNAVAILABLE.
 *
 * Layers (each imports only from the layers below it; test/backend/redis-layers.test.ts checks):
 *
 *   redis.ts                 RedisBackend: the facade, implements `Backend`, wires the parts
 *     ↓
 *   parts                    redis-usernames, redis-rooms, redis-resume, redis-inbound,
 *                            redis-liveness → redis-reregister → redis-peer-removal,
 *                            redis-room-index, redis-bearers
 *     ↓
 *   redis-node.ts            RedisNode: node id, keys, connection, local peers, room mirrors,
 *                            cluster view, counters, outbox / local delivery, the fan-out
 *     ↓
 *   foundations              redis-connection (+ redis-scripts, redis-topology), redis-outbox,
 *                            redis-keys (every key and channel name), cluster-messages and
 *                            cluster-batch (node ↔ node wire format), cluster-view (shared clock,
 *                            node liveness), redis-members (stored values), room-mirror,
 *                            local-peers, undelivered-notices, relay-acks, backend
 */
import type { Logger } from 'pino';
import type {
  Backend,
  BackendHealth,
  BearerHolder,
  JoinOutcome,
  LocalDelivery,
  RoomPage,
} from './backend.js';
import type { HeldState, ResumeRecord } from './backend.js';
import type { OutFrame } from '../../protocol/frame.js';
import type { PeerInfo } from '../../protocol/messages.js';
import { RedisBearers } from './redis-bearers.js';
import { clusterMessageHandler } from './redis-inbound.js';
import { ClusterLiveness } from './redis-liveness.js';
import { RedisNode } from './redis-node.js';
import { RedisResume } from './redis-resume.js';
import { countIndexedRooms, listIndexedRooms } from './redis-room-index.js';
import { RedisRooms } from './redis-rooms.js';
import { describeTopology, parseTopology } from './redis-topology.js';
import { RedisUsernames } from './redis-usernames.js';

/** Options of the Redis backend (from the `redis-*` config options). */
export interface RedisBackendOptions {
  /** `redis://`/`rediss://` (a cluster node is detected), or `redis+sentinel://host:port,…/master`. */
  url: string;
  /** Sentinel addresses (`host:port`), with {@link sentinelMaster}. */
  sentinels?: readonly string[];
  /** The master name the sentinels monitor. */
  sentinelMaster?: string;
  /** Redis Cluster seed addresses (`host:port`). */
  clusterNodes?: readonly string[];
  keyPrefix: string;
  /** A node silent this long is dead; its peers are removed cluster-wide. Also bounds start-up. */
  nodeTimeoutMs: number;
  commandTimeoutMs: number;
  /** A relay to another node not delivered within this long is dropped, its sender told (default 5 s). */
  relayDeadlineMs?: number;
  /** Publishes to another node go out at most this often (default 16 ms; redis-outbox.ts). */
  batchMs?: number;
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
  private readonly bearers: RedisBearers;
  private liveness: ClusterLiveness | null = null;

  constructor(private readonly options: RedisBackendOptions) {
    this.log = options.logger.child({ component: 'redis-backend' });
    this.node = new RedisNode({
      nodeId: options.nodeId,
      keyPrefix: options.keyPrefix,
      logger: this.log,
      relayDeadlineMs: options.relayDeadlineMs,
      batchMs: options.batchMs,
      commandTimeoutMs: options.commandTimeoutMs,
    });
    this.nodeId = this.node.nodeId;
    this.usernames = new RedisUsernames(this.node);
    // A kick waits for the holder at most half the node timeout: a holder silent for longer may be
    // dead, and is reaped (its peers removed) soon after; the kick says it did not take effect.
    this.rooms = new RedisRooms(this.node, Math.min(3000, options.nodeTimeoutMs / 2));
    this.resume = new RedisResume(this.node, Math.max(1000, 2 * options.commandTimeoutMs));
    this.bearers = new RedisBearers(this.node, options.nodeTimeoutMs, this.log);
  }

  async start(local: LocalDelivery): Promise<void> {
    const { commandTimeoutMs, nodeTimeoutMs } = this.options;
    const topology = parseTopology(this.options);
    this.log.info({ redis: describeTopology(topology) }, 'connecting to Redis');
    const onText = clusterMessageHandler(this.node, this.resume, this.log);
    await this.node.open(local, { topology, commandTimeoutMs, startupTimeoutMs: nodeTimeoutMs }, onText);
    this.liveness = new ClusterLiveness(this.node, nodeTimeoutMs, this.log);
    await this.liveness.start();
    this.bearers.start();
    const { topology: kind } = this.node.connection();
    this.log.info(
      { redis: describeTopology(topology), topology: kind, prefix: this.node.keys.prefix },
      'redis backend started',
    );
  }

  async close(): Promise<void> {
    const liveness = this.liveness;
    this.liveness = null;
    // Nothing reaches local peers any more; the connections stay for the liveness to unregister.
    this.node.detach();
    await this.bearers.stop();
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
    return listIndexedRooms(this.node, cursor, limit);
  }

  roomCount(): Promise<number> {
    return countIndexedRooms(this.node);
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

  async holdLive(tokenKey: string): Promise<boolean> {
    // The bearer index says which node has the session live (an auth token's hash is there too:
    // that node holds only a session whose current resume token it is).
    const found = await this.bearers.elsewhere(tokenKey);
    return found !== null && this.resume.holdLive(found.node, tokenKey, found.holder.peerId);
  }

  replaceUsername(key: string, peer: PeerInfo): Promise<PeerInfo | null> {
    return this.usernames.replace(key, peer);
  }

  addBearer(key: string, holder: BearerHolder): void {
    this.bearers.add(key, holder);
  }

  dropBearer(key: string, holder: BearerHolder): void {
    this.bearers.drop(key, holder);
  }

  findBearer(key: string): Promise<BearerHolder | null> {
    return this.bearers.find(key);
  }

  /** Map sizes, for leak checks (`core.sizes()`). */
  size(): Record<string, number> {
    return {
      mirrors: this.node.mirrors.size,
      localPeers: this.node.peers.size,
      publishesInFlight: this.node.inFlight,
      ...this.node.acks.size(),
      ...this.resume.size(),
      bearers: this.bearers.size,
    };
  }
}
