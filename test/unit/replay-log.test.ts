import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameFromText, isSignal } from '../../protocol/frame.js';
import { ReplayLog } from '../../src/core/replay-log.js';

/** What a frame counts for the byte bound: a signal's UTF-8 bytes, another frame's string length. */
const size = (frame: string) => (isSignal(frameFromText(frame)) ? Buffer.byteLength(frame) : frame.length);

/** What the log must hold: the newest frames within both bounds (at least the newest one). */
class Reference {
  frames: string[] = [];
  outCount = 0;
  constructor(private readonly bounds: { maxFrames: number; maxBytes: number }) {}
  sent(frame: string): void {
    this.outCount++;
    this.frames.push(frame);
    const bytes = () => this.frames.reduce((n, f) => n + size(f), 0);
    while (
      this.frames.length > this.bounds.maxFrames ||
      (bytes() > this.bounds.maxBytes && this.frames.length > 1)
    ) {
      this.frames.shift();
    }
  }
}

test('the replay log keeps the newest frames within its frame and byte bounds, in order', () => {
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (const bounds of [
    { maxFrames: 1, maxBytes: 1024 },
    { maxFrames: 5, maxBytes: 1024 },
    { maxFrames: 64, maxBytes: 2000 },
    { maxFrames: 8, maxBytes: 100_000 },
  ]) {
    const log = new ReplayLog(bounds);
    const ref = new Reference(bounds);
    for (let i = 0; i < 500; i++) {
      // Signals (kept as bytes) and room events (kept as strings); mostly small, some big ones (the
      // byte bound), some non-ASCII.
      const type = random(2) === 0 ? 'ICE_CANDIDATE' : 'NEW_PEER_IN_ROOM';
      const frame = `{"type":"${type}","n":${i},"pad":"${'é'.repeat(random(3) === 0 ? random(900) : random(40))}"}`;
      log.sent(frameFromText(frame));
      ref.sent(frame);
      assert.deepEqual(log.tail(), ref.frames);
      const back = random(ref.frames.length + 2);
      const expected = back > ref.frames.length ? null : ref.frames.slice(ref.frames.length - back);
      assert.deepEqual(log.missing(ref.outCount - back), expected);
    }
    assert.equal(log.outCount, 500);
    assert.equal(log.missing(log.outCount + 1), null);
  }
});

test('a replay log made from saved frames replays them', () => {
  const log = new ReplayLog({ maxFrames: 3, maxBytes: 1024 }, 4, 10, ['a', 'b', 'c', 'd']);
  assert.deepEqual(log.tail(), ['b', 'c', 'd']);
  assert.deepEqual(log.missing(8), ['c', 'd']);
  log.sent(frameFromText('e'));
  assert.deepEqual(log.missing(9), ['d', 'e']);
  assert.deepEqual(log.missing(8), ['c', 'd', 'e']);
  assert.equal(log.missing(7), null);
});

const wide = { maxFrames: 64, maxBytes: 1 << 20 };
const logOf = (n: number) => {
  const log = new ReplayLog(wide);
  for (let i = 1; i <= n; i++) log.sent(frameFromText(`f${i}`));
  return log;
};

test('a short log replays exactly the frames after the count a client received', () => {
  const log = logOf(3);
  assert.deepEqual(log.missing(0), ['f1', 'f2', 'f3']);
  assert.deepEqual(log.missing(2), ['f3']);
  assert.deepEqual(log.missing(3), []);
  assert.equal(log.missing(4), null, 'more than was sent');
});

test('bounds evict the oldest frames, and a resume needing them is refused', () => {
  const log = new ReplayLog({ maxFrames: 10, maxBytes: 1 << 20 });
  for (let i = 1; i <= 12; i++) log.sent(frameFromText(`f${i}`));
  assert.deepEqual(
    log.tail(),
    Array.from({ length: 10 }, (_, i) => `f${i + 3}`),
  );
  assert.equal(log.missing(1), null);
  assert.deepEqual(log.missing(10), ['f11', 'f12']);
});

test('readUpTo forgets the frames read, keeps the rest, and keeps counting', () => {
  const log = logOf(5);
  log.readUpTo(3);
  assert.deepEqual(log.tail(), ['f4', 'f5']);
  assert.equal(log.missing(2), null, 'a frame shown read is gone');
  assert.deepEqual(log.missing(3), ['f4', 'f5']);
  log.readUpTo(5);
  assert.deepEqual(log.tail(), []);
  assert.deepEqual(log.missing(5), []);
  log.sent(frameFromText('f6'));
  assert.deepEqual(log.missing(5), ['f6']);
  assert.equal(log.outCount, 6);
});

test('readUpTo ignores counts it cannot act on: old ones, and ones above what was sent', () => {
  const log = logOf(4);
  log.readUpTo(2);
  log.readUpTo(1);
  assert.deepEqual(log.tail(), ['f3', 'f4']);
  log.readUpTo(9);
  assert.deepEqual(log.tail(), ['f3', 'f4']);
});

test('readUpTo works on a ring that has wrapped, and the ring keeps bounding afterwards', () => {
  const log = new ReplayLog({ maxFrames: 4, maxBytes: 1 << 20 });
  for (let i = 1; i <= 7; i++) log.sent(frameFromText(`f${i}`));
  log.readUpTo(5);
  assert.deepEqual(log.tail(), ['f6', 'f7']);
  for (let i = 8; i <= 11; i++) log.sent(frameFromText(`f${i}`));
  assert.deepEqual(log.tail(), ['f8', 'f9', 'f10', 'f11']);
  assert.deepEqual(log.missing(9), ['f10', 'f11']);
});
