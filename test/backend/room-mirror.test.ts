import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoomMirror, RoomMirrors } from '../../src/backend/room-mirror.js';
import { decodeClusterMessage, encodeClusterMessage } from '../../src/backend/cluster-messages.js';

const m = (node: string, seq: number) => ({ username: 'u', node, seq });
const memberOf = (mirror: RoomMirror, id: string) => {
  const e = mirror.member(id);
  return e && { username: e.username, node: e.node, seq: e.seq };
};

test('mirror: a snapshot taken before a leave cannot bring the leaver back', () => {
  const mirror = new RoomMirror();
  mirror.remove('p', 5); // the leave event arrived first
  mirror.add('p', m('n1', 5)); // then the (older) join reply listing p
  assert.equal(mirror.member('p'), undefined);
  mirror.add('p', m('n1', 6)); // a later membership of the same peer counts
  assert.deepEqual(memberOf(mirror, 'p'), m('n1', 6));
});

test('mirror: an older event never overrides a newer membership; a move updates the node', () => {
  const mirror = new RoomMirror();
  mirror.add('p', m('n1', 7));
  mirror.remove('p', 6);
  assert.deepEqual(memberOf(mirror, 'p'), m('n1', 7));
  mirror.add('p', m('n2', 8));
  assert.deepEqual(mirror.remoteNodes('n1'), new Map([['n2', ['p']]]));
});

test('mirror: deliveries to a joining peer wait for its ROOM_MEMBERS, in order; none after it left', () => {
  const mirror = new RoomMirror();
  const got: number[] = [];
  mirror.beginJoin('j');
  mirror.deliverTo('j', () => got.push(1));
  mirror.deliverTo('j', () => got.push(2));
  assert.equal(got.length, 0);
  assert.equal(mirror.hasNoLocalPeers(), false);
  mirror.completeJoin('j');
  mirror.deliverTo('j', () => got.push(3));
  assert.deepEqual(got, [1, 2, 3]);
  mirror.dropLocal('j');
  mirror.deliverTo('j', () => got.push(4));
  assert.deepEqual(got, [1, 2, 3]);
  assert.equal(mirror.hasNoLocalPeers(), true);
});

test('cluster messages: round trip, and anything malformed is null', () => {
  const join = {
    t: 'join',
    room: 'r',
    peer: { id: 'a', username: 'alice' },
    node: 'n1',
    seq: 1,
    to: ['b'],
  } as const;
  assert.deepEqual(decodeClusterMessage(encodeClusterMessage({ ...join, to: ['b'] })), join);
  // A takeover rides on a fetch (peer id '', so older nodes release nothing) and its answer.
  const takeover = {
    t: 'fetch',
    peerId: '',
    reqId: 'q',
    from: 'n2',
    takeover: { tokenKey: 'k', peerId: 'a' },
  } as const;
  assert.deepEqual(decodeClusterMessage(encodeClusterMessage(takeover)), takeover);
  const answer = { t: 'held', reqId: 'q', state: null, heldNow: true } as const;
  assert.deepEqual(decodeClusterMessage(encodeClusterMessage(answer)), answer);
  for (const bad of [
    '{"t":"fetch","peerId":"","reqId":"q","from":"n","takeover":{"tokenKey":"k"}}',
    '{"t":"fetch","peerId":"","reqId":"q","from":"n","takeover":"k"}',
    '{"t":"held","reqId":"q","state":null,"heldNow":"yes"}',
    'not json',
    'null',
    '{"t":"relay","room":"r","to":"b"}',
    '{"t":"join","room":"r","peer":{"id":"a"},"node":"n","seq":1,"to":[]}',
    '{"t":"leave","room":"r","peer":{"id":"a","username":"x"},"seq":"1","to":[]}',
    '{"t":"fetch","peerId":"p","reqId":"q"}',
    '{"t":"nope","room":"r"}',
  ]) {
    assert.equal(decodeClusterMessage(bad), null, bad);
  }
});

test('mirrors: a room is mirrored while this node has a peer in it; a move reroutes and drops the local peer', () => {
  const mirrors = new RoomMirrors();
  const mirror = mirrors.ensure('r');
  assert.equal(mirrors.ensure('r'), mirror);
  mirror.beginJoin('a');
  assert.equal(mirror.joining('a'), true);
  mirror.completeJoin('a');
  assert.equal(mirror.joining('a'), false);
  mirror.add('a', m('n1', 1));
  mirror.beginJoin('b');
  mirrors.forgetLocal('r', 'b'); // a's membership keeps the room
  assert.equal(mirrors.get('r'), mirror);
  mirrors.movedAway('r', 'a', 'n2'); // a resumed on n2: the last local peer is gone
  assert.equal(mirrors.get('r'), undefined);
  assert.equal(mirrors.size, 0);
  assert.deepEqual(memberOf(mirror, 'a'), m('n2', 1));
});
