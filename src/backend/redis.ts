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
import type { Backend, BackendHealth, JoinOutcome, LocalDelivery, RoomPage } from './backend.js';
import { BackendUnavailableError } from './backend.js';
import type { PeerInfo } from '../protocol/messages.js';
import { encodePeerEvent } from '../protocol/encode.js';
import { decodeClusterMessage, encodeClusterMessage, type ClusterMessage } from './cluster-messages.js';
import { guarded, openConnections, redactUrl, type RedisConnections } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';
import { countRedisRooms, listRedisRooms } from './redis-room-listing.js';
import { ClusterLiveness } from './redis-liveness.js';
import { RoomMirror, type MirrorMember } from './room-mirror.js';

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
}

/** A room member as stored in the room hash. */
export interface StoredMember extends MirrorMember {
  id: string;
}

/** Shared state in Redis, delivery over pub/sub; see the module comment. */
export class RedisBackend extends EventEmitter implements Backend {
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
  private readonly counters = { published: 0, received: 0, publishErrors: 0, dropped: 0 };

  constructor(private readonly options: RedisBackendOptions) {
    super();
    this.nodeId = options.nodeId ?? randomUUID();
    this.keys = new RedisKeys(options.keyPrefix);
    this.log = options.logger.child({ component: 'redis-backend' });
  }

