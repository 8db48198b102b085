/**
 * The replay log keeps only frames the client has not shown it read: a pong answering a heartbeat
 * ping sent after them proves it (docs/reliability.md). Real sockets, a fast heartbeat.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/test-server.js';
import { TestClient, peersInRoom } from '../helpers/test-client.js';
import {
  framesSinceAuth,
  lastToken,
  numbered,
  numbersReceived,
  pongedAfterAll,
  range,
  resume,
  waitUntil,
} from './resume-helpers.js';

// Fast pings, and a timeout long enough that nobody is terminated for a slow pong.
const FAST_HEARTBEAT = { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 1000 };

/** Alice and Bob in one room; Bob sends Alice `count` numbered candidates, and her pongs show them read. */
async function aliceReadFromBob(t: TestContext, count: number) {
  const { wsUrl, server } = await startServer(t, FAST_HEARTBEAT);
  const [alice, bob] = await peersInRoom(t, wsUrl, 'r', 2);
  assert.ok(alice && bob);
  for (let n = 0; n < count; n++) bob.send(numbered(alice.peerId, n));
  await bob.sync();
  await alice.sync();
  await pongedAfterAll(alice);
  return { wsUrl, server, alice, bob };
}

test('frames a pong has shown read leave the replay log: a resume claiming fewer is refused', async (t) => {
  const { wsUrl, server, alice, bob } = await aliceReadFromBob(t, 5);
  alice.terminate();
  await waitUntil(() => server.core.stats().held === 1, 'the server holds alice');
  // Without the pong the last frame would still be kept and replayed; now asking for it is refused.
  const client = await TestClient.connect(t, wsUrl);
  const received = framesSinceAuth(alice) - 1;
  client.send({ type: 'IDENTIFY', username: 'x', resumeToken: lastToken(alice), received });
  assert.equal((await client.next('AUTH_ERROR')).code, 'UNAUTHORIZED');
  assert.equal(((await bob.next('PEER_LEFT_ROOM')).peer as { id: string }).id, alice.peerId);
});

test('with pongs freeing the log, a cut still loses nothing: every message once and in order', async (t) => {
  const { wsUrl, server, alice, bob } = await aliceReadFromBob(t, 20);
  // Sent after the last answered ping: in flight at the cut (replayed) or queued while held.
  alice.terminate();
  for (let n = 20; n < 40; n++) bob.send(numbered(alice.peerId, n));
  await waitUntil(() => server.core.stats().held === 1, 'the server holds alice');
  for (let n = 40; n < 60; n++) bob.send(numbered(alice.peerId, n));
  await bob.sync();
  const { client: alice2, auth } = await resume(t, wsUrl, alice);
  assert.equal(auth.resumed, true);
  await alice2.sync();
  assert.deepEqual([...numbersReceived(alice), ...numbersReceived(alice2)], range(0, 60));
  // The resumed connection's pongs free what it was replayed and sent (counted over the session).
  await pongedAfterAll(alice2, framesSinceAuth(alice) + framesSinceAuth(alice2));
  alice2.send(numbered(bob.peerId, 99));
  assert.equal((await bob.next('ICE_CANDIDATE')).fromPeerId, alice.peerId);
});
