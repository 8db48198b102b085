/**
 * Every Redis key and channel name of the Redis backend, from one prefix, so several deployments
 * can share a Redis and `docs/scaling.md` can list them from one place. Nothing else builds a
 * name: the Lua scripts get every key they touch in KEYS (`redis-scripts.ts`).
 *
 * Redis Cluster places a key by the hash tag between its first `{` and the next `}`, and a script
 * may only touch keys of one slot. So every key carries the tag of what it belongs to: a username
 * key its username, a room key its room, a node's keys and channel its node id, and the few
 * cluster-wide keys one shared tag. Every script and every pipeline then touches one slot, and
 * users, rooms and nodes spread over every shard. On a single Redis the tags change nothing.
 */
import { createHash } from 'node:crypto';

/** The tag of the cluster-wide keys (the node registry, the data-set epoch, the recovery window). */
const SHARED = 'cluster';

/** Key and channel names under one prefix (default `signalroom:`). */
export class RedisKeys {
  constructor(readonly prefix: string) {
    // A brace in the prefix would become the hash tag of every key: one slot for everything.
    if (/[{}]/.test(prefix)) throw new Error(`Redis key prefix '${prefix}' must not contain { or }`);
  }

  /** String: the peer id holding a username key (case-folded username). Its own slot. */
  user(usernameKey: string): string {
    return `${this.prefix}user:${tagged(usernameKey)}`;
  }

  /** Hash: member peer id → JSON `{u, n, s}` (username, node, membership seq). Gone when empty. */
  room(roomId: string): string {
    return `${this.prefix}room:${tagged(roomId)}`;
  }

  /** The room id of a {@link room} key, or null for any other key. */
  roomIdOf(key: string): string | null {
    return untag(key, `${this.prefix}room:`);
  }

  /**
   * Hash: the peers whose connection a node holds, peer id → record JSON `{u, k, r, s}` (username,
   * username key, the room it may be in, membership seq). Written before the username and room
   * keys it names, removed after them: what the reaper of a dead node cleans up.
   */
  nodePeers(nodeId: string): string {
    return `${this.prefix}node:${tagged(nodeId)}:peers`;
  }

  /** String with a TTL of the node timeout: present while the node's heartbeat is current. */
  nodeAlive(nodeId: string): string {
    return `${this.prefix}node:${tagged(nodeId)}:alive`;
  }

  /** Hash: records taken from a dead node's {@link nodePeers} by its reaper and not yet removed. */
  nodeReaping(nodeId: string): string {
    return `${this.prefix}node:${tagged(nodeId)}:reaping`;
  }

  /** String with a TTL: the node reaping a dead node's peers (one at a time). */
  nodeReaper(nodeId: string): string {
    return `${this.prefix}node:${tagged(nodeId)}:reaper`;
  }

  /** Pub/sub channel (sharded on Redis Cluster) of one node: batches of messages for its peers. */
  nodeChannel(nodeId: string): string {
    return `${this.prefix}node:${tagged(nodeId)}:ch`;
  }

  /** Sorted set: node id → the Redis time (ms) its heartbeat expires. Cluster-wide. */
  nodes(): string {
    return `${this.prefix}{${SHARED}}nodes`;
  }

  /** String: a random id written once per Redis data set; a new value means Redis lost its data. */
  epoch(): string {
    return `${this.prefix}{${SHARED}}epoch`;
  }

  /** String with a TTL: present while nodes re-register after a data loss; claims and joins wait. */
  recovering(): string {
    return `${this.prefix}{${SHARED}}recovering`;
  }

  /**
   * Sorted set (every score 0, so ordered by room id byte by byte): the ids of the rooms whose
   * {@link room} hash may exist, one of {@link ROOM_INDEX_SHARDS} sets picked by a digest of the
   * room id, so the index spreads over a Redis Cluster's shards like the rooms do. What the admin
   * API pages through instead of SCAN (redis-room-index.ts).
   */
  roomIndex(roomId: string): string {
    return this.roomIndexShard(roomIndexShardOf(roomId));
  }

  /** Every shard of the room index, in a fixed order. */
  roomIndexShards(): string[] {
    return Array.from({ length: ROOM_INDEX_SHARDS }, (_, i) => this.roomIndexShard(i));
  }

  /**
   * Hash with a TTL a few node timeouts long, renewed by the node: hash of a bearer token (a live
   * session's resume or auth token) → JSON `{p, u, x}` (peer id, username, credentials expiry ms,
   * 0: none), for the sessions this node holds, so any node can answer `GET /api/ice-servers`
   * (redis-bearers.ts). Gone on its own when the node dies.
   */
  nodeBearers(nodeId: string): string {
    return `${this.prefix}node:${tagged(nodeId)}:bearers`;
  }

  /** String with a TTL: a held peer's resume record (JSON) under the hash of its resume token. */
  resume(tokenKey: string): string {
    return `${this.prefix}resume:${tokenKey}`;
  }

  private roomIndexShard(i: number): string {
    return `${this.prefix}{rooms:${i}}index`;
  }
}

/** How many sorted sets the room index is split into (enough to spread over a cluster's shards). */
export const ROOM_INDEX_SHARDS = 16;

function roomIndexShardOf(roomId: string): number {
  return createHash('sha1').update(roomId).digest().readUInt16BE(0) % ROOM_INDEX_SHARDS;
}

// `{id}` when the id can be a hash tag as it is; else a tag made of its digest followed by the id,
// so an id with braces (or an empty one) still gives every key of its owner one slot. A plain tag
// never starts with `#`, so the two forms cannot give the same key.
function tagged(id: string): string {
  if (id !== '' && !/^#|[{}]/.test(id)) return `{${id}}`;
  return `{#${createHash('sha1').update(id).digest('hex').slice(0, 16)}}${id}`;
}

function untag(key: string, head: string): string | null {
  if (!key.startsWith(head) || key[head.length] !== '{') return null;
  const close = key.indexOf('}', head.length);
  if (close === -1) return null;
  const inner = key.slice(head.length + 1, close);
  if (inner.startsWith('#')) return key.slice(close + 1);
  return close === key.length - 1 ? inner : null;
}
