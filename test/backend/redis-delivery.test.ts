/**
 * Delivery between nodes has a deadline and never fails silently: a relay that cannot make it is
 * refused at once, and one that did not arrive in time is dropped and its sender told, once.
 */
import { frameFromText } from '../../protocol/frame.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeBatch, messageRecord, relayRecord } from '../../src/backend/cluster-batch.js';
import { RedisServer } from '../helpers/redis-server.js';
import { openNodes } from './redis-node-helpers.js';

let redis: RedisServer;
before(async () => {
  redis = await RedisServer.start();
});
after(() => redis.destroy());

const signal = (from: string, n: number) =>
  JSON.stringify({
    type: 'ICE_CANDIDATE',
    fromPeerId: from,
    toPeerId: 'x',
    iceCandidate: { candidate: `c${n}` },
  });
const unavailable = (ref: string) => ({
  type: 'ERROR',
  code: 'UNAVAILABLE',
  message: 'Not delivered in time: the peer’s node could not be reached; try again',
  ref,
});

/** Node `n1` with a local peer a1 in room r, and the mirror knowing `remote` on node `at`. */
function withRemoteMember(
  n1: Awaited<ReturnType<typeof openNodes>>['nodes'][number],
  remote: string,
  at: string,
) {
  const mirror = n1.node.mirrors.ensure('r');
  mirror.beginJoin('a1');
  mirror.completeJoin('a1');
  mirror.add(remote, { username: remote, node: at, seq: 1 });
}

test('delivery: a relay published where no node listens is reported; its sender gets UNAVAILABLE once', async (t) => {
  const {
    nodes: [n1],
  } = await openNodes(t, redis.url, 'n1');
  withRemoteMember(n1, 'g1', 'ghost'); // a node that has no subscriber (gone without a trace)
  assert.equal(n1.node.relay('r', 'g1', frameFromText(signal('a1', 1))), true);
  assert.equal(n1.node.relay('r', 'g1', frameFromText(signal('a1', 2))), true);
  assert.deepEqual(await n1.inbox.waitCount('a1', 2), [
    unavailable('ICE_CANDIDATE'),
    unavailable('ICE_CANDIDATE'),
  ]);
  assert.equal(n1.node.traffic().publishErrors, 2);
});

