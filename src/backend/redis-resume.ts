/**
 * Session resume on the Redis backend, so a client can come back through any node: resume
 * records are single-use keys (GETDEL), and the held peer's queue and replay log are fetched from
 * the node that held it with a request/answer over the nodes' channels. The resuming node then
 * adopts the peer: its record and room membership name the new node, and the room's other nodes
 * are told to route to it (silently: for the room nothing happened). The old node forwards frames
 * that still reach it for a while.
 */
import { randomUUID } from 'node:crypto';
import type { HeldState, ResumeRecord } from './backend.js';
import { BackendUnavailableError } from './backend.js';
import type { PeerInfo } from '../../protocol/messages.js';
import type { FetchMessage, HeldMessage } from './cluster-messages.js';
import { guarded } from './redis-connection.js';
import { memberJson, parseMembers } from './redis-members.js';
import type { RedisNode } from './redis-node.js';

// Where a peer went, kept this long so frames still routed to the old node reach it.
const FORWARD_MS = 60_000;
// A record that changes under the adoption this often in a row is a bug, not a race.
const MAX_ADOPT_ATTEMPTS = 3;

/** The resume half of the Redis backend. */
export class RedisResume {
  private readonly requests = new Map<string, (state: HeldState | null) => void>();
  private readonly moved = new Map<string, { node: string; at: number }>();

  constructor(
    private readonly node: RedisNode,
    private readonly answerTimeoutMs: number,
  ) {}

  /** Store a held peer's record under `tokenKey` for `ttlMs`. */
  async saveResume(tokenKey: string, record: ResumeRecord, ttlMs: number): Promise<void> {
    const redis = this.node.command();
    await guarded(() => redis.set(this.node.keys.resume(tokenKey), JSON.stringify(record), 'PX', ttlMs));
  }

  /** Fetch and delete a record (single use); null when unknown, used or expired. */
  async takeResume(tokenKey: string): Promise<ResumeRecord | null> {
    const redis = this.node.command();
    const json = await guarded(() => redis.getdel(this.node.keys.resume(tokenKey)));
    return json === null ? null : (JSON.parse(json) as ResumeRecord);
  }

  /** The held state of a peer whose record was just taken, from the node that holds it; adopts the peer here. */
  async fetchHeld(record: ResumeRecord): Promise<HeldState | null> {
    const node = this.node;
    if (record.nodeId === node.nodeId) return node.delivery()?.releaseHeld?.(record.peerId) ?? null;
    const redis = node.command();
    const alive = await guarded(() => redis.zscore(node.keys.nodes(), record.nodeId));
    if (alive === null) return null; // the holder died: its peers were removed with it
    const peer = { id: record.peerId, username: record.username };
    // Frames forwarded by the old node before the adoption completes wait in the mirror.
    const mirror = record.roomId !== null ? node.mirrors.ensure(record.roomId) : null;
    mirror?.beginJoin(peer.id);
    let state: HeldState | null;
    try {
      state = await this.ask(record);
    } catch (err) {
      if (record.roomId !== null) node.mirrors.forgetLocal(record.roomId, peer.id);
      throw err;
    }
    if (!state) {
      if (record.roomId !== null) node.mirrors.forgetLocal(record.roomId, peer.id);
      return null;
    }
    await this.adopt(record, peer);
    return state;
  }

  /** The node that holds a peer asks for it: release it and answer with its state. */
  onFetch(msg: FetchMessage): void {
    const node = this.node;
    const state = node.delivery()?.releaseHeld?.(msg.peerId) ?? null;
    if (state) {
      const record = node.peers.remove(msg.peerId);
      this.moved.set(msg.peerId, { node: msg.from, at: Date.now() });
      this.prune();
      if (record?.room) node.mirrors.movedAway(record.room, msg.peerId, msg.from);
    }
    node.publish(msg.from, { t: 'held', reqId: msg.reqId, state });
  }

  /** The answer to one of this node's fetches. */
  onHeld(msg: HeldMessage): void {
    this.requests.get(msg.reqId)?.(msg.state);
  }

  /** Where a peer that resumed elsewhere went (for frames still routed here), or undefined. */
  movedTo(peerId: string): string | undefined {
    return this.moved.get(peerId)?.node;
  }

  /** Pending requests and forwarding entries, for leak checks. */
  size(): { fetches: number; forwards: number } {
    return { fetches: this.requests.size, forwards: this.moved.size };
  }

  private ask(record: ResumeRecord): Promise<HeldState | null> {
    const reqId = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.requests.delete(reqId);
        reject(new BackendUnavailableError('The node holding the session did not answer'));
      }, this.answerTimeoutMs);
      this.requests.set(reqId, (state) => {
        clearTimeout(timer);
        this.requests.delete(reqId);
        resolve(state);
      });
      this.node.publish(record.nodeId, {
        t: 'fetch',
        peerId: record.peerId,
        reqId,
        from: this.node.nodeId,
      });
    });
  }

  // Move the peer's record and membership here, then have the room's other nodes (and the old
  // one) route to it here, silently.
  private async adopt(record: ResumeRecord, peer: PeerInfo): Promise<void> {
    const node = this.node;
    const seq = node.nextSeq();
    const { room, members } = await this.adoptInRedis(record, seq);
    node.peers.add(peer.id, record.username, record.usernameKey, room === '' ? null : room, seq);
    if (record.roomId !== null && room !== record.roomId) node.mirrors.forgetLocal(record.roomId, peer.id);
    if (room === '') return;
    const mirror = node.mirrors.ensure(room);
    for (const m of members) mirror.add(m.id, m);
    const nodes = new Set(members.map((m) => m.node).filter((n) => n !== node.nodeId));
    nodes.add(record.nodeId);
    for (const to of nodes) node.publish(to, { t: 'move', room, peer, node: node.nodeId, seq });
    mirror.completeJoin(peer.id);
  }

  // The record names the holding node and the saved room unless something changed them since;
  // the script then says what it found, and is called again with those keys.
  private async adoptInRedis(record: ResumeRecord, seq: number) {
    const node = this.node;
    const redis = node.command();
    const keys = node.keys;
    let [holder, room] = [record.nodeId, record.roomId ?? ''];
    for (let attempt = 1; ; attempt++) {
      const reply = await guarded(() =>
        redis.srAdopt(
          keys.peer(record.peerId),
          keys.nodePeers(node.nodeId),
          keys.nodePeers(holder === '' ? node.nodeId : holder),
          room === '' ? keys.peer(record.peerId) : keys.room(room),
          record.peerId,
          node.nodeId,
          seq,
          record.username,
          record.usernameKey,
          memberJson(record.username, node.nodeId, seq),
          holder,
          room,
        ),
      );
      if (reply[0] === 1) return { room: reply[1], members: parseMembers(reply[2] ?? []) };
      if (attempt === MAX_ADOPT_ATTEMPTS) throw new Error('srAdopt: the peer record keeps changing');
      [, holder, room] = reply;
    }
  }

  private prune(): void {
    const now = Date.now();
    for (const [id, m] of this.moved) if (now - m.at > FORWARD_MS) this.moved.delete(id);
  }
}
