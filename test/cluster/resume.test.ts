/** Session resume through a different node than the one that held the peer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  lastToken,
  numbered,
  numbersReceived,
  range,
  resume,
  tryResume,
} from '../reliability/resume-helpers.js';
import { member, startCluster, until } from './cluster.js';

test('cluster: a dropped peer resumes through another node: same id, queue delivered, room unaware', async (t) => {
  const { nodes, inspect, keys } = await startCluster(t, 3);
  const [n1, n2, n3] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
  const a = await member(t, n1, 'alice', 'r');
  const b = await member(t, n2, 'bob', 'r');
  const c = await member(t, n3, 'carol', 'r');
  await a.client.next('NEW_PEER_IN_ROOM');
  await a.client.next('NEW_PEER_IN_ROOM');
  await b.client.next('NEW_PEER_IN_ROOM');
  const alice = a.client;

  alice.terminate();
  await until(() => n1.logs.some((l) => l.msg === 'held for resume'), 'node 1 holds alice');
  for (let n = 0; n < 20; n++) b.client.send(numbered(alice.peerId, n));
  await b.client.sync();

  const { client: alice2, auth } = await resume(t, n2.wsUrl, alice);
  assert.equal(auth.peerId, alice.peerId);
  assert.equal(auth.resumed, true);
  assert.equal(auth.roomId, 'r');
  for (let n = 20; n < 40; n++) b.client.send(numbered(alice.peerId, n));
  for (let n = 40; n < 60; n++) c.client.send(numbered(alice.peerId, n));
  await until(() => numbersReceived(alice2).length >= 60, 'all 60 candidates');
  assert.deepEqual(numbersReceived(alice2, b.client.peerId), range(0, 40));
  assert.deepEqual(numbersReceived(alice2, c.client.peerId), range(40, 60));

  // Redis and the other nodes route to the new node; relays work both ways.
  const stored = JSON.parse((await inspect.hget(keys.room('r'), alice.peerId)) ?? '{}') as { n?: string };
  assert.equal(stored.n, n2.nodeId);
  alice2.send(numbered(c.client.peerId, 99));
  assert.equal((await c.client.next('ICE_CANDIDATE')).fromPeerId, alice.peerId);
  for (const x of [b.client, c.client]) {
    await x.sync();
    assert.deepEqual(
      x.received.filter((m) => m.type === 'PEER_LEFT_ROOM' || m.type === 'NEW_PEER_IN_ROOM').length,
      x === b.client ? 1 : 0,
    );
  }
  // The old token was single-use, cluster-wide.
  const again = await tryResume(t, n3.wsUrl, lastToken(alice));
  assert.equal(again.type, 'AUTH_ERROR');
  assert.equal(again.code, 'UNAUTHORIZED');
});
