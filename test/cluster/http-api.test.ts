/**
 * Three real node processes on one Redis behind no load balancer at all (every request goes to a
 * different node than the client's connection): `/api/ice-servers` answers on every node for every
 * session, the admin API lists, details and kicks across nodes, and the room index pages in order
 * and empties with the rooms, also when the node holding a room's last member is killed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { CLOCK_TOLERANCE_S } from '../../src/auth/jwt.js';
import { startCluster, until, type ClusterNode } from './cluster.js';
import {
  adminAcrossNodes,
  expiredBearer,
  HTTP_API_ARGS,
  iceServersOnEveryNode,
  indexedRooms,
  roomPagination,
  walkRooms,
} from './http-api.js';
import { TestClient } from '../helpers/test-client.js';

const SECRET = 'a-jwt-secret-of-the-cluster-tests-0123456789';
const jwt = (username: string, seconds = 600) =>
  new SignJWT({ sub: username, exp: Math.floor(Date.now() / 1000) + seconds })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(SECRET));

test('three nodes, one Redis: every node answers the HTTP API for every session', async (t) => {
  const cluster = await startCluster(t, 3, [...HTTP_API_ARGS, '--auth', 'jwt', '--jwt-secret', SECRET]);
  const tokenFor = (username: string) => jwt(username);
  await t.test('ice-servers: every node, every client; ended and replaced tokens refused', (t) =>
    iceServersOnEveryNode(t, cluster, tokenFor),
  );
  await t.test('ice-servers: a token past its expiry is refused on every node', (t) =>
    expiredBearer(t, cluster, async (username) => {
      // Already past its exp, but within the clock tolerance: the server takes it for 2 to 3 s more.
      const exp = Math.floor(Date.now() / 1000) + 3 - CLOCK_TOLERANCE_S;
      return {
        token: await jwt(username, exp - Math.floor(Date.now() / 1000)),
        expiresAt: (exp + CLOCK_TOLERANCE_S) * 1000,
      };
    }),
  );
  await t.test('admin: details and kick from one node for a peer on another', (t) =>
    adminAcrossNodes(t, cluster, tokenFor),
  );
  await t.test('admin: rooms paged in order from every node; the index empties with the rooms', (t) =>
    roomPagination(t, cluster, tokenFor),
  );
  await t.test(
    'admin: the room of a killed node’s peer leaves the index when the node is reaped',
    async (t) => {
      const [n1, , n3] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
      const doomed = await TestClient.connect(t, n3.wsUrl);
      await doomed.identify('doomed', { token: await jwt('doomed') });
      await doomed.join('doomed-room');
      assert.deepEqual(await walkRooms(n1, 10), [{ id: 'doomed-room', members: 1 }]);
      await n3.kill9();
      await until(async () => (await indexedRooms(cluster)) === 0, 'the reaper unlists the room', 15_000);
      assert.deepEqual(await walkRooms(n1, 10), []);
    },
  );
});
