/**
 * Usernames on the Redis backend: one `user:` key per (case-folded) username names the peer
 * holding it, on the username's own slot, so `SET … NX` alone makes a username unique across
 * every node (and every shard of a Redis Cluster).
 *
 * The peer's record in its node's hash is written BEFORE the username key and removed AFTER it:
 * whatever happens in between (a node killed, a reply lost), every username in Redis is named by
 * some node's record, where the reaper of a dead node or the node's own repair finds and frees it.
 */
import { BackendUnavailableError } from './backend.js';
import type { PeerInfo } from '../protocol/messages.js';
import { recordJson } from './redis-members.js';
import type { RedisNode } from './redis-node.js';

const RECOVERING = 'The cluster is re-registering after a Redis restart';

/** Claim, release and take over usernames for the peers of one node. */
export class RedisUsernames {
  constructor(private readonly node: RedisNode) {}

  /** Claim `key` for `peer`; false when another peer holds it. */
  async claim(key: string, peer: PeerInfo): Promise<boolean> {
    const { node } = this;
    // Known before the reply, so a re-registration running meanwhile does not purge the new peer.
    node.peers.add(peer.id, peer.username, key);
    try {
      await this.writeRecord(key, peer);
      const claimed = await node.run((r) => r.set(node.keys.user(key), peer.id, 'NX'));
      if (claimed === 'OK') return true;
    } catch (err) {
      node.peers.remove(peer.id);
      node.markDirty(); // the record (or even the username) may have been written: repair purges it
      throw err;
    }
    node.peers.remove(peer.id);
    await this.forgetRecord(peer.id);
    return false;
  }

  /** Free `key` if `peerId` holds it, and forget the peer's record. */
  async release(key: string, peerId: string): Promise<void> {
    const { node } = this;
    node.peers.remove(peerId);
    try {
      await node.run((r) => r.srRelease(node.keys.user(key), peerId));
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      // Forgotten here already; the re-registration after Redis returns purges it there.
      node.markDirty();
      return;
    }
    await this.forgetRecord(peerId);
  }

  /** Take `key` even when held (`--on-duplicate-username replace`); the previous holder is evicted. */
  async replace(key: string, peer: PeerInfo): Promise<PeerInfo | null> {
    const { node } = this;
    node.peers.add(peer.id, peer.username, key);
    let previous: string | null;
    try {
      await this.writeRecord(key, peer);
      previous = await node.run((r) => r.set(node.keys.user(key), peer.id, 'GET'));
    } catch (err) {
      node.peers.remove(peer.id);
      node.markDirty();
      throw err;
    }
    if (previous === null || previous === peer.id) return null;
    this.evict(previous);
    return { id: previous, username: peer.username };
  }

  // The record first; refused while the cluster re-registers after a data loss, so nobody takes a
  // username whose live holder has not been written back yet.
  private async writeRecord(key: string, peer: PeerInfo): Promise<void> {
    const { node } = this;
    const [, recovering] = await node.run((r) =>
      Promise.all([
        r.hset(node.keys.nodePeers(node.nodeId), peer.id, recordJson(peer.username, key, null, 0)),
        r.exists(node.keys.recovering()),
      ]),
    );
    if (recovering === 1) throw new BackendUnavailableError(RECOVERING);
  }

  private async forgetRecord(peerId: string): Promise<void> {
    const { node } = this;
    await node.run((r) => r.hdel(node.keys.nodePeers(node.nodeId), peerId)).catch(() => node.markDirty());
  }

  // Where the previous holder lives is not stored next to its username: it is here, or the others
  // are asked (rare: only with `--on-duplicate-username replace`; a node without it ignores it).
  private evict(peerId: string): void {
    const { node } = this;
    if (node.peers.has(peerId)) {
      node.delivery()?.evict?.(peerId);
      return;
    }
    for (const other of node.view.nodes()) {
      if (other !== node.nodeId) node.publish(other, { t: 'evict', peerId });
    }
  }
}
