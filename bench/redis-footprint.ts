/**
 * `node --import tsx bench/redis-footprint.ts [peers]` — Redis memory per peer with the Redis
 * backend: a private redis-server, one backend node, N peers identified and joined two per room;
 * prints used_memory growth per peer. Bounded: 50,000 peers at most.
 */
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { RedisBackend } from '../src/backend/redis.js';
import { RedisServer } from '../test/helpers/redis-server.js';

const peers = Math.min(Number(process.argv[2] ?? 20_000), 50_000);

async function usedMemory(client: Redis): Promise<number> {
  const info = await client.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

const redis = await RedisServer.start();
const inspect = new Redis(redis.url);
const backend = new RedisBackend({
  url: redis.url,
  keyPrefix: 'signalroom:',
  nodeTimeoutMs: 10_000,
  commandTimeoutMs: 5000,
  logger: pino({ level: 'silent' }),
});
try {
  await backend.start({
    deliverLocal: () => undefined,
    kickLocal: () => false,
    releaseHeld: () => null,
    holdLive: async () => false,
    evict: () => undefined,
  });
  const before = await usedMemory(inspect);
  for (let i = 0; i < peers; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, peers - i) }, async (_, j) => {
        const n = i + j;
        const peer = { id: crypto.randomUUID(), username: `user-${n}` };
        await backend.claimUsername(`user-${n}`, peer);
        const outcome = await backend.joinRoom(`room-${n >> 1}`, peer, 50);
        if (outcome.ok) backend.announceJoin(`room-${n >> 1}`, peer, outcome.members);
      }),
    );
  }
  const after = await usedMemory(inspect);
  console.log(
    JSON.stringify({ peers, bytesPerPeer: Math.round((after - before) / peers), usedMemory: after }),
  );
} finally {
  inspect.disconnect();
  await backend.close();
  await redis.destroy();
}
