/**
 * signalroom under test as one node of a cluster: the Redis backend on BENCH_REDIS_URL (or the
 * Redis Cluster at BENCH_REDIS_CLUSTER_NODES, host:port,…), keys under BENCH_REDIS_PREFIX, limits
 * raised as in `signalroom.ts`.
 */
import { createServer } from '../../src/server.js';
import { serveChild } from './child.js';

serveChild(async () => {
  const server = await createServer({
    host: '127.0.0.1',
    port: 0,
    logLevel: (process.env.BENCH_LOG_LEVEL ?? 'warn') as 'warn',
    backend: 'redis',
    redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisKeyPrefix: process.env.BENCH_REDIS_PREFIX ?? 'bench:',
    ...(process.env.BENCH_REDIS_CLUSTER_NODES
      ? { redisClusterNodes: process.env.BENCH_REDIS_CLUSTER_NODES.split(',') }
      : {}),
    // BENCH_REDIS_BATCH_MS: the publish window to measure (docs/scaling.md).
    ...(process.env.BENCH_REDIS_BATCH_MS ? { redisBatchMs: Number(process.env.BENCH_REDIS_BATCH_MS) } : {}),
    maxPeersPerRoom: 1000,
    maxConnections: 1_000_000,
    maxConnectionsPerIp: 1_000_000,
    maxConnectionAttemptsPerIp: 1_000_000,
    connectionAttemptBurst: 1_000_000,
    maxMessagesPerSecond: 1_000_000,
    messageBurst: 1_000_000,
  });
  const { port } = await server.listen();
  return { port, close: () => server.close() };
});
