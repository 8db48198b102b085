// /metrics is private by default (this host only, unless --metrics-token), and a scrape costs
// O(metrics), not O(rooms): the room-size gauges never walk the rooms of the memory backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/test-server.js';
import { identifiedClient } from '../helpers/test-client.js';
import { scrape, value } from './helpers/prometheus.js';
import { MemoryBackend } from '../../src/backend/memory.js';
import type { Backend, RoomPage } from '../../src/backend/backend.js';
import { RoomTally, WALK_EVERY_MS } from '../../src/metrics/room-tally.js';

const TOKEN = 'metrics-secret-0123456789';

test('without --metrics-token /metrics answers this host only: 403 from elsewhere or through a proxy', async (t) => {
  const { server, httpUrl } = await startServer(t);
  assert.equal((await fetch(`${httpUrl}/metrics`)).status, 200, 'loopback, not forwarded');
  const remote = await server.http.inject({ url: '/metrics', remoteAddress: '203.0.113.5' });
  assert.equal(remote.statusCode, 403);
  assert.equal(remote.json().error, 'FORBIDDEN');
  assert.match(remote.json().message, /--metrics-token/);
  const forwarded: Record<string, string>[] = [
    { 'X-Forwarded-For': '203.0.113.5' },
    { Forwarded: 'for=203.0.113.5' },
  ];
  for (const header of forwarded) {
    assert.equal(
      (await fetch(`${httpUrl}/metrics`, { headers: header })).status,
      403,
      JSON.stringify(header),
    );
  }
  const v6 = await server.http.inject({ url: '/metrics', remoteAddress: '::1' });
  assert.equal(v6.statusCode, 200);
});

test('with --metrics-token any address may scrape with the token, none without', async (t) => {
  const { server } = await startServer(t, { metricsToken: TOKEN });
  const withToken = await server.http.inject({
    url: '/metrics',
    remoteAddress: '203.0.113.5',
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(withToken.statusCode, 200);
  const local = await server.http.inject({ url: '/metrics', remoteAddress: '127.0.0.1' });
  assert.equal(local.statusCode, 401, 'the token is needed from this host too');
});

test('--metrics-port is private by default too', async (t) => {
  const { createServer } = await import('node:net');
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => resolve(free));
    });
  });
  const { server } = await startServer(t, { metricsPort: port });
  const remote = await server.metricsHttp!.inject({ url: '/metrics', remoteAddress: '203.0.113.5' });
  assert.equal(remote.statusCode, 403);
  assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 200);
});

class CountingBackend extends MemoryBackend {
  listed = 0;
  override async listRooms(cursor: string | null, limit: number): Promise<RoomPage> {
    this.listed++;
    return super.listRooms(cursor, limit);
  }
}

test('a scrape reads the room sizes the memory backend keeps, without listing rooms', async (t) => {
  const backend = new CountingBackend();
  const { wsUrl, httpUrl } = await startServer(t, {}, { backend });
  const sizes = { a: 3, b: 1, c: 1 } as const;
  const clients = [];
  for (const [room, n] of Object.entries(sizes)) {
    for (let i = 0; i < n; i++) {
      const c = await identifiedClient(t, wsUrl, `${room}${i}`);
      await c.join(room);
      clients.push(c);
    }
  }
  let s = await scrape(`${httpUrl}/metrics`);
  assert.equal(value(s, 'signalroom_rooms'), 3);
  assert.deepEqual(
    ['1', '2', '3-4'].map((size) => value(s, 'signalroom_rooms_by_size', { size })),
    [2, 0, 1],
  );
  // A member leaves room a: it moves from the 3-4 bucket to 2.
  clients[0]!.send({ type: 'LEAVE_ROOM' });
  await clients[1]!.next('PEER_LEFT_ROOM');
  s = await scrape(`${httpUrl}/metrics`);
  assert.deepEqual(
    ['1', '2', '3-4'].map((size) => value(s, 'signalroom_rooms_by_size', { size })),
    [2, 1, 0],
  );
  assert.equal(backend.listed, 0, 'no scrape walked the rooms');
});

test('RoomTally: a backend without counts is walked at most once per interval, scrapes in between are served the last walk', async () => {
  let now = 0;
  let walks = 0;
  let rooms: RoomPage['rooms'] = [{ id: 'r', members: 2 }];
  const backend = {
    async listRooms(): Promise<RoomPage> {
      walks++;
      return { rooms, next: null };
    },
  } as unknown as Backend;
  const tally = new RoomTally(backend, () => now);
  assert.equal((await tally.read()).rooms, 1);
  rooms = [...rooms, { id: 's', members: 1 }];
  now = WALK_EVERY_MS - 1;
  assert.equal((await tally.read()).rooms, 1, 'served from the last walk');
  assert.equal(walks, 1);
  now = WALK_EVERY_MS;
  assert.equal((await tally.read()).rooms, 1, 'a stale tally is served while a new walk runs');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(walks, 2);
  const latest = await tally.read();
  assert.equal(latest.rooms, 2);
  assert.deepEqual(
    [...latest.bySize],
    [
      [2, 1],
      [1, 1],
    ],
  );
});