  async start(local: LocalDelivery): Promise<void> {
    this.local = local;
    const conn = await openConnections({
      url: this.options.url,
      commandTimeoutMs: this.options.commandTimeoutMs,
      name: `signalroom:${this.nodeId}`,
    });
    this.conn = conn;
    conn.subscriber.on('message', (_channel: string, text: string) => this.onClusterMessage(text));
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

  // ---- rooms ----------------------------------------------------------------------------------

  async joinRoom(roomId: string, peer: PeerInfo, maxPeers: number): Promise<JoinOutcome> {
    const redis = this.command();
    const seq = this.nextSeq();
    const mirror = this.mirrorFor(roomId);
    mirror.beginJoin(peer.id);
    let reply: [number, string[]?];
    try {
      reply = await guarded(() =>
        redis.srJoin(
          this.keys.room(roomId),
          this.keys.peer(peer.id),
          this.keys.recovering(),
          peer.id,
          memberJson(peer.username, this.nodeId, seq),
          maxPeers,
          roomId,
          seq,
        ),
      );
    } catch (err) {
      this.forgetLocalMember(roomId, mirror, peer.id);
      this.liveness?.markDirty();
      throw err;
    }
    if (reply[0] !== 1) {
      this.forgetLocalMember(roomId, mirror, peer.id);
      if (reply[0] === -1)
        throw new BackendUnavailableError('The cluster is re-registering after a Redis restart');
      return { ok: false, reason: 'full' };
    }
    const members = parseMembers(reply[1] ?? []).filter((m) => m.id !== peer.id);
    for (const m of members) mirror.add(m.id, m);
    mirror.add(peer.id, { username: peer.username, node: this.nodeId, seq });
    const record = this.localPeers.get(peer.id);
    if (record) {
      record.room = roomId;
      record.seq = seq;
    }
    return { ok: true, members: members.map((m) => ({ id: m.id, username: m.username })) };
  }

  announceJoin(roomId: string, peer: PeerInfo, recipients: readonly PeerInfo[]): void {
    const mirror = this.mirrors.get(roomId);
    if (!mirror) return;
    const frame = encodePeerEvent('NEW_PEER_IN_ROOM', roomId, peer);
    const remote = new Map<string, string[]>();
    for (const r of recipients) {
      const node = mirror.member(r.id)?.node;
      if (node === undefined) continue; // left since the join: it will not hear of the joiner
      if (node === this.nodeId) mirror.deliverTo(r.id, () => this.local?.deliverLocal(r.id, frame));
      else remote.set(node, [...(remote.get(node) ?? []), r.id]);
    }
    const seq = mirror.member(peer.id)?.seq ?? 0;
    for (const [node, to] of remote) {
      this.publish(node, { t: 'join', room: roomId, peer: pick(peer), node: this.nodeId, seq, to });
    }
    // The joiner has its ROOM_MEMBERS now: hand it what arrived for it meanwhile.
    mirror.completeJoin(peer.id);
  }

  async leaveRoom(roomId: string, peer: PeerInfo): Promise<void> {
    const mirror = this.mirrors.get(roomId);
    const record = this.localPeers.get(peer.id);
    const seq = mirror?.member(peer.id)?.seq ?? record?.seq ?? 0;
    if (record?.room === roomId) record.room = null;
    let left: StoredMember[] | null;
    try {
      const redis = this.command();
      const reply = await guarded(() =>
        redis.srLeave(this.keys.room(roomId), this.keys.peer(peer.id), peer.id, roomId),
      );
      left = reply === null ? null : parseMembers(reply);
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      // Leaving always succeeds: members here are told now, those on other nodes when Redis is
      // back (the re-registration purges the membership and publishes the PEER_LEFT_ROOM).
      this.liveness?.markDirty();
      left = mirror ? membersOf(mirror, this.nodeId, peer.id) : null;
    }
    if (mirror) {
      mirror.remove(peer.id, seq);
      this.forgetLocalMember(roomId, mirror, peer.id);
    }
    if (left === null) return;
    const frame = encodePeerEvent('PEER_LEFT_ROOM', roomId, peer);
    const remote = new Map<string, string[]>();
    for (const m of left) {
      if (m.node === this.nodeId) mirror?.deliverTo(m.id, () => this.local?.deliverLocal(m.id, frame));
      else remote.set(m.node, [...(remote.get(m.node) ?? []), m.id]);
    }
    for (const [node, to] of remote)
      this.publish(node, { t: 'leave', room: roomId, peer: pick(peer), seq, to });
  }

  async roomMembers(roomId: string): Promise<PeerInfo[]> {
    const redis = this.command();
    const flat = await guarded(() => redis.hgetall(this.keys.room(roomId)));
    return Object.entries(flat).map(([id, json]) => ({ id, username: parseMember(id, json).username }));
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
    const node = parseMember(peerId, json).node;
    if (node === this.nodeId) return this.local?.kickLocal(peerId, roomId) ?? false;
    // The peer's node closes it and leaves the room, which tells the members as any leave does.
    this.publish(node, { t: 'kick', room: roomId, to: peerId });
    return true;
  }

  // ---- cluster messages -----------------------------------------------------------------------

  private publish(node: string, message: ClusterMessage): void {
    const conn = this.conn;
    if (!conn) return;
    this.counters.published++;
    conn.command.publish(this.keys.nodeChannel(node), encodeClusterMessage(message)).catch((err: unknown) => {
      // At most once: a frame lost with the connection is not retried (clients renegotiate).
      this.counters.publishErrors++;
      this.log.warn({ err: (err as Error).message, to: node, t: message.t }, 'publish failed');
    });
  }

  private onClusterMessage(text: string): void {
    this.counters.received++;
    const msg = decodeClusterMessage(text);
    if (!msg) {
      this.log.warn({ length: text.length }, 'malformed cluster message ignored');
      return;
    }
    if (msg.t === 'kick') {
      this.local?.kickLocal(msg.to, msg.room);
      return;
    }
    const mirror = this.mirrors.get(msg.room);
    if (!mirror) {
      this.counters.dropped++;
      return;
    }
    switch (msg.t) {
      case 'relay':
        mirror.deliverTo(msg.to, () => this.local?.deliverLocal(msg.to, msg.frame));
        return;
      case 'join': {
        mirror.add(msg.peer.id, { username: msg.peer.username, node: msg.node, seq: msg.seq });
        const frame = encodePeerEvent('NEW_PEER_IN_ROOM', msg.room, msg.peer);
        for (const id of msg.to) mirror.deliverTo(id, () => this.local?.deliverLocal(id, frame));
        return;
      }
      case 'leave': {
        mirror.remove(msg.peer.id, msg.seq);
        const frame = encodePeerEvent('PEER_LEFT_ROOM', msg.room, msg.peer);
        for (const id of msg.to) mirror.deliverTo(id, () => this.local?.deliverLocal(id, frame));
        return;
      }
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Rooms with members on this node and their mirrors (for re-registration). */
  mirroredRooms(): ReadonlyMap<string, RoomMirror> {
    return this.mirrors;
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

  private mirrorFor(roomId: string): RoomMirror {
    let mirror = this.mirrors.get(roomId);
    if (!mirror) {
      mirror = new RoomMirror();
      this.mirrors.set(roomId, mirror);
    }
    return mirror;
  }

  private forgetLocalMember(roomId: string, mirror: RoomMirror, peerId: string): void {
    mirror.dropLocal(peerId);
    if (mirror.hasNoLocalPeers() && this.mirrors.get(roomId) === mirror) this.mirrors.delete(roomId);
  }

  // Monotonic per node and close to the wall clock, so a peer resuming on another node gets a
  // higher number than its previous membership; 13 digits survive Lua's number formatting.
  private nextSeq(): number {
    this.lastSeq = Math.max(Date.now(), this.lastSeq + 1);
    return this.lastSeq;
  }
}

/** The room-hash value of a member. */
export function memberJson(username: string, node: string, seq: number): string {
  return JSON.stringify({ u: username, n: node, s: seq });
}

function parseMember(id: string, json: string): StoredMember {
  const v = JSON.parse(json) as { u?: unknown; n?: unknown; s?: unknown };
  return { id, username: String(v.u ?? ''), node: String(v.n ?? ''), seq: Number(v.s ?? 0) };
}

/** Members from a flat HGETALL reply (id, json, id, json…). */
export function parseMembers(flat: readonly string[]): StoredMember[] {
  const out: StoredMember[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    out.push(parseMember(flat[i] as string, flat[i + 1] as string));
  return out;
}

function membersOf(mirror: RoomMirror, nodeId: string, except: string): StoredMember[] {
  return mirror
    .localMembers()
    .filter((id) => id !== except)
    .map((id) => ({ id, username: '', node: nodeId, seq: 0 }));
}

function pick(peer: PeerInfo): PeerInfo {
  return { id: peer.id, username: peer.username };
}
