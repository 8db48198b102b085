import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/test-server.js';
import { TestClient, identifiedClient, peersInRoom } from '../helpers/test-client.js';
import {
  framesSinceAuth,
  lastToken,
  numbered,
  numbersReceived,
  range,
  resume,
  tryResume,
  waitUntil,
} from './resume-helpers.js';

const peerEvents = (c: TestClient, id: string) =>
  c.received.filter(
    (m) =>
      (m.type === 'PEER_LEFT_ROOM' || m.type === 'NEW_PEER_IN_ROOM') && (m.peer as { id: string }).id === id,
  );

test('AUTH_SUCCESS carries a fresh base64url resume token of at least 128 bits, never the peer id', async (t) => {
  const { wsUrl } = await startServer(t);
  const a = await identifiedClient(t, wsUrl, 'alice');
  const b = await identifiedClient(t, wsUrl, 'bob');
  const [ta, tb] = [lastToken(a), lastToken(b)];
  assert.match(ta, /^[A-Za-z0-9_-]{22,}$/);
  assert.ok(Buffer.from(ta, 'base64url').length >= 16);
  assert.notEqual(ta, tb);
  assert.ok(!ta.includes(a.peerId) && !ta.includes(a.peerId.replace(/-/g, '')));
});

test('a socket cut without a close frame resumes: same id, room unaware, every message once and in order', async (t) => {
  const { wsUrl, server } = await startServer(t);
  const [alice, bob, carol] = await peersInRoom(t, wsUrl, 'r', 3);
  assert.ok(alice && bob && carol);
  // Some of these reach the server before it notices the drop (they are lost in flight and must be
  // replayed), the rest are queued for the held peer.
  alice.terminate();
  for (let n = 0; n < 20; n++) bob.send(numbered(alice.peerId, n));
  await waitUntil(() => server.core.stats().held === 1, 'the server holds alice');
  for (let n = 20; n < 40; n++) bob.send(numbered(alice.peerId, n));
  await bob.sync();
  const { client: alice2, auth } = await resume(t, wsUrl, alice);
  assert.equal(auth.peerId, alice.peerId);
  assert.equal(auth.username, alice.username);
  assert.equal(auth.resumed, true);
  assert.equal(auth.roomId, 'r');
  assert.notEqual(auth.resumeToken, lastToken(alice), 'the token is replaced at every resume');
  await alice2.sync();
  assert.deepEqual([...numbersReceived(alice), ...numbersReceived(alice2)], range(0, 40));
  // Relay works both ways afterwards, and nobody saw alice leave or join.
  alice2.send(numbered(bob.peerId, 99));
  assert.equal((await bob.next('ICE_CANDIDATE')).fromPeerId, alice.peerId);
  await carol.sync();
  await bob.sync();
  assert.deepEqual(peerEvents(bob, alice.peerId), []);
  assert.deepEqual(peerEvents(carol, alice.peerId), []);
  assert.equal(server.core.stats().held, 0);
});

test('messages the resumer sent before the drop are acknowledged by count, so none is re-sent twice', async (t) => {
  const { wsUrl } = await startServer(t);
  const [alice, bob] = await peersInRoom(t, wsUrl, 'r', 2);
  assert.ok(alice && bob);
  for (let n = 0; n < 5; n++) alice.send(numbered(bob.peerId, n));
  await alice.sync(); // JOIN_ROOM, 5 candidates and a PING processed
  alice.terminate();
  const { auth } = await resume(t, wsUrl, alice);
  assert.equal(auth.received, 7);
});

test('grace expiry: the room is told exactly once, the token dies and the username is free again', async (t) => {
  const { wsUrl, server } = await startServer(t, { resumeGraceMs: 300 });
  const [alice, bob] = await peersInRoom(t, wsUrl, 'r', 2);
  assert.ok(alice && bob);
  alice.terminate();
  const left = await bob.next('PEER_LEFT_ROOM');
  assert.deepEqual(left.peer, { id: alice.peerId, username: alice.username });
  const answer = await tryResume(t, wsUrl, lastToken(alice));
  assert.equal(answer.type, 'AUTH_ERROR');
  assert.equal(answer.code, 'UNAUTHORIZED');
  const again = await identifiedClient(t, wsUrl, alice.username);
  assert.notEqual(again.peerId, alice.peerId);
  await bob.sync();
  assert.equal(peerEvents(bob, alice.peerId).length, 1);
  assert.equal(server.core.introspect()['resume.held'], 0);
  assert.equal(server.core.introspect()['backend.resumes'], 0);
});

