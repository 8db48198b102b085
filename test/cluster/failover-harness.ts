/**
 * What every Redis failover test does around its failure: two pairs of peers, each pair split
 * over two nodes, relaying to each other every 100 ms (relay-probe.ts); a wait for traffic to flow
 * again; a bounded wait for /readyz after a promotion; and the final checks of the guarantees.
 */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient } from '../helpers/test-client.js';
import { member, until, type ClusterNode } from './cluster.js';
import { RelayProbe } from './relay-probe.js';

/** The relay deadline the failover tests give the nodes (`--redis-relay-deadline-ms`). */
export const DEADLINE_MS = 2000;
/** The bound a client can observe: the deadline between nodes plus the hops to and from them. */
export const OBSERVED_BOUND_MS = DEADLINE_MS + 1000;
/** The bound on readiness after a promotion. */
export const READY_AFTER_PROMOTION_MS = 10_000;

/** One peer of a pair: its node, username and room. */
export type Placement = readonly [ClusterNode, string, string];

/** Peers placed as given (pairs share a room), relaying to their partner every 100 ms. */
export async function startTraffic(t: TestContext, pairs: ReadonlyArray<readonly [Placement, Placement]>) {
  const clients: Array<[TestClient, TestClient]> = [];
  for (const [[na, ua, room], [nb, ub]] of pairs) {
    const a = await member(t, na, ua, room);
    const b = await member(t, nb, ub, room);
    await a.client.next('NEW_PEER_IN_ROOM');
    clients.push([a.client, b.client]);
  }
  const probe = new RelayProbe(clients);
  probe.start(100);
  /** Wait until at least five more relays arrived in every direction. */
  const flowing = async (what: string) => {
    const before = probe.arrivedEverywhere();
    await until(() => probe.arrivedEverywhere() >= before + 5, `relays flowing ${what}`);
  };
  await flowing('at first');
  return { clients, probe, flowing };
}

/** Every node answers /readyz 200 within {@link READY_AFTER_PROMOTION_MS}, or a clear failure. */
export async function readyWithin(nodes: ClusterNode[], what: string): Promise<void> {
  await Promise.all(nodes.map((n) => n.waitReady(200, READY_AFTER_PROMOTION_MS))).catch((err: Error) => {
    throw new Error(`/readyz not 200 within ${READY_AFTER_PROMOTION_MS} ms ${what}: ${err.message}`);
  });
}

/**
 * Stop the traffic and check: nothing lost without its sender told, nothing late, twice or out of
 * order; every client still connected; each username refused to an impostor on the node given.
 */
export async function checkGuarantees(
  t: TestContext,
  probe: RelayProbe,
  clients: TestClient[],
  impostors: ReadonlyArray<readonly [ClusterNode, string]>,
): Promise<void> {
  await probe.stop(OBSERVED_BOUND_MS + 1000);
  t.diagnostic(probe.summary());
  assert.deepEqual(probe.problems(OBSERVED_BOUND_MS), [], probe.summary());
  for (const c of clients) assert.equal(c.ws.readyState, c.ws.OPEN, `${c.username} lost its session`);
  for (const [node, name] of impostors) {
    const impostor = await TestClient.connect(t, node.wsUrl);
    impostor.send({ type: 'IDENTIFY', username: name });
    assert.equal(
      (await impostor.next('AUTH_ERROR')).code,
      'USERNAME_TAKEN',
      `${name} could be claimed twice`,
    );
  }
}
