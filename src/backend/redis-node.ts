/**
 * The state of one node of the Redis backend, the layer every part builds on (the layer picture
 * is at the top of redis.ts): its id and key names, its connection to Redis, the peers it holds
 * and the mirrors of their rooms, what it knows of the other nodes, its traffic counters, and the
 * two ways a message leaves it: handed to a local peer, or queued for another node's channel
 * (redis-outbox.ts batches them). The group-by-node fan-out of room events is written here, once.
 *
 * Order: everything this node sends another node goes through one queue per target, published
 * over one connection to that node's channel, and everything it receives comes in on its own
 * channel, so the order per sender → target node is kept; see redis.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { BackendHealth, LocalDelivery } from './backend.js';
import { BackendUnavailableError } from './backend.js';
import { encodePeerEvent } from '../../protocol/encode.js';
import type { OutFrame } from '../../protocol/frame.js';
import { messageRecord, relayRecord } from './cluster-batch.js';
import type { ClusterMessage, RoomEvent } from './cluster-messages.js';
import { ClusterView } from './cluster-view.js';
import { LocalPeers } from './local-peers.js';
import {
  openLink,
  type RedisCommands,
  type RedisConnectionOptions,
  type RedisLink,
} from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';
import { Outbox } from './redis-outbox.js';
import { ACK_DELAY_MS, RelayAcks } from './relay-acks.js';
import { RoomMirrors, type RoomMirror } from './room-mirror.js';
import { UndeliveredNotices } from './undelivered-notices.js';

const NODE_DEAD = 'Not delivered: the peer’s node stopped (it crashed or hung) before it took the message';
const NOT_ACKNOWLEDGED =
  'Maybe not delivered: the peer’s node did not confirm the message in time; try again';

/** Who a node is and how long it gives a message to another node. */
export interface RedisNodeOptions {
  nodeId?: string;
  keyPrefix: string;
  logger: Logger;
  /** A relay to another node not delivered within this long is dropped and its sender told (default 5 s). */
  relayDeadlineMs?: number;
  /** Publishes to another node go out at most this often (default 1 ms). */
  batchMs?: number;
  /** A publish unanswered this long counts as failed (default 2 s, the command timeout). */
  commandTimeoutMs?: number;
}

/** Cluster message counters, as {@link BackendHealth} reports them. */
export type TrafficCounters = Pick<
  BackendHealth,
  'published' | 'received' | 'publishErrors' | 'dropped' | 'expired' | 'lost' | 'unacknowledged'
