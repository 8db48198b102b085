/**
 * The signal budget (src/core/relay-budget.ts): it grows with the sender's room, refuses with a
 * hold-off (every later signal refused until the client kept quiet), names each refused frame,
 * and closes a sender that keeps flooding one target or many (1008).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineConfig } from '../../src/config.js';
import {
  QUIET_MS,
  peerJoined,
  retryAfterMs,
  takeRelayToken,
  type RelayLimits,
  type RelayState,
} from '../../src/core/relay-budget.js';
import { startServer } from '../helpers/test-server.js';
import { identifiedClient, peersInRoom, type Received, type TestClient } from '../helpers/test-client.js';

const limits: RelayLimits = { perSecond: 50, burst: 200, perPeerPerSecond: 2, perPeerBurst: 10 };
const fresh = (roomPeers = 0): RelayState => ({
  relayTokens: 0,
  relayTokensAt: 0,
  relayStrikes: 0,
  relayHoldUntil: 0,
  relayRefusedAt: 0,
  roomPeers,
});

test('defaults: 10 more signals at once and 2 more a second per other member of the room', () => {
  const config = defineConfig();
  assert.equal(config.relayBurstPerPeer, 10);
  assert.equal(config.relaysPerSecondPerPeer, 2);
});

test('the bucket grows with the room: 200 at once alone, 690 with 49 others', () => {
  const t0 = 1_000_000;
  for (const [peers, burst] of [
    [0, 200],
    [49, 690],
    [99, 1190],
  ] as const) {
    const s = fresh(peers);
    for (let i = 0; i < burst; i++) assert.equal(takeRelayToken(s, t0, limits), 'accept', `${peers}: ${i}`);
    assert.equal(takeRelayToken(s, t0, limits), 'refuse', `${peers}: one past the burst`);
  }
});

test('hold-off: after a refusal every signal is refused until the client kept quiet and the bucket refilled halfway', () => {
  const s = fresh();
  const t0 = 2_000_000;
  for (let i = 0; i < 200; i++) takeRelayToken(s, t0, limits);
  assert.equal(takeRelayToken(s, t0, limits), 'refuse');
  // Refilling half the bucket (100 tokens) at 50/s takes 2 s: that is the retry time.
  assert.equal(retryAfterMs(s, t0), 2000);
  // Tokens trickle in, but the hold refuses everything until then.
  assert.equal(takeRelayToken(s, t0 + 1500, limits), 'refuse');
  // Each refused signal extends the hold by the quiet time: a late one keeps it going.
  assert.equal(takeRelayToken(s, t0 + 1990, limits), 'refuse');
  assert.equal(retryAfterMs(s, t0 + 1990), QUIET_MS);
  assert.equal(takeRelayToken(s, t0 + 1990 + QUIET_MS, limits), 'accept');
  assert.equal(s.relayStrikes, 0, 'the episode is over');
});

test('a sender that keeps going through the hold is closed: after another bucket once it could have heard, four before', () => {
  const t0 = 3_000_000;
  // Everything at once: what a client sent before the refusal reached it counts, up to four buckets.
  const burst = fresh(1);
  const verdicts = [];
  for (let i = 0; i < 2000; i++) verdicts.push(takeRelayToken(burst, t0, limits));
  assert.equal(verdicts.filter((v) => v === 'accept').length, 210);
  assert.equal(verdicts.indexOf('close'), 210 + 4 * 210);
  // A second after the first refusal, another bucket's worth of refusals closes.
  const steady = fresh(1);
  for (let i = 0; i < 211; i++) takeRelayToken(steady, t0, limits);
  let closedAfter = 0;
  for (let i = 1; i <= 1000; i++) {
    if (takeRelayToken(steady, t0 + QUIET_MS + i, limits) === 'close') {
      closedAfter = i;
      break;
    }
  }
  assert.equal(closedAfter, 210);
});

test('a newcomer to the room adds the tokens to answer it; a fresh bucket is full for its room', () => {
  const s = fresh(0);
  const t0 = 4_000_000;
  for (let i = 0; i < 200; i++) takeRelayToken(s, t0, limits);
  peerJoined(s, t0, limits);
  peerJoined(s, t0, limits);
  assert.equal(s.roomPeers, 2);
  for (let i = 0; i < 20; i++) assert.equal(takeRelayToken(s, t0, limits), 'accept', `answer signal ${i}`);
  assert.equal(takeRelayToken(s, t0, limits), 'refuse');
  const untouched = fresh(0);
  peerJoined(untouched, t0, limits);
  assert.equal(untouched.relayTokensAt, 0, 'still a full bucket, sized when first used');
});

/** Flood `targets` round-robin with `count` candidates; the frame number of candidate i is `first + i`. */
function flood(sender: TestClient, targets: string[], count: number): void {
  for (let i = 0; i < count; i++) {
    const to = targets[i % targets.length] as string;
    sender.send({
      type: 'ICE_CANDIDATE',
      toPeerId: to,
      iceCandidate: { candidate: `candidate:${i} 1 udp 1 127.0.0.1 9 typ host` },
    });
  }
}

