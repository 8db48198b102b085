// Pipelining: a client sends JOIN_ROOM (and more) right behind IDENTIFY, in the same write, without
// waiting for AUTH_SUCCESS (docs/protocol.md, "A session"). The server queues them behind the
// running identify and handles them in order after it; a refused IDENTIFY takes them down with it.
// (identify.test.ts has the plain case: IDENTIFY, JOIN_ROOM and PING sent one after another.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/test-server.js';
import { TestClient, identifiedClient } from '../helpers/test-client.js';

test('IDENTIFY, JOIN_ROOM and a signal in one write: AUTH_SUCCESS, then ROOM_MEMBERS, then the signal is relayed', async (t) => {
  const { wsUrl } = await startServer(t);
  const bob = await identifiedClient(t, wsUrl, 'bob');
  await bob.join('cool-room');
  const alice = await TestClient.connect(t, wsUrl);
  const candidate = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host', sdpMid: '0' };
  alice.sendTogether([
    { type: 'IDENTIFY', username: 'alice' },
    { type: 'JOIN_ROOM', roomId: 'cool-room' },
    { type: 'ICE_CANDIDATE', toPeerId: bob.peerId, iceCandidate: candidate },
  ]);

  const auth = await alice.next();
  assert.equal(auth.type, 'AUTH_SUCCESS', JSON.stringify(alice.received));
  const members = await alice.next();
  assert.equal(members.type, 'ROOM_MEMBERS', JSON.stringify(alice.received));
  assert.equal(members.roomId, 'cool-room');
  assert.deepEqual(members.members, [{ id: bob.peerId, username: 'bob' }]);
  // No refusal of either: the join and the signal were handled as an identified peer's.
  await alice.sync();
  assert.deepEqual(
    alice.received.map((m) => m.type),
    ['AUTH_SUCCESS', 'ROOM_MEMBERS', 'PONG'],
  );

  // Bob is told of alice before her signal reaches him (the joiner's announcement comes first).
  const joined = await bob.next();
  assert.equal(joined.type, 'NEW_PEER_IN_ROOM');
  assert.deepEqual(joined.peer, { id: auth.peerId, username: 'alice' });
  const relayed = await bob.next();
  assert.equal(relayed.type, 'ICE_CANDIDATE');
  assert.equal(relayed.fromPeerId, auth.peerId);
  assert.equal((relayed.iceCandidate as { candidate: string }).candidate, candidate.candidate);
});

test('a refused IDENTIFY with a JOIN_ROOM behind it: AUTH_ERROR and the 1008 close, the join is never tried', async (t) => {
  const { wsUrl } = await startServer(t);
  const alice = await identifiedClient(t, wsUrl, 'alice');
  await alice.join('cool-room');
  const impostor = await TestClient.connect(t, wsUrl);
  impostor.sendTogether([
    { type: 'IDENTIFY', username: 'Alice' },
    { type: 'JOIN_ROOM', roomId: 'cool-room' },
    { type: 'PING', id: 'after' },
  ]);

  const refusal = await impostor.next();
  assert.equal(refusal.type, 'AUTH_ERROR');
  assert.equal(refusal.code, 'USERNAME_TAKEN');
  const { code } = await impostor.closed;
  assert.equal(code, 1008);
  // Nothing after the refusal: no ROOM_MEMBERS, no NOT_IDENTIFIED, not even the PONG.
  assert.deepEqual(
    impostor.received.map((m) => m.type),
    ['AUTH_ERROR'],
  );
  // The room never heard of the impostor, and the server is fine (alice is served as before).
  await alice.sync();
  assert.deepEqual(
    alice.received.filter((m) => m.type !== 'PONG' && m.type !== 'AUTH_SUCCESS').map((m) => m.type),
    ['ROOM_MEMBERS'],
  );
  const late = await identifiedClient(t, wsUrl, 'carol');
  assert.deepEqual((await late.join('cool-room')).members, [{ id: alice.peerId, username: 'alice' }]);
});

test('a malformed IDENTIFY with a JOIN_ROOM behind it: BAD_MESSAGE, then NOT_IDENTIFIED for the join, and the connection stays open', async (t) => {
  const { wsUrl } = await startServer(t);
  const client = await TestClient.connect(t, wsUrl);
  client.sendTogether([
    { type: 'IDENTIFY', name: 'alice' },
    { type: 'JOIN_ROOM', roomId: 'cool-room' },
  ]);
  const bad = await client.next();
  assert.equal(bad.type, 'ERROR');
  assert.equal(bad.code, 'BAD_MESSAGE');
  const notIdentified = await client.next();
  assert.equal(notIdentified.type, 'ERROR');
  assert.equal(notIdentified.code, 'NOT_IDENTIFIED');
  assert.equal(notIdentified.ref, 'JOIN_ROOM');
  // Still open: a proper IDENTIFY and JOIN_ROOM, pipelined again, go through.
  client.sendTogether([
    { type: 'IDENTIFY', username: 'alice' },
    { type: 'JOIN_ROOM', roomId: 'cool-room' },
  ]);
  assert.equal((await client.next()).type, 'AUTH_SUCCESS');
  assert.equal((await client.next()).type, 'ROOM_MEMBERS');
});
