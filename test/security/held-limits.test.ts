/**
 * Held peers (dropped, waiting for a resume) no longer count as connections, so they have limits
 * of their own: per client IP and per node (a new hold ends the oldest one, whose room is told and
 * whose username is freed), and a node-wide byte budget for their replay logs and queues, over
 * which the oldest queued frames are dropped first, each sender told QUEUE_OVERFLOW. The defaults
 * still hold a blip of 500 users behind one address.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { startServer } from '../helpers/test-server.js';
import { TestClient, identifiedClient, peersInRoom } from '../helpers/test-client.js';
import { numbersReceived, resume, tryResume, waitUntil, lastToken } from '../reliability/resume-helpers.js';
import { defineConfig } from '../../src/config.js';
import { checkCombinations } from '../../src/module-options.js';
import { startServerChild, type ChildServer } from './helpers/child-server.js';
import { eventually } from './helpers/eventually.js';

const MiB = 1024 * 1024;
const KiB = 1024;
/** A relayed offer big enough that a held peer's replay log is plain in the memory figures. */
const BIG_SDP = `v=0\r\n${'a=x-padding:'.padEnd(40_000, 'x')}\r\n`;

/** An offer numbered `n` (as `a=n:<n>`) of about `size` bytes. */
function numberedOffer(to: string, n: number, size: number): object {
  const sdp = `v=0\r\na=n:${n}\r\n${'a=x-padding:'.padEnd(size, 'x')}\r\n`;
  return { type: 'SDP_OFFER', toPeerId: to, sdp: { type: 'offer', sdp } };
}

/** The numbers of the numbered offers a client received. */
function offersReceived(client: TestClient): number[] {
  return client.received
    .filter((m) => m.type === 'SDP_OFFER')
    .map((m) => Number(/a=n:(\d+)/.exec((m.sdp as { sdp: string }).sdp)?.[1]));
}

async function held(server: ChildServer): Promise<number> {
  return (await server.introspect())['resume.held'] ?? -1;
}

test('one IP with at most 12 open connections cannot build more held peers than its cap; memory stays bounded', async (t) => {
  const CAP = 20;
  const DROPS = 200;
  const server = await startServerChild(t, {
    resumeMaxHeldPerIp: CAP,
    maxConnectionsPerIp: 12,
    maxConnectionAttemptsPerIp: 100_000,
    connectionAttemptBurst: 100_000,
    // Held peers keep their seats: room for all of them if the cap did not hold.
    maxPeersPerRoom: 1000,
    // No heartbeat round during the test: its pong would empty the replay logs.
    heartbeatIntervalMs: 3_600_000,
  });
  const bob = await identifiedClient(t, server.wsUrl, 'bob');
  await bob.join('held');
  const dropOne = async (t: TestContext, name: string) => {
    const peer = await TestClient.connect(t, server.wsUrl);
    await peer.identify(name);
    await peer.join('held');
    await bob.next('NEW_PEER_IN_ROOM');
    bob.send({ type: 'SDP_OFFER', toPeerId: peer.peerId, sdp: { type: 'offer', sdp: BIG_SDP } });
    await peer.next('SDP_OFFER');
    peer.terminate();
    await eventually(async () => assert.equal((await server.stats()).connections, 1), 'the drop is seen');
    return peer;
  };
  for (let i = 0; i < 5; i++) await dropOne(t, `warm-${i}`);
  const before = await server.memory();

  let most = 0;
  const peers: TestClient[] = [];
  for (let i = 0; i < DROPS; i++) {
    peers.push(await dropOne(t, `held-${i}`));
    most = Math.max(most, await held(server));
  }
  const after = await server.memory();
  const growth = (after.heapUsed + after.external - before.heapUsed - before.external) / MiB;
  t.diagnostic(
    `${DROPS} drops from one IP: ${most} held at most; heap+external after GC +${growth.toFixed(2)} MiB, RSS ${(after.rss / MiB).toFixed(1)} MiB`,
  );
  assert.equal(most, CAP, 'never more held peers from one IP than the cap');
  assert.equal(await held(server), CAP);

  // Each hold that made room ended cleanly: the room was told, the name is free, the token dead.
  const leftIds = () =>
    new Set(
      bob.received.filter((m) => m.type === 'PEER_LEFT_ROOM').map((m) => (m.peer as { id: string }).id),
    );
  await eventually(() => assert.equal(leftIds().size, 5 + DROPS - CAP), 'every ended hold is announced');
  const left = leftIds();
  const oldest = peers[0] as TestClient;
  assert.ok(left.has(oldest.peerId));
  assert.ok(!left.has((peers.at(-1) as TestClient).peerId), 'the newest holds are kept');
  assert.equal((await tryResume(t, server.wsUrl, lastToken(oldest))).code, 'UNAUTHORIZED');
  await identifiedClient(t, server.wsUrl, 'held-0');

  // Without the cap, 200 held peers would keep their ~40 KB offers: ~7.6 MiB.
  assert.ok(growth < 3, `heap and external memory grew ${growth.toFixed(2)} MiB`);
});

