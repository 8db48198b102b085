/**
 * Sessions that end through the resume hold leave nothing behind: after many drop/expire and
 * drop/resume cycles of peers that identified with a `token` (indexed for `GET /api/ice-servers`),
 * every map and queue of the core is back to its size before, and so is the heap after GC. Each
 * dropped peer had a large relayed frame in its replay log, so a session kept alive by any index
 * shows up in memory as well as in the counts. The server runs in a child process so its heap is
 * its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { TestClient, identifiedClient } from '../helpers/test-client.js';
import { framesSinceAuth, lastToken } from '../reliability/resume-helpers.js';
import { startServerChild, type ChildServer } from './helpers/child-server.js';
import { eventually } from './helpers/eventually.js';

const CYCLES = 60;
const MiB = 1024 * 1024;
/** A relayed offer big enough that a leaked replay log is plain in the heap figures. */
const BIG_SDP = `v=0\r\n${'a=x-padding:'.padEnd(40_000, 'x')}\r\n`;

/** Collections of the core and backend; the `resume.*` counters (holds, resumes…) only grow. */
const COUNTERS = new Set([
  'resume.holds',
  'resume.resumes',
  'resume.expiries',
  'resume.overflows',
  'resume.evictions',
]);
const sizesOf = (all: Record<string, number>) =>
  Object.fromEntries(Object.entries(all).filter(([k]) => !COUNTERS.has(k)));

/** A peer that identifies with a token, joins Bob's room and gets a big offer from him (kept in its replay log). */
async function tokenPeer(t: TestContext, server: ChildServer, bob: TestClient, name: string) {
  const peer = await TestClient.connect(t, server.wsUrl);
  await peer.identify(name, { token: `auth-token-of-${name}` });
  await peer.join('leak');
  await bob.next('NEW_PEER_IN_ROOM');
  bob.send({ type: 'SDP_OFFER', toPeerId: peer.peerId, sdp: { type: 'offer', sdp: BIG_SDP } });
  await peer.next('SDP_OFFER');
  return peer;
}

async function heldCount(server: ChildServer): Promise<number> {
  return (await server.introspect())['resume.held'] ?? -1;
}

test('drop/expire and drop/resume cycles with tokens leave every collection and the heap as they were', async (t) => {
  const server = await startServerChild(t, {
    resumeGraceMs: 200,
    maxConnectionAttemptsPerIp: 100_000,
    connectionAttemptBurst: 100_000,
    // No heartbeat round during the test: its pong would empty the replay logs and hide a leak.
    heartbeatIntervalMs: 3_600_000,
  });
  const bob = await identifiedClient(t, server.wsUrl, 'bob');
  await bob.join('leak');

  const expireCycle = async (name: string) => {
    const peer = await tokenPeer(t, server, bob, name);
    peer.terminate();
    // The grace period ends: the room is told, and the hold is gone.
    assert.equal(((await bob.next('PEER_LEFT_ROOM')).peer as { id: string }).id, peer.peerId);
  };
  const resumeCycle = async (name: string) => {
    const peer = await tokenPeer(t, server, bob, name);
    peer.terminate();
    await eventually(async () => assert.equal(await heldCount(server), 1), 'the peer is held');
    const back = await TestClient.connect(t, server.wsUrl);
    const auth = await back.identify(name, { resumeToken: lastToken(peer), received: framesSinceAuth(peer) });
    assert.equal(auth.resumed, true);
    await back.close();
    assert.equal(((await bob.next('PEER_LEFT_ROOM')).peer as { id: string }).id, peer.peerId);
  };
  // Expiries and cleanups finish after the events the test waits on.
  const settled = async () => {
    await eventually(async () => {
      const sizes = await server.introspect();
      assert.equal((sizes['resume.tasks'] ?? 0) + (sizes.cleaning ?? 0), 0);
    }, 'running cleanups finish');
    return sizesOf(await server.introspect());
  };

  // Warm up (compiled code, lazily built tables) before the reading that counts.
  for (let i = 0; i < 5; i++) await expireCycle(`warm-expire-${i}`);
  for (let i = 0; i < 5; i++) await resumeCycle(`warm-resume-${i}`);
  const baseline = await settled();
  const before = await server.memory();

  for (let i = 0; i < CYCLES; i++) await expireCycle(`expire-${i}`);
  for (let i = 0; i < CYCLES; i++) await resumeCycle(`resume-${i}`);

  const sizes = await settled();
  const after = await server.memory();
  const growth = (after.heapUsed + after.external - before.heapUsed - before.external) / MiB;
  t.diagnostic(
    `heap+external after GC ${((before.heapUsed + before.external) / MiB).toFixed(2)} → ${((after.heapUsed + after.external) / MiB).toFixed(2)} MiB over ${2 * CYCLES} sessions`,
  );
  assert.deepEqual(sizes, baseline, 'every collection is back to its size');
  assert.equal(baseline['backend.bearers'], 1, 'only bob is connected: his resume token, no auth token');
  // Each leaked session would keep its ~40 KB offer: 120 of them are ~4.6 MiB.
  assert.ok(growth < 1.5, `heap and external memory grew ${growth.toFixed(2)} MiB`);
});
