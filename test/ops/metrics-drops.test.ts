import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/test-server.js';
import { identifiedClient, peersInRoom } from '../helpers/test-client.js';
import { scrape, value, type Samples } from './helpers/prometheus.js';

const MiB = 1024 * 1024;

/** Scrape until `check` passes; a safety bound turns a hang into a failure. */
async function scrapeUntil(url: string, check: (s: Samples) => boolean, what: string): Promise<Samples> {
  for (let i = 0; i < 500; i++) {
    const samples = await scrape(url);
    if (check(samples)) return samples;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`metrics never showed ${what}`);
}

test('rate-limited frames are counted: every frame is either answered or in signalroom_rate_limited_total', async (t) => {
  const { wsUrl, httpUrl } = await startServer(t, { maxMessagesPerSecond: 1, messageBurst: 20 });
  const client = await identifiedClient(t, wsUrl, 'flooder');
  // Fewer drops than the burst: the sender is slowed down, not closed (closing stops the count).
  const sent = 30;
  for (let i = 0; i < sent; i++) client.send({ type: 'PING', id: i });
  await client.waitFor((m) => m.type === 'ERROR' && m.code === 'RATE_LIMITED', 'RATE_LIMITED');
  const pongs = () => client.received.filter((m) => m.type === 'PONG').length;
  const s = await scrapeUntil(
    `${httpUrl}/metrics`,
    (x) => pongs() + (x.get('signalroom_rate_limited_total') ?? 0) === sent,
    `${sent} frames accounted for`,
  );
  const limited = value(s, 'signalroom_rate_limited_total');
  assert.ok(limited >= sent - 21, `only ${limited} of ${sent} frames were limited`);
  assert.equal(value(s, 'signalroom_messages_in_total', { type: 'PING' }), pongs());
  assert.ok(value(s, 'signalroom_errors_total', { code: 'RATE_LIMITED' }) >= 1);
});

test('a client that stops reading is dropped (4002) and counted in signalroom_slow_consumers_total', async (t) => {
  const { wsUrl, httpUrl } = await startServer(t, {
    maxBufferedBytes: 64 * 1024,
    maxMessagesPerSecond: 1_000_000,
    messageBurst: 1_000_000,
  });
  const [sender] = await peersInRoom(t, wsUrl, 'stuck', 1, 'sender');
  assert.ok(sender);
  const slow = await identifiedClient(t, wsUrl, 'slow-reader');
  await slow.join('stuck');
  await sender.next('NEW_PEER_IN_ROOM');
  slow.ws.pause(); // stops reading: the kernel buffers fill, then the server's queue passes the limit
  const candidate = `candidate:1 1 udp 2122260223 10.0.0.1 ${'9'.repeat(1900)} typ host`;
  const frame = JSON.stringify({ type: 'ICE_CANDIDATE', toPeerId: slow.peerId, iceCandidate: { candidate } });
  // Bounded: 16 MiB is far more than loopback socket buffers hold.
  for (let i = 0; i < Math.ceil((16 * MiB) / frame.length); i++) sender.send(frame);
  const left = await sender.waitFor((m) => m.type === 'PEER_LEFT_ROOM', 'PEER_LEFT_ROOM of the slow reader');
  assert.deepEqual(left.peer, { id: slow.peerId, username: 'slow-reader' });
  const s = await scrape(`${httpUrl}/metrics`);
  assert.equal(value(s, 'signalroom_slow_consumers_total'), 1);
  slow.ws.resume();
  const { code } = await slow.closed;
  assert.ok(code === 4002 || code === 1006, `slow reader closed with ${code}`);
});
