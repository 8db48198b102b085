// Hostile and broken input: every frame is answered with a stable code, the connection and the
// process carry on, and an oversized frame closes only its own connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/test-server.js';
import { TestClient, identifiedClient, peersInRoom } from '../helpers/test-client.js';

const garbage: Array<{ frame: string; code: string; ref?: string }> = [
  { frame: '{not json', code: 'BAD_JSON' },
  { frame: '', code: 'BAD_JSON' },
  { frame: 'null', code: 'BAD_MESSAGE' },
  { frame: '42', code: 'BAD_MESSAGE' },
  { frame: '"IDENTIFY"', code: 'BAD_MESSAGE' },
  { frame: '[{"type":"PING"}]', code: 'BAD_MESSAGE' },
  { frame: '{}', code: 'BAD_MESSAGE' },
  { frame: '{"type":7}', code: 'BAD_MESSAGE' },
  { frame: '{"type":"HELLO"}', code: 'UNKNOWN_TYPE', ref: 'HELLO' },
  { frame: '{"type":"__proto__"}', code: 'UNKNOWN_TYPE', ref: '__proto__' },
  { frame: '{"type":"toString"}', code: 'UNKNOWN_TYPE', ref: 'toString' },
  { frame: '{"type":"JOIN_ROOM"}', code: 'BAD_MESSAGE', ref: 'JOIN_ROOM' },
  { frame: '{"type":"JOIN_ROOM","roomId":5}', code: 'BAD_MESSAGE', ref: 'JOIN_ROOM' },
  { frame: '{"type":"SDP_OFFER","toPeerId":"x","sdp":"v=0"}', code: 'BAD_MESSAGE', ref: 'SDP_OFFER' },
  {
    frame: '{"type":"SDP_ANSWER","toPeerId":1,"sdp":{"type":"answer","sdp":""}}',
    code: 'BAD_MESSAGE',
    ref: 'SDP_ANSWER',
  },
  {
    frame: '{"type":"ICE_CANDIDATE","toPeerId":"x","iceCandidate":{"sdpMid":"0"}}',
    code: 'BAD_MESSAGE',
    ref: 'ICE_CANDIDATE',
  },
  {
    frame: '{"type":"ICE_CANDIDATE","toPeerId":"x","iceCandidate":{"candidate":"c","sdpMLineIndex":"0"}}',
    code: 'BAD_MESSAGE',
    ref: 'ICE_CANDIDATE',
  },
  { frame: '{"type":"PING","id":{"nested":true}}', code: 'BAD_MESSAGE', ref: 'PING' },
  {
    frame: `{"type":"ICE_CANDIDATE","toPeerId":"x","iceCandidate":{"candidate":"${'c'.repeat(2049)}"}}`,
    code: 'BAD_MESSAGE',
    ref: 'ICE_CANDIDATE',
  },
];

test('garbage frames are each answered with a stable code, then a normal relay still works', async (t) => {
  const { wsUrl } = await startServer(t);
  const [alice, bob] = await peersInRoom(t, wsUrl, 'r', 2);
  for (const { frame, code, ref } of garbage) {
    alice!.send(frame);
    const answer = await alice!.next();
    assert.equal(answer.type, 'ERROR', `frame ${frame.slice(0, 60)}`);
    assert.equal(answer.code, code, `frame ${frame.slice(0, 60)}`);
    assert.equal(answer.ref, ref, `ref for ${frame.slice(0, 60)}`);
    assert.ok((answer.message as string).length > 0);
  }
  alice!.send({ type: 'SDP_OFFER', toPeerId: bob!.peerId, sdp: { type: 'offer', sdp: 'v=0' } });
  assert.deepEqual(await bob!.next('SDP_OFFER'), {
    type: 'SDP_OFFER',
    fromPeerId: alice!.peerId,
    toPeerId: bob!.peerId,
    sdp: { type: 'offer', sdp: 'v=0' },
  });
  await bob!.sync();
  assert.deepEqual(
    bob!.received.map((m) => m.type),
    ['AUTH_SUCCESS', 'ROOM_MEMBERS', 'SDP_OFFER', 'PONG'],
    'bob saw none of the garbage',
  );
});

test('garbage before identification is answered and identification still works', async (t) => {
  const { wsUrl } = await startServer(t);
  const client = await TestClient.connect(t, wsUrl);
  for (const { frame, code } of garbage.slice(0, 10)) {
    client.send(frame);
    assert.equal((await client.next('ERROR')).code, code);
  }
  await client.identify('survivor');
});

test('a binary frame is answered BINARY_NOT_SUPPORTED and the connection is kept', async (t) => {
  const { wsUrl } = await startServer(t);
  const [alice, bob] = await peersInRoom(t, wsUrl, 'r', 2);
  alice!.ws.send(Buffer.from([0x7b, 0x7d, 0x00, 0xff]));
  const answer = await alice!.next('ERROR');
  assert.equal(answer.code, 'BINARY_NOT_SUPPORTED');
  alice!.send({ type: 'SDP_OFFER', toPeerId: bob!.peerId, sdp: { type: 'offer', sdp: 'v=0' } });
  await bob!.next('SDP_OFFER');
});

test('a binary frame before IDENTIFY is answered, and the answer comes in order after AUTH_SUCCESS when sent after IDENTIFY', async (t) => {
  const { wsUrl } = await startServer(t);
  const client = await TestClient.connect(t, wsUrl);
  client.ws.send(Buffer.from('hello'));
  assert.equal((await client.next()).code, 'BINARY_NOT_SUPPORTED');
  client.send({ type: 'IDENTIFY', username: 'binary-fan' });
  client.ws.send(Buffer.from('again'));
  assert.equal((await client.next()).type, 'AUTH_SUCCESS');
  assert.equal((await client.next()).code, 'BINARY_NOT_SUPPORTED');
});

test('a 1 MiB frame closes only its own connection, with 1009; the others keep working', async (t) => {
  const { wsUrl } = await startServer(t);
  const [alice, bob, mallory] = await peersInRoom(t, wsUrl, 'r', 3);
  mallory!.send({
    type: 'SDP_OFFER',
    toPeerId: alice!.peerId,
    sdp: { type: 'offer', sdp: 'x'.repeat(1024 * 1024) },
  });
  assert.equal((await mallory!.closed).code, 1009);
  // Mallory's room is told she left, and nothing of her frame reached anyone.
  assert.equal(((await alice!.next('PEER_LEFT_ROOM')).peer as { id: string }).id, mallory!.peerId);
  await bob!.next('PEER_LEFT_ROOM');
  assert.ok(!alice!.received.some((m) => m.type === 'SDP_OFFER'));
  alice!.send({ type: 'SDP_OFFER', toPeerId: bob!.peerId, sdp: { type: 'offer', sdp: 'v=0' } });
  await bob!.next('SDP_OFFER');
  // The server still takes new clients, and Mallory's name is free again.
  await identifiedClient(t, wsUrl, mallory!.username);
});

test('a frame just under the payload limit is relayed whole', async (t) => {
  const { wsUrl } = await startServer(t);
  const [alice, bob] = await peersInRoom(t, wsUrl, 'r', 2);
  const envelope = JSON.stringify({
    type: 'SDP_OFFER',
    toPeerId: bob!.peerId,
    sdp: { type: 'offer', sdp: '' },
  });
  const sdp = 's'.repeat(64 * 1024 - envelope.length);
  alice!.send({ type: 'SDP_OFFER', toPeerId: bob!.peerId, sdp: { type: 'offer', sdp } });
  assert.equal(((await bob!.next('SDP_OFFER')).sdp as { sdp: string }).sdp.length, sdp.length);
});
