/**
 * A client that noticed the drop first resumes through another node while the node holding its
 * session still thinks the old connection is alive: that node closes it with 4003 and hands the
 * session over, exactly as a resume on the same node does (docs/reliability.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient, type Received } from '../helpers/test-client.js';
import {
  framesSinceAuth,
  lastToken,
  numbered,
  numbersReceived,
  range,
  resume,
} from '../reliability/resume-helpers.js';
import { startTcpProxy } from '../reliability/tcp-proxy.js';
import { member, startCluster, until, type ClusterNode } from './cluster.js';
import { closeCode, eventsAbout, resumesRacingTheDrop, takeoverRaces, takeovers } from './takeover.js';

/** True when `bytes` (what a server wrote) hold a WebSocket close frame with `code`. */
function hasCloseFrame(bytes: Buffer, code: number): boolean {
  for (let i = 0; i + 3 < bytes.length; i++) {
    const length = bytes[i + 1] as number;
    if (bytes[i] === 0x88 && length >= 2 && length < 126 && bytes.readUInt16BE(i + 2) === code) return true;
  }
  return false;
}

test('cluster: a resume on another node takes over a connection its node still thinks alive: 4003, nothing lost or twice, room unaware', async (t) => {
  const { nodes } = await startCluster(t, 3);
  const [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
  // Alice reaches node A through a network that will silently stop carrying anything.
  const proxy = await startTcpProxy(t, a.port);
  const alice = await TestClient.connect(t, `ws://127.0.0.1:${proxy.port}/ws`);
  await alice.identify('alice');
  // What alice sent after IDENTIFY, in order: a resume's `received` says how much of it counted.
  const sent: object[] = [];
  const aliceSends = (message: object) => {
    sent.push(message);
    alice.send(message);
  };
  aliceSends({ type: 'JOIN_ROOM', roomId: 'r' });
  await alice.next('ROOM_MEMBERS');
  const bob = (await member(t, a, 'bob', 'r')).client;
  const carol = (await member(t, c, 'carol', 'r')).client;
  await alice.next('NEW_PEER_IN_ROOM');
  await alice.next('NEW_PEER_IN_ROOM');
  await bob.next('NEW_PEER_IN_ROOM');

  for (let n = 0; n < 10; n++) {
    aliceSends(numbered(bob.peerId, n));
    bob.send(numbered(alice.peerId, n));
  }
  await until(
    () => numbersReceived(alice).length === 10 && numbersReceived(bob).length === 10,
    'ten candidates each way',
  );

  assert.equal(proxy.blackholeAll(), 1);
  // Lost in the network both ways; node A still sees a live connection and sends into it.
  for (let n = 10; n < 30; n++) {
    aliceSends(numbered(bob.peerId, n));
    bob.send(numbered(alice.peerId, n));
  }
  await bob.sync();
  assert.equal(takeovers(a), 0);
  assert.ok(!a.logs.some((l) => l.msg === 'held for resume'), 'node A has not noticed the drop');

  // The phone is on another network now, and the load balancer picks node B. Bob keeps sending
  // meanwhile, a few at a time, so some of it reaches alice's session while it moves.
  const sending = (async () => {
    for (let n = 30; n < 80; n++) {
      bob.send(numbered(alice.peerId, n));
      if (n % 5 === 4) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const { client: alice2, auth } = await resume(t, b.wsUrl, alice, framesSinceAuth(alice));
  assert.equal(auth.peerId, alice.peerId);
  assert.equal(auth.resumed, true);
  assert.equal(auth.roomId, 'r');
  // The client sends again what the server never processed, as the SDK does.
  const processed = auth.received as number;
  assert.equal(processed, sent.length - 20, 'the twenty frames lost in the network were not counted');
  for (const message of sent.slice(processed)) alice2.send(message);
  for (let n = 30; n < 40; n++) alice2.send(numbered(bob.peerId, n));
  await sending;

  await until(
    () => numbersReceived(alice2).length >= 70 && numbersReceived(bob).length >= 40,
    'every candidate each way',
  ).catch((err: Error) => {
    throw new Error(
      `${err.message}: alice got ${JSON.stringify(numbersReceived(alice2))}, bob got ${JSON.stringify(numbersReceived(bob))}; ${JSON.stringify(alice2.received.filter((m) => m.type !== 'ICE_CANDIDATE'))}`,
    );
  });
  await bob.sync();
  await alice2.sync();
  // Exactly once and in order: what the old connection got, then the replay, the queue and the rest.
  assert.deepEqual([...numbersReceived(alice), ...numbersReceived(alice2)], range(0, 80));
  assert.deepEqual(numbersReceived(bob, alice.peerId), range(0, 40));

  // Node A closed the old connection with 4003 (into the dead network) and holds nothing now.
  assert.equal(takeovers(a), 1);
  await until(() => hasCloseFrame(Buffer.concat(proxy.swallowed), 4003), 'a 4003 close frame from node A');
  // Node C routes to node B now: carol's relay reaches the resumed session.
  carol.send(numbered(alice.peerId, 1000));
  assert.equal((await alice2.next('ICE_CANDIDATE')).fromPeerId, carol.peerId);

  // The room saw nothing.
  await carol.sync();
  for (const x of [bob, carol]) assert.deepEqual(eventsAbout(x, alice.peerId), []);
  assert.deepEqual(
    alice2.received.filter((m) => m.type === 'PEER_LEFT_ROOM' || m.type === 'NEW_PEER_IN_ROOM'),
    [],
  );
  // The dead network goes away with its sockets, so node A need not wait out its close handshake.
  await proxy.close();
});

test('cluster: resumes racing with the token of a live session, on several nodes: exactly one wins each time', async (t) => {
  await takeoverRaces(t, (await startCluster(t, 3)).nodes);
});

test('cluster: only a live session’s current resume token takes it over, and only if its node answers in time', async (t) => {
  // A long node timeout: node A is stopped for longer than a hand-over's deadline, not declared dead.
  const { nodes } = await startCluster(t, 2, ['--redis-node-timeout-ms', '10000']);
  const [a, b] = nodes as [ClusterNode, ClusterNode];
  const alice = await TestClient.connect(t, a.wsUrl);
  await alice.identify('alice', { token: 'an-auth-token-of-alice' });
  await alice.join('r');
  const bob = (await member(t, b, 'bob', 'r')).client;
  await alice.next('NEW_PEER_IN_ROOM');

  // The auth token is in the bearer index too (GET /api/ice-servers), but it is no resume token.
  const refused = await TestClient.connect(t, b.wsUrl);
  refused.send({ type: 'IDENTIFY', username: 'alice', resumeToken: 'an-auth-token-of-alice' });
  assert.equal((await refused.next('AUTH_ERROR')).code, 'UNAUTHORIZED');
  bob.send(numbered(alice.peerId, 1));
  assert.equal((await alice.next('ICE_CANDIDATE')).fromPeerId, bob.peerId, 'alice is still connected');
  assert.equal(takeovers(a), 0);

  // Node A hangs: the resume on node B gets no answer within the deadline and is refused.
  const token = lastToken(alice);
  a.child.kill('SIGSTOP');
  let late: Received;
  try {
    const client = await TestClient.connect(t, b.wsUrl);
    client.send({ type: 'IDENTIFY', username: 'alice', resumeToken: token, received: 0 });
    late = await client.waitFor((m) => m.type === 'AUTH_SUCCESS' || m.type === 'AUTH_ERROR', 'AUTH_*');
  } finally {
    a.child.kill('SIGCONT');
  }
  assert.equal(late.type, 'AUTH_ERROR');
  assert.equal(late.code, 'UNAUTHORIZED');
  // Node A carries the request out when it runs again: the connection is taken over and held, so
  // the token still resumes the session (its one use was not spent).
  assert.equal(await closeCode(alice), 4003);
  const { client: alice2, auth } = await resume(t, b.wsUrl, alice);
  assert.equal(auth.peerId, alice.peerId);
  assert.equal(auth.resumed, true);
  bob.send(numbered(alice.peerId, 2));
  assert.equal((await alice2.next('ICE_CANDIDATE')).fromPeerId, bob.peerId);
  await bob.sync();
  assert.deepEqual(eventsAbout(bob, alice.peerId), []);
});

test('cluster: a resume on another node racing the old node’s notice of the drop succeeds', async (t) => {
  await resumesRacingTheDrop(t, (await startCluster(t, 3)).nodes);
});
