import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/test-server.js';
import { identifiedClient, peersInRoom } from '../helpers/test-client.js';
import { lastToken, tryResume } from '../reliability/resume-helpers.js';

const TOKEN = 'admin-secret-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

test('the admin API is off without --admin-token', async (t) => {
  const { server } = await startServer(t);
  const res = await server.http.inject({ method: 'GET', url: '/api/stats', headers: auth });
  assert.equal(res.statusCode, 404);
});

test('every admin route refuses a missing or wrong bearer token with 401', async (t) => {
  const { server } = await startServer(t, { adminToken: TOKEN });
  const routes = [
    ['GET', '/api/stats'],
    ['GET', '/api/rooms'],
    ['GET', '/api/rooms/r1'],
    ['DELETE', '/api/rooms/r1/peers/p1'],
  ] as const;
  for (const [method, url] of routes) {
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }]) {
      const res = await server.http.inject({ method, url, headers });
      assert.equal(res.statusCode, 401, `${method} ${url} with ${JSON.stringify(headers)}`);
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="admin"');
      assert.equal(res.json().error, 'UNAUTHORIZED');
    }
  }
});

test('GET /api/stats counts connections, peers and rooms', async (t) => {
  const { server, wsUrl } = await startServer(t, { adminToken: TOKEN });
  await peersInRoom(t, wsUrl, 'r1', 2);
  await identifiedClient(t, wsUrl, 'roomless');
  const res = await server.http.inject({ method: 'GET', url: '/api/stats', headers: auth });
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(body.backend, 'memory');
  assert.equal(body.ready, true);
  assert.equal(body.connections, 3);
  assert.equal(body.peers, 3);
  assert.equal(body.rooms, 1);
  assert.equal(typeof body.nodeId, 'string');
});

test('GET /api/rooms pages through every room with its member count', async (t) => {
  const { server, wsUrl } = await startServer(t, { adminToken: TOKEN });
  const sizes: Record<string, number> = { alpha: 1, bravo: 2, charlie: 1, delta: 3, echo: 1 };
  for (const [room, n] of Object.entries(sizes)) await peersInRoom(t, wsUrl, room, n);
  const seen: Record<string, number> = {};
  let cursor: string | null = null;
  let pages = 0;
  do {
    const url: string = `/api/rooms?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await server.http.inject({ method: 'GET', url, headers: auth });
    assert.equal(res.statusCode, 200);
    const page = res.json() as { rooms: { id: string; members: number }[]; next: string | null };
    assert.ok(page.rooms.length <= 2);
    for (const room of page.rooms) {
      assert.equal(seen[room.id], undefined, `${room.id} listed twice`);
      seen[room.id] = room.members;
    }
    cursor = page.next;
    pages++;
  } while (cursor !== null && pages < 10);
  assert.deepEqual(seen, sizes);
  assert.equal(pages, 3);
  const bad = await server.http.inject({ method: 'GET', url: '/api/rooms?limit=0', headers: auth });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error, 'BAD_REQUEST');
});

test('GET /api/rooms/:id lists the members; an empty room is 404', async (t) => {
  const { server, wsUrl } = await startServer(t, { adminToken: TOKEN });
  const [a, b] = await peersInRoom(t, wsUrl, 'r1', 2);
  const res = await server.http.inject({ method: 'GET', url: '/api/rooms/r1', headers: auth });
  assert.equal(res.statusCode, 200);
  const body = res.json() as { id: string; members: { id: string; username: string }[] };
  assert.equal(body.id, 'r1');
  assert.deepEqual(body.members.map((m) => m.id).sort(), [a?.peerId, b?.peerId].sort());
  const missing = await server.http.inject({ method: 'GET', url: '/api/rooms/nope', headers: auth });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error, 'NOT_FOUND');
});

test('DELETE /api/rooms/:id/peers/:peerId closes the peer with 4004 and tells the room', async (t) => {
  const { server, wsUrl, httpUrl } = await startServer(t, { adminToken: TOKEN });
  const [alice, bob, carol] = await peersInRoom(t, wsUrl, 'r1', 3);
  assert.ok(alice && bob && carol);
  // Over real HTTP, as an operator's curl would.
  const res = await fetch(`${httpUrl}/api/rooms/r1/peers/${bob.peerId}`, { method: 'DELETE', headers: auth });
  assert.equal(res.status, 204);
  assert.deepEqual(await bob.closed, { code: 4004, reason: 'Removed by an administrator' });
  for (const other of [alice, carol]) {
    const left = await other.next('PEER_LEFT_ROOM');
    assert.deepEqual(left.peer, { id: bob.peerId, username: bob.username });
  }
  const members = await server.http.inject({ method: 'GET', url: '/api/rooms/r1', headers: auth });
  assert.equal(members.json().members.length, 2);
  // The kicked peer's username is free again.
  await identifiedClient(t, wsUrl, bob.username);
  const again = await server.http.inject({
    method: 'DELETE',
    url: `/api/rooms/r1/peers/${bob.peerId}`,
    headers: auth,
  });
  assert.equal(again.statusCode, 404);
  const wrongRoom = await server.http.inject({
    method: 'DELETE',
    url: `/api/rooms/other/peers/${alice.peerId}`,
    headers: auth,
  });
  assert.equal(wrongRoom.statusCode, 404);
  await alice.sync();
  assert.equal(alice.ws.readyState, alice.ws.OPEN);
});

test('DELETE of a peer held for resume ends its hold: the room is told, its token refused', async (t) => {
  const { server, wsUrl, httpUrl } = await startServer(t, { adminToken: TOKEN });
  const [alice, bob] = await peersInRoom(t, wsUrl, 'r1', 2);
  assert.ok(alice && bob);
  bob.terminate();
  for (let i = 0; i < 200 && (server.core.introspect()['resume.held'] ?? 0) === 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(server.core.introspect()['resume.held'], 1, 'bob is held');
  const res = await fetch(`${httpUrl}/api/rooms/r1/peers/${bob.peerId}`, { method: 'DELETE', headers: auth });
  assert.equal(res.status, 204);
  assert.deepEqual((await alice.next('PEER_LEFT_ROOM')).peer, { id: bob.peerId, username: bob.username });
  const back = await tryResume(t, wsUrl, lastToken(bob));
  assert.equal(back.type, 'AUTH_ERROR', 'a kicked peer cannot resume');
});
