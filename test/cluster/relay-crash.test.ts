/**
 * Cross-node relays across a node crash, three node processes on one Redis: every relay to a
 * peer of a node that hangs and is killed is delivered or told to its sender (crash-scenario.ts).
 */
import { test } from 'node:test';
import { startCluster } from './cluster.js';
import { CRASH_NODE_ARGS, relaysAcrossACrash } from './crash-scenario.js';

test('cluster: relays in flight to a node that hangs and dies are each reported to their sender', async (t) => {
  const { nodes } = await startCluster(t, 3, CRASH_NODE_ARGS);
  await relaysAcrossACrash(t, nodes);
});
