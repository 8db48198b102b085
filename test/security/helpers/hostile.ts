/**
 * Generators of hostile frames for the fuzz test, built on fast-check. Each frame says what kind
 * it is, so the test can print how many of each it sent. Kinds that end a connection by design
 * (oversized frames, invalid UTF-8) are rare and always last in their batch.
 */
import fc from 'fast-check';

/** One frame to send. */
export interface HostileFrame {
  kind: string;
  data: string | Buffer;
  /** Send as a binary frame (otherwise text, even when `data` is a Buffer of invalid UTF-8). */
  binary: boolean;
  /** The server closes the connection for this frame (1009, 1007). */
  closes: boolean;
}

const TYPES = ['IDENTIFY', 'JOIN_ROOM', 'LEAVE_ROOM', 'SDP_OFFER', 'SDP_ANSWER', 'ICE_CANDIDATE', 'PING'];

/** Strings that break naive handling of Unicode: lone surrogates, controls, bidi, combining marks, NUL. */
const unicodeEdge = fc.oneof(
  fc.constantFrom(
    '\ud800',
    'a\udfffb',
    '\u0000',
    '\u202eevil',
    '\u200b',
    'e\u0301',
    '\u00e9',
    'İ',
    'ß',
    'ǅ',
    'ＡＤＭＩＮ',
    '👩‍👩‍👧‍👦'.repeat(20),
    'a'.repeat(64),
    'a'.repeat(65),
    ' '.repeat(10),
    '\t\n\r',
    '\ufeff',
    '\uffff',
    'z\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307',
    '__proto__',
    'constructor',
    'hasOwnProperty',
  ),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
);

const anyValue = fc.oneof(
  fc.anything({ maxDepth: 2, maxKeys: 4, withNullPrototype: true, withObjectString: true }),
  unicodeEdge,
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 4 }),
);

/** Every field of every message type, each with a value of any type. */
const wrongTypes = fc
  .record(
    {
      type: fc.oneof(fc.constantFrom(...TYPES), fc.string({ maxLength: 20 }), anyValue),
      username: anyValue,
      roomId: anyValue,
      toPeerId: anyValue,
      fromPeerId: anyValue,
      sdp: fc.oneof(anyValue, fc.record({ type: anyValue, sdp: anyValue })),
      iceCandidate: fc.oneof(
        anyValue,
        fc.record({
          candidate: anyValue,
          sdpMid: anyValue,
          sdpMLineIndex: anyValue,
          usernameFragment: anyValue,
        }),
      ),
      token: anyValue,
      resumeToken: anyValue,
      id: anyValue,
    },
    { requiredKeys: [] },
  )
  .map((m) => JSON.stringify(m));

/** Messages of the right shape with hostile contents, aimed also at `targets` (peers in another room). */
function shaped(targets: readonly string[]) {
  const peerId = fc.oneof(fc.constantFrom(...targets), fc.uuid(), unicodeEdge);
  return fc
    .oneof(
      fc.record({ type: fc.constant('IDENTIFY'), username: unicodeEdge, token: fc.option(fc.string()) }),
      fc.record({ type: fc.constant('JOIN_ROOM'), roomId: unicodeEdge }),
      fc.record({ type: fc.constant('LEAVE_ROOM'), roomId: fc.option(unicodeEdge, { nil: undefined }) }),
      fc.record({
        type: fc.constantFrom('SDP_OFFER', 'SDP_ANSWER'),
        toPeerId: peerId,
        fromPeerId: peerId,
        sdp: fc.record({
          type: fc.constantFrom('offer', 'answer', 'pranswer', 'rollback', 'x'),
          sdp: fc.string(),
        }),
      }),
      fc.record({
        type: fc.constant('ICE_CANDIDATE'),
        toPeerId: peerId,
        iceCandidate: fc.record({
          candidate: fc.string(),
          sdpMid: fc.option(fc.string()),
          sdpMLineIndex: fc.option(fc.integer({ min: -5, max: 70000 })),
        }),
      }),
      fc.record({ type: fc.constant('PING'), id: anyValue }),
    )
    .map((m) => JSON.stringify(m));
}

