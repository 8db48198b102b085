import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient, peersInRoom } from '../helpers/test-client.js';
import { startServerChild } from './helpers/child-server.js';
import { eventually } from './helpers/eventually.js';

const MiB = 1024 * 1024;

test('a client that stops reading is dropped (4002), its room told, and server memory stays flat', async (t) => {
  // Senders are not the subject here: their message budget is opened so 8 MiB can flow.
  const server = await startServerChild(t, { maxMessagesPerSecond: 1_000_000, messageBurst: 1_000_000 });
  const senders = await peersInRoom(t, server.wsUrl, 'stuck', 4, 'sender');
  const slow = await TestClient.connect(t, server.wsUrl);
  await slow.identify('slow-reader');
  await slow.join('stuck');
  for (const s of senders) await s.next('NEW_PEER_IN_ROOM');

  const before = await server.memory();
  slow.ws.pause(); // stops reading its socket: the kernel buffers fill, then the server's queue grows

  const candidate = `candidate:1 1 udp 2122260223 10.0.0.1 ${'9'.repeat(1900)} typ host`;
  const frame = { type: 'ICE_CANDIDATE', toPeerId: slow.peerId, iceCandidate: { candidate, sdpMid: '0' } };
  const perSender = Math.ceil((8 * MiB) / JSON.stringify(frame).length / senders.length);
  for (const s of senders) for (let i = 0; i < perSender; i++) s.send(frame);
  console.log(
    `# ${senders.length} senders × ${perSender} candidates of ${JSON.stringify(frame).length} bytes`,
  );

  for (const s of senders) {
    const left = await s.waitFor((m) => m.type === 'PEER_LEFT_ROOM', 'PEER_LEFT_ROOM of the slow reader');
    assert.deepEqual(left.peer, { id: slow.peerId, username: 'slow-reader' });
  }
  await eventually(async () => assert.equal((await server.stats()).connections, 4), 'slow reader cleaned up');
  const after = await server.memory();
  const growth = (after.rss - before.rss) / MiB;
  console.log(
    `# server RSS ${(before.rss / MiB).toFixed(1)} → ${(after.rss / MiB).toFixed(1)} MiB (growth ${growth.toFixed(1)} MiB); heap ${(before.heapUsed / MiB).toFixed(1)} → ${(after.heapUsed / MiB).toFixed(1)} MiB`,
  );
  assert.ok(growth < 20, `RSS grew ${growth.toFixed(1)} MiB`);

  slow.ws.resume();
  const { code } = await slow.closed;
  assert.ok(code === 4002 || code === 1006, `slow reader closed with ${code}`);
  const stats = await server.stats();
  assert.equal(stats.unhandledRejections, 0);
  assert.equal(stats.uncaughtExceptions, 0);
});
