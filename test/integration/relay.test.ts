// Relay: only within a room, fromPeerId written by the server, schema fields only, order kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/test-server.js';
import { identifiedClient, peersInRoom } from '../helpers/test-client.js';

const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };

test('a spoofed fromPeerId is replaced by the sender’s real id', async (t) => {
  const { wsUrl } = await startServer(t);
  const [alice, bob, carol] = await peersInRoom(t, wsUrl, 'r', 3);
  alice!.send({ type: 'SDP_OFFER', toPeerId: bob!.peerId, fromPeerId: carol!.peerId, sdp: offer });
  const relayed = await bob!.next('SDP_OFFER');
  assert.equal(relayed.fromPeerId, alice!.peerId);
  alice!.send({
    type: 'ICE_CANDIDATE',
    toPeerId: bob!.peerId,
    fromPeerId: 'made-up',
    iceCandidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' },
  });
  assert.equal((await bob!.next('ICE_CANDIDATE')).fromPeerId, alice!.peerId);
});

test('a relay to a peer in another room is not delivered and is answered UNKNOWN_PEER with its ref', async (t) => {
  const { wsUrl } = await startServer(t);
  const [alice] = await peersInRoom(t, wsUrl, 'room-a', 1, 'a');
  const [bob] = await peersInRoom(t, wsUrl, 'room-b', 1, 'b');
  for (const message of [
    { type: 'SDP_OFFER', toPeerId: bob!.peerId, sdp: offer },
    { type: 'SDP_ANSWER', toPeerId: bob!.peerId, sdp: { type: 'answer', sdp: 'v=0' } },
    { type: 'ICE_CANDIDATE', toPeerId: bob!.peerId, iceCandidate: { candidate: 'c' } },
  ]) {
    alice!.send(message);
    const refusal = await alice!.next('ERROR');
    assert.equal(refusal.code, 'UNKNOWN_PEER');
    assert.equal(refusal.ref, message.type);
    assert.ok((refusal.message as string).includes(bob!.peerId));
  }
  await bob!.sync();
  assert.ok(!bob!.received.some((m) => ['SDP_OFFER', 'SDP_ANSWER', 'ICE_CANDIDATE'].includes(m.type)));
});

test('a relay to a peer id nobody has is answered UNKNOWN_PEER', async (t) => {
  const { wsUrl } = await startServer(t);
  const [alice] = await peersInRoom(t, wsUrl, 'r', 1);
  alice!.send({ type: 'SDP_OFFER', toPeerId: '00000000-0000-4000-8000-000000000000', sdp: offer });
  assert.equal((await alice!.next('ERROR')).code, 'UNKNOWN_PEER');
});

test('a relay to a peer that has identified but joined no room is answered UNKNOWN_PEER', async (t) => {
  const { wsUrl } = await startServer(t);
  const [alice] = await peersInRoom(t, wsUrl, 'r', 1);
  const roomless = await identifiedClient(t, wsUrl, 'roomless');
  alice!.send({ type: 'SDP_OFFER', toPeerId: roomless.peerId, sdp: offer });
  assert.equal((await alice!.next('ERROR')).code, 'UNKNOWN_PEER');
  await roomless.sync();
  assert.ok(!roomless.received.some((m) => m.type === 'SDP_OFFER'));
});

test('a relay to oneself is answered UNKNOWN_PEER and not echoed', async (t) => {
  const { wsUrl } = await startServer(t);
  const [alice] = await peersInRoom(t, wsUrl, 'r', 2);
  alice!.send({ type: 'SDP_OFFER', toPeerId: alice!.peerId, sdp: offer });
  const refusal = await alice!.next('ERROR');
  assert.equal(refusal.code, 'UNKNOWN_PEER');
  assert.ok(!alice!.received.some((m) => m.type === 'SDP_OFFER'));
});

test('a relay from a peer in no room is answered NOT_IN_ROOM', async (t) => {
  const { wsUrl } = await startServer(t);
  const [bob] = await peersInRoom(t, wsUrl, 'r', 1);
  const loner = await identifiedClient(t, wsUrl, 'loner');
  loner.send({ type: 'SDP_OFFER', toPeerId: bob!.peerId, sdp: offer });
  const refusal = await loner.next('ERROR');
  assert.equal(refusal.code, 'NOT_IN_ROOM');
  assert.equal(refusal.ref, 'SDP_OFFER');
});

test('after leaving a room a peer can no longer relay to it', async (t) => {
  const { wsUrl } = await startServer(t);
  const [alice, bob] = await peersInRoom(t, wsUrl, 'r', 2);
  alice!.send({ type: 'LEAVE_ROOM' });
  await bob!.next('PEER_LEFT_ROOM');
  alice!.send({ type: 'SDP_OFFER', toPeerId: bob!.peerId, sdp: offer });
  assert.equal((await alice!.next('ERROR')).code, 'NOT_IN_ROOM');
  bob!.send({ type: 'SDP_ANSWER', toPeerId: alice!.peerId, sdp: { type: 'answer', sdp: 'v=0' } });
  assert.equal((await bob!.next('ERROR')).code, 'UNKNOWN_PEER');
});

