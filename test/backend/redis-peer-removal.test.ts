import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { reapNode, removePeers } from '../../src/backend/redis-peer-removal.js';
import { RedisServer } from '../helpers/redis-server.js';
import { newPeer } from './contract.js';
import { openNodes } from './redis-node-helpers.js';
import { frameFromText } from '../../protocol/frame.js';

let redis: RedisServer;
before(async () => {
  redis = await RedisServer.start();
});
after(() => redis.destroy());

const left = (msgs: Array<{ type: string; peer?: unknown }>) =>
  msgs.filter((m) => m.type === 'PEER_LEFT_ROOM').map((m) => (m.peer as { id: string }).id);

test('reap: two nodes reaping one dead node at once remove each peer once; its rooms hear each leave once', async (t) => {
  const {
    nodes: [dead, n1, n2],
    client,
  } = await openNodes(t, redis.url, 'dead', 'n1', 'n2');
  const gone = [newPeer('d1'), newPeer('d2'), newPeer('d3')];
  for (const p of gone) await dead.enter('r', p);
  const [a, b] = [newPeer('a'), newPeer('b')];
  await n1.enter('r', a);
  await n2.enter('r', b);
  await n1.inbox.waitCount(a.id, 1); // b's NEW_PEER_IN_ROOM
  await dead.node.close();
  await client.zadd(dead.node.keys.nodes(), 0, 'dead'); // its heartbeat expired long ago
  const removed = await Promise.all([reapNode(n1.node, 'dead', 2, 10), reapNode(n2.node, 'dead', 2, 10)]);
  assert.equal(removed[0] + removed[1], 3);
  // A relay from each reaper to the other's member arrives after every leave that reaper published.
  assert.equal(n2.node.relay('r', a.id, frameFromText('{"type":"LAST"}')), true);
  assert.equal(n1.node.relay('r', b.id, frameFromText('{"type":"LAST"}')), true);
  const sortedIds = gone.map((p) => p.id).sort();
  // a heard of b's arrival first; b joined last.
  for (const [inbox, id, count] of [
    [n1.inbox, a.id, 1 + 3 + 1],
    [n2.inbox, b.id, 3 + 1],
  ] as const) {
    const msgs = await inbox.waitCount(id, count);
    assert.deepEqual(left(msgs).sort(), sortedIds);
    assert.deepEqual(msgs.at(-1), { type: 'LAST' });
  }
  assert.deepEqual(await client.smembers(dead.node.keys.nodePeers('dead')), []);
  assert.equal(await client.zscore(dead.node.keys.nodes(), 'dead'), null);
  assert.equal(await client.exists(...gone.map((p) => dead.node.keys.user(p.username))), 0);
  assert.deepEqual(Object.keys(await client.hgetall(dead.node.keys.room('r'))).sort(), [a.id, b.id].sort());
});

test('reap: a node whose heartbeat is current again is left alone', async (t) => {
  const {
    nodes: [back, n1],
    client,
  } = await openNodes(t, redis.url, 'back', 'n1');
  const p = newPeer('p');
  await back.enter('r', p);
  await client.zadd(back.node.keys.nodes(), Date.now() + 60_000, 'back');
  assert.equal(await reapNode(n1.node, 'back', 10, 10), 0);
  assert.deepEqual(await client.smembers(back.node.keys.nodePeers('back')), [p.id]);
});

test('purge: a gone peer of this node is forgotten; only members on other nodes are told', async (t) => {
  const {
    nodes: [n1, n2],
    client,
  } = await openNodes(t, redis.url, 'n1', 'n2');
  const [gone, here] = [newPeer('gone'), newPeer('here')];
  for (const p of [gone, here]) await n1.enter('r', p);
  const there = newPeer('there');
  await n2.enter('r', there);
  await n1.inbox.waitCount(gone.id, 2); // here and there arrived: n1 knows where there is
  assert.deepEqual(await removePeers(n1.node, 'n1', [gone.id], 'purge'), { removed: 1, done: false });
  assert.equal(n1.node.relay('r', there.id, frameFromText('{"type":"LAST"}')), true);
  assert.deepEqual(left(await n2.inbox.waitCount(there.id, 2)), [gone.id]);
  assert.deepEqual(left(n1.inbox.of(here.id)), []);
  assert.equal(await client.exists(n1.node.keys.peer(gone.id), n1.node.keys.user('gone')), 0);
});

test('remove script: a record naming other keys than were read is left alone and reported changed', async (t) => {
  const {
    nodes: [n1],
  } = await openNodes(t, redis.url, 'n1');
  const p = newPeer('p');
  await n1.enter('r', p);
  const keys = n1.node.keys;
  const reply = await n1.node
    .command()
    .srRemovePeers(
      5,
      keys.nodes(),
      keys.nodePeers('n1'),
      keys.peer(p.id),
      keys.user('p'),
      keys.room('old'),
      'n1',
      '0',
      p.id,
      'p',
      'old',
    );
  assert.deepEqual(reply, [0, ['changed', 'p', reply[1]?.[2], []]]);
  assert.deepEqual(Object.keys(await n1.node.command().hgetall(keys.room('r'))), [p.id]);
  assert.deepEqual(await n1.node.command().smembers(keys.nodePeers('n1')), [p.id]);
});
