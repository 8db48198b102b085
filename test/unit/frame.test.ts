// The outgoing frame value: its kind from its type, its bytes computed once, and frames rebuilt
// from their text (as they cross nodes) equal to the ones the encoders made.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  encodeAuthError,
  encodeAuthSuccess,
  encodeError,
  encodePeerEvent,
  encodePong,
  encodeRoomMembers,
  encodeSignal,
} from '../../protocol/encode.js';
import {
  frameFromText,
  isRoomEvent,
  isSignal,
  tellsMembership,
  type OutFrame,
} from '../../protocol/frame.js';

const FROM = '0b6c2a4e-9d1f-4b8e-8f47-1a2b3c4d5e6f';
const peer = { id: FROM, username: 'alice' };

/** One frame of every encoder, with the kind it must have. */
const FRAMES: Array<[OutFrame, OutFrame['kind']]> = [
  [encodeSignal(FROM, { type: 'SDP_OFFER', toPeerId: 'p', sdp: { type: 'offer', sdp: 'v=0' } }), 'signal'],
  [encodeSignal(FROM, { type: 'SDP_ANSWER', toPeerId: 'p', sdp: { type: 'answer', sdp: 'v=0' } }), 'signal'],
  [encodeSignal(FROM, { type: 'ICE_CANDIDATE', toPeerId: 'p', iceCandidate: { candidate: 'c' } }), 'signal'],
  [encodePeerEvent('NEW_PEER_IN_ROOM', 'r', peer), 'room-event'],
  [encodePeerEvent('PEER_LEFT_ROOM', 'r', peer), 'room-event'],
  [encodeRoomMembers('r', [peer]), 'room-members'],
  [encodeAuthSuccess({ username: 'alice', peerId: FROM }), 'reply'],
  [encodeAuthError('UNAUTHORIZED'), 'reply'],
  [encodeError('UNKNOWN_PEER', undefined, 'SDP_OFFER'), 'reply'],
  [encodePong(1), 'reply'],
];

test('every encoder gives its frame the kind and type of its message, and a signal its sender', () => {
  for (const [frame, kind] of FRAMES) {
    const type = (JSON.parse(frame.text) as { type: string }).type;
    assert.equal(frame.type, type);
    assert.equal(frame.kind, kind, type);
    assert.equal(frame.from, kind === 'signal' ? FROM : '', type);
    assert.equal(isSignal(frame), kind === 'signal');
    assert.equal(isRoomEvent(frame), kind === 'room-event');
    assert.equal(tellsMembership(frame), kind === 'room-event' || kind === 'room-members');
  }
});

test('a frame rebuilt from its text is the frame the encoder made', () => {
  for (const [frame] of FRAMES) {
    const back = frameFromText(frame.text);
    assert.deepEqual(
      [back.type, back.kind, back.from, back.text],
      [frame.type, frame.kind, frame.from, frame.text],
    );
  }
  for (const text of ['{}', '', 'x', '{"type":"', '{"type":"__proto__"}']) {
    assert.equal(frameFromText(text).kind, 'reply', text);
  }
  assert.equal(frameFromText('{"type":"SDP_OFFER","fromPeerId":"x').from, '');
});

test("a frame's bytes are its UTF-8 text, encoded once and shared by every use", () => {
  const frame = encodePeerEvent('NEW_PEER_IN_ROOM', 'r', { id: FROM, username: 'Zoë' });
  const bytes = frame.bytes;
  assert.equal(Buffer.from(bytes).toString('utf8'), frame.text);
  assert.equal(frame.bytes, bytes);
});

// Write batching (src/transport/write-batch.ts) holds back exactly the room events.
test('room announcements are the frames that may wait for the ready I/O', () => {
  assert.ok(isRoomEvent(encodePeerEvent('NEW_PEER_IN_ROOM', 'r', peer)));
  assert.ok(isRoomEvent(encodePeerEvent('PEER_LEFT_ROOM', 'r', peer)));
});

test('relayed signals and replies are never held back', () => {
  const frames = [
    encodeSignal(peer.id, {
      type: 'ICE_CANDIDATE',
      toPeerId: 'p',
      iceCandidate: { candidate: 'NEW_PEER_IN_ROOM' },
    }),
    encodeSignal(peer.id, { type: 'SDP_OFFER', toPeerId: 'p', sdp: { type: 'offer', sdp: 'v=0' } }),
    encodeRoomMembers('NEW_PEER_IN_ROOM', [peer]),
    encodeAuthSuccess({ username: 'PEER_LEFT_ROOM', peerId: peer.id }),
    encodeError('UNKNOWN_PEER'),
    encodePong('NEW_PEER_IN_ROOM'),
  ];
  for (const frame of frames) assert.equal(isRoomEvent(frame), false, frame.text);
});
