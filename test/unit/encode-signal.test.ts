import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { decodeClientFrame } from '../../protocol/decode.js';
import { encodeSignal } from '../../protocol/encode.js';
import type { SignalIn } from '../../protocol/messages.js';

const FROM = '0b6c2a4e-9d1f-4b8e-8f47-1a2b3c4d5e6f';

/** What a relayed frame must say: the schema fields of `msg`, and the sender's real id. */
function expected(msg: SignalIn): unknown {
  if (msg.type === 'ICE_CANDIDATE') {
    const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = msg.iceCandidate;
    return {
      type: msg.type,
      fromPeerId: FROM,
      toPeerId: msg.toPeerId,
      iceCandidate: JSON.parse(JSON.stringify({ candidate, sdpMid, sdpMLineIndex, usernameFragment })),
    };
  }
  return {
    type: msg.type,
    fromPeerId: FROM,
    toPeerId: msg.toPeerId,
    sdp: { type: msg.sdp.type, sdp: msg.sdp.sdp },
  };
}

function relayed(frame: string): string {
  const decoded = decodeClientFrame(frame);
  assert.ok(decoded.ok, frame);
  return encodeSignal(FROM, decoded.message as SignalIn, frame).text;
}

const SDP = 'v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

test('an SDP frame laid out as the schema is relayed as stringifying the fields would give', () => {
  for (const type of ['SDP_OFFER', 'SDP_ANSWER'] as const) {
    const msg = { type, toPeerId: 'p1', sdp: { type: 'offer' as const, sdp: SDP } };
    const out = relayed(JSON.stringify(msg));
    assert.equal(out, JSON.stringify(expected(msg)));
  }
});

test('SDP frames in any other layout are relayed with exactly the schema fields and values', () => {
  const frames = [
    // extra fields at each level, a forged fromPeerId, duplicate keys, escapes, whitespace
    '{"type":"SDP_OFFER","toPeerId":"p1","sdp":{"type":"offer","sdp":"a"},"x":"leak"}',
    '{"type":"SDP_OFFER","toPeerId":"p1","sdp":{"type":"offer","sdp":"a","x":"leak"}}',
    '{"type":"SDP_OFFER","toPeerId":"p1","sdp":{"type":"offer","sdp":"leak","sdp":"a"}}',
    '{"type":"SDP_OFFER","toPeerId":"p1","sdp":{"type":"offer","sdp":"a\\"},\\"x\\":\\"leak"}}',
    '{"type":"SDP_OFFER","fromPeerId":"forged","toPeerId":"p1","sdp":{"type":"offer","sdp":"a"}}',
    '{"type":"SDP_ANSWER","toPeerId":"p\\u0031","sdp":{"type":"answer","sdp":"\\u0041\\/\\r\\n"}}',
    '{ "type": "SDP_ANSWER", "toPeerId": "p1", "sdp": { "type": "answer", "sdp": "a" } }',
    '{"sdp":{"sdp":"a","type":"offer"},"toPeerId":"p1","type":"SDP_OFFER"}',
  ];
  for (const frame of frames) {
    const decoded = decodeClientFrame(frame);
    assert.ok(decoded.ok, frame);
    const out = relayed(frame);
    // Exactly the schema fields with the parsed values (one SDP legitimately contains "leak").
    assert.deepEqual(JSON.parse(out), expected(decoded.message as SignalIn), frame);
    assert.ok(!out.includes('forged'), out);
  }
});

test('ICE candidates keep exactly the fields that were sent, nulls included', () => {
  const frames = [
    {
      candidate: 'candidate:1 1 udp 1 10.0.0.1 9 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
      usernameFragment: 'u',
    },
    { candidate: 'candidate:1 1 udp 1 10.0.0.1 9 typ host', sdpMid: null, sdpMLineIndex: null },
    { candidate: '', extra: 'leak' },
  ].map((iceCandidate) => JSON.stringify({ type: 'ICE_CANDIDATE', toPeerId: 'p1', iceCandidate }));
  for (const frame of frames) {
    const decoded = decodeClientFrame(frame);
    assert.ok(decoded.ok, frame);
    const out = relayed(frame);
    assert.equal(out, JSON.stringify(expected(decoded.message as SignalIn)));
    assert.ok(!out.includes('leak'));
  }
});
