/**
 * The Redis bearer index survives Redis losing it: the node writes its hash again from its copy
 * (renewed twice per node timeout), and another node finds the token again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisKeys } from '../../src/backend/redis-keys.js';
import { RedisServer } from '../helpers/redis-server.js';
import { startBackend } from './redis-cases.js';

let redis: RedisServer;
before(async () => {
  redis = await RedisServer.start();
});
after(() => redis.destroy());

test('a node writes its bearer hash again after Redis lost it; its TTL is renewed', async (t) => {
  const prefix = `test-${randomUUID()}:`;
  const n1 = await startBackend(t, () => ({ url: redis.url }), prefix);
  const n2 = await startBackend(t, () => ({ url: redis.url }), prefix);
  const raw = new Redis(redis.url);
  t.after(() => raw.disconnect());
  const hash = new RedisKeys(prefix).nodeBearers(n1.backend.nodeId);
  const alice = { peerId: randomUUID(), username: 'alice', authExpiresAt: 0 };
  n1.backend.addBearer('alice-key', alice);
  assert.deepEqual(await n2.backend.findBearer('alice-key'), alice);
  const ttl = await raw.pttl(hash);
  assert.ok(ttl > 0 && ttl <= 9000, `the hash expires unless renewed (${ttl} ms left)`);

  await raw.del(hash);
  assert.equal(await n2.backend.findBearer('alice-key'), null);
  const deadline = Date.now() + 10_000;
  while ((await n2.backend.findBearer('alice-key')) === null) {
    assert.ok(Date.now() < deadline, 'the hash was not written again');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(await n2.backend.findBearer('alice-key'), alice);
  assert.ok((await raw.pttl(hash)) > 0, 'with its TTL');
});
