/**
 * Three nodes on a Redis Cluster of three primaries with a replica each (real processes, created
 * by the test): the same conformance as on a single Redis, then the primary serving one node's
 * channel and records is killed while relays flow both ways across the nodes every 100 ms, and
 * its replica takes over. No relay lost without its sender being told, none delivered after the
 * bound, no duplicate username, every peer keeps its session and room, and /readyz is 200 again
 * within 10 s of the promotion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisCluster } from '../helpers/redis-cluster.js';
import type { TestClient } from '../helpers/test-client.js';
import { member, startNodesOnCluster, until, type ClusterNode } from './cluster.js';
import {
  CAPACITY,
  concurrentJoins,
  membersEventsAndRelay,
  usernamesUnique,
  type Deployment,
} from './conformance.js';
import { checkGuarantees, DEADLINE_MS, readyWithin, startTraffic } from './failover-harness.js';

test('redis cluster: three nodes behave like one server; a primary is killed and its replica takes over', async (t) => {
  const redis = await RedisCluster.start({ primaries: 3, replicasPerPrimary: 1, nodeTimeoutMs: 1500 });
  t.after(() => redis.destroy());
  const { nodes, inspect, keys } = await startNodesOnCluster(t, redis, 3, [
    '--redis-relay-deadline-ms',
    String(DEADLINE_MS),
    '--max-peers-per-room',
    String(CAPACITY),
  ]);
  const deployment: Deployment = { nodes, inspect, keys };
  await t.test('conformance: members, events and relay in order', (t) =>
    membersEventsAndRelay(t, deployment),
  );
  await t.test('conformance: usernames unique', (t) => usernamesUnique(t, deployment));
  await t.test('conformance: concurrent joins', (t) => concurrentJoins(t, deployment));

  const [n1, n2, n3] = nodes as [ClusterNode, ClusterNode, ClusterNode];
  const {
    clients: pairs,
    probe,
    flowing,
  } = await startTraffic(t, [
    [
      [n1, 'ann', 'p'],
      [n2, 'ben', 'p'],
    ],
    [
      [n3, 'cat', 'q'],
      [n1, 'dan', 'q'],
    ],
  ]);
  const clients = pairs.flat();
  const [a, b, c, d] = clients as [TestClient, TestClient, TestClient, TestClient];

  // The shard of node 1's channel and records: relays to ann and dan go through it.
  const victim = await redis.primaryOf(keys.nodeChannel(n1.nodeId));
  await victim.kill();
  await until(() => replicaTookOver(redis, victim.port), 'a replica promoted', 30_000);
  await readyWithin(nodes, 'after the promotion');
  await flowing('after the promotion');

  await checkGuarantees(t, probe, clients, [
    [n2, 'Ann'],
    [n3, 'dan'],
    [n1, 'ben'],
  ]);
  for (const client of clients) assert.equal(await inspect.get(keys.user(client.username)), client.peerId);
  assert.deepEqual(Object.keys(await inspect.hgetall(keys.room('p'))).sort(), [a.peerId, b.peerId].sort());
  assert.deepEqual(Object.keys(await inspect.hgetall(keys.room('q'))).sort(), [c.peerId, d.peerId].sort());
  // New peers still join across the shards.
  const late = await member(t, n2, 'eve', 'p');
  assert.deepEqual(late.members.map((m) => m.username).sort(), ['ann', 'ben']);
});

// The cluster noticed the primary on `deadPort` failed and three live primaries serve every slot
// again (its replica took over), as a live process sees it.
async function replicaTookOver(redis: RedisCluster, deadPort: number): Promise<boolean> {
  const live = redis.servers.find((s) => s.running && s.port !== deadPort);
  if (!live) return false;
  const client = live.client();
  try {
    const [info, nodesText] = await Promise.all([
      client.call('CLUSTER', 'INFO') as Promise<string>,
      client.call('CLUSTER', 'NODES') as Promise<string>,
    ]);
    const lines = nodesText
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    const deadFailed = lines.some((f) => f[1]?.includes(`:${deadPort}@`) && f[2]?.includes('fail'));
    const serving = lines.filter((f) => f[2]?.includes('master') && !f[2].includes('fail') && f.length > 8);
    return info.includes('cluster_state:ok') && deadFailed && serving.length === 3;
  } finally {
    client.disconnect();
  }
}
