import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import {
  encodeAuthSuccess,
  encodeError,
  encodePeerEvent,
  encodePong,
  encodeRoomMembers,
  encodeSignal,
} from '../../protocol/encode.js';
import { isRoomEvent } from '../../src/transport/write-batch.js';

const peer = { id: '0b6c2a4e-9d1f-4b8e-8f47-1a2b3c4d5e6f', username: 'alice' };

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
  for (const frame of frames) assert.equal(isRoomEvent(frame), false, frame);
});
