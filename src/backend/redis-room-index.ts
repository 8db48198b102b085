/**
 * The index of rooms of the Redis backend, so the admin API and metrics list and count rooms on
 * every node without SCAN over the keyspace: room ids in sorted sets (score 0, ordered by id byte
 * by byte), split into a fixed number of shards by a digest of the id (redis-keys.ts), so the
 * index spreads over a Redis Cluster's shards as the rooms do.
 *
 * A room hash and its index entry live on different slots, so no script can change both; the
 * steps are ordered instead so that a room never stays unlisted:
 * - every join adds the id AFTER its join script (a room that exists was indexed after its last
 *   join began);
 * - whoever empties a room (a leave, a reap, a purge) removes the id and THEN checks that the
 *   room is still gone, adding it back if a join created it meanwhile.
 * An entry can outlive its room only when a node dies between those steps; a listing that meets
 * an empty room removes its entry the same way.
 *
 * Pages: the cursor is the last id of the previous page; each shard is read from just after it
 * (ZRANGEBYLEX … LIMIT) and the shards' answers are merged, so a page is exactly the next `limit`
 * ids in order, and every room present during the whole walk is listed exactly once.
 */
import type { RoomPage, RoomSummary } from './backend.js';
import type { RedisCommands } from './redis-connection.js';
import type { RedisNode } from './redis-node.js';

/** The command a join adds after its join script: list the room. */
export function indexRoom(redis: RedisCommands, node: RedisNode, roomId: string): Promise<number> {
  return redis.zadd(node.keys.roomIndex(roomId), 0, roomId);
}

/** A step left `roomId` empty (its hash is gone): unlist it, unless a join re-created it meanwhile. */
export async function unindexRoom(node: RedisNode, roomId: string): Promise<void> {
  const keys = node.keys;
  await node.run((r) => r.zrem(keys.roomIndex(roomId), roomId));
  if ((await node.run((r) => r.exists(keys.room(roomId)))) === 1)
    await node.run((r) => r.zadd(keys.roomIndex(roomId), 0, roomId));
}

/**
 * Unlist `roomId` if a leave left it empty (its `srLeave` reply is `[]`), in the background: when
 * Redis cannot answer, the entry stays until a listing meets the empty room.
 */
export function unindexIfEmptied(node: RedisNode, roomId: string, left: readonly unknown[] | null): void {
  if (left !== null && left.length === 0) void unindexRoom(node, roomId).catch(() => undefined);
}

/** One page of rooms with their member counts; `cursor` null for the first page. */
export async function listIndexedRooms(
  node: RedisNode,
  cursor: string | null,
  limit: number,
): Promise<RoomPage> {
  const after = cursor === null ? null : decodeCursor(cursor);
  const min = after === null ? '-' : Buffer.concat([Buffer.from('('), after]);
  const shards = node.keys.roomIndexShards();
  const answers = await node.run((r) =>
    Promise.all(shards.map((key) => r.zrangebylexBuffer(key, min, '+', 'LIMIT', 0, limit))),
  );
  const merged = answers.flat().sort(Buffer.compare);
  const page = merged.slice(0, limit);
  const more = merged.length > limit || answers.some((ids) => ids.length === limit);
  const ids = page.map((id) => id.toString());
  const sizes = await node.run((r) => Promise.all(ids.map((id) => r.hlen(node.keys.room(id)))));
  const rooms: RoomSummary[] = [];
  ids.forEach((id, i) => {
    const members = sizes[i] ?? 0;
    if (members > 0) rooms.push({ id, members });
    // Left behind by a node that died between a room's last leave and its unlisting.
    else void unindexRoom(node, id).catch(() => undefined);
  });
  const last = page[page.length - 1];
  return { rooms, next: more && last ? last.toString('base64url') : null };
}

/** How many rooms are listed (ZCARD of every shard: no walk over the rooms). */
export async function countIndexedRooms(node: RedisNode): Promise<number> {
  const counts = await node.run((r) => Promise.all(node.keys.roomIndexShards().map((key) => r.zcard(key))));
  return counts.reduce((sum, n) => sum + n, 0);
}

// A cursor is the base64url of the last id listed; anything else starts from the beginning.
function decodeCursor(cursor: string): Buffer | null {
  return /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url') : null;
}
