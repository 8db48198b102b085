import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { decodeBatch } from '../../src/backend/cluster-batch.js';
import { RedisNode } from '../../src/backend/redis-node.js';
import { RedisServer } from '../helpers/redis-server.js';
import { newPeer } from './contract.js';
import { openNode, rawClient } from './redis-node-helpers.js';
import { frameFromText } from '../../protocol/frame.js';

let redis: RedisServer;
before(async () => {
  redis = await RedisServer.start();
});
after(() => redis.destroy());

test('node: a room event reaches members here directly and each other node once, naming its members', async (t) => {
  const prefix = `test-${randomUUID()}:`;
  const { node, inbox } = await openNode(t, redis.url, prefix, 'A');
  const mirror = node.mirrors.ensure('r');
  mirror.beginJoin('a1');
  mirror.completeJoin('a1');
  const spy = rawClient(t, redis.url);
  const got = new Map<string, unknown>();
  const bothArrived = new Promise<void>((resolve) =>
    spy.on('message', (channel: string, text: string) => {
      got.set(channel, decodeBatch(text)?.records);
      if (got.size === 2) resolve();
    }),
  );
  await spy.subscribe(node.keys.nodeChannel('B'), node.keys.nodeChannel('C'));
  const peer = { id: 'x', username: 'X' };
  node.tellMembers({ t: 'leave', room: 'r', peer, seq: 3 }, [
    { id: 'a1', node: 'A' },
    { id: 'b1', node: 'B' },
    { id: 'c1', node: 'C' },
    { id: 'b2', node: 'B' },
  ]);
  assert.deepEqual(inbox.of('a1'), [{ type: 'PEER_LEFT_ROOM', roomId: 'r', peer }]);
  await bothArrived;
  assert.deepEqual(got.get(node.keys.nodeChannel('B')), [
    { kind: 'message', message: { t: 'leave', room: 'r', peer, seq: 3, to: ['b1', 'b2'] } },
  ]);
  assert.deepEqual(got.get(node.keys.nodeChannel('C')), [
    { kind: 'message', message: { t: 'leave', room: 'r', peer, seq: 3, to: ['c1'] } },
  ]);
  assert.equal(node.traffic().published, 2);
});

test('node: relay goes to the target’s node, false for a non-member, UNAVAILABLE once disconnected', async (t) => {
  const prefix = `test-${randomUUID()}:`;
  const n1 = await openNode(t, redis.url, prefix, 'n1');
  const n2 = await openNode(t, redis.url, prefix, 'n2');
  const [a, b] = [newPeer('a'), newPeer('b')];
  await n1.enter('r', a);
  await n2.enter('r', b);
  await n1.inbox.waitCount(a.id, 1); // NEW_PEER_IN_ROOM: n1 knows where b is
  assert.equal(n1.node.relay('r', b.id, frameFromText('{"type":"X"}')), true);
  assert.deepEqual(await n2.inbox.waitCount(b.id, 1), [{ type: 'X' }]);
  assert.equal(n1.node.relay('r', 'nobody', frameFromText('{}')), false);
  assert.equal(n1.node.relay('elsewhere', b.id, frameFromText('{}')), false);
  await n1.node.close();
  assert.throws(() => n1.node.relay('r', b.id, frameFromText('{}')), { name: 'BackendUnavailableError' });
});

test('node: a room event for a room without local peers is not applied (the caller counts it dropped)', async (t) => {
  const { node } = await openNode(t, redis.url, `test-${randomUUID()}:`, 'A');
  const event = { t: 'join', room: 'gone', peer: { id: 'x', username: 'X' }, node: 'B', seq: 1 } as const;
  assert.equal(node.receiveRoomEvent(event, ['a1']), false);
  assert.equal(node.mirrors.get('gone'), undefined);
});

test('node: membership sequence numbers only grow; a dirty mark is taken once', () => {
  const node = new RedisNode({ keyPrefix: 'p:', logger: pino({ level: 'silent' }) });
  const seqs = Array.from({ length: 100 }, () => node.nextSeq());
  assert.ok(seqs.every((s, i) => i === 0 || s > (seqs[i - 1] as number)));
  assert.equal(node.takeDirty(), false);
  node.markDirty();
  assert.equal(node.takeDirty(), true);
  assert.equal(node.takeDirty(), false);
});
