import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeBatch,
  encodeBatch,
  isRelayRecord,
  messageRecord,
  relayRecord,
  relaySender,
} from '../../src/backend/cluster-batch.js';
import { ClusterView } from '../../src/backend/cluster-view.js';

test('batch: relays and messages round trip in order, any text in any field', () => {
  const frame = JSON.stringify({
    type: 'ICE_CANDIDATE',
    fromPeerId: 'a',
    toPeerId: 'b',
    iceCandidate: { candidate: 'x:1,2\n"é' },
  });
  const records = [
    relayRecord('room:{1},2', 'b', frame),
    messageRecord({ t: 'leave', room: 'r', peer: { id: 'x', username: 'X:1' }, seq: 3, to: ['b'] }),
    relayRecord('', 'ß', '{}'),
  ];
  const text = encodeBatch({ from: 'n1', seq: 7, deadline: 1_700_000_000_123 }, records);
  assert.deepEqual(decodeBatch(text), {
    header: { from: 'n1', seq: 7, deadline: 1_700_000_000_123 },
    records: [
      { kind: 'relay', room: 'room:{1},2', to: 'b', frame },
      {
        kind: 'message',
        message: { t: 'leave', room: 'r', peer: { id: 'x', username: 'X:1' }, seq: 3, to: ['b'] },
      },
      { kind: 'relay', room: '', to: 'ß', frame: '{}' },
    ],
  });
  assert.deepEqual(records.map(isRelayRecord), [true, false, true]);
  assert.deepEqual(relaySender(records[0] as string), { peerId: 'a', type: 'ICE_CANDIDATE' });
  assert.equal(relaySender(records[1] as string), null);
});

test('batch: anything malformed is null, never an exception', () => {
  const good = encodeBatch({ from: 'n1', seq: 1, deadline: 5 }, [relayRecord('r', 'b', '{}')]);
  for (const bad of [
    '',
    'hello',
    'SR1 n1 x 5\n',
    'SR1 n1 1 5',
    good.slice(0, -1),
    `${good}r1,1,9:rb{}`,
    `${good}m5:{"t":1}`,
    'SR1 n1 1 5\nq1:x',
  ]) {
    assert.equal(decodeBatch(bad), null, bad);
  }
});

test('view: the shared clock follows Redis time; a node counts as lapsed only past its expiry', () => {
  const view = new ClusterView();
  const now = Date.now();
  view.syncClock(now + 60_000, now - 10, now); // Redis is a minute ahead of this machine
  assert.ok(Math.abs(view.now() - (Date.now() + 60_005)) < 1000);
  view.syncClock(now, now - 5000, now); // a slow round trip does not replace a good sample
  assert.ok(view.now() > Date.now() + 50_000);
  view.setNodes(['alive', String(view.now() + 10_000), 'dead', String(view.now() - 1)]);
  assert.equal(view.isLapsed('alive'), false);
  assert.equal(view.isLapsed('dead'), true);
  assert.equal(view.isLapsed('unknown'), false);
  assert.deepEqual(view.nodes(), ['alive', 'dead']);
});
