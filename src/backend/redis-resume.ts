/**
 * Session resume on the Redis backend, so a client can come back through any node: resume
 * records are single-use keys (GETDEL), and the held peer's queue and replay log are fetched from
 * the node that held it with a request/answer over the nodes' channels. The old node removes the
 * peer's record from its hash before it answers (it no longer owns the peer: its repair must never
 * free the peer's username); the resuming node then adopts the peer: its record and room
 * membership name the new node, and the room's other nodes are told to route to it (silently: for
 * the room nothing happened). The old node forwards frames that still reach it for a while.
 *
 * A resume may reach a node before the node holding the session has noticed that its connection
 * died (the client noticed first): the resuming node then asks that node (found through the
 * bearer index) to take the session over as it would for a resume of its own: close the old
 * connection with 4003 and hold the peer. Its record is then claimed and its state fetched as above.
 */
import { randomUUID } from 'node:crypto';
import type { HeldState, ResumeRecord } from './backend.js';
import { BackendUnavailableError } from './backend.js';
import type { PeerInfo } from '../../protocol/messages.js';
import type { FetchMessage, HeldMessage } from './cluster-messages.js';
import { memberJson, parseMembers, recordJson, type StoredMember } from './redis-members.js';
import type { RedisNode } from './redis-node.js';

// Where a peer went, kept this long so frames still routed to the old node reach it.
const FORWARD_MS = 60_000;

/** The resume half of the Redis backend. */
export class RedisResume {
  private readonly requests = new Map<string, (answer: HeldMessage) => void>();
  private readonly moved = new Map<string, { node: string; at: number }>();

  constructor(
    private readonly node: RedisNode,
    private readonly answerTimeoutMs: number,
  ) {}

  /** Store a held peer's record under `tokenKey` for `ttlMs`. */
  async saveResume(tokenKey: string, record: ResumeRecord, ttlMs: number): Promise<void> {
    const node = this.node;
    await node.run((r) => r.set(node.keys.resume(tokenKey), JSON.stringify(record), 'PX', ttlMs));
  }

  /** Fetch and delete a record (single use); null when unknown, used or expired. */
  async takeResume(tokenKey: string): Promise<ResumeRecord | null> {
    const node = this.node;
    const json = await node.run((r) => r.getdel(node.keys.resume(tokenKey)));
    return json === null ? null : (JSON.parse(json) as ResumeRecord);
  }

