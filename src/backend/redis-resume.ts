/**
 * Session resume on the Redis backend, so a client can come back through any node: resume
 * records are single-use keys (GETDEL), and the held peer's queue and replay log are fetched from
 * the node that held it with a request/answer over the nodes' channels. The resuming node then
 * adopts the peer: its record and room membership name the new node, and the room's other nodes
 * are told to route to it (silently: for the room nothing happened). The old node forwards frames
 * that still reach it for a while.
 */
import { randomUUID } from 'node:crypto';
import type { HeldState, ResumeRecord, ResumeSupport } from './backend.js';
import { BackendUnavailableError } from './backend.js';
import type { PeerInfo } from '../protocol/messages.js';
import type { EvictMessage, FetchMessage, HeldMessage } from './cluster-messages.js';
import { guarded } from './redis-connection.js';
import type { RedisBackend } from './redis.js';
import { parseMembers } from './redis-rooms.js';

// Where a peer went, kept this long so frames still routed to the old node reach it.
const FORWARD_MS = 60_000;

/** The resume half of the Redis backend. */
export class RedisResume implements ResumeSupport {
  private readonly requests = new Map<string, (state: HeldState | null) => void>();
  private readonly moved = new Map<string, { node: string; at: number }>();

  constructor(
    private readonly backend: RedisBackend,
    private readonly answerTimeoutMs: number,
  ) {}

  async saveResume(tokenKey: string, record: ResumeRecord, ttlMs: number): Promise<void> {
    const redis = this.backend.command();
    await guarded(() => redis.set(this.backend.keys.resume(tokenKey), JSON.stringify(record), 'PX', ttlMs));
  }

  async takeResume(tokenKey: string): Promise<ResumeRecord | null> {
    const redis = this.backend.command();
    const json = await guarded(() => redis.getdel(this.backend.keys.resume(tokenKey)));
    return json === null ? null : (JSON.parse(json) as ResumeRecord);
  }

  async fetchHeld(record: ResumeRecord): Promise<HeldState | null> {
    const backend = this.backend;
    if (record.nodeId === backend.nodeId) return backend.delivery()?.releaseHeld?.(record.peerId) ?? null;
    const redis = backend.command();
    const alive = await guarded(() => redis.zscore(backend.keys.nodes(), record.nodeId));
    if (alive === null) return null; // the holder died: its peers were removed with it
    const peer = { id: record.peerId, username: record.username };
    // Frames forwarded by the old node before the adoption completes wait in the mirror.
    const mirror = record.roomId !== null ? backend.mirrorFor(record.roomId) : null;
    mirror?.beginJoin(peer.id);
    let state: HeldState | null;
    try {
      state = await this.ask(record);
    } catch (err) {
      if (record.roomId !== null) backend.forgetLocalMember(record.roomId, peer.id);
      throw err;
    }
    if (!state) {
      if (record.roomId !== null) backend.forgetLocalMember(record.roomId, peer.id);
      return null;
    }
    await this.adopt(record, peer);
    return state;
  }

  async replaceUsername(key: string, peer: PeerInfo): Promise<PeerInfo | null> {
    const backend = this.backend;
    const redis = backend.command();
    backend.localPeers.set(peer.id, { username: peer.username, usernameKey: key, room: null, seq: 0 });
    const keys = backend.keys;
    const [previous, node] = await guarded(() =>
      redis.srReplace(
        keys.user(key),
        keys.peer(peer.id),
        keys.nodePeers(backend.nodeId),
        keys.recovering(),
        peer.id,
        peer.username,
        backend.nodeId,
        key,
        keys.prefix,
      ),
    ).catch((err: unknown) => {
      backend.localPeers.delete(peer.id);
      throw err;
    });
    if (previous === '!') {
      backend.localPeers.delete(peer.id);
      throw new BackendUnavailableError('The cluster is re-registering after a Redis restart');
    }
    if (previous === '') return null;
    if (node === backend.nodeId || !node) backend.delivery()?.evict?.(previous);
    else backend.publish(node, { t: 'evict', peerId: previous });
    return { id: previous, username: peer.username };
  }

  /** The node that holds a peer asks for it: release it and answer with its state. */
  onFetch(msg: FetchMessage): void {
    const backend = this.backend;
    const state = backend.delivery()?.releaseHeld?.(msg.peerId) ?? null;
    if (state) {
      const record = backend.localPeers.get(msg.peerId);
      backend.localPeers.delete(msg.peerId);
      this.moved.set(msg.peerId, { node: msg.from, at: Date.now() });
      this.prune();
      if (record?.room) backend.movedAway(record.room, msg.peerId, msg.from);
    }
    backend.publish(msg.from, { t: 'held', reqId: msg.reqId, state });
  }

  /** The answer to one of this node's fetches. */
  onHeld(msg: HeldMessage): void {
    this.requests.get(msg.reqId)?.(msg.state);
  }

  /** Another node took the username of a peer of this node. */
  onEvict(msg: EvictMessage): void {
    this.backend.delivery()?.evict?.(msg.peerId);
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
      this.backend.publish(record.nodeId, {
        t: 'fetch',
        peerId: record.peerId,
        reqId,
        from: this.backend.nodeId,
      });
    });
  }

  private async adopt(record: ResumeRecord, peer: PeerInfo): Promise<void> {
    const backend = this.backend;
    const redis = backend.command();
    const seq = backend.nextSeq();
    const [room, flat] = await guarded(() =>
      redis.srAdopt(backend.keys.prefix, peer.id, backend.nodeId, seq, record.username, record.usernameKey),
    );
    backend.localPeers.set(peer.id, {
      username: record.username,
      usernameKey: record.usernameKey,
      room: room === '' ? null : room,
      seq,
    });
    if (record.roomId !== null && room !== record.roomId) backend.forgetLocalMember(record.roomId, peer.id);
    if (room === '') return;
    const members = parseMembers(flat ?? []);
    const mirror = backend.mirrorFor(room);
    for (const m of members) mirror.add(m.id, m);
    const nodes = new Set(members.map((m) => m.node).filter((n) => n !== backend.nodeId));
    nodes.add(record.nodeId);
    for (const node of nodes) backend.publish(node, { t: 'move', room, peer, node: backend.nodeId, seq });
    mirror.completeJoin(peer.id);
  }

  private prune(): void {
    const now = Date.now();
    for (const [id, m] of this.moved) if (now - m.at > FORWARD_MS) this.moved.delete(id);
  }
}
