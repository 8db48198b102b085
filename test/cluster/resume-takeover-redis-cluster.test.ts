/**
 * The takeover races of resume-takeover.test.ts on the Redis Cluster layout: three node processes
 * on a Redis Cluster of three primaries, so the nodes' bearer hashes, channels and the resume
 * records sit on different shards.
 */
import { test } from 'node:test';
import { RedisCluster } from '../helpers/redis-cluster.js';
import { startNodesOnCluster } from './cluster.js';
import { resumesRacingTheDrop, takeoverRaces } from './takeover.js';

test('three nodes on a Redis Cluster: a resume on any node takes over a live session, one winner per race', async (t) => {
  const redis = await RedisCluster.start({ primaries: 3, replicasPerPrimary: 0 });
  t.after(() => redis.destroy());
  const { nodes } = await startNodesOnCluster(t, redis, 3, []);
  await t.test('racing resumes with the token of a live session: exactly one wins', (t) =>
    takeoverRaces(t, nodes),
  );
  await t.test('a resume racing the old node’s notice of the drop succeeds', (t) =>
    resumesRacingTheDrop(t, nodes),
  );
});
