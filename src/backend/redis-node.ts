/**
 * The state of one node of the Redis backend, the layer every part builds on (the layer picture
 * is at the top of redis.ts): its id and key names, its two Redis connections, the peers it holds
 * and the mirrors of their rooms, its traffic counters, and the two ways a message leaves it:
 * handed to a local peer, or published on another node's channel. The group-by-node fan-out of
 * room events is written here, once.
 *
 * Order: everything this node sends (script calls and publishes) goes over ONE command connection
 * and everything it receives over ONE subscriber connection; see redis.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { BackendHealth, LocalDelivery } from './backend.js';
import { BackendUnavailableError } from './backend.js';
import { encodePeerEvent } from '../../protocol/encode.js';
import type { OutFrame } from '../../protocol/frame.js';
import { encodeClusterMessage, type ClusterMessage, type RoomEvent } from './cluster-messages.js';
import { LocalPeers } from './local-peers.js';
import {
  guarded,
  openConnections,
  type RedisConnectionOptions,
  type RedisConnections,
} from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';
import { RoomMirrors, type RoomMirror } from './room-mirror.js';

/** Who a node is: its id (random when not given) and the prefix of its keys. */
export interface RedisNodeOptions {
  nodeId?: string;
  keyPrefix: string;
  logger: Logger;
}

/** Cluster message counters, as {@link BackendHealth} reports them. */
export type TrafficCounters = Pick<BackendHealth, 'published' | 'received' | 'publishErrors' | 'dropped'>;

/** A room member to tell of an event: its id and the node holding its connection. */
export interface MemberRef {
  id: string;
  node: string;
}

/** One node's state, connections and ways out; see the module comment. */
export class RedisNode {
  readonly nodeId: string;
  readonly keys: RedisKeys;
  /** The peers whose connection this node holds. */
  readonly peers = new LocalPeers();
  /** The rooms where this node holds peers. */
  readonly mirrors = new RoomMirrors();
  private readonly counters: TrafficCounters = { published: 0, received: 0, publishErrors: 0, dropped: 0 };
  private readonly log: Logger;
  private conn: RedisConnections | null = null;
  private local: LocalDelivery | null = null;
  private lastSeq = 0;
  private dirty = false;

  constructor(options: RedisNodeOptions) {
    this.nodeId = options.nodeId ?? randomUUID();
    this.keys = new RedisKeys(options.keyPrefix);
    this.log = options.logger;
  }

  /** Connect, deliver to `local`, and pass every message on this node's channel to `onMessage`. */
  async open(
    local: LocalDelivery,
    connection: Omit<RedisConnectionOptions, 'name'>,
    onMessage: (text: string) => void,
  ): Promise<void> {
    this.local = local;
    const conn = await openConnections({ ...connection, name: `signalroom:${this.nodeId}` });
    this.conn = conn;
    conn.subscriber.on('message', (_channel: string, text: string) => {
      this.counters.received++;
      onMessage(text);
    });
    await guarded(() => conn.subscriber.subscribe(this.keys.nodeChannel(this.nodeId)));
  }

  /** Stop handing anything to local peers (the node is closing; Redis stays usable to clean up). */
  detach(): void {
    this.local = null;
  }

  /** Close both connections. */
  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = null;
    this.local = null;
    if (!conn) return;
    conn.subscriber.disconnect();
    await conn.command.quit().catch(() => conn.command.disconnect());
  }

  /** The command connection (throws when closed). */
  command(): RedisConnections['command'] {
    return this.connections().command;
  }

  /** Both connections (throws when closed). */
  connections(): RedisConnections {
    if (!this.conn) throw new BackendUnavailableError('Redis backend is not started');
    return this.conn;
  }

  /** Both connections are up. */
  isConnected(): boolean {
    const conn = this.conn;
    return conn !== null && conn.command.status === 'ready' && conn.subscriber.status === 'ready';
  }

  /** What this node delivers to (the core), or null when not open. */
  delivery(): LocalDelivery | null {
    return this.local;
  }

  /** A copy of the cluster message counters. */
  traffic(): TrafficCounters {
    return { ...this.counters };
  }

  /** A cluster message arrived for a room or peer this node no longer has. */
  countDropped(): void {
    this.counters.dropped++;
  }

  /** A write failed while Redis was unreachable: the next heartbeat repairs. */
  markDirty(): void {
    this.dirty = true;
  }

  /** Whether a write failed since the last call (and forget it). */
  takeDirty(): boolean {
    const dirty = this.dirty;
    this.dirty = false;
    return dirty;
  }

  // Monotonic per node and close to the wall clock, so a peer resuming on another node gets a
  // higher number than its previous membership; 13 digits survive Lua's number formatting.
  /** A new membership sequence number. */
  nextSeq(): number {
    this.lastSeq = Math.max(Date.now(), this.lastSeq + 1);
    return this.lastSeq;
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

  /**
   * Deliver a relayed frame to `toPeerId` if the mirror of `roomId` has it: here at once (or once
   * its join completes), on another node over that node's channel. False when it is not a member.
   */
  relay(roomId: string, toPeerId: string, frame: OutFrame): boolean {
    const mirror = this.mirrors.get(roomId);
    const target = mirror?.member(toPeerId);
    if (!mirror || !target) return false;
    if (target.node === this.nodeId) {
      this.deliverHere(mirror, toPeerId, frame);
      return true;
    }
    if (!this.isConnected())
      throw new BackendUnavailableError('Redis unavailable: cannot reach the peer’s node');
    this.publish(target.node, { t: 'relay', room: roomId, to: toPeerId, frame: frame.text });
    return true;
  }

  /** Hand a frame to a local member of a mirrored room, now or once its join completes. */
  deliverHere(mirror: RoomMirror, peerId: string, frame: OutFrame): void {
    mirror.deliverTo(peerId, () => this.local?.deliverLocal(peerId, frame));
  }

  /**
   * Tell `members` of a room event: those on this node directly (as if the event had arrived on
   * the channel), the others with one message per node naming its recipients.
   */
  tellMembers(event: RoomEvent, members: Iterable<MemberRef>): void {
    const here: string[] = [];
    const elsewhere = new Map<string, string[]>();
    for (const m of members) {
      if (m.node === this.nodeId) here.push(m.id);
      else {
        const to = elsewhere.get(m.node);
        if (to) to.push(m.id);
        else elsewhere.set(m.node, [m.id]);
      }
    }
    if (here.length > 0) this.receiveRoomEvent(event, here);
    for (const [node, to] of elsewhere) this.publish(node, { ...event, to });
  }

  /**
   * Apply a room event to the room's mirror and tell the local members `to`; false when this node
   * has no peer in the room any more.
   */
  receiveRoomEvent(event: RoomEvent, to: readonly string[]): boolean {
    const mirror = this.mirrors.get(event.room);
    if (!mirror) return false;
    const { peer } = event;
    if (event.t === 'join')
      mirror.add(peer.id, { username: peer.username, node: event.node, seq: event.seq });
    else mirror.remove(peer.id, event.seq);
    const frame = encodePeerEvent(
      event.t === 'join' ? 'NEW_PEER_IN_ROOM' : 'PEER_LEFT_ROOM',
      event.room,
      peer,
    );
    for (const id of to) this.deliverHere(mirror, id, frame);
    return true;
  }
}
