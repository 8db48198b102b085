/**
 * Every Redis key and channel name of the Redis backend, from one prefix, so several deployments
 * can share a Redis and `docs/scaling.md` can list them from one place. Nothing else builds a
 * name: the Lua scripts get every key they touch in KEYS (`redis-scripts.ts`).
 */

/** Key and channel names under one prefix (default `signalroom:`). */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** String: the peer id holding a username key (case-folded username). */
  user(usernameKey: string): string {
    return `${this.prefix}user:${usernameKey}`;
  }

  /** Hash: a peer's node `n`, username `u`, username key `k`, room `r` and membership seq `s`. */
  peer(peerId: string): string {
    return `${this.prefix}peer:${peerId}`;
  }

  /** Hash: member peer id → JSON `{u, n, s}` (username, node, membership seq). Gone when empty. */
  room(roomId: string): string {
    return `${this.prefix}room:${roomId}`;
  }

  /** Set: the peer ids whose connection a node holds (what to clean when it dies). */
  nodePeers(nodeId: string): string {
    return `${this.prefix}nodepeers:${nodeId}`;
  }

  /** Sorted set: node id → the Redis time (ms) its heartbeat expires. */
  nodes(): string {
    return `${this.prefix}nodes`;
  }

  /** String: a random id written once per Redis data set; a new value means Redis lost its data. */
  epoch(): string {
    return `${this.prefix}epoch`;
  }

  /** String with a TTL: present while nodes re-register after a data loss; claims and joins wait. */
  recovering(): string {
    return `${this.prefix}recovering`;
  }

  /** String with a TTL: a held peer's resume record (JSON) under the hash of its resume token. */
  resume(tokenKey: string): string {
    return `${this.prefix}resume:${tokenKey}`;
  }

  /** Pub/sub channel of one node: room events and relays for the peers it holds. */
  nodeChannel(nodeId: string): string {
    return `${this.prefix}node:${nodeId}`;
  }
}
