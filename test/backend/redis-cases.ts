/**
 * The Redis backend's cases beyond the one-node contract: two backend nodes on one Redis
 * deployment, run on a single Redis (redis.test.ts) and on a Redis Cluster
 * (redis-cluster.test.ts), so both topologies are held to the same behaviour.
 */
import { frameFromText } from '../../protocol/frame.js';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { RedisBackend, type RedisBackendOptions } from '../../src/backend/redis.js';
import { backendContract, joinAndAnnounce, newPeer } from './contract.js';
import { Inbox } from './inbox.js';

/** Where the backends connect: a URL, or cluster seed addresses. */
export type Deployment = Pick<RedisBackendOptions, 'url' | 'clusterNodes' | 'sentinels' | 'sentinelMaster'>;

/** A started Redis backend ("node") under `prefix`; closed when the test ends. */
export async function startBackend(t: TestContext, deployment: () => Deployment, prefix: string) {
  const backend = new RedisBackend({
    ...deployment(),
    keyPrefix: prefix,
    nodeTimeoutMs: 3000,
    commandTimeoutMs: 1000,
    logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
  });
  const inbox = new Inbox();
  await backend.start(inbox);
  t.after(() => backend.close());
  return { backend, inbox };
}

/** The contract and the two-node cases on one deployment (read when each test starts). */
export function redisCases(name: string, deployment: () => Deployment): void {
  const node = (t: TestContext, prefix: string) => startBackend(t, deployment, prefix);

  backendContract(name, (t) => node(t, `test-${randomUUID()}:`));

  test(`${name}: two nodes: members, NEW_PEER_IN_ROOM and relays cross nodes, order kept over 500`, async (t) => {
    const prefix = `test-${randomUUID()}:`;
    const n1 = await node(t, prefix);
    const n2 = await node(t, prefix);
    const [a, b] = [newPeer('a'), newPeer('b')];
    await joinAndAnnounce(n1.backend, 'r', a);
    assert.deepEqual(await joinAndAnnounce(n2.backend, 'r', b), [a]);
    assert.deepEqual(await n1.inbox.waitCount(a.id, 1), [{ type: 'NEW_PEER_IN_ROOM', roomId: 'r', peer: b }]);
    for (let i = 0; i < 500; i++)
      assert.equal(n2.backend.relay('r', a.id, frameFromText(JSON.stringify({ type: 'X', n: i }))), true);
    const got = (await n1.inbox.waitCount(a.id, 501)).slice(1);
    assert.deepEqual(
      got.map((m) => m.n),
      Array.from({ length: 500 }, (_, i) => i),
    );
    assert.equal(n1.backend.relay('r', b.id, frameFromText('{"type":"Y"}')), true);
    assert.deepEqual(await n2.inbox.waitCount(b.id, 1), [{ type: 'Y' }]);
  });

  test(`${name}: two nodes: a bearer added on one node is found on the other until dropped or the node closes`, async (t) => {
    const prefix = `test-${randomUUID()}:`;
    const n1 = await node(t, prefix);
    const n2 = await node(t, prefix);
    const alice = { peerId: randomUUID(), username: 'alice', authExpiresAt: 0 };
    const bob = { peerId: randomUUID(), username: 'bob', authExpiresAt: 1_900_000_000_000 };
    n1.backend.addBearer('alice-key', alice);
    n1.backend.addBearer('bob-key', bob);
    assert.deepEqual(await n2.backend.findBearer('alice-key'), alice);
    assert.deepEqual(await n2.backend.findBearer('bob-key'), bob);
    assert.equal(await n2.backend.findBearer('nobody'), null);
    n1.backend.dropBearer('alice-key', alice);
    assert.equal(await n2.backend.findBearer('alice-key'), null);
    await n1.backend.close();
    assert.equal(await n2.backend.findBearer('bob-key'), null, 'a closed node names no one');
  });

  test(`${name}: two nodes: a leave on one node is told once on the other`, async (t) => {
    const prefix = `test-${randomUUID()}:`;
    const n1 = await node(t, prefix);
    const n2 = await node(t, prefix);
    const [a, b] = [newPeer('a'), newPeer('b')];
    await joinAndAnnounce(n1.backend, 'r', a);
    await joinAndAnnounce(n2.backend, 'r', b);
    await n1.inbox.waitCount(a.id, 1);
    await n2.backend.leaveRoom('r', b);
    const msgs = await n1.inbox.waitCount(a.id, 2);
    assert.deepEqual(msgs[1], { type: 'PEER_LEFT_ROOM', roomId: 'r', peer: b });
    assert.equal(n1.backend.relay('r', b.id, frameFromText('{}')), false);
    assert.deepEqual(await n1.backend.roomMembers('r'), [a]);
  });

  test(`${name}: two nodes: username keys and capacity hold across nodes under concurrency`, async (t) => {
    const prefix = `test-${randomUUID()}:`;
    const n1 = await node(t, prefix);
    const n2 = await node(t, prefix);
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? n1 : n2).backend.claimUsername('carol', newPeer('Carol')),
      ),
    );
    assert.equal(claims.filter(Boolean).length, 1);
    const peers = Array.from({ length: 24 }, (_, i) => newPeer(`p${i}`));
    const outcomes = await Promise.all(peers.map((p, i) => (i % 2 ? n1 : n2).backend.joinRoom('race', p, 7)));
    const admitted = peers.filter((_, i) => outcomes[i]?.ok);
    assert.equal(admitted.length, 7);
    assert.deepEqual(
      (await n1.backend.roomMembers('race')).map((m) => m.id).sort(),
      admitted.map((p) => p.id).sort(),
    );
  });

  test(`${name}: admin operations span nodes: rooms of both listed, a kick reaches the holding node`, async (t) => {
    const prefix = `test-${randomUUID()}:`;
    const n1 = await node(t, prefix);
    const n2 = await node(t, prefix);
    const [a, b, c] = [newPeer('a'), newPeer('b'), newPeer('c')];
    await joinAndAnnounce(n1.backend, 'shared', a);
    await joinAndAnnounce(n2.backend, 'shared', b);
    await joinAndAnnounce(n2.backend, 'only-on-2', c);
    assert.equal(await n1.backend.roomCount(), 2);
    const page = await n1.backend.listRooms(null, 100);
    assert.deepEqual(
      page.rooms.sort((x, y) => x.id.localeCompare(y.id)),
      [
        { id: 'only-on-2', members: 1 },
        { id: 'shared', members: 2 },
      ],
    );
    // The core of n1 leaves the room with the kicked peer; the kick is answered once it has.
    n1.inbox.onKick = (_peerId, roomId) => void n1.backend.leaveRoom(roomId, a);
    assert.equal(await n2.backend.kick('shared', a.id), true);
    assert.deepEqual(
      (await n2.backend.roomMembers('shared')).map((m) => m.id),
      [b.id],
      'gone from the room when the kick answers',
    );
    assert.deepEqual(await n1.inbox.waitKicks(1), [`shared/${a.id}`]);
    assert.deepEqual(n2.inbox.kicks, []);
  });
}
