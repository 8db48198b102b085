/**
 * The Redis backend on a Redis Cluster of three primaries (no replicas: failover is
 * test/cluster/redis-cluster.test.ts's): the same contract and two-node cases as on a single
 * Redis, which Redis itself would refuse if any step touched keys of two slots; plus the layout
 * that makes the cluster worth having: users, rooms and nodes spread over every shard.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { pino } from 'pino';
import { parseRecord } from '../../src/backend/redis-members.js';
import { openLink } from '../../src/backend/redis-connection.js';
import { RedisKeys } from '../../src/backend/redis-keys.js';
import { reregister } from '../../src/backend/redis-reregister.js';
import { RedisCluster } from '../helpers/redis-cluster.js';
import { joinAndAnnounce, newPeer } from './contract.js';
import { redisCases, startBackend } from './redis-cases.js';
import { duringRecordsWrite, holdJoin, openNode } from './redis-node-helpers.js';

let cluster: RedisCluster;
before(async () => {
  cluster = await RedisCluster.start({ primaries: 3, replicasPerPrimary: 0 });
});
after(() => cluster.destroy());

redisCases('redis cluster', () => ({ url: 'redis://127.0.0.1:6379', clusterNodes: cluster.addresses }));

test('redis cluster: a redis:// URL naming one cluster node is detected as a cluster', async (t) => {
  const seed = cluster.addresses[1] as string;
  const { backend, inbox } = await startBackend(
    t,
    () => ({ url: `redis://${seed}` }),
    `test-${randomUUID()}:`,
  );
  const [a, b] = [newPeer('a'), newPeer('b')];
  assert.equal(await backend.claimUsername('a', a), true);
  await joinAndAnnounce(backend, 'detected', a);
  await joinAndAnnounce(backend, 'detected', b);
  assert.deepEqual(await inbox.waitCount(a.id, 1), [
    { type: 'NEW_PEER_IN_ROOM', roomId: 'detected', peer: b },
  ]);
});

test('redis cluster: the keys of users, rooms and nodes spread over every shard', async (t) => {
  const prefix = `test-${randomUUID()}:`;
  const keys = new RedisKeys(prefix);
  const nodes = [];
  for (let i = 0; i < 3; i++)
    nodes.push(
      await startBackend(
        t,
        () => ({ url: 'redis://127.0.0.1:6379', clusterNodes: cluster.addresses }),
        prefix,
      ),
    );
  for (let i = 0; i < 30; i++) {
    const { backend: node } = nodes[i % 3] as Awaited<ReturnType<typeof startBackend>>;
    const peer = newPeer(`user${i}`);
    assert.equal(await node.claimUsername(`user${i}`, peer), true);
    await joinAndAnnounce(node, `room${i % 10}`, peer);
  }
  const shardsOf = async (names: string[]) =>
    new Set(await Promise.all(names.map(async (k) => (await cluster.primaryOf(k)).port)));
  assert.equal((await shardsOf(Array.from({ length: 30 }, (_, i) => keys.user(`user${i}`)))).size, 3);
  assert.equal((await shardsOf(Array.from({ length: 10 }, (_, i) => keys.room(`room${i}`)))).size, 3);
  // Every key of one owner shares its slot: a node's records, liveness and channel; a room's hash.
  const id = nodes[0]?.backend.nodeId as string;
  assert.equal(
    (await shardsOf([keys.nodePeers(id), keys.nodeAlive(id), keys.nodeReaping(id), keys.nodeChannel(id)]))
      .size,
    1,
  );
});

// Nodes n1 and n2 below their facade, and a plain client, on the cluster.
async function openNodePair(t: TestContext) {
  const nodes = cluster.addresses.map((a) => ({ host: '127.0.0.1', port: Number(a.split(':')[1]) }));
  const target = { kind: 'cluster' as const, nodes, auth: { tls: false, db: 0 } };
  const prefix = `test-${randomUUID()}:`;
  const n1 = await openNode(t, target, prefix, 'n1');
  const n2 = await openNode(t, target, prefix, 'n2');
  const client = new Cluster(nodes);
  t.after(() => client.disconnect());
  return { n1, n2, client };
}

test('redis cluster: reregister neither re-claims a username released nor re-adds a room left while the records are written', async (t) => {
  // On a cluster the steps of a release are awaited one by one, not written together.
  const { n1, n2, client } = await openNodePair(t);
  assert.equal(n1.node.connection().ordered, false);
  const [p, q, r] = [newPeer('p'), newPeer('q'), newPeer('r')];
  assert.equal(await n1.usernames.claim('p', p), true);
  await n1.enter('room', q);
  await n2.enter('room', r);
  const change = duringRecordsWrite(n1, async () => {
    await Promise.all([n1.usernames.release('p', p.id), n1.rooms.leaveRoom('room', q)]);
  });

  await reregister(n1.node, 'reaped', pino({ level: 'silent' }));
  await change.done();

  const keys = n1.node.keys;
  assert.equal(await client.exists(keys.user('p')), 0);
  assert.deepEqual(Object.keys(await client.hgetall(keys.room('room'))), [r.id]);
  assert.equal(await n2.usernames.claim('p', newPeer('p')), true);
});

test('redis cluster: reregister neither leaves nor unnames the room of a join in flight', async (t) => {
  // On a cluster a join's steps are awaited one by one: reregister reads the record naming the
  // room while the node does not know the join yet.
  const { n1, n2, client } = await openNodePair(t);
  await n2.enter('room', newPeer('other'));
  // p's script waits for reregister (record written, not joined); q's ran, its reply waits.
  const [p, q] = [newPeer('p'), newPeer('q')];
  assert.equal(await n1.usernames.claim('p', p), true);
  assert.equal(await n1.usernames.claim('q', q), true);
  const holds = [holdJoin(n1, p.id, 'script'), holdJoin(n1, q.id, 'reply')];
  const joins = [n1.rooms.joinRoom('room', p, 50), n1.rooms.joinRoom('room', q, 50)];
  await Promise.all(holds.map((h) => h.reached));

  await reregister(n1.node, 'reconnect', pino({ level: 'silent' }));
  for (const h of holds) h.release();
  for (const outcome of await Promise.all(joins)) assert.ok(outcome.ok);

  const keys = n1.node.keys;
  // Without the deferral q's membership was left as stale after its script added it, and both
  // records were written back naming no room.
  for (const peer of [q, p])
    assert.equal(await client.hexists(keys.room('room'), peer.id), 1, `${peer.username} is a member`);
  for (const peer of [p, q]) {
    const record = parseRecord((await client.hget(keys.nodePeers('n1'), peer.id)) as string);
    assert.equal(record.r, 'room', `${peer.username}'s record names the room`);
  }
});

test('redis cluster: publishes a node makes at once after connecting arrive on every shard in the order made', async (t) => {
  // A node's first publishes to a shard it has not used yet (the first relays to a peer on
  // another node) must not overtake each other: the receiver drops a batch that arrives after a
  // newer one of the same sender, and a node connects to a shard on first use; a publish made
  // while that connection was still being made went again 100 ms later, behind the next ones
  // (seen as relays dropped under load in the crash scenario).
  const nodes = cluster.addresses.map((a) => ({ host: '127.0.0.1', port: Number(a.split(':')[1]) }));
  const topology = { kind: 'cluster' as const, nodes, auth: { tls: false, db: 0 } };
  const options = {
    topology,
    commandTimeoutMs: 2000,
    startupTimeoutMs: 10_000,
    log: pino({ level: 'silent' }),
  };
  // One channel on each shard.
  const prefix = `test-${randomUUID()}:`;
  const channels = new Map<number, string>();
  for (let i = 0; channels.size < 3; i++) {
    const channel = `${prefix}ch${i}`;
    const port = (await cluster.primaryOf(channel)).port;
    if (!channels.has(port)) channels.set(port, channel);
  }
  const receiver = await openLink({ ...options, name: 'receiver' });
  t.after(() => receiver.close());
  const got = new Map<string, number[]>();
  const record = (text: string) => {
    const [name, n] = text.split(' ');
    got.get(name as string)?.push(Number(n));
  };
  for (const channel of channels.values()) {
    // Each listener hears every channel: one records, the others ignore.
    await receiver.subscribe(channel, got.size === 0 ? record : () => undefined);
    got.set(channel, []);
  }
  const sender = await openLink({ ...options, name: 'sender' });
  t.after(() => sender.close());
  const published: Array<Promise<number>> = [];
  for (const channel of channels.values())
    for (let n = 0; n < 20; n++) published.push(sender.publish(channel, `${channel} ${n}`));
  assert.deepEqual(
    await Promise.all(published),
    published.map(() => 1),
  );
  const deadline = Date.now() + 10_000;
  while ([...got.values()].some((list) => list.length < 20) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  for (const list of got.values())
    assert.deepEqual(
      list,
      Array.from({ length: 20 }, (_, n) => n),
    );
});