/** Prototype-pollution attempts: `__proto__` and `constructor` as own keys at several depths. */
const protoKeys = fc
  .tuple(fc.constantFrom(...TYPES), fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.nat(3))
  .map(([type, key, where]) => {
    const poison = key === 'constructor' ? '{"prototype":{"polluted":true}}' : '{"polluted":true,"type":"x"}';
    switch (where) {
      case 0:
        return `{"${key}":${poison},"type":"${type}","username":"p","roomId":"r"}`;
      case 1:
        return `{"type":"${type}","sdp":{"${key}":${poison},"type":"offer","sdp":"v=0"},"toPeerId":"x"}`;
      case 2:
        return `{"type":"${type}","iceCandidate":{"candidate":"c","${key}":${poison}},"toPeerId":"x"}`;
      default:
        return `{"type":"${type}","${key}":{"${key}":${poison}}}`;
    }
  });

/** Deeply nested arrays and objects, up to the frame limit. */
const deep = fc
  .tuple(fc.integer({ min: 100, max: 20_000 }), fc.boolean(), fc.constantFrom(...TYPES))
  .map(([depth, objects, type]) => {
    const inner = objects
      ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
      : '['.repeat(depth) + ']'.repeat(depth);
    return depth % 2 === 0 ? inner : `{"type":"${type}","username":${inner},"sdp":${inner}}`;
  });

/** Huge strings in every field, just under the 64 KiB frame limit. */
const huge = fc
  .tuple(fc.constantFrom('username', 'roomId', 'toPeerId', 'sdp', 'token', 'id'), fc.constantFrom(...TYPES))
  .map(([field, type]) => {
    const big = 'x'.repeat(60_000);
    if (field === 'sdp') return JSON.stringify({ type, toPeerId: 'p', sdp: { type: 'offer', sdp: big } });
    return JSON.stringify({ type, [field]: big });
  });

const text = (kind: string, arb: fc.Arbitrary<string>) =>
  arb.map((data): HostileFrame => ({ kind, data, binary: false, closes: false }));

/** The server's frame limit (maxPayload default): a larger frame closes the connection with 1009. */
const FRAME_LIMIT = 64 * 1024;

/** The mix of hostile frames; `targets` are real peer ids the hostile clients should never reach. */
export function hostileFrames(targets: readonly string[]): fc.Arbitrary<HostileFrame> {
  return mix(targets).map((f) =>
    f.closes || byteLength(f.data) <= FRAME_LIMIT ? f : { ...f, closes: true },
  );
}

function byteLength(data: string | Buffer): number {
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}

function mix(targets: readonly string[]): fc.Arbitrary<HostileFrame> {
  return fc.oneof(
    { weight: 200, arbitrary: text('random-json', fc.json({ maxDepth: 4 })) },
    { weight: 250, arbitrary: text('wrong-types', wrongTypes) },
    { weight: 250, arbitrary: text('shaped', shaped(targets)) },
    { weight: 80, arbitrary: text('proto-keys', protoKeys) },
    { weight: 20, arbitrary: text('deep-nesting', deep) },
    { weight: 20, arbitrary: text('huge-string', huge) },
    { weight: 60, arbitrary: text('not-json', fc.string({ unit: 'binary', maxLength: 200 })) },
    {
      weight: 60,
      arbitrary: fc.uint8Array({ maxLength: 512 }).map((bytes): HostileFrame => ({
        kind: 'binary',
        data: Buffer.from(bytes),
        binary: true,
        closes: false,
      })),
    },
    {
      weight: 3,
      arbitrary: fc.constantFrom<HostileFrame>(
        { kind: 'invalid-utf8', data: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), binary: false, closes: true },
        { kind: 'invalid-utf8', data: Buffer.from([0xed, 0xa0, 0x80]), binary: false, closes: true },
        {
          kind: 'invalid-utf8',
          data: Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
          binary: false,
          closes: true,
        },
      ),
    },
    {
      weight: 3,
      arbitrary: fc
        .integer({ min: 65_537, max: 200_000 })
        .map((n): HostileFrame => ({ kind: 'oversized', data: 'x'.repeat(n), binary: false, closes: true })),
    },
  );
}