test('a wrong or already used token gets AUTH_ERROR UNAUTHORIZED', async (t) => {
  const { wsUrl } = await startServer(t);
  const alice = await identifiedClient(t, wsUrl, 'alice');
  const token = lastToken(alice);
  assert.equal((await tryResume(t, wsUrl, 'not-a-token')).code, 'UNAUTHORIZED');
  alice.terminate();
  const { client: alice2 } = await resume(t, wsUrl, alice);
  assert.equal(alice2.peerId, alice.peerId);
  const reused = await tryResume(t, wsUrl, token);
  assert.equal(reused.type, 'AUTH_ERROR');
  assert.equal(reused.code, 'UNAUTHORIZED');
});

test('a connection closed with a close frame (a closed tab: 1001) ends the session at once', async (t) => {
  const { wsUrl } = await startServer(t);
  const [alice, bob] = await peersInRoom(t, wsUrl, 'r', 2);
  assert.ok(alice && bob);
  await alice.close(1001);
  assert.equal(((await bob.next('PEER_LEFT_ROOM')).peer as { id: string }).id, alice.peerId);
  // An original client identifies again with the same name right away.
  await identifiedClient(t, wsUrl, alice.username);
  assert.equal((await tryResume(t, wsUrl, lastToken(alice))).code, 'UNAUTHORIZED');
});

test('a plain IDENTIFY with a held username gets USERNAME_TAKEN', async (t) => {
  const { wsUrl, server } = await startServer(t);
  const alice = await identifiedClient(t, wsUrl, 'alice');
  alice.terminate();
  await waitUntil(() => server.core.stats().held === 1, 'the server holds alice');
  const other = await TestClient.connect(t, wsUrl);
  other.send({ type: 'IDENTIFY', username: 'ALICE' });
  const answer = await other.next('AUTH_ERROR');
  assert.equal(answer.code, 'USERNAME_TAKEN');
});

test('--on-duplicate-username replace: the newest wins, a held peer is dropped and its room told', async (t) => {
  const { wsUrl, server } = await startServer(t, { onDuplicateUsername: 'replace' });
  const [alice, bob] = await peersInRoom(t, wsUrl, 'r', 2);
  assert.ok(alice && bob);
  alice.terminate();
  await waitUntil(() => server.core.stats().held === 1, 'the server holds alice');
  const newer = await identifiedClient(t, wsUrl, alice.username);
  assert.notEqual(newer.peerId, alice.peerId);
  assert.equal(((await bob.next('PEER_LEFT_ROOM')).peer as { id: string }).id, alice.peerId);
  assert.equal((await tryResume(t, wsUrl, lastToken(alice))).code, 'UNAUTHORIZED');
  await waitUntil(() => server.core.introspect()['backend.resumes'] === 0, 'the record is gone');
});

test('--on-duplicate-username replace: a live holder is closed with 4003', async (t) => {
  const { wsUrl } = await startServer(t, { onDuplicateUsername: 'replace' });
  const [alice, bob] = await peersInRoom(t, wsUrl, 'r', 2);
  assert.ok(alice && bob);
  const newer = await identifiedClient(t, wsUrl, 'Peer0-r');
  assert.equal((await alice.closed).code, 4003);
  assert.equal(((await bob.next('PEER_LEFT_ROOM')).peer as { id: string }).id, alice.peerId);
  await newer.join('r');
  assert.equal(((await bob.next('NEW_PEER_IN_ROOM')).peer as { id: string }).id, newer.peerId);
});

test('a full queue drops the oldest and tells its sender QUEUE_OVERFLOW; the rest arrive in order', async (t) => {
  const { wsUrl, server } = await startServer(t, { resumeQueueMessages: 5 });
  const [alice, bob] = await peersInRoom(t, wsUrl, 'r', 2);
  assert.ok(alice && bob);
  alice.terminate();
  await waitUntil(() => server.core.stats().held === 1, 'the server holds alice');
  for (let n = 0; n < 8; n++) bob.send(numbered(alice.peerId, n));
  await bob.sync();
  const overflows = bob.received.filter((m) => m.type === 'ERROR');
  assert.equal(overflows.length, 3);
  for (const e of overflows) {
    assert.equal(e.code, 'QUEUE_OVERFLOW');
    assert.equal(e.ref, 'ICE_CANDIDATE');
  }
  const { client: alice2 } = await resume(t, wsUrl, alice);
  await alice2.sync();
  assert.deepEqual(numbersReceived(alice2), [3, 4, 5, 6, 7]);
});