test('delivery: relays arriving after their deadline are dropped and counted; the sender is told once', async (t) => {
  const {
    nodes: [n1, n2],
    client,
  } = await openNodes(t, redis.url, 'n1', 'n2');
  const mirror = n2.node.mirrors.ensure('r');
  mirror.beginJoin('b1');
  mirror.completeJoin('b1');
  // A batch from n1 that sat in a hung Redis: its deadline passed before it reached n2.
  const late = encodeBatch({ from: 'n1', seq: 1, deadline: n2.node.view.now() - 1 }, [
    relayRecord('r', 'b1', signal('a1', 1)),
    relayRecord('r', 'b1', signal('a1', 2)),
  ]);
  await client.publish(n2.node.keys.nodeChannel('n2'), late);
  assert.deepEqual(await n1.inbox.waitCount('a1', 2), [
    unavailable('ICE_CANDIDATE'),
    unavailable('ICE_CANDIDATE'),
  ]);
  assert.deepEqual(n2.inbox.of('b1'), []);
  assert.equal(n2.node.traffic().expired, 2);
  // n1 had reported batch 2 itself (its publish got no answer): nobody hears twice.
  n1.node.notices.tell('n2', 2, [['a1', 'SDP_OFFER']]);
  await client.publish(n2.node.keys.nodeChannel('n2'), late.replace('SR1 n1 1 ', 'SR1 n1 2 '));
  const until = Date.now() + 10_000;
  while (n2.node.traffic().expired < 4) {
    assert.ok(Date.now() < until, 'the second late batch never arrived');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  n2.node.publish('n1', { t: 'kick', room: 'r', to: 'marker' }); // after n2's report of batch 2
  await n1.inbox.waitKicks(1);
  assert.deepEqual(n1.inbox.of('a1').slice(2), [unavailable('SDP_OFFER')]);
});

test('delivery: a batch overtaken by a newer one from the same node has its relays dropped; the sender is told', async (t) => {
  const {
    nodes: [n1, n2],
    client,
  } = await openNodes(t, redis.url, 'n1', 'n2');
  const mirror = n2.node.mirrors.ensure('r');
  mirror.beginJoin('b1');
  mirror.completeJoin('b1');
  mirror.add('b1', { username: 'b1', node: 'n2', seq: 1 });
  const deadline = n2.node.view.now() + 60_000;
  const batch = (seq: number, n: number) =>
    encodeBatch({ from: 'n1', seq, deadline }, [relayRecord('r', 'b1', signal('a1', n))]);
  // Batch 3 arrives first (a publish of batch 2 was re-sent across a failover).
  await client.publish(n2.node.keys.nodeChannel('n2'), batch(3, 3));
  await client.publish(n2.node.keys.nodeChannel('n2'), batch(2, 2));
  assert.deepEqual(await n1.inbox.waitCount('a1', 1), [unavailable('ICE_CANDIDATE')]);
  assert.deepEqual(
    n2.inbox.of('b1').map((m) => (m.iceCandidate as { candidate: string }).candidate),
    ['c3'],
  );
});

test('delivery: relays to a node whose heartbeat lapsed, or while this one is unhealthy, are refused at once', async (t) => {
  const {
    nodes: [n1],
  } = await openNodes(t, redis.url, 'n1');
  withRemoteMember(n1, 'b1', 'n2');
  n1.node.view.setNodes(['n2', String(n1.node.view.now() - 1)]);
  assert.throws(() => n1.node.relay('r', 'b1', frameFromText(signal('a1', 1))), {
    name: 'BackendUnavailableError',
  });
  n1.node.view.setNodes(['n2', String(n1.node.view.now() + 60_000)]);
  n1.node.view.setHealthy(false);
  assert.throws(() => n1.node.relay('r', 'b1', frameFromText(signal('a1', 1))), {
    name: 'BackendUnavailableError',
  });
  n1.node.view.setHealthy(true);
  assert.equal(n1.node.relay('r', 'b1', frameFromText(signal('a1', 1))), true);
});

test('delivery: a gap in a node’s batch numbers is counted as lost', async (t) => {
  const {
    nodes: [n1],
    client,
  } = await openNodes(t, redis.url, 'n1');
  const deadline = n1.node.view.now() + 60_000;
  for (const seq of [1, 2, 5]) {
    await client.publish(n1.node.keys.nodeChannel('n1'), encodeBatch({ from: 'n9', seq, deadline }, []));
  }
  await client.publish(n1.node.keys.nodeChannel('n1'), encodeBatch({ from: 'n9', seq: 6, deadline }, []));
  const until = Date.now() + 10_000;
  while (n1.node.traffic().lost < 2) {
    assert.ok(Date.now() < until, `lost: ${n1.node.traffic().lost}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(n1.node.traffic().lost, 2);
  // A sender that forgot this node (it declared it dead) starts over at 1: no gap.
  for (const seq of [1, 2]) {
    await client.publish(n1.node.keys.nodeChannel('n1'), encodeBatch({ from: 'n9', seq, deadline }, []));
  }
  const received = n1.node.traffic().received;
  await client.publish(
    n1.node.keys.nodeChannel('n1'),
    encodeBatch({ from: 'n9', seq: 3, deadline }, [messageRecord({ t: 'kick', room: 'r', to: 'x' })]),
  );
  while (n1.node.traffic().received === received) {
    assert.ok(Date.now() < until, 'the last batch never arrived');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(n1.node.traffic().lost, 2);
});

test('delivery: relays a node took and never acknowledged, or whose batch it names missing, are told to their senders', async (t) => {
  const {
    nodes: [n1],
    client,
  } = await openNodes(t, redis.url, 'n1');
  // A subscriber that never answers stands for node n3: Redis counts a receiver, nothing acks.
  const listener = client.duplicate();
  t.after(() => listener.disconnect());
  await listener.subscribe(n1.node.keys.nodeChannel('n3'));
  withRemoteMember(n1, 'c1', 'n3');
  n1.node.view.setNodes(['n3', String(n1.node.view.now() + 60_000)]);
  for (let n = 1; n <= 3; n++) {
    assert.equal(n1.node.relay('r', 'c1', frameFromText(signal('a1', n))), true);
    await new Promise((resolve) => setTimeout(resolve, 20)); // one batch each: 1, 2, 3
  }
  assert.equal(n1.node.acks.size().unackedBatches, 3);
  // n3 processed up to 3 but batch 2 never reached it.
  const ack = { upTo: 3, missing: [[2, 2] as const] };
  const deadline = n1.node.view.now() + 60_000;
  await client.publish(
    n1.node.keys.nodeChannel('n1'),
    encodeBatch({ from: 'n3', seq: 1, deadline, ack }, []),
  );
  const missing = await n1.inbox.waitCount('a1', 1);
  assert.equal(missing[0]?.code, 'UNAVAILABLE');
  assert.equal(n1.node.acks.size().unackedBatches, 0);
  // One more relay, then n3 is declared dead (its heartbeat lapsed) before acknowledging it.
  assert.equal(n1.node.relay('r', 'c1', frameFromText(signal('a1', 4))), true);
  await new Promise((resolve) => setTimeout(resolve, 20));
  n1.node.view.setNodes(['n3', String(n1.node.view.now() - 1)]);
  const all = await n1.inbox.waitCount('a1', 2);
  assert.match(String(all[1]?.message), /stopped/);
  assert.equal(n1.node.traffic().unacknowledged, 2);
  assert.equal(n1.node.acks.size().unackedBatches, 0);
});
