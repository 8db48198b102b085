/**
 * The HTTP API checks of http-api.test.ts on the Redis Cluster layout: three node processes on a
 * Redis Cluster of three primaries (no replicas: no failover here), so the bearer hashes (one per
 * node), the room index shards and the rooms sit on different shards.
 */
import { test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { RedisCluster } from '../helpers/redis-cluster.js';
import { startNodesOnCluster } from './cluster.js';
import { adminAcrossNodes, HTTP_API_ARGS, iceServersOnEveryNode, roomPagination } from './http-api.js';

test('three nodes on a Redis Cluster: every node answers the HTTP API for every session', async (t) => {
  const redis = await RedisCluster.start({ primaries: 3, replicasPerPrimary: 0 });
  t.after(() => redis.destroy());
  const deployment = await startNodesOnCluster(t, redis, 3, HTTP_API_ARGS);
  // No --auth: the token of an IDENTIFY is an opaque string the server only remembers.
  const tokenFor = async (username: string) => `opaque-token-of-${username}-${randomUUID()}`;
  await t.test('ice-servers: every node, every client; ended and replaced tokens refused', (t) =>
    iceServersOnEveryNode(t, deployment, tokenFor),
  );
  await t.test('admin: details and kick from one node for a peer on another', (t) =>
    adminAcrossNodes(t, deployment, tokenFor),
  );
  await t.test('admin: rooms paged in order from every node; the index empties with the rooms', (t) =>
    roomPagination(t, deployment, tokenFor),
  );
});
