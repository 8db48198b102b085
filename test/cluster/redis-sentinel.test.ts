/**
 * Two nodes on a Sentinel-managed Redis (primary, replica, three sentinels; real processes), with
 * relays flowing both ways across the nodes every 100 ms through three failures in a row: the
 * primary killed (SIGKILL), the old primary restarted empty (it must become a replica, never a
 * second primary), and the new primary hung (SIGSTOP) then continued. Throughout: no relay lost
 * without its sender being told, none delivered after the bound, no duplicate username, every
 * peer keeps its session and room, and /readyz is 200 again within 10 s of each promotion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisKeys } from '../../src/backend/redis-keys.js';
import { MASTER_NAME, RedisSentinelGroup } from '../helpers/redis-sentinel.js';
import type { RedisServer } from '../helpers/redis-server.js';
import { TestClient } from '../helpers/test-client.js';
import { startNodes, until, type ClusterNode } from './cluster.js';
import { checkGuarantees, DEADLINE_MS, readyWithin, startTraffic } from './failover-harness.js';

test('sentinel: primary killed, old primary back empty, new primary hung: nothing lost untold, nothing late', async (t) => {
  const group = await RedisSentinelGroup.start({ downAfterMs: 1000, failoverTimeoutMs: 3000 });
  t.after(() => group.destroy());
  const prefix = `sr-${randomUUID().slice(0, 8)}:`;
  const keys = new RedisKeys(prefix);
  const deadline = ['--redis-relay-deadline-ms', String(DEADLINE_MS)];
  // One node with the options, one with the redis+sentinel:// URL.
  const nodes = await startNodes(t, 2, group.sentinelUrl, prefix, (i) =>
    i === 0
      ? [
          '--redis-url',
          'redis://127.0.0.1:6379',
          '--redis-sentinels',
          group.sentinelAddresses.join(','),
          '--redis-sentinel-master',
          MASTER_NAME,
          ...deadline,
        ]
      : deadline,
  );
  const [n1, n2] = nodes as [ClusterNode, ClusterNode];
  const {
    clients: pairs,
    probe,
    flowing,
  } = await startTraffic(t, [
    [
      [n1, 'alice', 'r'],
      [n2, 'bob', 'r'],
    ],
    [
      [n2, 'carol', 's'],
      [n1, 'dave', 's'],
    ],
  ]);
  const clients = pairs.flat();

  // 1. The primary is killed: the sentinels promote the replica, the nodes follow.
  const first = await group.primary();
  await first.kill();
  const second = await group.waitPromoted(first);
  await readyWithin(nodes, 'after the first promotion');
  await flowing('after the first promotion');

  // 2. The old primary comes back empty. It must become a replica: no node ever writes to it
  // while it still says it is a primary (two primaries would split the cluster's state).
  await first.restartEmpty();
  await watchUntilReplica(first);
  await group.waitSettled(second);
  const newcomer = await TestClient.connect(t, n1.wsUrl);
  await newcomer.identify('erin');
  await flowing('with the old primary back');

  // 3. The new primary hangs: commands time out, the sentinels promote the restarted one.
  second.pause();
  t.after(() => second.resume());
  const third = await group.waitPromoted(second);
  assert.equal(third, first);
  await readyWithin(nodes, 'after the second promotion');
  await flowing('after the second promotion');
  // It continues: whatever it had queued must not reach anyone late.
  second.resume();
  await flowing('after the hung primary continued');

  await checkGuarantees(t, probe, clients, [
    [n2, 'ALICE'],
    [n1, 'bob'],
    [n2, 'erin'],
  ]);
  await assertStateOnPrimary(third, keys, clients, newcomer);
});

// Poll the restarted server until the sentinels made it a replica; while it says it is a primary,
// it must stay empty.
async function watchUntilReplica(server: RedisServer): Promise<void> {
  const client = server.client();
  try {
    await until(
      async () => {
        const [info, size] = await Promise.all([client.info('replication'), client.dbsize()]);
        const role = /role:(\w+)/.exec(info)?.[1];
        if (role === 'master') assert.equal(size, 0, 'a node wrote to the old primary: two primaries');
        return role === 'slave' && /master_link_status:up/.test(info);
      },
      'the old primary to become a replica',
      30_000,
    );
  } finally {
    client.disconnect();
  }
}

// Every peer's username and membership are where they belong on the primary, and nowhere twice.
async function assertStateOnPrimary(
  primary: RedisServer,
  keys: RedisKeys,
  clients: TestClient[],
  newcomer: TestClient,
): Promise<void> {
  const redis: Redis = primary.client();
  try {
    for (const c of [...clients, newcomer]) assert.equal(await redis.get(keys.user(c.username)), c.peerId);
    const [a, b, c, d] = clients as [TestClient, TestClient, TestClient, TestClient];
    assert.deepEqual(Object.keys(await redis.hgetall(keys.room('r'))).sort(), [a.peerId, b.peerId].sort());
    assert.deepEqual(Object.keys(await redis.hgetall(keys.room('s'))).sort(), [c.peerId, d.peerId].sort());
  } finally {
    redis.disconnect();
  }
}
