import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExponentialBackoffPolicy, NEVER_RECONNECT } from '../../client/reconnect-policy.js';

const at = (attempt: number, elapsedMs = 0) => ({ attempt, elapsedMs, closeCode: 1006 });

test('backoff doubles from 0.5 s and stops growing at 15 s', () => {
  const policy = new ExponentialBackoffPolicy({ random: () => 0 });
  const delays = [0, 1, 2, 3, 4, 5, 6, 10].map((n) => policy.nextDelayMs(at(n)));
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
});

test('jitter draws each delay from [delay·(1−jitter), delay]', () => {
  const low = new ExponentialBackoffPolicy({ random: () => 0.999999, jitter: 0.5 });
  const high = new ExponentialBackoffPolicy({ random: () => 0, jitter: 0.5 });
  assert.equal(low.nextDelayMs(at(2)), 1000);
  assert.equal(high.nextDelayMs(at(2)), 2000);
  const real = new ExponentialBackoffPolicy();
  for (let i = 0; i < 200; i++) {
    const d = real.nextDelayMs(at(3)) as number;
    assert.ok(d >= 2000 && d <= 4000, `delay ${d} outside [2000, 4000]`);
  }
});

test('the policy gives up after maxAttempts or maxElapsedMs', () => {
  const policy = new ExponentialBackoffPolicy({ maxAttempts: 3, maxElapsedMs: 60_000 });
  assert.notEqual(policy.nextDelayMs(at(2)), null);
  assert.equal(policy.nextDelayMs(at(3)), null);
  assert.equal(policy.nextDelayMs(at(0, 60_000)), null);
  assert.equal(NEVER_RECONNECT.nextDelayMs(at(0)), null);
});

test('nonsensical options are refused at construction', () => {
  assert.throws(() => new ExponentialBackoffPolicy({ initialDelayMs: 100, maxDelayMs: 10 }), RangeError);
  assert.throws(() => new ExponentialBackoffPolicy({ jitter: 2 }), RangeError);
});
