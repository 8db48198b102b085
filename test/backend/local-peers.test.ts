import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalPeers } from '../../src/backend/local-peers.js';

test('local peers: claimed, joined, left and released through named events', () => {
  const peers = new LocalPeers();
  peers.add('a', 'Alice', 'alice');
  peers.joined('a', 'r', 7);
  assert.deepEqual(peers.get('a'), { username: 'Alice', usernameKey: 'alice', room: 'r', seq: 7 });
  peers.left('a', 'other'); // not its room: nothing changes
  assert.equal(peers.get('a')?.room, 'r');
  peers.left('a', 'r');
  assert.equal(peers.get('a')?.room, null);
  peers.joined('ghost', 'r', 1); // unknown peers are ignored
  assert.deepEqual(peers.ids(), ['a']);
  assert.equal(peers.remove('a')?.username, 'Alice');
  assert.equal(peers.has('a'), false);
  assert.equal(peers.size, 0);
});

test('local peers: an unreported leave is forgotten only once the same leave was reported', () => {
  const peers = new LocalPeers();
  peers.add('a', 'Alice', 'alice', 'r1', 1);
  peers.left('a', 'r1');
  peers.leaveUnreported('a', 'r1');
  const reported = peers.get('a')?.leftRoom;
  peers.joined('a', 'r2', 2);
  peers.left('a', 'r2');
  peers.leaveUnreported('a', 'r2'); // a newer one while the first was being reported
  peers.leaveReported('a', reported);
  assert.equal(peers.get('a')?.leftRoom, 'r2');
  peers.leaveReported('a', 'r2');
  assert.equal(peers.get('a')?.leftRoom, undefined);
});

test('local peers: a join is in flight from its start until it joined or failed', () => {
  const peers = new LocalPeers();
  peers.add('a', 'Alice', 'alice', 'r1', 1);
  peers.joinStarted('a', 'r2');
  assert.deepEqual(peers.get('a'), {
    username: 'Alice',
    usernameKey: 'alice',
    room: 'r1',
    seq: 1,
    joining: 'r2',
  });
  peers.joined('a', 'r2', 2);
  assert.deepEqual(peers.get('a'), { username: 'Alice', usernameKey: 'alice', room: 'r2', seq: 2 });
  peers.joinStarted('a', 'r3');
  peers.joinFailed('a', 'other'); // not the join in flight: nothing changes
  assert.equal(peers.get('a')?.joining, 'r3');
  peers.joinFailed('a', 'r3');
  assert.equal(peers.get('a')?.joining, undefined);
  assert.equal(peers.get('a')?.room, 'r2');
});

test('local peers: a membership left to re-announce after a false death stays so until repaired, left or replaced by a join', () => {
  const peers = new LocalPeers();
  peers.add('a', 'Alice', 'alice');
  peers.reapedDeferred('a'); // in no room: nothing to write back
  assert.equal(peers.get('a')?.reaped, undefined);
  peers.joined('a', 'r1', 1);
  peers.joinStarted('a', 'r2');
  peers.reapedDeferred('a');
  peers.joinFailed('a', 'r2'); // still in r1 under the seq the other nodes saw end
  assert.equal(peers.get('a')?.reaped, true);
  peers.reapedRepaired('a');
  assert.equal(peers.get('a')?.reaped, undefined);
  peers.reapedDeferred('a');
  peers.joined('a', 'r2', 2); // a new membership, announced by its join
  assert.equal(peers.get('a')?.reaped, undefined);
  peers.reapedDeferred('a');
  peers.left('a', 'other'); // not its room: nothing changes
  assert.equal(peers.get('a')?.reaped, true);
  peers.left('a', 'r2');
  assert.equal(peers.get('a')?.reaped, undefined);
});
