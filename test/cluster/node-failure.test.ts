/** A node killed (kill -9), stopped (SIGTERM), or hung past its timeout and back: what its rooms and Redis see. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient, type Received } from '../helpers/test-client.js';
import { member, startCluster, until } from './cluster.js';

test('cluster: a killed node’s peers leave their rooms once, and their usernames are freed', async (t) => {
  const { nodes, inspect, keys } = await startCluster(t, 3);
  const [n1, n2, n3] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
  const a = await member(t, n1, 'alice', 'room');
  const b = await member(t, n2, 'bob', 'room');
  const c = await member(t, n3, 'carol', 'room');
  const c2 = await member(t, n3, 'carl', 'other');
  const d = await member(t, n1, 'dora', 'other');
  await a.client.next('NEW_PEER_IN_ROOM');
  await a.client.next('NEW_PEER_IN_ROOM');
  await b.client.next('NEW_PEER_IN_ROOM');
  await c2.client.next('NEW_PEER_IN_ROOM');

  await n3.kill9();
  const carol = { id: c.client.peerId, username: 'carol' };
  const carl = { id: c2.client.peerId, username: 'carl' };
  assert.deepEqual(await a.client.next(), { type: 'PEER_LEFT_ROOM', roomId: 'room', peer: carol });
  assert.deepEqual(await b.client.next(), { type: 'PEER_LEFT_ROOM', roomId: 'room', peer: carol });
  assert.deepEqual(await d.client.next(), { type: 'PEER_LEFT_ROOM', roomId: 'other', peer: carl });

  // The dead node is gone from Redis once every batch ran: nothing more can be announced.
  await until(async () => (await inspect.zscore(keys.nodes(), n3.nodeId)) === null, 'dead node removed');
  for (const client of [a.client, b.client, d.client]) {
    await client.sync();
    assert.deepEqual(client.unread(), []);
  }
  assert.deepEqual(
    Object.keys(await inspect.hgetall(keys.room('room'))).sort(),
    [a.client.peerId, b.client.peerId].sort(),
  );
  assert.equal(await inspect.exists(keys.nodePeers(n3.nodeId), keys.nodeReaping(n3.nodeId)), 0);

  // The usernames are free again, and relays to the dead peer are refused.
  const again = await TestClient.connect(t, n2.wsUrl);
  await again.identify('Carol');
  a.client.send({ type: 'SDP_OFFER', toPeerId: c.client.peerId, sdp: { type: 'offer', sdp: 'x' } });
  assert.equal((await a.client.next()).code, 'UNKNOWN_PEER');
  // The survivors still relay to each other.
  a.client.send({ type: 'SDP_OFFER', toPeerId: b.client.peerId, sdp: { type: 'offer', sdp: 'y' } });
  assert.equal((await b.client.next()).type, 'SDP_OFFER');
  // Exactly one node did the cleanup of each peer.
  const reapLogs = [n1, n2].flatMap((n) =>
    n.logs.filter((l) => l.msg === 'removed the peers of a dead node'),
  );
  assert.equal(
    reapLogs.reduce((sum, l) => sum + Number(l.peers), 0),
    2,
  );
});

test('cluster: a node stopped with SIGTERM leaves nothing behind in Redis', async (t) => {
  const { nodes, inspect, keys } = await startCluster(t, 2);
  const [n1, n2] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
  const a = await member(t, n1, 'alice', 'room');
  const b = await member(t, n2, 'bob', 'room');
  await a.client.next('NEW_PEER_IN_ROOM');
  await n2.stop();
  assert.equal((await b.client.closed).code, 1012);
  assert.deepEqual(await a.client.next(), {
    type: 'PEER_LEFT_ROOM',
    roomId: 'room',
    peer: { id: b.client.peerId, username: 'bob' },
  });
  assert.equal(await inspect.zscore(keys.nodes(), n2.nodeId), null);
  assert.equal(await inspect.exists(keys.nodePeers(n2.nodeId), keys.nodeAlive(n2.nodeId)), 0);
  assert.equal(await inspect.exists(keys.user('bob')), 0);
  assert.deepEqual(Object.keys(await inspect.hgetall(keys.room('room'))), [a.client.peerId]);
  await a.client.sync();
  assert.deepEqual(a.client.unread(), []);
});

test('cluster: a node hung past its timeout and back: its peers rejoin the room elsewhere, relays reach them both ways', async (t) => {
  const { nodes } = await startCluster(t, 2);
  const [n1, n2] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
  const a = await member(t, n1, 'alice', 'room');
  const a2 = await member(t, n1, 'amy', 'room');
  const b = await member(t, n2, 'bob', 'room');
  type Member = typeof a;
  const idOf = (m: Received) => (m.peer as { id: string }).id;
  const joinedBy = (x: Member, id: string) =>
    x.client.waitFor(
      (m) => m.type === 'NEW_PEER_IN_ROOM' && idOf(m) === id,
      `${x.client.username}: ${id} joined`,
    );
  for (const x of [a, a2]) await joinedBy(x, b.client.peerId);
  const ofN1 = [a.client.peerId, a2.client.peerId].sort();
  // The events of type `type` about node 1's two peers that `x` gets next.
  const heard = async (x: Member, type: string) => {
    const ids: string[] = [];
    while (ids.length < 2)
      ids.push(idOf(await x.client.waitFor((m) => m.type === type && ofN1.includes(idOf(m)))));
    return ids.sort();
  };

  // Hung long enough for node 2 to declare it dead and reap its peers; carl joins meanwhile (told
  // to bob only); then node 1 continues.
  n1.child.kill('SIGSTOP');
  let c: Member;
  try {
    assert.deepEqual(await heard(b, 'PEER_LEFT_ROOM'), ofN1);
    c = await member(t, n2, 'carl', 'room');
    assert.deepEqual(
      c.members.map((m) => m.id),
      [b.client.peerId],
    );
  } finally {
    n1.child.kill('SIGCONT');
  }
  // Node 1 notices, writes its peers back and announces them; its peers hear of carl.
  for (const x of [b, c]) assert.deepEqual(await heard(x, 'NEW_PEER_IN_ROOM'), ofN1);
  for (const x of [a, a2]) await joinedBy(x, c.client.peerId);

  // Each relay is delivered; until each node has seen the other's heartbeat again it may be
  // refused as UNAVAILABLE (sent again then), never as UNKNOWN_PEER.
  const deliver = async (from: typeof a, to: typeof a) => {
    for (let i = 0; ; i++) {
      const sdp = `${from.client.username}-${i}`;
      const seen = from.client.received.length;
      from.client.send({ type: 'SDP_OFFER', toPeerId: to.client.peerId, sdp: { type: 'offer', sdp } });
      await from.client.sync();
      const refusal = from.client.received.slice(seen).find((m) => m.type === 'ERROR');
      if (!refusal) {
        const got = await to.client.next('SDP_OFFER');
        assert.deepEqual([got.fromPeerId, (got.sdp as { sdp: string }).sdp], [from.client.peerId, sdp]);
        return;
      }
      assert.equal(refusal.code, 'UNAVAILABLE', `${from.client.username} → ${to.client.username}`);
      assert.ok(i < 100, `${from.client.username} → ${to.client.username} never delivered`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  await deliver(b, a);
  await deliver(b, a2);
  await deliver(a, b);
  await deliver(a2, a);
  await deliver(a, c);
  await deliver(c, a2);
  // Alice and amy, on the node itself, heard nothing of it.
  for (const x of [a, a2]) {
    await x.client.sync();
    assert.deepEqual(
      x.client.received.filter((m) => m.type === 'PEER_LEFT_ROOM'),
      [],
      `${x.client.username} heard no leave`,
    );
  }
});
