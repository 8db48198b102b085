// decodeClientFrame: every path to an error code, and what a valid frame becomes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeClientFrame } from '../../protocol/decode.js';

const refused = (frame: string) => {
  const d = decodeClientFrame(frame);
  assert.ok(!d.ok, `accepted: ${frame}`);
  return d;
};

test('text that is not JSON is BAD_JSON with no ref', () => {
  for (const frame of ['', ' ', '{', '{"type":"PING"', "{'type':'PING'}", 'undefined', '\u0000']) {
    const d = refused(frame);
    assert.equal(d.code, 'BAD_JSON', JSON.stringify(frame));
    assert.equal(d.ref, undefined);
  }
});

test('JSON that is not an object with a string type is BAD_MESSAGE', () => {
  for (const frame of [
    'null',
    'true',
    '1',
    '"PING"',
    '[]',
    '[{"type":"PING"}]',
    '{}',
    '{"type":null}',
    '{"type":["PING"]}',
  ]) {
    assert.equal(refused(frame).code, 'BAD_MESSAGE', frame);
  }
});

test('an unknown type is UNKNOWN_TYPE with the type as ref, clipped when long', () => {
  assert.deepEqual(
    { code: refused('{"type":"HELLO"}').code, ref: refused('{"type":"HELLO"}').ref },
    { code: 'UNKNOWN_TYPE', ref: 'HELLO' },
  );
  for (const type of ['__proto__', 'constructor', 'hasOwnProperty', 'identify', 'SDP_offer']) {
    assert.equal(refused(JSON.stringify({ type })).code, 'UNKNOWN_TYPE', type);
  }
  const long = refused(JSON.stringify({ type: 'X'.repeat(1000) }));
  assert.ok((long.ref as string).length <= 65);
  assert.ok(long.message.length < 200);
});

test('a known type with the wrong shape is BAD_MESSAGE with the type as ref and the path in the message', () => {
  const cases: Array<[object, string]> = [
    [{ type: 'IDENTIFY' }, 'IDENTIFY'],
    [{ type: 'IDENTIFY', username: 5 }, 'IDENTIFY'],
    [{ type: 'IDENTIFY', username: 'a', token: 1 }, 'IDENTIFY'],
    [{ type: 'JOIN_ROOM', roomId: null }, 'JOIN_ROOM'],
    [{ type: 'JOIN_ROOM', roomId: 'r'.repeat(257) }, 'JOIN_ROOM'],
    [{ type: 'LEAVE_ROOM', roomId: 3 }, 'LEAVE_ROOM'],
    [{ type: 'SDP_OFFER', toPeerId: 'p' }, 'SDP_OFFER'],
    [{ type: 'SDP_OFFER', toPeerId: 'p', sdp: { type: 'offer' } }, 'SDP_OFFER'],
    [{ type: 'SDP_ANSWER', toPeerId: 'p', sdp: { type: 'ANSWER', sdp: '' } }, 'SDP_ANSWER'],
    [{ type: 'SDP_ANSWER', toPeerId: 'p'.repeat(65), sdp: { type: 'answer', sdp: '' } }, 'SDP_ANSWER'],
    [{ type: 'ICE_CANDIDATE', toPeerId: 'p', iceCandidate: {} }, 'ICE_CANDIDATE'],
    [
      { type: 'ICE_CANDIDATE', toPeerId: 'p', iceCandidate: { candidate: 'c', sdpMLineIndex: -1 } },
      'ICE_CANDIDATE',
    ],
    [
      { type: 'ICE_CANDIDATE', toPeerId: 'p', iceCandidate: { candidate: 'c', sdpMLineIndex: 1.5 } },
      'ICE_CANDIDATE',
    ],
    [{ type: 'ICE_CANDIDATE', toPeerId: 'p', iceCandidate: { candidate: 'c', sdpMid: 0 } }, 'ICE_CANDIDATE'],
    [
      { type: 'ICE_CANDIDATE', toPeerId: 'p', iceCandidate: { candidate: 'c'.repeat(2049) } },
      'ICE_CANDIDATE',
    ],
    [{ type: 'PING', id: [1] }, 'PING'],
    [{ type: 'PING', id: 'i'.repeat(65) }, 'PING'],
  ];
  for (const [message, ref] of cases) {
    const d = refused(JSON.stringify(message));
    assert.equal(d.code, 'BAD_MESSAGE', JSON.stringify(message));
    assert.equal(d.ref, ref);
    assert.ok(d.message.startsWith(`Invalid ${ref}`), d.message);
  }
});

test('a username over the schema bound is INVALID_USERNAME, not BAD_MESSAGE', () => {
  const d = refused(JSON.stringify({ type: 'IDENTIFY', username: 'u'.repeat(257) }));
  assert.equal(d.code, 'INVALID_USERNAME');
  assert.equal(d.ref, 'IDENTIFY');
});

test('valid frames decode to their message; extra fields are tolerated on input', () => {
  const valid = [
    { type: 'IDENTIFY', username: 'alice' },
    { type: 'IDENTIFY', username: 'alice', token: 't', resumeToken: 'r', extra: true },
    { type: 'JOIN_ROOM', roomId: 'r' },
    { type: 'LEAVE_ROOM' },
    { type: 'LEAVE_ROOM', roomId: 'r' },
    { type: 'SDP_OFFER', toPeerId: 'p', fromPeerId: 'spoof', sdp: { type: 'offer', sdp: 'v=0' } },
    { type: 'SDP_ANSWER', toPeerId: 'p', sdp: { type: 'rollback', sdp: '' } },
    {
      type: 'ICE_CANDIDATE',
      toPeerId: 'p',
      iceCandidate: { candidate: 'c', sdpMid: null, sdpMLineIndex: null, usernameFragment: null },
    },
    {
      type: 'ICE_CANDIDATE',
      toPeerId: 'p',
      iceCandidate: { candidate: '', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' },
    },
    { type: 'PING' },
    { type: 'PING', id: 1 },
    { type: 'PING', id: 'x' },
  ];
  for (const message of valid) {
    const d = decodeClientFrame(JSON.stringify(message));
    assert.ok(d.ok, `refused ${JSON.stringify(message)}: ${d.ok ? '' : d.message}`);
    assert.equal(d.message.type, message.type);
  }
});

test('decoding never throws, whatever the input', () => {
  const nasty = [
    '{"type":"PING","id":1e999}',
    '{"__proto__":{"type":"PING"}}',
    '{"type":"PING","constructor":{}}',
    '"\\ud800"',
    '{"type":"JOIN_ROOM","roomId":"\\ud800"}',
  ];
  for (const frame of nasty) assert.doesNotThrow(() => decodeClientFrame(frame), frame);
});
