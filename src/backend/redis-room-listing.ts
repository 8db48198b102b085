/**
 * Room listing for the admin API and metrics with the Redis backend: rooms are the `room:*` hashes,
 * walked with SCAN so a large keyspace is never blocked. SCAN's cursor is the page cursor; like
 * SCAN itself a page may hold a few more or fewer rooms than asked, and a room may (rarely) be
 * listed twice while Redis rehashes.
 */
import type { RoomPage } from './backend.js';
import { guarded, type RedisConnections } from './redis-connection.js';
import type { RedisKeys } from './redis-keys.js';

type Redis = RedisConnections['command'];

/** One page of rooms with their member counts; `cursor` null for the first page. */
export async function listRedisRooms(
  redis: Redis,
  keys: RedisKeys,
  cursor: string | null,
  limit: number,
): Promise<RoomPage> {
  const roomPrefix = keys.room('');
  const pattern = `${escapeGlob(roomPrefix)}*`;
  const rooms: RoomPage['rooms'] = [];
  let next = cursor ?? '0';
  // SCAN may return empty batches; keep going until the page has something or the walk ends.
  do {
    const [after, found] = await guarded(() => redis.scan(next, 'MATCH', pattern, 'COUNT', limit));
    next = after;
    if (found.length > 0) {
      const sizes = await guarded(() => {
        const pipeline = redis.pipeline();
        for (const key of found) pipeline.hlen(key);
        return pipeline.exec();
      });
      found.forEach((key, i) => {
        const members = Number(sizes?.[i]?.[1] ?? 0);
        if (members > 0) rooms.push({ id: key.slice(roomPrefix.length), members });
      });
    }
  } while (rooms.length === 0 && next !== '0');
  return { rooms, next: next === '0' ? null : next };
}

/** How many rooms exist (a full SCAN; meant for scrapes and the stats route, not hot paths). */
export async function countRedisRooms(redis: Redis, keys: RedisKeys): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const page = await listRedisRooms(redis, keys, cursor, 1000);
    count += page.rooms.length;
    cursor = page.next;
  } while (cursor !== null);
  return count;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
