/**
 * How a node connects and what it says when it cannot: start-up never hangs silently, a
 * Sentinel's address given as a Redis URL is named for what it is, and a primary demoted under
 * a node (writes answer READONLY) gives UNAVAILABLE and /readyz 503 — never INTERNAL, never for
 * good: once the address takes writes again, the node is ready again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { runCli } from '../helpers/child-server.js';
import { freePort, RedisServer } from '../helpers/redis-server.js';
import { TestClient } from '../helpers/test-client.js';
import { member, startNodes, type ClusterNode } from './cluster.js';

test('start-up: a Sentinel’s address as --redis-url is refused at once, saying what to give instead', async (t) => {
  const sentinel = await RedisServer.start(['--sentinel'], '');
  t.after(() => sentinel.destroy());
  const run = await runCli(['--backend', 'redis', '--redis-url', sentinel.url, '--port', '0']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /is a Sentinel, not a Redis server: give the sentinels with --redis-sentinels/);
});

test('start-up: unreachable sentinels are waited for with a log line per attempt, then given up on', async () => {
  const nobody = await freePort();
  const run = await runCli([
    '--backend',
    'redis',
    '--redis-sentinels',
    `127.0.0.1:${nobody}`,
    '--redis-sentinel-master',
    'mymaster',
    '--redis-node-timeout-ms',
    '3000',
    '--redis-command-timeout-ms',
    '500',
    '--port',
    '0',
  ]);
  assert.equal(run.code, 1);
  const waits = run.stdout
    .split('\n')
    .filter((l) => l.includes('"waiting for Redis"'))
    .map((l) => JSON.parse(l) as { redis: string; reason: string });
  assert.ok(waits.length >= 1, run.stdout);
  assert.equal(waits[0]?.redis, `sentinel master 'mymaster' via 127.0.0.1:${nobody}`);
  assert.match(run.stderr, /not usable after \d+ s/);
});

test('a primary demoted under a node: UNAVAILABLE and 503, not INTERNAL; ready again once it takes writes', async (t) => {
  const a = await RedisServer.start();
  const b = await RedisServer.start(['--replicaof', '127.0.0.1', String(a.port)]);
  t.after(() => Promise.all([a.destroy(), b.destroy()]));
  const [node] = (await startNodes(t, 1, a.url, `sr-${randomUUID().slice(0, 8)}:`)) as [ClusterNode];
  const alice = await member(t, node, 'alice', 'r');
  const [ca, cb] = [a.client(), b.client()];
  t.after(() => {
    ca.disconnect();
    cb.disconnect();
  });
  await cb.call('REPLICAOF', 'NO', 'ONE');
  await ca.call('REPLICAOF', '127.0.0.1', String(b.port)); // the node's address is a replica now

  const newcomer = await TestClient.connect(t, node.wsUrl);
  newcomer.send({ type: 'IDENTIFY', username: 'nina' });
  const refusal = await newcomer.next('AUTH_ERROR');
  assert.equal(refusal.code, 'UNAVAILABLE', JSON.stringify(refusal));
  await node.waitReady(503);

  await ca.call('REPLICAOF', 'NO', 'ONE');
  await cb.call('REPLICAOF', '127.0.0.1', String(a.port));
  await node.waitReady(200);
  const again = await TestClient.connect(t, node.wsUrl);
  await again.identify('nina');
  await again.join('r');
  assert.equal((await alice.client.next('NEW_PEER_IN_ROOM')).type, 'NEW_PEER_IN_ROOM');
  assert.equal(
    node.logs.some((l) => l.level === 50 && String(l.msg).includes('INTERNAL')),
    false,
  );
});
