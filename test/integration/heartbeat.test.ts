// Liveness: a client that stops answering WebSocket pings is dropped and cleaned up like a clean
// disconnect; one that answers is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { startServer } from '../helpers/test-server.js';
import { TestClient, identifiedClient } from '../helpers/test-client.js';

/** A client in `roomId` that never answers pings (ws's automatic pong is off). */
async function silentPeer(
  t: Parameters<typeof identifiedClient>[0],
  wsUrl: string,
  name: string,
  roomId: string,
) {
  const client = await TestClient.connect(t, wsUrl, { autoPong: false });
  await client.identify(name);
  await client.join(roomId);
  return client;
}

/** Resolve after `client` has received `n` more WebSocket pings; fail if it closes first. */
async function pingsReceived(client: TestClient, n: number): Promise<void> {
  const closed = client.closed.then(({ code }) => {
    throw new Error(`closed with ${code} while waiting for pings`);
  });
  for (let i = 0; i < n; i++) {
    await Promise.race([once(client.ws, 'ping', { signal: AbortSignal.timeout(10_000) }), closed]);
  }
}

for (const [label, heartbeatIntervalMs, heartbeatTimeoutMs] of [
  // Generous margins: the healthy client must pong within the timeout even on a loaded CI machine.
  ['timeout shorter than the interval', 600, 300],
  ['timeout equal to the interval', 300, 300],
  ['timeout longer than the interval', 200, 600],
] as const) {
  test(`a client that stops answering pings is dropped and its room told (${label})`, async (t) => {
    // Resume off: the original behaviour, where a dropped peer is gone at once (docs/reliability.md holds it otherwise).
    const { wsUrl } = await startServer(t, { heartbeatIntervalMs, heartbeatTimeoutMs, resumeGraceMs: 0 });
    const healthy = await identifiedClient(t, wsUrl, 'healthy');
    await healthy.join('room');
    const silent = await silentPeer(t, wsUrl, 'silent', 'room');
    await healthy.next('NEW_PEER_IN_ROOM');

    // Terminated without a close frame: the client sees 1006.
    assert.equal((await silent.closed).code, 1006);
    assert.deepEqual(await healthy.next('PEER_LEFT_ROOM'), {
      type: 'PEER_LEFT_ROOM',
      roomId: 'room',
      peer: { id: silent.peerId, username: 'silent' },
    });
    // The username is free again.
    await identifiedClient(t, wsUrl, 'Silent');
    // The healthy client answers its pings and stays through several more rounds.
    await pingsReceived(healthy, 3);
    await healthy.sync();
    assert.equal(healthy.ws.readyState, healthy.ws.OPEN);
    assert.equal(healthy.received.filter((m) => m.type === 'PEER_LEFT_ROOM').length, 1);
  });
}

test('a client that is not yet identified and stops answering pings is dropped too', async (t) => {
  const { wsUrl } = await startServer(t, { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 50 });
  const silent = await TestClient.connect(t, wsUrl, { autoPong: false });
  assert.equal((await silent.closed).code, 1006);
});

test('a browser-style client that sends PING messages but never pongs is kept while it talks', async (t) => {
  const { wsUrl } = await startServer(t, { heartbeatIntervalMs: 300, heartbeatTimeoutMs: 300 });
  const chatty = await TestClient.connect(t, wsUrl, { autoPong: false });
  await chatty.identify('chatty');
  // Each server ping is answered by a PING message instead of a pong: any frame is a sign of life.
  for (let i = 0; i < 5; i++) {
    await pingsReceived(chatty, 1);
    chatty.send({ type: 'PING', id: i });
    assert.deepEqual(await chatty.next('PONG'), { type: 'PONG', id: i });
  }
  assert.equal(chatty.ws.readyState, chatty.ws.OPEN);
});

test('a client that answers pings late but within a timeout longer than the interval is kept', async (t) => {
  // One interval is 100 ms; the timeout allows 1 s. The client pongs 300 ms after each ping.
  const { wsUrl } = await startServer(t, { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 1000 });
  const slow = await TestClient.connect(t, wsUrl, { autoPong: false });
  slow.ws.on('ping', () => setTimeout(() => slow.ws.pong(), 300));
  await slow.identify('slow-but-alive');
  await pingsReceived(slow, 4);
  await slow.sync();
  assert.equal(slow.ws.readyState, slow.ws.OPEN);
});
