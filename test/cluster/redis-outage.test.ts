/**
 * Redis failures: stopped for 5 s and started again with its data, and restarted empty. Clients
 * already connected do nothing special; the cluster must converge by itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient } from '../helpers/test-client.js';
import { member, startCluster, until } from './cluster.js';

const OUTAGE_MS = 5000;

test('cluster: Redis stopped 5 s: UNAVAILABLE and 503 meanwhile, same-node relay works, then converges', async (t) => {
  const { nodes, redis, inspect, keys } = await startCluster(t, 2);
  const [n1, n2] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
  const a = await member(t, n1, 'alice', 'room');
  const a2 = await member(t, n1, 'anna', 'room');
  const b = await member(t, n2, 'bob', 'room');
  const leaver = await member(t, n2, 'lea', 'room');
  const idle = await TestClient.connect(t, n1.wsUrl);
  await idle.identify('ida');
  await a.client.next('NEW_PEER_IN_ROOM');
  await a.client.next('NEW_PEER_IN_ROOM');
  await a.client.next('NEW_PEER_IN_ROOM');
  await a2.client.next('NEW_PEER_IN_ROOM');
  await a2.client.next('NEW_PEER_IN_ROOM');
  await b.client.next('NEW_PEER_IN_ROOM');

  const outageOver = new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
  await redis.stopSaving();
  await n1.waitReady(503);
  await n2.waitReady(503);
  for (const n of [n1, n2]) {
    await until(() => n.logs.some((l) => l.msg === 'redis backend degraded'), 'degraded logged');
  }

  // New clients are refused quickly with UNAVAILABLE, never left hanging.
  const newcomer = await TestClient.connect(t, n1.wsUrl);
  newcomer.send({ type: 'IDENTIFY', username: 'nina' });
  const refusal = await newcomer.next();
  assert.deepEqual(
    { type: refusal.type, status: refusal.status, code: refusal.code },
    { type: 'AUTH_ERROR', status: 'error', code: 'UNAVAILABLE' },
  );
  assert.equal(typeof refusal.message, 'string');
  await newcomer.closed;
  idle.send({ type: 'JOIN_ROOM', roomId: 'elsewhere' });
  const joinReply = await idle.next();
  assert.equal(joinReply.type, 'ERROR');
  assert.equal(joinReply.code, 'UNAVAILABLE');
  assert.equal(joinReply.ref, 'JOIN_ROOM');

  // Same node: relays keep working. Other node: UNAVAILABLE.
  a.client.send({ type: 'SDP_OFFER', toPeerId: a2.client.peerId, sdp: { type: 'offer', sdp: 'local' } });
  assert.deepEqual(await a2.client.next(), {
    type: 'SDP_OFFER',
    fromPeerId: a.client.peerId,
    toPeerId: a2.client.peerId,
    sdp: { type: 'offer', sdp: 'local' },
  });
  a.client.send({ type: 'SDP_OFFER', toPeerId: b.client.peerId, sdp: { type: 'offer', sdp: 'remote' } });
  const remoteReply = await a.client.next();
  assert.equal(remoteReply.code, 'UNAVAILABLE');

  // A peer leaves during the outage: its node's members hear it now, the others once Redis is back.
  await leaver.client.close();
  const leftMsg = {
    type: 'PEER_LEFT_ROOM',
    roomId: 'room',
    peer: { id: leaver.client.peerId, username: 'lea' },
  };
  assert.deepEqual(await b.client.next(), leftMsg);

  await outageOver;
  await redis.spawn();
  await n1.waitReady(200);
  await n2.waitReady(200);
  for (const n of [n1, n2]) {
    await until(() => n.logs.some((l) => l.msg === 'redis backend recovered'), 'recovery logged');
  }
  assert.deepEqual(await a.client.next(), leftMsg);
  assert.deepEqual(await a2.client.next(), leftMsg);
  assert.deepEqual(
    Object.keys(await inspect.hgetall(keys.room('room'))).sort(),
    [a.client.peerId, a2.client.peerId, b.client.peerId].sort(),
  );

  // Cross-node relay and joins work again; no one heard anything twice.
  a.client.send({ type: 'SDP_OFFER', toPeerId: b.client.peerId, sdp: { type: 'offer', sdp: 'back' } });
  assert.equal((await b.client.next()).type, 'SDP_OFFER');
  const late = await member(t, n2, 'lou', 'room');
  assert.deepEqual(late.members.map((m) => m.username).sort(), ['alice', 'anna', 'bob']);
  for (const client of [a.client, a2.client, b.client]) {
    assert.equal((await client.next()).type, 'NEW_PEER_IN_ROOM');
    await client.sync();
    assert.deepEqual(client.unread(), []);
  }
});

test('cluster: Redis restarted empty: nodes re-register their peers and the cluster converges', async (t) => {
  const { nodes, redis, inspect, keys } = await startCluster(t, 3);
  const [n1, n2, n3] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
  const a = await member(t, n1, 'alice', 'room');
  const b = await member(t, n2, 'bob', 'room');
  await a.client.next('NEW_PEER_IN_ROOM');

  await redis.restartEmpty();
  for (const n of nodes) await n.waitReady(200);

  // Usernames and memberships are back without the clients doing anything.
  assert.equal(await inspect.get(keys.user('alice')), a.client.peerId);
  assert.equal(await inspect.get(keys.user('bob')), b.client.peerId);
  assert.deepEqual(
    Object.keys(await inspect.hgetall(keys.room('room'))).sort(),
    [a.client.peerId, b.client.peerId].sort(),
  );
  const impostor = await TestClient.connect(t, n3.wsUrl);
  impostor.send({ type: 'IDENTIFY', username: 'ALICE' });
  assert.equal((await impostor.next()).code, 'USERNAME_TAKEN');

  const c = await member(t, n3, 'carol', 'room');
  assert.deepEqual(c.members.map((m) => m.username).sort(), ['alice', 'bob']);
  const carol = { id: c.client.peerId, username: 'carol' };
  assert.deepEqual(await a.client.next(), { type: 'NEW_PEER_IN_ROOM', roomId: 'room', peer: carol });
  assert.deepEqual(await b.client.next(), { type: 'NEW_PEER_IN_ROOM', roomId: 'room', peer: carol });
  c.client.send({ type: 'SDP_OFFER', toPeerId: a.client.peerId, sdp: { type: 'offer', sdp: 'hi' } });
  assert.equal((await a.client.next()).type, 'SDP_OFFER');
  b.client.send({ type: 'SDP_ANSWER', toPeerId: a.client.peerId, sdp: { type: 'answer', sdp: 'hey' } });
  assert.equal((await a.client.next()).type, 'SDP_ANSWER');
  for (const client of [a.client, b.client, c.client]) {
    await client.sync();
    assert.deepEqual(client.unread(), []);
  }
});

test('cluster: Redis hung (SIGSTOP): identify and join fail within the command timeout, then recover', async (t) => {
  const { nodes, redis } = await startCluster(t, 2);
  const [n1, n2] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
  const a = await member(t, n1, 'alice', 'room');
  const a2 = await member(t, n1, 'anna', 'room');
  const idle = await TestClient.connect(t, n2.wsUrl);
  await idle.identify('ida');
  await a.client.next('NEW_PEER_IN_ROOM');

  redis.pause();
  t.after(() => redis.resume());
  // Nothing answers, nothing hangs: the command timeout (500 ms here) turns it into UNAVAILABLE.
  idle.send({ type: 'JOIN_ROOM', roomId: 'room' });
  const joinReply = await idle.next();
  assert.deepEqual([joinReply.type, joinReply.code, joinReply.ref], ['ERROR', 'UNAVAILABLE', 'JOIN_ROOM']);
  const newcomer = await TestClient.connect(t, n2.wsUrl);
  newcomer.send({ type: 'IDENTIFY', username: 'nina' });
  const refusal = await newcomer.next();
  assert.deepEqual([refusal.type, refusal.code], ['AUTH_ERROR', 'UNAVAILABLE']);
  await n1.waitReady(503);
  // Same-node relay does not need Redis.
  a.client.send({ type: 'SDP_OFFER', toPeerId: a2.client.peerId, sdp: { type: 'offer', sdp: 'local' } });
  assert.equal((await a2.client.next()).type, 'SDP_OFFER');

  redis.resume();
  await n1.waitReady(200);
  await n2.waitReady(200);
  const joined = await idle.join('room');
  assert.deepEqual((joined.members as Array<{ username: string }>).map((m) => m.username).sort(), [
    'alice',
    'anna',
  ]);
  assert.equal((await a.client.next()).type, 'NEW_PEER_IN_ROOM');
});