const candidateNumber = (m: Received) =>
  Number(/^candidate:(\d+)/.exec((m.iceCandidate as { candidate: string }).candidate)?.[1]);

for (const resumeGraceMs of [30_000, 0]) {
  test(`flooding one target: the first signals pass in order, the rest are refused by number, then 1008 (resume ${resumeGraceMs ? 'on' : 'off'})`, async (t) => {
    const { wsUrl } = await startServer(t, { resumeGraceMs });
    const [target, flooder] = (await peersInRoom(t, wsUrl, 'flood-one', 2)) as [TestClient, TestClient];
    // Frames after IDENTIFY: 1 is JOIN_ROOM, candidate i is frame i + 2.
    flood(flooder, [target.peerId], 2000);
    assert.equal((await flooder.closed).code, 1008);
    const refusals = flooder.received.filter((m) => m.type === 'ERROR');
    assert.ok(refusals.length > 0);
    for (const r of refusals) {
      assert.equal(r.code, 'RATE_LIMITED');
      assert.equal(r.ref, 'ICE_CANDIDATE');
      assert.ok((r.retryAfterMs as number) >= QUIET_MS - 1, `retryAfterMs ${String(r.retryAfterMs)}`);
    }
    await target.sync();
    const delivered = target.received.filter((m) => m.type === 'ICE_CANDIDATE').map(candidateNumber);
    // A bucket of 210 (one other member), plus what refilled meanwhile, passes in order; every
    // signal after the first refused one is refused too, each named by its frame number.
    assert.ok(delivered.length >= 210 && delivered.length < 2000, `${delivered.length} delivered`);
    assert.deepEqual(
      delivered,
      Array.from({ length: delivered.length }, (_, i) => i),
    );
    assert.deepEqual(
      refusals.map((r) => r.frame),
      Array.from({ length: refusals.length }, (_, i) => delivered.length + 2 + i),
    );
  });
}

test('flooding many targets: RATE_LIMITED, then 1008; the others stay connected', async (t) => {
  const { wsUrl } = await startServer(t);
  const members = await peersInRoom(t, wsUrl, 'flood-many', 10);
  const flooder = members[9] as TestClient;
  flood(
    flooder,
    members.slice(0, 9).map((m) => m.peerId),
    4000,
  );
  assert.equal((await flooder.closed).code, 1008);
  assert.ok(flooder.received.some((m) => m.code === 'RATE_LIMITED'));
  for (const m of members.slice(0, 9)) await m.sync();
  const delivered = members
    .slice(0, 9)
    .reduce((n, m) => n + m.received.filter((r) => r.type === 'ICE_CANDIDATE').length, 0);
  // Nine others: a bucket of 200 + 9 × 10, plus what refilled while the flood was read.
  assert.ok(delivered >= 290 && delivered < 4000, `${delivered} delivered`);
});

test('an ordinary peer is never refused: a join, offers and candidates to everyone, a rejoin', async (t) => {
  const { wsUrl } = await startServer(t);
  await peersInRoom(t, wsUrl, 'calm', 20);
  const joiner = await identifiedClient(t, wsUrl, 'calm-joiner');
  const members = ((await joiner.join('calm')).members as { id: string }[]).map((m) => m.id);
  for (const to of members)
    joiner.send({ type: 'SDP_OFFER', toPeerId: to, sdp: { type: 'offer', sdp: 'v=0' } });
  flood(joiner, members, members.length * 8);
  await joiner.sync();
  assert.deepEqual(
    joiner.received.filter((m) => m.type === 'ERROR'),
    [],
  );
});