  /** The held state of a peer whose record was just taken, from the node that holds it; adopts the peer here. */
  async fetchHeld(record: ResumeRecord): Promise<HeldState | null> {
    const node = this.node;
    if (record.nodeId === node.nodeId) return node.delivery()?.releaseHeld(record.peerId) ?? null;
    const alive = await node.run((r) => r.zscore(node.keys.nodes(), record.nodeId));
    if (alive === null) return null; // the holder died: its peers were removed with it
    const peer = { id: record.peerId, username: record.username };
    // Frames forwarded by the old node before the adoption completes wait in the mirror.
    const mirror = record.roomId !== null ? node.mirrors.ensure(record.roomId) : null;
    mirror?.beginJoin(peer.id);
    let state: HeldState | null;
    try {
      state = (await this.ask(record.nodeId, { peerId: record.peerId })).state;
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

  /**
   * Ask `nodeId`, where the session whose current resume token hashes to `tokenKey` is live, to
   * take it over for a resume (4003, then held): true once it is held there, its record saved;
   * false when that node does not have it, predates takeovers, or does not answer in time.
   */
  async holdLive(nodeId: string, tokenKey: string, peerId: string): Promise<boolean> {
    try {
      return (await this.ask(nodeId, { peerId: '', takeover: { tokenKey, peerId } })).heldNow === true;
    } catch (err) {
      if (err instanceof BackendUnavailableError) return false;
      throw err;
    }
  }

  /** The node that holds a peer asks for it: release it, forget its record, answer with its state. */
  onFetch(msg: FetchMessage): void {
    const node = this.node;
    if (msg.takeover) {
      const { tokenKey, peerId } = msg.takeover;
      // Held, never released here: the asker claims the record first, then fetches.
      void (node.delivery()?.holdLive(tokenKey, peerId) ?? Promise.resolve(false))
        .catch(() => false)
        .then((heldNow) => node.publish(msg.from, { t: 'held', reqId: msg.reqId, state: null, heldNow }));
      return;
    }
    const state = node.delivery()?.releaseHeld(msg.peerId) ?? null;
    if (!state) {
      node.publish(msg.from, { t: 'held', reqId: msg.reqId, state });
      return;
    }
    const record = node.peers.remove(msg.peerId);
    this.moved.set(msg.peerId, { node: msg.from, at: Date.now() });
    this.prune();
    if (record?.room) node.mirrors.movedAway(record.room, msg.peerId, msg.from);
    // Answered either way: without the record gone, a repair here would only find a peer it no
    // longer holds (and leave it, see `movedTo`).
    void node
      .run((r) => r.hdel(node.keys.nodePeers(node.nodeId), msg.peerId))
      .catch(() => node.markDirty())
      .finally(() => node.publish(msg.from, { t: 'held', reqId: msg.reqId, state }));
  }

  /** The answer to one of this node's fetches. */
  onHeld(msg: HeldMessage): void {
    this.requests.get(msg.reqId)?.(msg);
  }

  /** Where a peer that resumed elsewhere went (for frames still routed here), or undefined. */
  movedTo(peerId: string): string | undefined {
    return this.moved.get(peerId)?.node;
  }

  /** Pending requests and forwarding entries, for leak checks. */
  size(): { fetches: number; forwards: number } {
    return { fetches: this.requests.size, forwards: this.moved.size };
  }

  private ask(nodeId: string, what: Pick<FetchMessage, 'peerId' | 'takeover'>): Promise<HeldMessage> {
    const reqId = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.requests.delete(reqId);
        reject(new BackendUnavailableError('The node holding the session did not answer'));
      }, this.answerTimeoutMs);
      this.requests.set(reqId, (answer) => {
        clearTimeout(timer);
        this.requests.delete(reqId);
        resolve(answer);
      });
      this.node.publish(nodeId, { t: 'fetch', ...what, reqId, from: this.node.nodeId });
    });
  }

  // Write the peer's record here, move its membership to this node, then have the room's other
  // nodes (and the old one) route to it here, silently.
  private async adopt(record: ResumeRecord, peer: PeerInfo): Promise<void> {
    const node = this.node;
    const keys = node.keys;
    const seq = node.nextSeq();
    let room = record.roomId ?? '';
    node.peers.add(peer.id, record.username, record.usernameKey, room === '' ? null : room, seq);
    let members: StoredMember[] = [];
    try {
      const stored = recordJson(record.username, record.usernameKey, room, seq);
      const json = memberJson(record.username, node.nodeId, seq);
      const [, flat] = await node.inOrder(
        (r) => r.hset(keys.nodePeers(node.nodeId), peer.id, stored),
        (r) => (room === '' ? Promise.resolve(null) : r.srMoveMember(keys.room(room), peer.id, json)),
      );
      // Not in a room, or removed meanwhile (its old node was reaped): in no room now.
      if (flat === null) room = '';
      else members = parseMembers(flat);
    } catch (err) {
      node.markDirty(); // the repair writes it back as held here
      throw err;
    }
    if (room === '') {
      node.peers.left(peer.id, record.roomId ?? '');
      if (record.roomId !== null) node.mirrors.forgetLocal(record.roomId, peer.id);
      return;
    }
    const mirror = node.mirrors.ensure(room);
    for (const m of members) mirror.add(m.id, m);
    const nodes = new Set(members.map((m) => m.node).filter((n) => n !== node.nodeId));
    nodes.add(record.nodeId);
    for (const to of nodes) node.publish(to, { t: 'move', room, peer, node: node.nodeId, seq });
    mirror.completeJoin(peer.id);
  }

  private prune(): void {
    const now = Date.now();
    for (const [id, m] of this.moved) if (now - m.at > FORWARD_MS) this.moved.delete(id);
  }
}
