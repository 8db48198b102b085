/**
 * The Redis backend: usernames, rooms and peer records live in Redis and change only through the
 * atomic Lua scripts of `redis-scripts.ts`; frames and room events for a peer on another node go
 * over that node's pub/sub channel. Each node keeps a {@link RoomMirror} of the rooms where it has
 * peers, so `relay` stays synchronous.
 *
 * Order: everything this node sends (script calls and publishes) goes over ONE command connection
 * and everything it receives over ONE subscriber connection, so Redis keeps the order per sender
 * node → target node: a joiner's NEW_PEER_IN_ROOM reaches the other node before its first offer,
 * and a leaver's last relay before its PEER_LEFT_ROOM.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type {
  Backend,
  BackendHealth,
  HeldState,
  JoinOutcome,
  LocalDelivery,
  ResumeRecord,
  ResumeSupport,
  RoomPage,
} from './backend.js';
import { BackendUnavailableError } from './backend.js';
import type { PeerInfo } from '../protocol/messages.js';
import { encodeClusterMessage, type ClusterMessage } from './cluster-messages.js';
import { handleClusterMessage } from './redis-inbound.js';
import { guarded, openConnections, redactUrl, type RedisConnections } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';
import { countRedisRooms, listRedisRooms } from './redis-room-listing.js';
import { ClusterLiveness } from './redis-liveness.js';
import { RedisResume } from './redis-resume.js';
import { parseMembers, RedisRooms, type StoredMember } from './redis-rooms.js';
import { RoomMirror } from './room-mirror.js';

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

/** A peer whose connection this node holds. */
export interface LocalPeer {
  username: string;
  usernameKey: string;
  room: string | null;
  /** Sequence number of the current room membership. */
  seq: number;
  /** A room it left while Redis was unreachable (its members elsewhere are told on repair). */
  leftRoom?: string;
}

/** Shared state in Redis, delivery over pub/sub; see the module comment. */
export class RedisBackend extends EventEmitter implements Backend, ResumeSupport {
  readonly kind = 'redis';
  readonly nodeId: string;
  readonly keys: RedisKeys;
  /** Peers connected here, the truth this node re-registers after Redis lost data. */
  readonly localPeers = new Map<string, LocalPeer>();
  private readonly mirrors = new Map<string, RoomMirror>();
  private readonly log: Logger;
  private conn: RedisConnections | null = null;
  private local: LocalDelivery | null = null;
  private liveness: ClusterLiveness | null = null;
  private lastSeq = 0;
  /** Traffic counters for {@link health}. */
  readonly counters = { published: 0, received: 0, publishErrors: 0, dropped: 0 };
  /** Resume records and hand-over of held peers between nodes. */
  readonly resume: RedisResume;
  private readonly rooms = new RedisRooms(this);

  constructor(private readonly options: RedisBackendOptions) {
    super();
    this.nodeId = options.nodeId ?? randomUUID();
    this.keys = new RedisKeys(options.keyPrefix);
    this.log = options.logger.child({ component: 'redis-backend' });
    this.resume = new RedisResume(this, Math.max(1000, 2 * options.commandTimeoutMs));
  }