test('500 relayed messages from one sender arrive at the target in order', async (t) => {
  // The default bucket (burst 200) would drop part of this burst: the limits are tested in test/security/.
  const { wsUrl } = await startServer(t, { messageBurst: 1000 });
  const [alice, bob] = await peersInRoom(t, wsUrl, 'r', 2);
  const count = 500;
  for (let i = 0; i < count; i++) {
    const type = i % 3 === 0 ? 'ICE_CANDIDATE' : i % 3 === 1 ? 'SDP_OFFER' : 'SDP_ANSWER';
    alice!.send(
      type === 'ICE_CANDIDATE'
        ? { type, toPeerId: bob!.peerId, iceCandidate: { candidate: `candidate:${i}`, sdpMLineIndex: 0 } }
        : {
            type,
            toPeerId: bob!.peerId,
            sdp: { type: type === 'SDP_OFFER' ? 'offer' : 'answer', sdp: `#${i}` },
          },
    );
  }
  const seen: number[] = [];
  while (seen.length < count) {
    const m = await bob!.waitFor(
      (x) => ['SDP_OFFER', 'SDP_ANSWER', 'ICE_CANDIDATE'].includes(x.type),
      'a relay',
    );
    const text =
      m.type === 'ICE_CANDIDATE'
        ? (m.iceCandidate as { candidate: string }).candidate.slice('candidate:'.length)
        : (m.sdp as { sdp: string }).sdp.slice(1);
    seen.push(Number(text));
  }
  assert.deepEqual(
    seen,
    Array.from({ length: count }, (_, i) => i),
  );
  assert.ok(!alice!.received.some((m) => m.type === 'ERROR'));
});

test('the SDP types pranswer and rollback are relayed; any other is BAD_MESSAGE', async (t) => {
  const { wsUrl } = await startServer(t);
  const [alice, bob] = await peersInRoom(t, wsUrl, 'r', 2);
  for (const type of ['pranswer', 'rollback'] as const) {
    alice!.send({ type: 'SDP_ANSWER', toPeerId: bob!.peerId, sdp: { type, sdp: '' } });
    assert.deepEqual((await bob!.next('SDP_ANSWER')).sdp, { type, sdp: '' });
  }
  alice!.send({ type: 'SDP_OFFER', toPeerId: bob!.peerId, sdp: { type: 'bogus', sdp: 'v=0' } });
  const refusal = await alice!.next('ERROR');
  assert.equal(refusal.code, 'BAD_MESSAGE');
  assert.equal(refusal.ref, 'SDP_OFFER');
});

test('ICE candidates keep null sdpMid/sdpMLineIndex and usernameFragment; extra fields are dropped', async (t) => {
  const { wsUrl } = await startServer(t);
  const [alice, bob] = await peersInRoom(t, wsUrl, 'r', 2);
  alice!.send({
    type: 'ICE_CANDIDATE',
    toPeerId: bob!.peerId,
    secret: 'not relayed',
    iceCandidate: {
      candidate: 'candidate:842163049 1 udp 1677729535 192.0.2.7 54321 typ srflx',
      sdpMid: null,
      sdpMLineIndex: null,
      usernameFragment: 'f00d',
      address: 'not relayed either',
    },
  });
  assert.deepEqual(await bob!.next('ICE_CANDIDATE'), {
    type: 'ICE_CANDIDATE',
    fromPeerId: alice!.peerId,
    toPeerId: bob!.peerId,
    iceCandidate: {
      candidate: 'candidate:842163049 1 udp 1677729535 192.0.2.7 54321 typ srflx',
      sdpMid: null,
      sdpMLineIndex: null,
      usernameFragment: 'f00d',
    },
  });
  // The end-of-candidates form: an empty candidate with only sdpMid.
  alice!.send({ type: 'ICE_CANDIDATE', toPeerId: bob!.peerId, iceCandidate: { candidate: '', sdpMid: '0' } });
  assert.deepEqual((await bob!.next('ICE_CANDIDATE')).iceCandidate, { candidate: '', sdpMid: '0' });
});

test('only the target receives a relay; the rest of the room sees nothing', async (t) => {
  const { wsUrl } = await startServer(t);
  const [alice, bob, carol] = await peersInRoom(t, wsUrl, 'r', 3);
  alice!.send({ type: 'SDP_OFFER', toPeerId: bob!.peerId, sdp: offer });
  await bob!.next('SDP_OFFER');
  await carol!.sync();
  assert.ok(!carol!.received.some((m) => m.type === 'SDP_OFFER'));
});
