import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/test-server.js';
import { TestClient, type Received } from '../helpers/test-client.js';
import { defineConfig } from '../../src/config.js';
import { countInvalidMessage, takeMessageToken, type RateState } from '../../src/core/rate-limit.js';

const limits = { messagesPerSecond: 50, burst: 200, maxInvalid: 20, invalidWindowMs: 5000 };
const fresh = (): RateState => ({ tokens: 0, tokensAt: 0, strikes: 0, invalidLevel: 0, invalidAt: 0 });

test('defaults: 50 messages/s, burst 200, 20 invalid per 5 s', () => {
  const config = defineConfig();
  assert.equal(config.maxMessagesPerSecond, 50);
  assert.equal(config.messageBurst, 200);
  assert.equal(config.maxInvalidMessages, 20);
});

test('token bucket: a burst of 200 passes, the 201st is dropped, tokens refill at 50/s', () => {
  const s = fresh();
  const t0 = 1_000_000;
  for (let i = 0; i < 200; i++) assert.equal(takeMessageToken(s, t0, limits), 'accept', `message ${i}`);
  assert.equal(takeMessageToken(s, t0, limits), 'drop');
  assert.equal(takeMessageToken(s, t0, limits), 'drop');
  assert.equal(takeMessageToken(s, t0 + 20, limits), 'accept', 'one token after 20 ms');
  assert.equal(takeMessageToken(s, t0 + 20, limits), 'drop');
  // A sender that keeps exactly to the rate is never refused.
  for (let i = 2; i < 500; i++) assert.equal(takeMessageToken(s, t0 + 20 * i, limits), 'accept');
});

test('token bucket: a sender that keeps flooding is closed; one that backs off starts a new episode', () => {
  const flooder = fresh();
  const t0 = 5_000_000;
  let verdicts = [];
  for (let i = 0; i < 401; i++) verdicts.push(takeMessageToken(flooder, t0, limits));
  assert.equal(verdicts.filter((v) => v === 'accept').length, 200);
  assert.equal(verdicts.filter((v) => v === 'drop').length, 200);
  assert.equal(verdicts.at(-1), 'close');

  const polite = fresh();
  for (let i = 0; i < 300; i++) takeMessageToken(polite, t0, limits);
  // Two seconds of quiet refill 100 tokens: half the bucket, the episode is over.
  assert.equal(takeMessageToken(polite, t0 + 2000, limits), 'accept');
  assert.equal(polite.strikes, 0);
  verdicts = [];
  for (let i = 0; i < 150; i++) verdicts.push(takeMessageToken(polite, t0 + 2000, limits));
  assert.equal(polite.strikes, 51, 'the new episode counts from 0 again');
  assert.ok(!verdicts.includes('close'));
});

test('invalid messages: 20 within 5 s are tolerated, the 21st closes; a slow trickle never does', () => {
  const s = fresh();
  const t0 = 9_000_000;
  for (let i = 0; i < 20; i++) assert.equal(countInvalidMessage(s, t0 + i, limits), false);
  assert.equal(countInvalidMessage(s, t0 + 20, limits), true);
  const trickle = fresh();
  for (let i = 0; i < 1000; i++) assert.equal(countInvalidMessage(trickle, t0 + i * 300, limits), false);
});

/** Send PINGs slowly until one is answered: proves the connection is open and served again. */
async function answeredAgain(client: TestClient): Promise<void> {
  let i = 0;
  const probe = () => client.send({ type: 'PING', id: `probe-${i++}` });
  probe();
  const timer = setInterval(probe, 100);
  try {
    await client.waitFor((m) => m.type === 'PONG' && String(m.id).startsWith('probe-'), 'a probe PONG');
  } finally {
    clearInterval(timer);
  }
}

test('a burst past the bucket: each dropped frame is refused by number with retryAfterMs, the connection stays open', async (t) => {
  const { wsUrl } = await startServer(t);
  const client = await TestClient.connect(t, wsUrl);
  await client.identify('bursty');
  for (let i = 0; i < 300; i++) client.send({ type: 'PING', id: i });
  const error = await client.next('ERROR');
  assert.equal(error.code, 'RATE_LIMITED');
  await answeredAgain(client);
  // Frame n (1-based after IDENTIFY) is PING id n-1: every one of the 300 is either answered or refused.
  const pongs = client.received.filter((m: Received) => m.type === 'PONG' && typeof m.id === 'number');
  // The probes that follow the burst may be refused too: they are frames 301 and on.
  const refusals = client.received.filter((m) => m.code === 'RATE_LIMITED' && (m.frame as number) <= 300);
  // IDENTIFY took one token of the 200.
  assert.ok(pongs.length >= 199 && pongs.length < 300, `${pongs.length} of 300 answered`);
  assert.equal(pongs.length + refusals.length, 300);
  const answered = new Set(pongs.map((p) => (p.id as number) + 1));
  for (const r of refusals) {
    assert.equal(typeof r.retryAfterMs, 'number');
    assert.ok(!answered.has(r.frame as number), `frame ${String(r.frame)} both answered and refused`);
  }
  assert.equal(new Set(refusals.map((r) => r.frame)).size, refusals.length);
});

test('a peer that keeps flooding is closed with 1008', async (t) => {
  const { wsUrl } = await startServer(t);
  const client = await TestClient.connect(t, wsUrl);
  for (let i = 0; i < 2000; i++) client.send({ type: 'PING', id: i });
  const { code } = await client.closed;
  assert.equal(code, 1008);
  const other = await TestClient.connect(t, wsUrl);
  await other.identify('after-the-flood');
});

test('more than 20 invalid messages in 5 s: TOO_MANY_INVALID and close 1008', async (t) => {
  const { wsUrl } = await startServer(t);
  const client = await TestClient.connect(t, wsUrl);
  for (let i = 0; i < 10; i++) client.send('{not json');
  for (let i = 0; i < 10; i++) client.ws.send(Buffer.from([1, 2, 3]));
  client.send({ type: 'NO_SUCH_TYPE' });
  const { code } = await client.closed;
  assert.equal(code, 1008);
  const errors = client.received.map((m) => m.code);
  assert.equal(errors.filter((c) => c === 'BAD_JSON').length, 10);
  assert.equal(errors.filter((c) => c === 'BINARY_NOT_SUPPORTED').length, 10);
  assert.equal(errors.at(-1), 'TOO_MANY_INVALID');
});

test('20 invalid messages are answered and the connection stays open', async (t) => {
  const { wsUrl } = await startServer(t);
  const client = await TestClient.connect(t, wsUrl);
  for (let i = 0; i < 20; i++) client.send({ type: 'JOIN_ROOM', roomId: 42 });
  await client.sync();
  assert.equal(client.received.filter((m) => m.code === 'BAD_MESSAGE').length, 20);
  await client.identify('still-here');
});
