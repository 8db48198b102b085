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
import type { PeerInfo } from '../../protocol/messages.js';
import { recordJson } from './redis-members.js';
import type { RedisCommands } from './redis-connection.js';
import type { RedisNode } from './redis-node.js';

const RECOVERING = 'The cluster is re-registering after a Redis restart';

/** Claim, release and take over usernames for the peers of one node. */
export class RedisUsernames {
  constructor(private readonly node: RedisNode) {}

  /** Claim `key` for `peer`; false when another peer holds it. */
  async claim(key: string, peer: PeerInfo): Promise<boolean> {
    const { node } = this;
    const [recovering, claimed] = await this.write(key, peer, 'NX');
    if (recovering === 1) await this.refuse(key, peer.id);
    if (claimed === 'OK') return true;
    node.peers.remove(peer.id);
    await this.forgetRecord(peer.id);
    return false;
  }

  /** Free `key` if `peerId` holds it, and forget the peer's record. */
  async release(key: string, peerId: string): Promise<void> {
    const { node } = this;
    node.peers.remove(peerId);
    try {
      await node.inOrder(
        (r) => r.srRelease(node.keys.user(key), peerId),
        (r) => r.hdel(node.keys.nodePeers(node.nodeId), peerId),
      );
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      // Forgotten here already; the re-registration after Redis returns purges it there.
      node.markDirty();
    }
  }

  /** Take `key` even when held (`--on-duplicate-username replace`); the previous holder is evicted. */
  async replace(key: string, peer: PeerInfo): Promise<PeerInfo | null> {
    const { node } = this;
    const [recovering, previous] = await this.write(key, peer, 'GET');
    if (recovering === 1) {
      // Give the username back to the holder it was taken from (it is being written back).
      if (previous !== null && previous !== peer.id)
        await node.run((r) => r.set(node.keys.user(key), previous as string)).catch(() => node.markDirty());
      await this.refuse(key, peer.id);
    }
    if (previous === null || previous === peer.id) return null;
    this.evict(previous);
    return { id: previous, username: peer.username };
  }

  /**
   * Write the peer's record, then whether the cluster re-registers after a data loss (1: the claim
   * made in the same write is taken back, so nobody keeps a username whose live holder is not
   * written back yet), then the username: `NX` to claim it (`OK` or null), `GET` to take it (the
   * previous holder). The peer is known here before the reply, so a re-registration running
   * meanwhile does not purge it.
   */
  private async write(key: string, peer: PeerInfo, mode: 'NX' | 'GET'): Promise<[number, string | null]> {
    const { node } = this;
    node.peers.add(peer.id, peer.username, key);
    try {
      const [, recovering, reply] = await node.inOrder(
        (r: RedisCommands) =>
          r.hset(node.keys.nodePeers(node.nodeId), peer.id, recordJson(peer.username, key, null, 0)),
        (r: RedisCommands) => r.exists(node.keys.recovering()),
        (r) =>
          mode === 'NX'
            ? r.set(node.keys.user(key), peer.id, 'NX')
            : r.set(node.keys.user(key), peer.id, 'GET'),
      );
      return [recovering, reply];
    } catch (err) {
      node.peers.remove(peer.id);
      node.markDirty(); // the record (or even the username) may have been written: repair purges it
      throw err;
    }
  }

  // Take back a claim made while the cluster re-registers, and refuse it.
  private async refuse(key: string, peerId: string): Promise<never> {
    const { node } = this;
    node.peers.remove(peerId);
    await node
      .inOrder(
        (r) => r.srRelease(node.keys.user(key), peerId),
        (r) => r.hdel(node.keys.nodePeers(node.nodeId), peerId),
      )
      .catch(() => node.markDirty());
    throw new BackendUnavailableError(RECOVERING);
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
      node.delivery()?.evict(peerId);
      return;
    }
    for (const other of node.view.nodes()) {
      if (other !== node.nodeId) node.publish(other, { t: 'evict', peerId });
    }
  }
}
