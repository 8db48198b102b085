/**
 * Usernames on the Redis backend: one `user:` key per (case-folded) username names the peer
 * holding it, claimed and released by atomic scripts together with the peer's record and its
 * node's set, so a username is unique across every node.
 */
import { BackendUnavailableError } from './backend.js';
import type { PeerInfo } from '../../protocol/messages.js';
import { guarded } from './redis-connection.js';
import type { RedisNode } from './redis-node.js';

const RECOVERING = 'The cluster is re-registering after a Redis restart';

/** Claim, release and take over usernames for the peers of one node. */
export class RedisUsernames {
  constructor(private readonly node: RedisNode) {}

  /** Claim `key` for `peer`; false when another peer holds it. */
  async claim(key: string, peer: PeerInfo): Promise<boolean> {
    const node = this.node;
    const redis = node.command();
    // Known before the reply, so a re-registration running meanwhile does not purge the new peer.
    node.peers.add(peer.id, peer.username, key);
    let result: number;
    try {
      result = await guarded(() => redis.srClaim(...this.claimArgs(key, peer)));
    } catch (err) {
      node.peers.remove(peer.id);
      node.markDirty();
      throw err;
    }
    if (result === 1) return true;
    node.peers.remove(peer.id);
    if (result === -1) throw new BackendUnavailableError(RECOVERING);
    return false;
  }

  /** Free `key` if `peerId` holds it, and forget the peer's record. */
  async release(key: string, peerId: string): Promise<void> {
    const node = this.node;
    node.peers.remove(peerId);
    try {
      const redis = node.command();
      const keys = node.keys;
      await guarded(() =>
        redis.srRelease(keys.user(key), keys.peer(peerId), keys.nodePeers(node.nodeId), peerId),
      );
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      // Forgotten here already; the re-registration after Redis returns purges it there.
      node.markDirty();
    }
  }

  /** Take `key` even when held (`--on-duplicate-username replace`); the previous holder is evicted. */
  async replace(key: string, peer: PeerInfo): Promise<PeerInfo | null> {
    const node = this.node;
    const redis = node.command();
    node.peers.add(peer.id, peer.username, key);
    const previous = await guarded(() => redis.srReplace(...this.claimArgs(key, peer))).catch(
      (err: unknown) => {
        node.peers.remove(peer.id);
        throw err;
      },
    );
    if (previous === '!') {
      node.peers.remove(peer.id);
      throw new BackendUnavailableError(RECOVERING);
    }
    if (previous === '') return null;
    await this.evict(previous);
    return { id: previous, username: peer.username };
  }

  // The holder's record is read after the swap (the script touches only the keys it is given): if
  // it resumed elsewhere meanwhile, this finds where it is now. Without an answer, the holder is
  // evicted if it is here (as good as a lost publish: the username is taken either way).
  private async evict(peerId: string): Promise<void> {
    const node = this.node;
    const holder = await guarded(() => node.command().hget(node.keys.peer(peerId), 'n')).catch(() => null);
    if (!holder || holder === node.nodeId) node.delivery()?.evict?.(peerId);
    else node.publish(holder, { t: 'evict', peerId });
  }

  // KEYS and ARGV of srClaim and srReplace: user, peer, nodePeers, recovering; id, username, node, key.
  private claimArgs(key: string, peer: PeerInfo): string[] {
    const { keys, nodeId } = this.node;
    return [
      keys.user(key),
      keys.peer(peer.id),
      keys.nodePeers(nodeId),
      keys.recovering(),
      peer.id,
      peer.username,
      nodeId,
      key,
    ];
  }
}
