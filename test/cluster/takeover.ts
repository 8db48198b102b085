/**
 * Takeover scenarios run on one Redis (resume-takeover.test.ts) and on a Redis Cluster
 * (resume-takeover-redis-cluster.test.ts): three node processes, a client "alice" whose session
 * moves between them, and "bob" in her room, who must never hear of it.
 */
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient, type Received } from '../helpers/test-client.js';
import { framesSinceAuth, lastToken, numbered } from '../reliability/resume-helpers.js';
import { member, type ClusterNode } from './cluster.js';

/** Membership events about `peerId` a client received. */
export function eventsAbout(client: TestClient, peerId: string): Received[] {
  return client.received.filter(
    (m) =>
      (m.type === 'PEER_LEFT_ROOM' || m.type === 'NEW_PEER_IN_ROOM') &&
      (m.peer as { id: string }).id === peerId,
  );
}

/** The code `client`'s connection closes with; a safety timeout turns a hang into a failure. */
export async function closeCode(client: TestClient): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const safety = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the connection was not closed within 10 s')), 10_000);
  });
  try {
    return (await Promise.race([client.closed, safety])).code;
  } finally {
    clearTimeout(timer);
  }
}

/** Log lines of `node` saying a live connection was taken over by a resume. */
export function takeovers(node: ClusterNode): number {
  return node.logs.filter((l) => l.msg === 'taken over by a resuming connection' && l.code === 4003).length;
}

/** Alice on the first node and bob on the third, in a room of their own; alice has seen bob join. */
async function aliceAndBob(
  t: TestContext,
  nodes: readonly ClusterNode[],
): Promise<{ alice: TestClient; aliceId: string; bob: TestClient; tag: string }> {
  const tag = randomUUID().slice(0, 8);
  const alice = await TestClient.connect(t, (nodes[0] as ClusterNode).wsUrl);
  await alice.identify(`alice-${tag}`);
  await alice.join(`r-${tag}`);
  const bob = (await member(t, nodes[2] as ClusterNode, `bob-${tag}`, `r-${tag}`)).client;
  await alice.next('NEW_PEER_IN_ROOM');
  return { alice, aliceId: alice.peerId, bob, tag };
}

/**
 * Three rounds of two resumes racing with the token of alice's live session (on the two other
 * nodes, then on the owner and another, then on the two others): exactly one wins each time.
 */
export async function takeoverRaces(t: TestContext, nodes: readonly ClusterNode[]): Promise<void> {
  const pair = await aliceAndBob(t, nodes);
  let live = pair.alice;
  const { bob, aliceId } = pair;
  let owner = nodes[0] as ClusterNode;
  // Two racers on the other nodes, then one on the owner itself and one elsewhere, then again.
  const rounds: Array<(owner: ClusterNode) => [ClusterNode, ClusterNode]> = [
    (o) => nodes.filter((n) => n !== o) as [ClusterNode, ClusterNode],
    (o) => [o, nodes.find((n) => n !== o) as ClusterNode],
    (o) => nodes.filter((n) => n !== o) as [ClusterNode, ClusterNode],
  ];
  for (const [round, racersOf] of rounds.entries()) {
    bob.send(numbered(aliceId, round));
    await live.next('ICE_CANDIDATE');
    const token = lastToken(live);
    const received = framesSinceAuth(live);
    const racers = racersOf(owner);
    const clients = await Promise.all(racers.map((n) => TestClient.connect(t, n.wsUrl)));
    for (const x of clients) x.send({ type: 'IDENTIFY', username: 'ignored', resumeToken: token, received });
    const answers = await Promise.all(
      clients.map((x) => x.waitFor((m) => m.type === 'AUTH_SUCCESS' || m.type === 'AUTH_ERROR', 'AUTH_*')),
    );
    const winners = answers.flatMap((m, i) => (m.type === 'AUTH_SUCCESS' ? [i] : []));
    assert.equal(winners.length, 1, `round ${round}: one winner, got ${JSON.stringify(answers)}`);
    const w = winners[0] as number;
    const loser = answers[1 - w] as Received;
    assert.equal(loser.code, 'UNAUTHORIZED', `round ${round}`);
    assert.equal(answers[w]?.peerId, aliceId);
    assert.equal(answers[w]?.resumed, true);
    assert.equal(await closeCode(live), 4003, `round ${round}: the live connection is taken over`);
    live = clients[w] as TestClient;
    owner = racers[w] as ClusterNode;
    live.peerId = aliceId;
    live.username = `alice-${pair.tag}`;
  }
  // The session works on the last winner's node, both ways; nobody else is identified as alice.
  bob.send(numbered(aliceId, 100));
  assert.equal((await live.next('ICE_CANDIDATE')).fromPeerId, bob.peerId);
  live.send(numbered(bob.peerId, 7));
  assert.equal((await bob.next('ICE_CANDIDATE')).fromPeerId, aliceId);
  assert.equal(
    nodes.reduce((n, node) => n + takeovers(node), 0),
    rounds.length,
  );
  await bob.sync();
  assert.deepEqual(eventsAbout(bob, aliceId), []);
}

/** Six rounds of alice dropped (a reset) just as she resumes on the next node: every one resumes. */
export async function resumesRacingTheDrop(t: TestContext, nodes: readonly ClusterNode[]): Promise<void> {
  const pair = await aliceAndBob(t, nodes);
  let live = pair.alice;
  const { bob, aliceId } = pair;
  // The old node learns of each drop (a reset) just as the resume reaches the next node: its
  // hold, the bearer index and the resume record change while the resume looks them up.
  for (let round = 0; round < 6; round++) {
    bob.send(numbered(aliceId, round));
    await live.next('ICE_CANDIDATE');
    const next = nodes[(round + 1) % nodes.length] as ClusterNode;
    const client = await TestClient.connect(t, next.wsUrl);
    const token = lastToken(live);
    const received = framesSinceAuth(live);
    live.terminate();
    client.send({ type: 'IDENTIFY', username: 'ignored', resumeToken: token, received });
    const auth = await client.waitFor((m) => m.type === 'AUTH_SUCCESS' || m.type === 'AUTH_ERROR', 'AUTH_*');
    assert.equal(auth.type, 'AUTH_SUCCESS', `round ${round}: ${JSON.stringify(auth)}`);
    assert.equal(auth.peerId, aliceId);
    live = client;
  }
  bob.send(numbered(aliceId, 100));
  assert.equal((await live.next('ICE_CANDIDATE')).fromPeerId, bob.peerId);
  await bob.sync();
  assert.deepEqual(eventsAbout(bob, aliceId), []);
}