test('a connection the heartbeat terminates is held and can resume', async (t) => {
  const { wsUrl, server } = await startServer(t, { heartbeatIntervalMs: 200, heartbeatTimeoutMs: 100 });
  const bob = await identifiedClient(t, wsUrl, 'bob');
  await bob.join('r');
  const mute = await TestClient.connect(t, wsUrl, { autoPong: false });
  await mute.identify('mute');
  await mute.join('r');
  await bob.next('NEW_PEER_IN_ROOM');
  assert.equal((await mute.closed).code, 1006);
  await waitUntil(() => server.core.stats().held === 1, 'the server holds the silent peer');
  const { auth } = await resume(t, wsUrl, mute);
  assert.equal(auth.peerId, mute.peerId);
  await bob.sync();
  assert.equal(bob.received.filter((m) => m.type === 'PEER_LEFT_ROOM').length, 0);
});

test('frames received count: a resume asking for frames the server no longer has is refused and the peer ends', async (t) => {
  const { wsUrl, server } = await startServer(t, { resumeReplayFrames: 2 });
  const [alice, bob] = await peersInRoom(t, wsUrl, 'r', 2);
  assert.ok(alice && bob);
  for (let n = 0; n < 5; n++) bob.send(numbered(alice.peerId, n));
  await bob.sync();
  await alice.sync();
  alice.terminate();
  await waitUntil(() => server.core.stats().held === 1, 'the server holds alice');
  const client = await TestClient.connect(t, wsUrl);
  client.send({ type: 'IDENTIFY', username: 'x', resumeToken: lastToken(alice), received: 0 });
  assert.equal((await client.next('AUTH_ERROR')).code, 'UNAUTHORIZED');
  assert.equal(((await bob.next('PEER_LEFT_ROOM')).peer as { id: string }).id, alice.peerId);
  assert.ok(framesSinceAuth(alice) > 2);
});

test('a client that notices the drop first resumes over its half-open old connection, which gets 4003', async (t) => {
  const { wsUrl } = await startServer(t);
  const [alice, bob] = await peersInRoom(t, wsUrl, 'r', 2);
  assert.ok(alice && bob);
  bob.send(numbered(alice.peerId, 1));
  await alice.next('ICE_CANDIDATE');
  const { client: alice2, auth } = await resume(t, wsUrl, alice);
  assert.equal(auth.peerId, alice.peerId);
  assert.equal(auth.resumed, true);
  assert.equal((await alice.closed).code, 4003);
  bob.send(numbered(alice.peerId, 2));
  await alice2.next('ICE_CANDIDATE');
  await bob.sync();
  assert.deepEqual(peerEvents(bob, alice.peerId), []);
});

test('a resume whose answer is lost can be retried with the token the client still has', async (t) => {
  const { wsUrl, server } = await startServer(t);
  const [alice, bob] = await peersInRoom(t, wsUrl, 'r', 2);
  assert.ok(alice && bob);
  alice.terminate();
  const first = await TestClient.connect(t, wsUrl);
  // The answer (with the new token) "never arrives": the client drops before reading it.
  first.send({ type: 'IDENTIFY', username: 'x', resumeToken: lastToken(alice), received: 2 });
  await first.next('AUTH_SUCCESS');
  first.terminate();
  await waitUntil(() => server.core.stats().held === 1, 'the server holds alice again');
  const { client: again, auth } = await resume(t, wsUrl, alice, 2);
  assert.equal(auth.peerId, alice.peerId);
  // Once the client has used the new session (a frame processed), the old token is dead for good.
  await again.sync();
  again.terminate();
  await waitUntil(() => server.core.stats().held === 1, 'the server holds alice once more');
  assert.equal((await tryResume(t, wsUrl, lastToken(alice))).code, 'UNAUTHORIZED');
  const { auth: last } = await resume(t, wsUrl, again);
  assert.equal(last.peerId, alice.peerId);
  await bob.sync();
  assert.deepEqual(peerEvents(bob, alice.peerId), []);
});
