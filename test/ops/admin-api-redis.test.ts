import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer } from '../helpers/test-server.js';
import { identifiedClient } from '../helpers/test-client.js';
import { RedisServer } from '../helpers/redis-server.js';
import { scrape, value } from './helpers/prometheus.js';

const TOKEN = 'admin-secret-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

let redis: RedisServer;
before(async () => {
  redis = await RedisServer.start();
});
after(() => redis.destroy());

test('with --backend redis the admin API of one node sees and kicks peers of another', async (t) => {
  const shared = {
    backend: 'redis',
    redisUrl: redis.url,
    redisKeyPrefix: `ops-${randomUUID()}:`,
    adminToken: TOKEN,
  } as const;
  const one = await startServer(t, shared);
  const two = await startServer(t, shared);
  const alice = await identifiedClient(t, one.wsUrl, 'alice');
  await alice.join('r1');
  const bob = await identifiedClient(t, two.wsUrl, 'bob');
  await bob.join('r1');
  await alice.next('NEW_PEER_IN_ROOM');
  const carol = await identifiedClient(t, two.wsUrl, 'carol');
  await carol.join('r2');

  const stats = (await one.server.http.inject({ method: 'GET', url: '/api/stats', headers: auth })).json();
  assert.equal(stats.backend, 'redis');
  assert.equal(stats.rooms, 2, 'rooms of both nodes');
  assert.equal(stats.peers, 1, 'peers of this node');
  const rooms = (await one.server.http.inject({ method: 'GET', url: '/api/rooms', headers: auth })).json();
  assert.deepEqual(
    (rooms.rooms as { id: string; members: number }[]).sort((a, b) => a.id.localeCompare(b.id)),
    [
      { id: 'r1', members: 2 },
      { id: 'r2', members: 1 },
    ],
  );
  const members = (
    await one.server.http.inject({ method: 'GET', url: '/api/rooms/r1', headers: auth })
  ).json();
  assert.deepEqual((members.members as { username: string }[]).map((m) => m.username).sort(), [
    'alice',
    'bob',
  ]);

  // Backend health in the metrics: the join of bob went from node two to node one over pub/sub.
  const published = value(
    await scrape(`${two.httpUrl}/metrics`),
    'signalroom_backend_cluster_messages_total',
    {
      event: 'published',
    },
  );
  assert.ok(published >= 1, `node two published ${published}`);
  const s1 = await scrape(`${one.httpUrl}/metrics`);
  assert.ok(value(s1, 'signalroom_backend_cluster_messages_total', { event: 'received' }) >= 1);
  assert.equal(value(s1, 'signalroom_backend_cluster_messages_total', { event: 'publish_errors' }), 0);
  assert.equal(value(s1, 'signalroom_backend_up', { backend: 'redis' }), 1);
  assert.equal(value(s1, 'signalroom_backend_degraded_seconds'), 0);
  assert.ok(value(s1, 'signalroom_backend_heartbeat_seconds') >= 0);

  const kick = await one.server.http.inject({
    method: 'DELETE',
    url: `/api/rooms/r1/peers/${bob.peerId}`,
    headers: auth,
  });
  assert.equal(kick.statusCode, 204);
  assert.equal((await bob.closed).code, 4004);
  const left = await alice.next('PEER_LEFT_ROOM');
  assert.deepEqual(left.peer, { id: bob.peerId, username: 'bob' });
});
