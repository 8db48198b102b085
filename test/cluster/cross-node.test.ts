/** Three nodes on one Redis behave like one server: rooms, events and relay across nodes. */
import { test } from 'node:test';
import { CAPACITY, concurrentJoins, membersEventsAndRelay, usernamesUnique } from './conformance.js';
import { startCluster } from './cluster.js';

const capacity = ['--max-peers-per-room', String(CAPACITY)];

test('cluster: members, NEW_PEER_IN_ROOM, relay in order and PEER_LEFT_ROOM across three nodes', async (t) => {
  await membersEventsAndRelay(t, await startCluster(t, 3, capacity));
});

test('cluster: usernames are unique across nodes, in any case', async (t) => {
  await usernamesUnique(t, await startCluster(t, 3, capacity));
});

test('cluster: concurrent joins over three nodes: capacity holds, no member lost or doubled', async (t) => {
  await concurrentJoins(t, await startCluster(t, 3, capacity));
});
