/**
 * Room listing for the admin API and metrics with the Redis backend: rooms are the `room:` hashes,
 * walked with SCAN on every primary (one on a single Redis, one per shard on a Redis Cluster), so
 * a large keyspace is never blocked. The page cursor is the shard's index and its SCAN cursor; like
 * SCAN itself a page may hold a few more or fewer rooms than asked, and a room may (rarely) be
 * listed twice while Redis rehashes or a slot migrates.
 */
import type { RoomPage } from './backend.js';
import { guarded } from './redis-connection.js';
import type { RedisNode } from './redis-node.js';

/** One page of rooms with their member counts; `cursor` null for the first page. */
export async function listRedisRooms(
  node: RedisNode,
  cursor: string | null,
  limit: number,
): Promise<RoomPage> {
  const keys = node.keys;
  // Sorted, so the shard index of a cursor means the same shard on the next call.
  const shards = node
    .connection()
    .primaries()
    .sort((a, b) => shardName(a).localeCompare(shardName(b)));
  const pattern = keys.roomPattern();
  const rooms: RoomPage['rooms'] = [];
  let [shard, scan] = parseCursor(cursor);
  // SCAN may return few or no rooms per call; keep going until the page is full or the walk ends.
  while (shard < shards.length && rooms.length < limit) {
    const redis = shards[shard] as (typeof shards)[number];
    const [after, found] = await guarded(() => redis.scan(scan, 'MATCH', pattern, 'COUNT', limit));
    const ids = found.map((key) => [key, keys.roomIdOf(key)] as const).filter(([, id]) => id !== null);
    if (ids.length > 0) {
      const sizes = await guarded(() => Promise.all(ids.map(([key]) => redis.hlen(key))));
      ids.forEach(([, id], i) => {
        const members = sizes[i] ?? 0;
        if (members > 0) rooms.push({ id: id as string, members });
      });
    }
    if (after === '0') [shard, scan] = [shard + 1, '0'];
    else scan = after;
  }
  return { rooms, next: shard < shards.length ? `${shard}:${scan}` : null };
}

/** How many rooms exist (a full SCAN; meant for scrapes and the stats route, not hot paths). */
export async function countRedisRooms(node: RedisNode): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const page = await listRedisRooms(node, cursor, 1000);
    count += page.rooms.length;
    cursor = page.next;
  } while (cursor !== null);
  return count;
}

function parseCursor(cursor: string | null): [number, string] {
  const m = /^(\d+):(\d+)$/.exec(cursor ?? '');
  return m ? [Number(m[1]), m[2] as string] : [0, '0'];
}

function shardName(redis: { options: { host?: string; port?: number } }): string {
  return `${redis.options.host ?? ''}:${redis.options.port ?? 0}`;
}