test('the node-wide cap ends the oldest hold to make room for a new one', async (t) => {
  const { wsUrl, server } = await startServer(t, { resumeMaxHeld: 3 });
  const [watcher, ...peers] = await peersInRoom(t, wsUrl, 'node-cap', 6);
  assert.ok(watcher);
  for (const [i, peer] of peers.entries()) {
    peer.terminate();
    await waitUntil(() => server.core.stats().held === Math.min(i + 1, 3), `hold ${i}`);
  }
  const left = [];
  for (let i = 0; i < 2; i++) left.push(((await watcher.next('PEER_LEFT_ROOM')).peer as { id: string }).id);
  assert.deepEqual(left, [peers[0]?.peerId, peers[1]?.peerId], 'the two oldest holds ended, in order');
  const { auth } = await resume(t, wsUrl, peers[4] as TestClient);
  assert.equal(auth.resumed, true, 'the newest hold resumes');
});

test('over the memory budget, the oldest queued frames of all held peers are dropped first, their sender told QUEUE_OVERFLOW', async (t) => {
  const budget = 64 * KiB;
  const { wsUrl, server } = await startServer(t, {
    resumeMemoryBytes: budget,
    resumeQueueBytes: 48 * KiB,
    resumeReplayBytes: 16 * KiB,
  });
  const [bob, alice, carol] = await peersInRoom(t, wsUrl, 'budget', 3);
  assert.ok(bob && alice && carol);
  await alice.sync();
  await carol.sync();
  alice.terminate();
  carol.terminate();
  await waitUntil(() => server.core.stats().held === 2, 'alice and carol are held');
  // 6 offers of 6 KiB to alice, then 6 to carol: 72 KiB queued, over the 64 KiB budget.
  for (let n = 0; n < 6; n++) bob.send(numberedOffer(alice.peerId, n, 6 * KiB));
  for (let n = 0; n < 6; n++) bob.send(numberedOffer(carol.peerId, n, 6 * KiB));
  await bob.sync();
  const overflows = bob.received.filter((m) => m.type === 'ERROR' && m.code === 'QUEUE_OVERFLOW');
  assert.ok(overflows.length > 0, 'the sender is told');
  for (const e of overflows) assert.equal(e.ref, 'SDP_OFFER');
  const sizes = server.core.introspect();
  assert.ok((sizes['resume.budgetBytes'] ?? Infinity) <= budget, `${sizes['resume.budgetBytes']} bytes held`);

  const { client: alice2 } = await resume(t, wsUrl, alice);
  const { client: carol2 } = await resume(t, wsUrl, carol);
  await alice2.sync();
  await carol2.sync();
  const fromAlice = offersReceived(alice2);
  assert.deepEqual(offersReceived(carol2), [0, 1, 2, 3, 4, 5], 'the newest frames are all kept');
  assert.deepEqual(
    fromAlice,
    [0, 1, 2, 3, 4, 5].slice(overflows.length),
    "alice's oldest frames were dropped, one per QUEUE_OVERFLOW",
  );
  assert.equal(numbersReceived(alice2).length, 0);
});

test('the budget must hold one full replay log and queue', () => {
  assert.throws(
    () => checkCombinations(defineConfig({ resumeMemoryBytes: 64 * KiB })),
    /--resume-memory-bytes: must hold at least one full replay log and queue/,
  );
  const defaults = defineConfig();
  assert.equal(defaults.resumeMaxHeld, 10_000);
  assert.equal(defaults.resumeMaxHeldPerIp, 1000);
  assert.equal(defaults.resumeMemoryBytes, 64 * MiB);
});

test('with the defaults, 500 users behind one address dropped at once are all held and all resume', async (t) => {
  const USERS = 500;
  const { wsUrl, server } = await startServer(t);
  const users: TestClient[] = [];
  for (let i = 0; i < USERS; i++) {
    const user = await identifiedClient(t, wsUrl, `nat-${i}`);
    user.send({ type: 'JOIN_ROOM', roomId: `nat-room-${i % 10}` });
    users.push(user);
  }
  await Promise.all(users.map((u) => u.sync()));
  for (const user of users) user.terminate();
  await waitUntil(() => server.core.stats().held === USERS, `${USERS} holds`);
  for (const user of users) assert.equal((await resume(t, wsUrl, user)).auth.resumed, true);
  assert.equal(server.core.stats().held, 0);
});
