/**
 * A reconnect does not reset the limits, across nodes: a peer held on one node process and resumed
 * through another carries its message and room-change budgets with its held state (over Redis),
 * so the flood after the resume gets no fresh burst. The one-node version is
 * test/security/resume-budgets.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BUDGET_ARGS,
  BUDGET_LIMITS,
  assertNoFreshBurst,
  messageFlood,
  roomChangeFlood,
} from '../security/budget-scenario.js';
import type { TestClient } from '../helpers/test-client.js';
import { startCluster, until, type ClusterNode } from './cluster.js';

/** Wait until `node` has logged holding `client`'s peer. */
function heldOn(node: ClusterNode) {
  return (client: TestClient) =>
    until(
      () => node.logs.some((l) => l.msg === 'held for resume' && l.peerId === client.peerId),
      `node holds ${client.username}`,
    );
}

test('cluster: flood, drop, resume on another node: neither budget is refilled', async (t) => {
  // The limits come after the test defaults (which lift them out of the way): the last one wins.
  const { nodes } = await startCluster(t, 2, BUDGET_ARGS);
  const [n1, n2] = nodes as [ClusterNode, ClusterNode];

  const messages = await messageFlood(t, n1.wsUrl, n2.wsUrl, heldOn(n1));
  assert.ok(messages.refused > 0, 'the flood after the resume was refused');
  assertNoFreshBurst(messages, BUDGET_LIMITS.messagesPerSecond, 'messages');

  const changes = await roomChangeFlood(t, n2.wsUrl, n1.wsUrl, heldOn(n2));
  assert.ok(changes.refused > 0, 'the joins after the resume were refused');
  assertNoFreshBurst(changes, BUDGET_LIMITS.roomChangesPerSecond, 'room changes');
});
