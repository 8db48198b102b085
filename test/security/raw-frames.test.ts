import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/test-server.js';
import { TestClient } from '../helpers/test-client.js';
import { closeFrame, frame, rawExchange } from './helpers/raw-socket.js';
import { eventually } from './helpers/eventually.js';

const TEXT = 0x1;
const CONT = 0x0;
const PING = 0x9;
const identify = JSON.stringify({ type: 'IDENTIFY', username: 'raw' });

/** [name, frames, expected close code] — each is refused with that code. */
const FRAME_CASES: Array<[string, Buffer[], number]> = [
  ['RSV1 set without an extension', [frame({ opcode: TEXT, payload: identify, rsv: 0b100 })], 1002],
  ['RSV2 set', [frame({ opcode: TEXT, payload: identify, rsv: 0b010 })], 1002],
  ['RSV3 set', [frame({ opcode: TEXT, payload: identify, rsv: 0b001 })], 1002],
  ['reserved data opcode 0x3', [frame({ opcode: 0x3, payload: 'x' })], 1002],
  ['reserved control opcode 0xB', [frame({ opcode: 0xb, payload: 'x' })], 1002],
  ['an unmasked client frame', [frame({ opcode: TEXT, payload: identify, mask: false })], 1002],
  ['a continuation without a start', [frame({ opcode: CONT, payload: 'x' })], 1002],
  ['a fragmented ping', [frame({ opcode: PING, payload: 'x', fin: false })], 1002],
  ['a control frame over 125 bytes', [frame({ opcode: PING, payload: 'p'.repeat(126) })], 1002],
  [
    'a new message inside a fragmented one',
    [frame({ opcode: TEXT, payload: '{"type":', fin: false }), frame({ opcode: TEXT, payload: '{}' })],
    1002,
  ],
  [
    'a fragment flood past the 64 KiB message limit',
    [
      frame({ opcode: TEXT, payload: '"', fin: false }),
      ...Array.from({ length: 5000 }, () => frame({ opcode: CONT, payload: 'f'.repeat(16), fin: false })),
    ],
    1009,
  ],
  ['a frame announcing 2^62 bytes', [frame({ opcode: TEXT, payload: 'x', fakeLength: 2n ** 62n })], 1009],
  [
    'a frame announcing 2^63 bytes (MSB set)',
    [frame({ opcode: TEXT, payload: 'x', fakeLength: 2n ** 63n })],
    1009,
  ],
  ['a single frame of 64 KiB + 1', [frame({ opcode: TEXT, payload: 'x'.repeat(65537) })], 1009],
  [
    'invalid UTF-8 in a text frame',
    [frame({ opcode: TEXT, payload: Buffer.from([0x22, 0xc3, 0x28, 0x22]) })],
    1007,
  ],
  ['a close frame with an invalid code', [closeFrame(999)], 1002],
  ['a close frame with a reserved code (1005)', [closeFrame(1005)], 1002],
  ['a close frame with a 1-byte payload', [frame({ opcode: 0x8, payload: Buffer.from([3]) })], 1002],
];

test('malformed frames on a hand-built socket are refused with the right close code; the server is unharmed', async (t) => {
  const { port, wsUrl, server } = await startServer(t);
  for (const [name, frames, expected] of FRAME_CASES) {
    const outcome = await rawExchange(port, frames);
    assert.equal(outcome.status, 101, `${name}: upgrade`);
    assert.equal(outcome.closeCode, expected, name);
  }
  await eventually(() => assert.equal(server.core.stats().connections, 0), 'raw connections cleaned up');
  const client = await TestClient.connect(t, wsUrl);
  await client.identify('after-raw-frames');
});

test('a well-formed fragmented message is reassembled and served', async (t) => {
  const { port } = await startServer(t);
  const half = Math.floor(identify.length / 2);
  const outcome = await rawExchange(port, (socket) => {
    socket.write(frame({ opcode: TEXT, payload: identify.slice(0, half), fin: false }));
    socket.write(frame({ opcode: CONT, payload: identify.slice(half) }));
    socket.once('data', (answer: Buffer) => {
      // An unmasked text frame with AUTH_SUCCESS in it, then we close politely.
      assert.match(answer.toString('utf8'), /AUTH_SUCCESS/);
      socket.write(closeFrame(1000));
    });
  });
  assert.equal(outcome.closeCode, 1000);
});

test('hostile upgrade requests are refused with an HTTP status before any WebSocket exists', async (t) => {
  const { port, wsUrl } = await startServer(t);
  const many = Array.from({ length: 2000 }, (_, i) => `X-Header-${i}: v`);
  assert.equal((await rawExchange(port, [], many)).status, 431, '2,000 headers');
  const bigProtocol = [`Sec-WebSocket-Protocol: ${'p,'.repeat(16 * 1024)}`];
  assert.equal((await rawExchange(port, [], bigProtocol)).status, 431, '32 KiB Sec-WebSocket-Protocol');
  assert.equal((await rawExchange(port, [], ['Origin: http://evil.example'])).status, 403, 'foreign Origin');
  assert.equal((await rawExchange(port, [], [], '/not-ws')).status, 404, 'another path');
  const client = await TestClient.connect(t, wsUrl);
  await client.identify('after-hostile-upgrades');
});