>;

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
  /** The shared clock, the other nodes' heartbeats and this node's health. */
  readonly view = new ClusterView();
  /** Tells this node's peers when relays they sent elsewhere were not delivered. */
  readonly notices = new UndeliveredNotices((peerId, frame) => this.local?.deliverLocal(peerId, frame));
  /** Relays to other nodes until they acknowledge them, and the acks this node owes. */
  readonly acks: RelayAcks;
  private readonly outbox: Outbox;
  private readonly counters = { received: 0, dropped: 0, expired: 0, lost: 0, unacknowledged: 0 };
  private readonly log: Logger;
  private link: RedisLink | null = null;
  private local: LocalDelivery | null = null;
  private lastSeq = 0;
  private dirty = false;

  constructor(options: RedisNodeOptions) {
    this.nodeId = options.nodeId ?? randomUUID();
    this.keys = new RedisKeys(options.keyPrefix);
    this.log = options.logger;
    const commandTimeoutMs = options.commandTimeoutMs ?? 2000;
    this.acks = new RelayAcks({
      now: () => this.view.now(),
      isDead: (node) => this.view.isLapsed(node),
      // An ack is published within ACK_DELAY_MS of the batch's processing, and a publish is
      // answered within the command timeout.
      graceMs: commandTimeoutMs + ACK_DELAY_MS,
      nudge: (node) => this.outbox.nudge(node),
      report: (node, seq, relays, dead) => {
        this.counters.unacknowledged += relays.length;
        this.log.warn(
          { to: node, seq, relays: relays.length, nodeDead: dead },
          'relays not acknowledged by their node; senders told',
        );
        this.notices.tellRecords(node, seq, relays, dead ? NODE_DEAD : NOT_ACKNOWLEDGED);
      },
    });
    this.outbox = new Outbox({
      from: this.nodeId,
      channel: (node) => this.keys.nodeChannel(node),
      view: this.view,
      deadlineMs: options.relayDeadlineMs ?? 5000,
      batchMs: options.batchMs ?? 16,
      stuckMs: commandTimeoutMs,
      onUndelivered: (target, seq, relays) => this.notices.tellRecords(target, seq, relays),
      acks: this.acks,
      log: this.log,
    });
  }

  /** Connect, deliver to `local`, and pass every text on this node's channel to `onText`. */
  async open(
    local: LocalDelivery,
    connection: Omit<RedisConnectionOptions, 'name' | 'log'>,
    onText: (text: string) => void,
  ): Promise<void> {
    this.local = local;
    const link = await openLink({ ...connection, name: `signalroom:${this.nodeId}`, log: this.log });
    this.link = link;
    this.outbox.open(link);
    await link.subscribe(this.keys.nodeChannel(this.nodeId), onText);
  }

  /** Stop handing anything to local peers (the node is closing; Redis stays usable to clean up). */
  detach(): void {
    this.local = null;
  }

  /** Publish what is queued and close the connection. */
  async close(): Promise<void> {
    const link = this.link;
    this.outbox.close();
    this.link = null;
    this.local = null;
    await link?.close();
  }

  /** Run Redis commands; connection trouble becomes {@link BackendUnavailableError}. */
  run<T>(call: (redis: RedisCommands) => Promise<T>): Promise<T> {
    const link = this.link;
    if (!link) return Promise.reject(new BackendUnavailableError('Redis backend is not started'));
    return link.run(call);
  }

  /**
   * Run steps that must take effect in the order given (a record before the keys it names): all
   * in one write where the connection keeps the order, else each awaited before the next.
   */
  async inOrder<T extends readonly unknown[]>(
    ...steps: { [K in keyof T]: (redis: RedisCommands) => Promise<T[K]> }
  ): Promise<T> {
    const link = this.connection();
    if (link.ordered)
      return (await link.run((r) => Promise.all(steps.map((step) => step(r))))) as unknown as T;
    const results: unknown[] = [];
    for (const step of steps) results.push(await link.run(step));
    return results as unknown as T;
  }

  /** The connection (throws when closed). */
  connection(): RedisLink {
    if (!this.link) throw new BackendUnavailableError('Redis backend is not started');
    return this.link;
  }

  /** The command interface (throws when closed); prefer {@link run}, which maps errors. */
  command(): RedisCommands {
    return this.connection().command;
  }

  /** Every connection is up. */
  isConnected(): boolean {
    return this.link?.isConnected() ?? false;
  }

  /** Whether this node's own channel has a subscriber (its subscription works end to end). */
  async probeSubscription(): Promise<boolean> {
    const link = this.connection();
    return (await link.run(() => link.publish(this.keys.nodeChannel(this.nodeId), ''))) > 0;
  }

  /** What this node delivers to (the core), or null when not open. */
  delivery(): LocalDelivery | null {
    return this.local;
  }

  /** A copy of the cluster message counters. */
  traffic(): TrafficCounters {
    return { ...this.counters, ...this.outbox.counters };
  }

  /** Batches published and not answered yet (for leak checks). */
  get inFlight(): number {
    return this.outbox.inFlightCount;
  }

  /** Messages arrived on this node's channel. */
  countReceived(n: number): void {
    this.counters.received += n;
  }

  /** A cluster message arrived for a room or peer this node no longer has. */
  countDropped(): void {
    this.counters.dropped++;
  }

  /** Relays arrived after their deadline and were dropped (their senders are told). */
  countExpired(n: number): void {
    this.counters.expired += n;
  }

  /** Batches from another node never arrived (a gap in its numbering). */
  countLost(n: number): void {
    this.counters.lost += n;
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

  /** Send a message to another node (queued; at the end of this turn it goes out in a batch). */
  publish(node: string, message: ClusterMessage): void {
    this.outbox.send(node, messageRecord(message));
  }

  /** Pass a relayed frame on to the node now holding its target (it resumed there). */
  forwardRelay(node: string, room: string, to: string, frame: string): void {
    this.outbox.send(node, relayRecord(room, to, frame));
  }

  /** A node left the cluster for good: forget what was kept for it. */
  forgetNode(node: string): void {
    this.outbox.forget(node);
  }

  /**
   * Deliver a relayed frame to `toPeerId` if the mirror of `roomId` has it: here at once (or once
   * its join completes), on another node through its channel. False when it is not a member.
   * Throws {@link BackendUnavailableError} when the frame could not reach the other node in time:
   * Redis unreachable or not answering, the target node's heartbeat lapsed, or its channel stuck.
   */
  relay(roomId: string, toPeerId: string, frame: OutFrame): boolean {
    const mirror = this.mirrors.get(roomId);
    const target = mirror?.member(toPeerId);
    if (!mirror || !target) return false;
    if (target.node === this.nodeId) {
      this.deliverHere(mirror, toPeerId, frame);
      return true;
    }
    if (!this.view.isHealthy() || !this.isConnected())
      throw new BackendUnavailableError('Redis unavailable: cannot reach the peer’s node');
    if (this.view.isLapsed(target.node))
      throw new BackendUnavailableError('The peer’s node is not answering');
    if (this.outbox.isStuck(target.node))
      throw new BackendUnavailableError('Messages to the peer’s node are not getting through');
    this.outbox.send(target.node, relayRecord(roomId, toPeerId, frame.text));
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
