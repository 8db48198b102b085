import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createNetServer } from 'node:net';
import { startServer } from '../helpers/test-server.js';
import { TestClient, identifiedClient } from '../helpers/test-client.js';
import { scrape, value, type Samples } from './helpers/prometheus.js';

const offer = (to: string) => ({ type: 'SDP_OFFER', toPeerId: to, sdp: { type: 'offer', sdp: 'v=0' } });
const answer = (to: string) => ({ type: 'SDP_ANSWER', toPeerId: to, sdp: { type: 'answer', sdp: 'v=0' } });

/** Scrape until `check` passes (gauges follow cleanup, which runs after the close event). */
async function scrapeUntil(url: string, check: (s: Samples) => boolean): Promise<Samples> {
  for (let i = 0; i < 200; i++) {
    const samples = await scrape(url);
    if (check(samples)) return samples;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('metrics never reached the expected state');
}

test('after a scripted session the counters and gauges hold exact values', async (t) => {
  const { wsUrl, httpUrl } = await startServer(t);
  const metricsUrl = `${httpUrl}/metrics`;
  const alice = await identifiedClient(t, wsUrl, 'alice');
  const bob = await identifiedClient(t, wsUrl, 'bob');
  await alice.join('r1');
  await bob.join('r1');
  await alice.next('NEW_PEER_IN_ROOM');
  alice.send(offer(bob.peerId));
  await bob.next('SDP_OFFER');
  bob.send(answer(alice.peerId));
  await alice.next('SDP_ANSWER');
  bob.send('{not json');
  await bob.next('ERROR');
  alice.send(offer('no-such-peer'));
  await alice.next('ERROR');
  const lone = await TestClient.connect(t, wsUrl);
  lone.send({ type: 'JOIN_ROOM', roomId: 'r2' });
  await lone.next('ERROR');

  let s = await scrape(metricsUrl);
  assert.equal(value(s, 'signalroom_connections'), 3);
  assert.equal(value(s, 'signalroom_connections_total'), 3);
  assert.equal(value(s, 'signalroom_peers'), 2);
  assert.equal(value(s, 'signalroom_rooms'), 1);
  assert.equal(value(s, 'signalroom_rooms_by_size', { size: '2' }), 1);
  assert.equal(value(s, 'signalroom_rooms_by_size', { size: '1' }), 0);
  const messagesIn = (type: string) => value(s, 'signalroom_messages_in_total', { type });
  assert.equal(messagesIn('IDENTIFY'), 2);
  assert.equal(messagesIn('JOIN_ROOM'), 3);
  assert.equal(messagesIn('SDP_OFFER'), 2);
  assert.equal(messagesIn('SDP_ANSWER'), 1);
  assert.equal(messagesIn('invalid'), 1);
  assert.equal(messagesIn('PING'), 0);
  const messagesOut = (type: string) => value(s, 'signalroom_messages_out_total', { type });
  assert.equal(messagesOut('AUTH_SUCCESS'), 2);
  assert.equal(messagesOut('ROOM_MEMBERS'), 2);
  assert.equal(messagesOut('NEW_PEER_IN_ROOM'), 1);
  assert.equal(messagesOut('SDP_OFFER'), 1);
  assert.equal(messagesOut('SDP_ANSWER'), 1);
  assert.equal(messagesOut('ERROR'), 3);
  assert.equal(messagesOut('PEER_LEFT_ROOM'), 0);
  assert.equal(messagesOut('other'), 0);
  assert.equal(value(s, 'signalroom_errors_total', { code: 'BAD_JSON' }), 1);
  assert.equal(value(s, 'signalroom_errors_total', { code: 'UNKNOWN_PEER' }), 1);
  assert.equal(value(s, 'signalroom_errors_total', { code: 'NOT_IDENTIFIED' }), 1);
  assert.equal(value(s, 'signalroom_errors_total', { code: 'USERNAME_TAKEN' }), 0);
  // Only relays that reached a peer are timed.
  assert.equal(value(s, 'signalroom_relay_seconds_count'), 2);
  assert.ok(value(s, 'signalroom_relay_seconds_sum') > 0);
  const backendCalls = (operation: string) => value(s, 'signalroom_backend_seconds_count', { operation });
  assert.equal(backendCalls('claimUsername'), 2);
  assert.equal(backendCalls('joinRoom'), 2);
  assert.equal(s.get('signalroom_backend_failures_total{operation="joinRoom"}') ?? 0, 0);
  assert.equal(value(s, 'signalroom_backend_up', { backend: 'memory' }), 1);
  assert.equal(value(s, 'signalroom_backend_degraded_seconds'), 0);
  assert.equal(value(s, 'signalroom_backend_cluster_messages_total', { event: 'published' }), 0);
  assert.ok(!s.has('signalroom_backend_heartbeat_seconds'), 'no heartbeat sample with memory');
  assert.equal(value(s, 'signalroom_rate_limited_total'), 0);
  assert.equal(value(s, 'signalroom_slow_consumers_total'), 0);
  assert.equal(value(s, 'signalroom_resumes_total'), 0);
  assert.ok(value(s, 'signalroom_process_resident_memory_bytes') > 0, 'default process metrics');

  await bob.close();
  await alice.next('PEER_LEFT_ROOM');
  s = await scrapeUntil(metricsUrl, (x) => x.get('signalroom_peers') === 1);
  assert.equal(value(s, 'signalroom_connections'), 2);
  assert.equal(value(s, 'signalroom_rooms'), 1);
  assert.equal(value(s, 'signalroom_rooms_by_size', { size: '1' }), 1);
  assert.equal(value(s, 'signalroom_rooms_by_size', { size: '2' }), 0);
  assert.equal(value(s, 'signalroom_messages_out_total', { type: 'PEER_LEFT_ROOM' }), 1);
  assert.equal(value(s, 'signalroom_backend_seconds_count', { operation: 'leaveRoom' }), 1);
  assert.equal(value(s, 'signalroom_backend_seconds_count', { operation: 'releaseUsername' }), 1);
});

test('room size distribution buckets: 1, 2, 3-4, 5-8', async (t) => {
  const { wsUrl, httpUrl } = await startServer(t);
  const sizes = { a: 3, b: 5, c: 1 } as const;
  for (const [room, n] of Object.entries(sizes)) {
    for (let i = 0; i < n; i++) {
      const c = await identifiedClient(t, wsUrl, `${room}${i}`);
      await c.join(room);
    }
  }
  const s = await scrape(`${httpUrl}/metrics`);
  const bySize = (size: string) => value(s, 'signalroom_rooms_by_size', { size });
  assert.deepEqual(['1', '2', '3-4', '5-8', '9-16', '65+'].map(bySize), [1, 0, 1, 1, 0, 0]);
});

test('--metrics-token: /metrics needs the bearer token', async (t) => {
  const token = 'metrics-secret-0123456789';
  const { httpUrl } = await startServer(t, { metricsToken: token });
  assert.equal((await fetch(`${httpUrl}/metrics`)).status, 401);
  const wrong = await fetch(`${httpUrl}/metrics`, {
    headers: { authorization: 'Bearer nope-nope-nope-nope' },
  });
  assert.equal(wrong.status, 401);
  const s = await scrape(`${httpUrl}/metrics`, { authorization: `Bearer ${token}` });
  assert.equal(value(s, 'signalroom_connections'), 0);
});

test('--metrics-port: /metrics moves to its own port and leaves the main one', async (t) => {
  const metricsPort = await freePort();
  const { httpUrl } = await startServer(t, { metricsPort });
  assert.equal((await fetch(`${httpUrl}/metrics`)).status, 404);
  const s = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
  assert.equal(value(s, 'signalroom_peers'), 0);
});

test('--no-metrics: no /metrics route', async (t) => {
  const { httpUrl, wsUrl } = await startServer(t, { metrics: false });
  assert.equal((await fetch(`${httpUrl}/metrics`)).status, 404);
  await identifiedClient(t, wsUrl, 'still-works');
});

test('two servers in one process keep separate registries', async (t) => {
  const one = await startServer(t);
  const two = await startServer(t);
  await identifiedClient(t, one.wsUrl, 'only-on-one');
  assert.equal(value(await scrape(`${one.httpUrl}/metrics`), 'signalroom_connections_total'), 1);
  assert.equal(value(await scrape(`${two.httpUrl}/metrics`), 'signalroom_connections_total'), 0);
});

/** A port free right now on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
