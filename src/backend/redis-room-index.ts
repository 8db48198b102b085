/**
 * The index of rooms of the Redis backend, so the admin API and metrics list and count rooms on
 * every node without SCAN over the keyspace: room ids in sorted sets (score 0, ordered by id byte
 * by byte), split into a fixed number of shards by a digest of the id (redis-keys.ts), so the
 * index spreads over a Redis Cluster's shards as the rooms do.
 *
 * A room hash and its index entry live on different slots, so no script can change both; the
 * steps are ordered instead so that a room never stays unlisted:
 * - a join that creates the room (no member before it) adds the id AFTER its join script;
 * - whoever empties a room (a leave, a reap, a purge) removes the id and THEN checks that the
 *   room is still gone, adding it back if a join created it meanwhile.
 * An entry can outlive its room only when a node dies between those steps; a listing that meets
 * an empty room removes its entry the same way.
 *
 * Pages: the cursor is the last id of the previous page; each shard is read from just after it
 * (ZRANGEBYLEX … LIMIT, a slice at a time) and the shards' answers are merged, so a page is
 * exactly the next `limit` ids in order, and every room present during the whole walk is listed
 * exactly once.
 */
import type { RoomPage, RoomSummary } from './backend.js';
import type { RedisCommands } from './redis-connection.js';
import type { RedisNode } from './redis-node.js';

/** List the room (a join that created it, after its join script; the repair). */
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
  const { ids: page, more } = await nextIds(node, after, limit);
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
  return { rooms, next: more && last ? `r${last.toString('base64url')}` : null };
}

/** What has been read of one shard of the index during a page. */
interface ShardRead {
  key: string;
  /** Where the next read starts (a ZRANGEBYLEX min). */
  from: string | Buffer;
  ids: Buffer[];
  /** It may hold more ids after the last one read. */
  open: boolean;
}

/**
 * The first `limit` ids after `after` over every shard, in byte order, and whether any follow.
 * Each shard is read a slice at a time (twice its share of a page), and read further only while
 * the ids known to be complete (up to the lowest last id read from a shard that may hold more)
 * are fewer than `limit`: a page reads about twice its size, not `limit` from every shard.
 */
async function nextIds(
  node: RedisNode,
  after: Buffer | null,
  limit: number,
): Promise<{ ids: Buffer[]; more: boolean }> {
  const shards = node.keys.roomIndexShards();
  const slice = Math.min(limit, Math.max(8, Math.ceil((2 * limit) / shards.length)));
  const start = after === null ? '-' : Buffer.concat([Buffer.from('('), after]);
  const reads: ShardRead[] = shards.map((key) => ({ key, from: start, ids: [], open: true }));
  let pending = reads;
  for (;;) {
    const answers = await node.run((r) =>
      Promise.all(pending.map((s) => r.zrangebylexBuffer(s.key, s.from, '+', 'LIMIT', 0, slice))),
    );
    pending.forEach((s, i) => {
      const got = answers[i] ?? [];
      s.ids.push(...got);
      const last = got[got.length - 1];
      if (got.length < slice || !last) s.open = false;
      else s.from = Buffer.concat([Buffer.from('('), last]);
    });
    const all = reads.flatMap((s) => s.ids).sort(Buffer.compare);
    const open = reads.filter((s) => s.open);
    if (open.length === 0) return { ids: all.slice(0, limit), more: all.length > limit };
    // Every id up to `bound` has been read from every shard.
    const bound = open.map((s) => s.ids[s.ids.length - 1] as Buffer).sort(Buffer.compare)[0] as Buffer;
    const known = all.filter((id) => Buffer.compare(id, bound) <= 0);
    if (known.length >= limit) return { ids: known.slice(0, limit), more: true };
    // Read on where ids below the page's end may still be missing.
    const end = all.length >= limit ? (all[limit - 1] as Buffer) : null;
    pending = open.filter((s) => end === null || Buffer.compare(s.ids[s.ids.length - 1] as Buffer, end) < 0);
  }
}

/** How many rooms are listed (ZCARD of every shard: no walk over the rooms). */
export async function countIndexedRooms(node: RedisNode): Promise<number> {
  const counts = await node.run((r) => Promise.all(node.keys.roomIndexShards().map((key) => r.zcard(key))));
  return counts.reduce((sum, n) => sum + n, 0);
}

// A cursor is `r` and the base64url of the last id listed (an empty id too); anything else starts
// from the beginning.
function decodeCursor(cursor: string): Buffer | null {
  return /^r[A-Za-z0-9_-]*$/.test(cursor) ? Buffer.from(cursor.slice(1), 'base64url') : null;
}
