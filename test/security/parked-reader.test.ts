// A client that stops reading but keeps answering pings (a pong needs no reading) must not hold
// its unsent output for ever: --output-stall-timeout-ms closes it with 4002.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient, peersInRoom } from '../helpers/test-client.js';
import { startServer } from '../helpers/test-server.js';
import { defineConfig } from '../../src/config.js';

const MiB = 1024 * 1024;

test('default: output stalled for 60 s closes the connection', () => {
  assert.equal(defineConfig().outputStallTimeoutMs, 60_000);
});

test('a parked reader that keeps sending pongs is closed (4002) once its output stalls, its room told', async (t) => {
  const { server, wsUrl } = await startServer(t, {
    heartbeatIntervalMs: 200,
    // Longer than the gap between its pongs: the heartbeat alone never drops it.
    heartbeatTimeoutMs: 1000,
    outputStallTimeoutMs: 1000,
    // A drop is then seen at once as PEER_LEFT_ROOM; the metric says which kind of drop it was.
    resumeGraceMs: 0,
    // Far above what is sent: the buffer limit alone must not be what drops it.
    maxBufferedBytes: 256 * MiB,
    maxMessagesPerSecond: 1_000_000,
    messageBurst: 1_000_000,
  });
  const [sender] = await peersInRoom(t, wsUrl, 'parked', 1, 'sender');
  const parked = await TestClient.connect(t, wsUrl);
  await parked.identify('parked-reader');
  await parked.join('parked');
  await sender!.next('NEW_PEER_IN_ROOM');

  parked.ws.pause(); // reads nothing from now on
  // Proof of life without reading: an unsolicited pong every 300 ms (inside the pong budget).
  const alive = setInterval(() => parked.ws.pong(), 300);
  t.after(() => clearInterval(alive));

  // 8 MiB toward it: enough to fill the kernel buffers and leave output queued in the server.
  const candidate = `candidate:1 1 udp 2122260223 10.0.0.1 ${'9'.repeat(1900)} typ host`;
  const frame = { type: 'ICE_CANDIDATE', toPeerId: parked.peerId, iceCandidate: { candidate, sdpMid: '0' } };
  const count = Math.ceil((8 * MiB) / JSON.stringify(frame).length);
  for (let i = 0; i < count; i++) sender!.send(frame);

  const left = await sender!.waitFor(
    (m) => m.type === 'PEER_LEFT_ROOM',
    'PEER_LEFT_ROOM of the parked reader',
  );
  assert.deepEqual(left.peer, { id: parked.peerId, username: 'parked-reader' });
  const metrics = await server.metrics!.render();
  assert.match(metrics.body, /^signalroom_slow_consumers_total 1$/m);
});

test('a client that reads and answers pings is never closed for a stall', async (t) => {
  const { wsUrl } = await startServer(t, {
    heartbeatIntervalMs: 100,
    heartbeatTimeoutMs: 80,
    outputStallTimeoutMs: 1000,
  });
  const [a, b] = await peersInRoom(t, wsUrl, 'live', 2);
  // 30 heartbeat rounds with traffic both ways: nobody is dropped.
  for (let i = 0; i < 30; i++) {
    a!.send({ type: 'PING', id: i });
    assert.equal((await a!.next('PONG')).id, i);
    await new Promise((resolve) => b!.ws.once('ping', resolve));
  }
  assert.equal(a!.ws.readyState, a!.ws.OPEN);
  assert.equal(b!.ws.readyState, b!.ws.OPEN);
});
