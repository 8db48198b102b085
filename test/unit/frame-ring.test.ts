import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameFromText } from '../../protocol/frame.js';
import { FrameRing } from '../../src/core/frame-ring.js';
import { ReplayLog } from '../../src/core/replay-log.js';

const signal = (n: number, pad = '') =>
  `{"type":"ICE_CANDIDATE","fromPeerId":"p","payload":{"n":${n},"pad":"${pad}"}}`;

test('frames that wrap around the end of the buffer come back whole, multi-byte characters too', () => {
  const ring = new FrameRing(4, 64);
  const frames: string[] = [];
  for (let i = 0; i < 40; i++) {
    // 10 to 19 bytes: the positions drift across the 64-byte end, splitting frames and 'é's.
    const text = `${i}:${'é'.repeat(i % 4)}${'x'.repeat(10 - (i % 3))}`;
    if (ring.count === 3) ring.dropOldest();
    if (i % 2 === 0) ring.pushText(text, text.length);
    else ring.pushBytes(Buffer.from(text), Buffer.byteLength(text));
    frames.push(text);
    assert.deepEqual(ring.newest(ring.count), frames.slice(-ring.count));
  }
  assert.equal(ring.capacity, 64, 'three frames of at most 19 bytes fit: no growth');
});

test('the buffer and the index grow by doubling, keeping every frame in order', () => {
  const ring = new FrameRing(100, 64);
  const frames: string[] = [];
  for (let i = 0; i < 50; i++) {
    const text = `frame ${i} ${'y'.repeat(i)}`;
    ring.pushText(text, text.length);
    frames.push(text);
    // Drop some along the way so the layout wraps before it grows.
    if (i % 7 === 6) {
      ring.dropOldest(2);
      frames.splice(0, 2);
    }
  }
  assert.deepEqual(ring.newest(ring.count), frames);
  const bytes = frames.reduce((n, f) => n + f.length, 0);
  assert.equal(ring.size, bytes);
  assert.ok(
    ring.capacity >= bytes && ring.capacity < 2 * bytes,
    `capacity ${ring.capacity} for ${bytes} bytes`,
  );
  assert.equal(Math.log2(ring.capacity) % 1, 0, 'a power of two: doubled from 64');
});

test('one frame bigger than the whole buffer grows it at once', () => {
  const ring = new FrameRing(8, 64);
  ring.pushText('small', 5);
  const big = 'z'.repeat(1000);
  ring.pushBytes(Buffer.from(big), 1000);
  assert.deepEqual(ring.newest(2), ['small', big]);
  assert.equal(ring.capacity, 1024);
});

test('dropping the oldest frames truncates them; an emptied ring starts again from the front', () => {
  const ring = new FrameRing(8, 64);
  for (let i = 0; i < 5; i++) ring.pushText(`f${i}`, 2);
  ring.dropOldest(3);
  assert.deepEqual(ring.newest(10), ['f3', 'f4']);
  assert.equal(ring.size, 4);
  assert.equal(ring.oldestSize(), 2);
  ring.dropOldest(99);
  assert.equal(ring.count, 0);
  assert.equal(ring.size, 0);
  assert.equal(ring.oldestSize(), 0);
  ring.pushText('again', 5);
  assert.deepEqual(ring.newest(1), ['again']);
});

test('a busy replay log stays within its bounds, and its ring within twice its byte bound', () => {
  const bounds = { maxFrames: 64, maxBytes: 4096 };
  const log = new ReplayLog(bounds);
  const sent: string[] = [];
  for (let i = 0; i < 5000; i++) {
    // The bench's mix: mostly ~250-byte candidates, every tenth a ~1.5 KB SDP-sized frame.
    const text = signal(i, 'c'.repeat(i % 10 === 0 ? 1500 : 200));
    log.sent(frameFromText(text));
    sent.push(text);
  }
  const tail = log.tail();
  assert.deepEqual(tail, sent.slice(-tail.length));
  assert.ok(tail.length <= 64 && log.bytes <= 4096);
  assert.equal(
    log.bytes,
    tail.reduce((n, f) => n + Buffer.byteLength(f), 0),
  );
  const ring = (log as unknown as { ring: FrameRing }).ring;
  assert.ok(ring.capacity <= 2 * 4096, `ring of ${ring.capacity} bytes`);
});

test('a log keeps texts until its first signal, then a ring; an acknowledgement of everything frees the ring', () => {
  const log = new ReplayLog({ maxFrames: 64, maxBytes: 1 << 20 });
  const inner = log as unknown as { texts: string[] | null; ring: FrameRing | null };
  const event = '{"type":"NEW_PEER_IN_ROOM","peer":{"peerId":"a"}}';
  log.sent(frameFromText(event));
  assert.deepEqual(inner.texts, [event]);
  assert.equal(inner.ring, null);
  log.sent(frameFromText(signal(1)));
  assert.equal(inner.texts, null);
  assert.ok(inner.ring !== null);
  assert.deepEqual(log.tail(), [event, signal(1)]);
  log.readUpTo(1);
  assert.deepEqual(log.tail(), [signal(1)], 'a partial acknowledgement truncates the ring');
  log.readUpTo(2);
  assert.equal(inner.ring, null, 'all read: the ring is freed');
  assert.deepEqual(log.missing(2), []);
  log.sent(frameFromText(event));
  assert.deepEqual(log.missing(2), [event]);
  assert.equal(inner.ring, null, 'back to texts');
});

test('room events without a signal stay texts, within the bounds, and move to the ring at the first signal', () => {
  const log = new ReplayLog({ maxFrames: 10, maxBytes: 1 << 20 });
  const inner = log as unknown as { ring: FrameRing | null };
  const events = Array.from({ length: 12 }, (_, i) => `{"type":"PEER_LEFT_ROOM","peerId":"p${i}"}`);
  for (const e of events) log.sent(frameFromText(e));
  assert.equal(inner.ring, null);
  assert.deepEqual(log.tail(), events.slice(2));
  assert.equal(
    log.bytes,
    events.slice(2).reduce((n, e) => n + e.length, 0),
  );
  log.sent(frameFromText(signal(1)));
  assert.ok(inner.ring !== null);
  assert.deepEqual(log.tail(), [...events.slice(3), signal(1)]);
  assert.deepEqual(log.missing(11), events.slice(11).concat(signal(1)));
});

test('an acknowledgement cuts a ring a burst left four times larger than its frames, and it grows again', () => {
  const log = new ReplayLog({ maxFrames: 64, maxBytes: 1 << 20 });
  const inner = log as unknown as { ring: FrameRing };
  const sdp = (n: number) => signal(n, 's'.repeat(8000));
  for (let i = 1; i <= 8; i++) log.sent(frameFromText(sdp(i)));
  const peak = inner.ring.capacity;
  assert.ok(peak >= 64_000, `grown to ${peak}`);
  for (let i = 9; i <= 20; i++) log.sent(frameFromText(signal(i)));
  log.readUpTo(10); // the SDPs are read; ten small frames remain
  assert.ok(inner.ring.capacity < peak / 4, `cut to ${inner.ring.capacity}`);
  assert.deepEqual(
    log.missing(10),
    Array.from({ length: 10 }, (_, k) => signal(k + 11)),
  );
  log.sent(frameFromText(sdp(21)));
  assert.deepEqual(log.missing(19), [signal(20), sdp(21)]);
  const small = inner.ring.capacity;
  log.readUpTo(11);
  assert.equal(inner.ring.capacity, small, 'not cut while its frames use a quarter of it or more');
});
