import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/test-server.js';
import { TestClient, peersInRoom } from '../helpers/test-client.js';

test('original client flow: IDENTIFY → JOIN_ROOM → offer/answer/candidate, exact field names', async (t) => {
  const { wsUrl } = await startServer(t);
  const [alice, bob] = await peersInRoom(t, wsUrl, 'cool-room', 2);
  assert.ok(alice && bob);
  alice.send({
    type: 'SDP_OFFER',
    toPeerId: bob.peerId,
    fromPeerId: 'spoofed',
    extra: 'dropped',
    sdp: { type: 'offer', sdp: 'v=0\r\n', junk: 1 },
  });
  assert.deepEqual(await bob.next('SDP_OFFER'), {
    type: 'SDP_OFFER',
    fromPeerId: alice.peerId,
    toPeerId: bob.peerId,
    sdp: { type: 'offer', sdp: 'v=0\r\n' },
  });
  bob.send({ type: 'SDP_ANSWER', toPeerId: alice.peerId, sdp: { type: 'answer', sdp: 'v=0\r\n' } });
  assert.deepEqual(await alice.next('SDP_ANSWER'), {
    type: 'SDP_ANSWER',
    fromPeerId: bob.peerId,
    toPeerId: alice.peerId,
    sdp: { type: 'answer', sdp: 'v=0\r\n' },
  });
  const candidate = {
    candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host',
    sdpMid: null,
    sdpMLineIndex: null,
    usernameFragment: 'abc',
  };
  alice.send({ type: 'ICE_CANDIDATE', toPeerId: bob.peerId, iceCandidate: candidate });
  assert.deepEqual(await bob.next('ICE_CANDIDATE'), {
    type: 'ICE_CANDIDATE',
    fromPeerId: alice.peerId,
    toPeerId: bob.peerId,
    iceCandidate: candidate,
  });
});

test('AUTH_SUCCESS carries status, username and a UUID v4 peer id', async (t) => {
  const { wsUrl } = await startServer(t);
  const client = await TestClient.connect(t, wsUrl);
  const msg = await client.identify('  alice ');
  assert.equal(msg.status, 'success');
  assert.equal(msg.username, 'alice');
  assert.match(msg.peerId as string, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