  async start(local: LocalDelivery): Promise<void> {
    this.local = local;
    const conn = await openConnections({
      url: this.options.url,
      commandTimeoutMs: this.options.commandTimeoutMs,
      name: `signalroom:${this.nodeId}`,
    });
    this.conn = conn;
    conn.subscriber.on('message', (_channel: string, text: string) =>
      handleClusterMessage(this, text, this.log),
    );
    await guarded(() => conn.subscriber.subscribe(this.keys.nodeChannel(this.nodeId)));
    this.liveness = new ClusterLiveness(this, conn, this.options, this.log);
    await this.liveness.start();
    this.log.info({ url: redactUrl(this.options.url), prefix: this.keys.prefix }, 'redis backend started');
  }

  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = null;
    this.local = null;
    await this.liveness?.stop();
    if (!conn) return;
    conn.subscriber.disconnect();
    await conn.command.quit().catch(() => conn.command.disconnect());
  }

  isReady(): boolean {
    return this.liveness?.isReady() ?? false;
  }

  /** Readiness, latency and traffic counters, for metrics and logs. */
  health(): BackendHealth {
    return {
      ...(this.liveness?.health() ?? { ready: false, degradedSince: null, latencyMs: null }),
      ...this.counters,
    };
  }

  /** The command connection (throws when closed). */
  command(): RedisConnections['command'] {
    if (!this.conn) throw new BackendUnavailableError('Redis backend is not started');
    return this.conn.command;
  }

  // ---- usernames ------------------------------------------------------------------------------

  async claimUsername(key: string, peer: PeerInfo): Promise<boolean> {
    const redis = this.command();
    // Known before the reply, so a re-registration running meanwhile does not purge the new peer.
    this.localPeers.set(peer.id, { username: peer.username, usernameKey: key, room: null, seq: 0 });
    let result: number;
    try {
      result = await guarded(() =>
        redis.srClaim(
          this.keys.user(key),
          this.keys.peer(peer.id),
          this.keys.nodePeers(this.nodeId),
          this.keys.recovering(),
          peer.id,
          peer.username,
          this.nodeId,
          key,
        ),
      );
    } catch (err) {
      this.localPeers.delete(peer.id);
      this.liveness?.markDirty();
      throw err;
    }
    if (result === 1) return true;
    this.localPeers.delete(peer.id);
    if (result === -1)
      throw new BackendUnavailableError('The cluster is re-registering after a Redis restart');
    return false;
  }

  async releaseUsername(key: string, peerId: string): Promise<void> {
    this.localPeers.delete(peerId);
    try {
      const redis = this.command();
      await guarded(() =>
        redis.srRelease(
          this.keys.user(key),
          this.keys.peer(peerId),
          this.keys.nodePeers(this.nodeId),
          peerId,
        ),
      );
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      // Forgotten here already; the re-registration after Redis returns purges it there.
      this.liveness?.markDirty();
    }
  }

  // ---- rooms (redis-rooms.ts) ----------------------------------------------------------------

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

  // ---- relay ----------------------------------------------------------------------------------

  relay(roomId: string, toPeerId: string, frame: string): boolean {
    const mirror = this.mirrors.get(roomId);
    const target = mirror?.member(toPeerId);
    if (!mirror || !target) return false;
    if (target.node === this.nodeId) {
      mirror.deliverTo(toPeerId, () => this.local?.deliverLocal(toPeerId, frame));
      return true;
    }
    if (!this.liveness?.isConnected())
      throw new BackendUnavailableError('Redis unavailable: cannot reach the peer’s node');
    this.publish(target.node, { t: 'relay', room: roomId, to: toPeerId, frame });
    return true;
  }

  // ---- operations (admin API, metrics) ----------------------------------------------------------

  listRooms(cursor: string | null, limit: number): Promise<RoomPage> {
    return listRedisRooms(this.command(), this.keys, cursor, limit);
  }

  roomCount(): Promise<number> {
    return countRedisRooms(this.command(), this.keys);
  }

  async kick(roomId: string, peerId: string): Promise<boolean> {
    const redis = this.command();
    const json = await guarded(() => redis.hget(this.keys.room(roomId), peerId));
    if (json === null) return false;
    const node = parseMembers([peerId, json])[0]?.node;
    if (node === this.nodeId) return this.local?.kickLocal(peerId, roomId) ?? false;
    // The peer's node closes it and leaves the room, which tells the members as any leave does.
    if (node) this.publish(node, { t: 'kick', room: roomId, to: peerId });
    return true;
  }

  // ---- resume (redis-resume.ts) ----------------------------------------------------------------

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
    return this.resume.replaceUsername(key, peer);
  }

  /** Map sizes, for leak checks (`core.sizes()`). */
  size(): Record<string, number> {
    return { mirrors: this.mirrors.size, localPeers: this.localPeers.size, ...this.resume.size() };
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** A write failed while Redis was unreachable: repair when it is back. */
  markDirty(): void {
    this.liveness?.markDirty();
  }

  /** What this node delivers to (the core), or null when stopped. */
  delivery(): LocalDelivery | null {
    return this.local;
  }

  /** The mirror of a room where this node has peers, if any. */
  mirror(roomId: string): RoomMirror | undefined {
    return this.mirrors.get(roomId);
  }

  /** The mirror of a room, created for a local peer about to be in it. */
  mirrorFor(roomId: string): RoomMirror {
    let mirror = this.mirrors.get(roomId);
    if (!mirror) {
      mirror = new RoomMirror();
      this.mirrors.set(roomId, mirror);
    }
    return mirror;
  }

  /** A local peer is no longer in a room here (left, join failed, resumed elsewhere). */
  forgetLocalMember(roomId: string, peerId: string): void {
    const mirror = this.mirrors.get(roomId);
    if (!mirror) return;
    mirror.dropLocal(peerId);
    if (mirror.hasNoLocalPeers()) this.mirrors.delete(roomId);
  }

  /** A peer of this node resumed on `node`: route to it there. */
  movedAway(roomId: string, peerId: string, node: string): void {
    const entry = this.mirrors.get(roomId)?.member(peerId);
    if (entry) this.mirrors.get(roomId)?.add(peerId, { ...entry, node });
    this.forgetLocalMember(roomId, peerId);
  }

  /** Send a message to another node's channel (fire and forget: at most once). */
  publish(node: string, message: ClusterMessage): void {
    const conn = this.conn;
    if (!conn) return;
    this.counters.published++;
    conn.command.publish(this.keys.nodeChannel(node), encodeClusterMessage(message)).catch((err: unknown) => {
      this.counters.publishErrors++;
      this.log.warn({ err: (err as Error).message, to: node, t: message.t }, 'publish failed');
    });
  }

  /** Announce a re-added membership to the room's members on other nodes (after being declared dead). */
  reannounce(roomId: string, peer: PeerInfo, seq: number, members: StoredMember[]): void {
    const remote = new Map<string, string[]>();
    for (const m of members) {
      if (m.node !== this.nodeId && m.id !== peer.id)
        remote.set(m.node, [...(remote.get(m.node) ?? []), m.id]);
    }
    for (const [node, to] of remote)
      this.publish(node, { t: 'join', room: roomId, peer, node: this.nodeId, seq, to });
  }

  // Monotonic per node and close to the wall clock, so a peer resuming on another node gets a
  // higher number than its previous membership; 13 digits survive Lua's number formatting.
  /** A new membership sequence number. */
  nextSeq(): number {
    this.lastSeq = Math.max(Date.now(), this.lastSeq + 1);
    return this.lastSeq;
  }
}
