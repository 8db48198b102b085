/** SignalThrottle alone, on mocked timers: what goes out when, and in which order. */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { SignalThrottle } from '../../client/signal-throttle.js';

/** A throttle whose writes are numbered as a client numbers its frames; `up` false refuses writes. */
function throttle(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const written: string[] = [];
  const link = { up: true, frames: 0 };
  const th = new SignalThrottle(1000, (frame) => {
    if (!link.up) return false;
    written.push(frame);
    th.sent(++link.frames, frame);
    return true;
  });
  /** Frame number of the n-th write of `frame` (the latest). */
  const numberOf = (frame: string) => written.lastIndexOf(frame) + 1;
  // Time moves in steps of 1 ms, as it would: each timer runs at its time, and those it sets too.
  const tick = (ms: number) => {
    for (let i = 0; i < ms; i++) t.mock.timers.tick(1);
  };
  return { th, written, link, numberOf, tick };
}

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

test('without a pace, refused signals and those held behind them all go at the retry time, in order', (t) => {
  const { th, written, numberOf, tick } = throttle(t);
  for (const s of names('a', 5)) th.submit(s);
  assert.equal(th.refuse(numberOf('a3'), 1000), true);
  assert.equal(th.refuse(numberOf('a4'), 1000), true);
  for (const s of names('b', 3)) th.submit(s);
  assert.equal(written.length, 5, 'nothing more while the retry time has not come');
  tick(999);
  assert.equal(written.length, 5);
  tick(1);
  assert.deepEqual(written.slice(5), ['a3', 'a4', 'b0', 'b1', 'b2']);
  assert.equal(th.holding, false);
});

test('with a pace, a backlog goes `atOnce` at the retry time, then a little under the rate', (t) => {
  const { th, written, numberOf, tick } = throttle(t);
  th.submit('a0');
  th.refuse(numberOf('a0'), 500, { atOnce: 4, perSecond: 10 });
  for (const s of names('b', 20)) th.submit(s);
  tick(500);
  assert.deepEqual(written.slice(1), ['a0', 'b0', 'b1', 'b2'], 'atOnce at the retry time');
  // 10 a second paced at 90 %: one every ~111 ms.
  tick(1000);
  const inASecond = written.length - 5;
  assert.ok(inASecond >= 8 && inASecond <= 9, `${inASecond} in the next second`);
  tick(5000);
  assert.equal(written.length, 22, 'everything went');
  assert.deepEqual(written.slice(1), ['a0', ...names('b', 20)], 'in order');
});

test('a refusal while pacing stops it; the refused ones go first at the new retry time, then the rest', (t) => {
  const { th, written, numberOf, tick } = throttle(t);
  th.submit('a0');
  th.refuse(numberOf('a0'), 100, { atOnce: 2, perSecond: 10 });
  for (const s of names('b', 6)) th.submit(s);
  tick(100); // a0, b0 go
  assert.deepEqual(written.slice(1), ['a0', 'b0']);
  th.refuse(numberOf('b0'), 300, { atOnce: 2, perSecond: 10 });
  th.submit('c0');
  tick(299);
  assert.equal(written.length, 3, 'nothing while the new refusal waits');
  tick(1);
  tick(5000);
  assert.deepEqual(written.slice(3), ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'c0']);
});

test('once the backlog is gone and the bucket refilled, signals go at once again', (t) => {
  const { th, written, numberOf, tick } = throttle(t);
  th.submit('a0');
  th.refuse(numberOf('a0'), 100, { atOnce: 2, perSecond: 10 });
  tick(100);
  assert.deepEqual(written, ['a0', 'a0']);
  tick(1000); // refilled past atOnce
  for (const s of names('b', 5)) th.submit(s);
  assert.deepEqual(written.slice(2), names('b', 5), 'no pacing left');
});

test('what the connection cannot take stays held, and a resume takes it in order', (t) => {
  const { th, written, numberOf, link, tick } = throttle(t);
  for (const s of names('a', 3)) th.submit(s);
  th.refuse(numberOf('a1'), 100, { atOnce: 10, perSecond: 10 });
  th.refuse(numberOf('a2'), 100, { atOnce: 10, perSecond: 10 });
  th.submit('b0');
  link.up = false;
  tick(100);
  assert.equal(written.length, 3);
  assert.equal(th.held, 3);
  assert.deepEqual(th.take(), { refused: [], waiting: ['a1', 'a2', 'b0'] });
  assert.equal(th.holding, false);
});

test('a refusal naming a frame that is not a recent signal is not ours', (t) => {
  const { th } = throttle(t);
  th.submit('a0');
  assert.equal(th.refuse(7, 100), false);
  assert.equal(th.holding, false);
});

test('a pace that could never send (no rate) is ignored: everything goes at the retry time', (t) => {
  const { th, written, numberOf, tick } = throttle(t);
  th.submit('a0');
  th.refuse(numberOf('a0'), 100, { atOnce: 2, perSecond: 0 });
  for (const s of names('b', 3)) th.submit(s);
  tick(100);
  assert.deepEqual(written.slice(1), ['a0', 'b0', 'b1', 'b2']);
});

test('after a resume the refused signals keep their retry time, then the unprocessed and those sent meanwhile follow', (t) => {
  const { th, written, numberOf, link, tick } = throttle(t);
  th.submit('a0');
  th.submit('a1');
  th.refuse(numberOf('a1'), 500, { atOnce: 10, perSecond: 10 });
  th.submit('b0');
  link.up = false; // dropped; resumed 100 ms later
  tick(100);
  th.resumeWith(['u0'], ['m0']);
  link.up = true;
  th.pump();
  assert.equal(written.length, 2, 'nothing before the retry time');
  tick(400);
  assert.deepEqual(written.slice(2), ['a1', 'u0', 'b0', 'm0']);
});
