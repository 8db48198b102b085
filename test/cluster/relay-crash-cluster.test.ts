/**
 * Cross-node relays across a node crash on the Redis Cluster layout: three node processes on a
 * Redis Cluster of three primaries (sharded pub/sub), the same scenario as relay-crash.test.ts.
 */
import { test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { RedisCluster } from '../helpers/redis-cluster.js';
import { startNodes } from './cluster.js';
import { CRASH_NODE_ARGS, relaysAcrossACrash } from './crash-scenario.js';

test('redis cluster: relays in flight to a node that hangs and dies are each reported to their sender', async (t) => {
  const redis = await RedisCluster.start({ primaries: 3, replicasPerPrimary: 0 });
  t.after(() => redis.destroy());
  const prefix = `sr-${randomUUID().slice(0, 8)}:`;
  const nodes = await startNodes(t, 3, 'redis://127.0.0.1:6379', prefix, () => [
    '--redis-cluster-nodes',
    redis.addresses.join(','),
    ...CRASH_NODE_ARGS,
  ]);
  await relaysAcrossACrash(t, nodes);
});
