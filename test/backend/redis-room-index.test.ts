/**
 * The Redis room index (redis-room-index.ts) on its own: pages of any size come in byte order
 * over the 16 shards, each room exactly once; an entry left behind by a dead node is skipped and
 * removed by the listing that meets it; joins and leaves keep it exact.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Backend } from '../../src/backend/backend.js';
import { RedisKeys } from '../../src/backend/redis-keys.js';
import { RedisServer } from '../helpers/redis-server.js';
import { newPeer } from './contract.js';
import { startBackend } from './redis-cases.js';

let redis: RedisServer;
before(async () => {
  redis = await RedisServer.start();
});
after(() => redis.destroy());

async function walk(backend: Backend, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 10_000; pages++) {
    const page: Awaited<ReturnType<Backend['listRooms']>> = await backend.listRooms(cursor, limit);
    assert.ok(page.rooms.length <= limit);
    ids.push(...page.rooms.map((r) => r.id));
    cursor = page.next;
    if (cursor === null) return ids;
  }
  throw new Error('the walk did not end');
}

test('pages of every size list every room once, in byte order, across the shards', async (t) => {
  const prefix = `test-${randomUUID()}:`;
  const { backend } = await startBackend(t, () => ({ url: redis.url }), prefix);
  // Byte order differs from JavaScript's string order for some of these.
  const odd = ['Z', 'a', 'é', 'ﬀ', '😀', '{braced}', '#hash', 'with space', ''];
  const ids = [...odd, ...Array.from({ length: 300 }, (_, i) => `room-${i}`)];
  for (let i = 0; i < ids.length; i += 50)
    await Promise.all(ids.slice(i, i + 50).map((id) => backend.joinRoom(id, newPeer(`p-${id}`), 50)));
  const expected = [...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  for (const limit of [1, 3, 7, 16, 50, 299, 1000])
    assert.deepEqual(await walk(backend, limit), expected, `limit ${limit}`);
  assert.equal(await backend.roomCount(), ids.length);
});

test('an index entry whose room is gone is skipped and removed by the listing that meets it', async (t) => {
  const prefix = `test-${randomUUID()}:`;
  const { backend } = await startBackend(t, () => ({ url: redis.url }), prefix);
  const raw = new Redis(redis.url);
  t.after(() => raw.disconnect());
  const keys = new RedisKeys(prefix);
  const alice = newPeer('alice');
  await backend.joinRoom('live', alice, 50);
  // As if a node died between a room's last leave and its unlisting.
  await raw.zadd(keys.roomIndex('ghost'), 0, 'ghost');
  assert.equal(await backend.roomCount(), 2);
  assert.deepEqual((await backend.listRooms(null, 10)).rooms, [{ id: 'live', members: 1 }]);
  for (let i = 0; i < 100 && (await raw.zcard(keys.roomIndex('ghost'))) > 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(await backend.roomCount(), 1, 'the ghost entry is gone');
  await backend.leaveRoom('live', alice);
  for (let i = 0; i < 100 && (await backend.roomCount()) > 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(await backend.roomCount(), 0);
  let total = 0;
  for (const key of keys.roomIndexShards()) total += await raw.zcard(key);
  assert.equal(total, 0, 'no entry left in any shard');
});
