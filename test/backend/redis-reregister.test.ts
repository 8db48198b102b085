import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { memberJson, parseMember, parseRecord, recordJson } from '../../src/backend/redis-members.js';
import { reapNode } from '../../src/backend/redis-peer-removal.js';
import { reregister } from '../../src/backend/redis-reregister.js';
import { RedisServer } from '../helpers/redis-server.js';
import { newPeer } from './contract.js';
import { duringRecordsWrite, holdJoin, openNodes } from './redis-node-helpers.js';
import { frameFromText } from '../../protocol/frame.js';

let redis: RedisServer;
before(async () => {
  redis = await RedisServer.start();
});
after(() => redis.destroy());

const log = pino({ level: 'silent' });

test('reregister: a membership Redis still lists is removed and told to those who joined after it only', async (t) => {
  const {
    nodes: [n1, n2],
    client,
  } = await openNodes(t, redis.url, 'n1', 'n2');
  const [p, before, later] = [newPeer('p'), newPeer('before'), newPeer('later')];
  await n2.enter('old', before);
  await n2.enter('old', later);
  await n1.enter('new', p);
  // A join of p to 'old' whose reply was lost: Redis has it, n1 never knew (nor told anyone).
  const keys = n1.node.keys;
  const seqOf = async (id: string) =>
    parseMember(id, (await client.hget(keys.room('old'), id)) as string).seq;
  const lostSeq = await seqOf(before.id); // 'later' joined after it, 'before' did not
  await client.hset(keys.room('old'), p.id, memberJson('p', 'n1', lostSeq));
  // Its record names 'old' (written before the join) with the seq of that join.
  await client.hset(keys.nodePeers('n1'), p.id, recordJson('p', 'p', 'old', lostSeq));

  assert.equal(await reregister(n1.node, 'reconnect', log), 1);

  assert.deepEqual(Object.keys(await client.hgetall(keys.room('old'))).sort(), [before.id, later.id].sort());
  assert.deepEqual(Object.keys(await client.hgetall(keys.room('new'))), [p.id]);
  assert.equal(parseRecord((await client.hget(keys.nodePeers('n1'), p.id)) as string).r, 'new');
  // A peer of n1 joins and leaves 'old' afterwards: n1's channel order puts that after p's leave.
  const marker = newPeer('marker');
  await n1.enter('old', marker);
  await n1.rooms.leaveRoom('old', marker);
  const leftOf = (id: string) =>
    n2.inbox
      .of(id)
      .filter((m) => m.type === 'PEER_LEFT_ROOM')
      .map((m) => (m.peer as { id: string }).id);
  await n2.inbox.waitCount(later.id, 3); // p left, marker joined, marker left
  assert.deepEqual(leftOf(later.id), [p.id, marker.id]);
  await n2.inbox.waitCount(before.id, 3); // later joined, marker joined, marker left
  assert.deepEqual(leftOf(before.id), [marker.id]);
});

test('reregister after Redis lost its data lists the live peers’ rooms again; an emptied room leaves the index', async (t) => {
  const {
    nodes: [n1],
    client,
  } = await openNodes(t, redis.url, 'n1');
  const [p, q] = [newPeer('p'), newPeer('q')];
  await n1.enter('kept', p);
  await n1.enter('emptied', q);
  const keys = n1.node.keys;
  const listed = async () => {
    const ids: string[] = [];
    for (const key of keys.roomIndexShards()) ids.push(...(await client.zrangebylex(key, '-', '+')));
    return ids.sort();
  };
  assert.deepEqual(await listed(), ['emptied', 'kept']);
  await client.flushall();
  assert.deepEqual(await listed(), []);
  assert.equal(await reregister(n1.node, 'restart', log), 2);
  assert.deepEqual(await listed(), ['emptied', 'kept']);
  await n1.rooms.leaveRoom('emptied', q);
  for (let i = 0; i < 100 && (await listed()).length > 1; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(await listed(), ['kept']);
});

test('reregister: a username released while the records are written is not claimed again', async (t) => {
  const {
    nodes: [n1, n2],
    client,
  } = await openNodes(t, redis.url, 'n1', 'n2');
  const [p, q] = [newPeer('p'), newPeer('q')];
  assert.ok(await n1.usernames.claim('p', p));
  assert.ok(await n1.usernames.claim('q', q));
  const keys = n1.node.keys;
  const release = duringRecordsWrite(n1, () => n1.usernames.release('p', p.id));

  const written = await reregister(n1.node, 'reaped', log);
  await release.done();

  assert.equal(await client.exists(keys.user('p')), 0);
  assert.equal(await client.hexists(keys.nodePeers('n1'), p.id), 0);
  assert.ok(await n2.usernames.claim('p', newPeer('p')), 'another peer can claim the released username');
  assert.equal(await client.get(keys.user('q')), q.id);
  assert.equal(written, 1); // q only
});

test('reregister: a membership left while the records are written is not added again', async (t) => {
  const {
    nodes: [n1, n2],
    client,
  } = await openNodes(t, redis.url, 'n1', 'n2');
  const [p, other] = [newPeer('p'), newPeer('other')];
  await n1.enter('room', p);
  await n2.enter('room', other);
  const keys = n1.node.keys;
  const leave = duringRecordsWrite(n1, () => n1.rooms.leaveRoom('room', p));

  assert.equal(await reregister(n1.node, 'reconnect', log), 1);
  await leave.done();

  assert.deepEqual(Object.keys(await client.hgetall(keys.room('room'))), [other.id]);
  assert.equal(n1.node.peers.get(p.id)?.room, null);
  assert.equal(await client.get(keys.user('p')), p.id); // still held: only the room was left
});

// A join in flight while n1 re-registers: p's record already names the room (where a peer of n2
// is), its script is held as `what` says; the join completes once reregister returned.
async function joinDuringReregister(t: TestContext, what: 'script' | 'reply') {
  const {
    nodes: [n1, n2],
    client,
  } = await openNodes(t, redis.url, 'n1', 'n2');
  await n2.enter('room', newPeer('other'));
  const p = newPeer('p');
  assert.ok(await n1.usernames.claim('p', p));
  const hold = holdJoin(n1, p.id, what);
  const joining = n1.rooms.joinRoom('room', p, 50);
  await hold.reached;
  await reregister(n1.node, 'reconnect', log);
  hold.release();
  const outcome = await joining;
  assert.ok(outcome.ok);
  n1.rooms.announceJoin('room', p, outcome.members);
  const keys = n1.node.keys;
  return {
    n1,
    member: async () => client.hexists(keys.room('room'), p.id),
    recordedRoom: async () => parseRecord((await client.hget(keys.nodePeers('n1'), p.id)) as string).r,
    room: () => n1.node.peers.get(p.id)?.room,
  };
}

test('reregister: a join paused between its record and its script keeps its record naming the room', async (t) => {
  const p = await joinDuringReregister(t, 'script');
  // The membership is named by p's record, so the reaper finds it if n1 dies.
  assert.equal(await p.recordedRoom(), 'room');
  assert.equal(await p.member(), 1);
  assert.equal(p.room(), 'room');
  assert.equal(p.n1.node.takeDirty(), true, 'p is re-registered at the next heartbeat');
});

test('reregister: a membership Redis lists before the join’s reply arrived is kept', async (t) => {
  const p = await joinDuringReregister(t, 'reply');
  assert.equal(await p.member(), 1, 'the membership the join made is still there');
  assert.equal(await p.recordedRoom(), 'room');
  assert.equal(p.room(), 'room');
});

// p and p2 on n1, q on n2, all in room 'r'; n1 stalled past its timeout (it has no alive key) and
// n2 reaped its peers, in one batch, so n1 is not forgotten yet and whatever n2 tells n1 goes out.
async function reapedRoom(t: TestContext) {
  const {
    nodes: [n1, n2],
    client,
  } = await openNodes(t, redis.url, 'n1', 'n2');
  const [p, p2, q] = [newPeer('p'), newPeer('p2'), newPeer('q')];
  await n1.enter('r', p);
  await n1.enter('r', p2);
  await n2.enter('r', q);
  await n1.inbox.waitCount(p2.id, 1); // q arrived: n1 knows where q is
  const told = { p: n1.inbox.of(p.id).length, p2: n1.inbox.of(p2.id).length };
  assert.equal((await reapNode(n2.node, 'n1', 10, 1, 60_000)).removed, 2);
  const left = await n2.inbox.waitCount(q.id, 2); // q joined last: only the leaves
  assert.deepEqual(ids('PEER_LEFT_ROOM', left).sort(), [p.id, p2.id].sort());
  return { n1, n2, client, p, p2, q, told };
}

const ids = (type: string, msgs: Array<{ type: string; peer?: unknown }>) =>
  msgs.filter((m) => m.type === type).map((m) => (m.peer as { id: string }).id);
const signal = (n: number) => frameFromText(`{"type":"SIGNAL","n":${n}}`);

test('reregister after a false death: the peers written back are members again on every node, relays reach them', async (t) => {
  const { n1, n2, client, p, p2, q, told } = await reapedRoom(t);
  const [beforeP, beforeP2] = [told.p, told.p2];

  // n1 notices it was declared dead and writes its peers back: q hears them join again.
  assert.equal(await reregister(n1.node, 'reaped', log), 2);
  const back = await n2.inbox.waitCount(q.id, 4);
  assert.deepEqual(ids('NEW_PEER_IN_ROOM', back.slice(2)).sort(), [p.id, p2.id].sort());

  // Relays across nodes both ways, and between n1's own peers.
  assert.equal(n2.node.relay('r', p.id, signal(1)), true, 'q → p');
  assert.equal(n2.node.relay('r', p2.id, signal(2)), true, 'q → p2');
  assert.equal(n1.node.relay('r', q.id, signal(3)), true, 'p → q');
  assert.equal(n1.node.relay('r', p.id, signal(4)), true, 'p2 → p');
  assert.deepEqual((await n2.inbox.waitCount(q.id, 5)).at(-1), { type: 'SIGNAL', n: 3 });
  // n2's relays arrive after everything n2 sent n1 before: n1's own peers heard nothing of the
  // false death (their node never lost the others).
  assert.deepEqual(await n1.inbox.waitCount(p.id, beforeP + 2), [
    ...n1.inbox.of(p.id).slice(0, beforeP),
    { type: 'SIGNAL', n: 4 },
    { type: 'SIGNAL', n: 1 },
  ]);
  assert.deepEqual((await n1.inbox.waitCount(p2.id, beforeP2 + 1)).slice(beforeP2), [
    { type: 'SIGNAL', n: 2 },
  ]);

  // Redis, n1's records and state, and both nodes' mirrors agree on each membership.
  const keys = n1.node.keys;
  for (const peer of [p, p2]) {
    const stored = parseMember(peer.id, (await client.hget(keys.room('r'), peer.id)) as string);
    assert.equal(stored.node, 'n1');
    const record = parseRecord((await client.hget(keys.nodePeers('n1'), peer.id)) as string);
    assert.deepEqual([record.r, record.s], ['r', stored.seq]);
    assert.equal(n1.node.peers.get(peer.id)?.seq, stored.seq);
    for (const n of [n1, n2]) {
      const seen = n.node.mirrors.get('r')?.member(peer.id);
      assert.deepEqual(
        seen && { username: seen.username, node: seen.node, seq: seen.seq },
        { username: peer.username, node: 'n1', seq: stored.seq },
        `${n.node.nodeId} of ${peer.username}`,
      );
    }
  }
});

test('reregister after a false death: the peers written back hear once of those who joined meanwhile', async (t) => {
  const { n1, n2, p, p2, q, told } = await reapedRoom(t);
  const q2 = newPeer('q2');
  await n2.enter('r', q2); // told to q only: Redis lists no peer of n1
  await n2.inbox.waitCount(q.id, 3);

  assert.equal(await reregister(n1.node, 'reaped', log), 2);
  assert.deepEqual(ids('NEW_PEER_IN_ROOM', await n2.inbox.waitCount(q2.id, 2)).sort(), [p.id, p2.id].sort());
  assert.equal(n1.node.relay('r', q2.id, signal(1)), true, 'p → q2');
  assert.deepEqual((await n2.inbox.waitCount(q2.id, 3)).at(-1), { type: 'SIGNAL', n: 1 });
  // q2's relays arrive after everything n2 sent n1 before; p and p2 heard of q2 before it heard of them.
  assert.equal(n2.node.relay('r', p.id, signal(2)), true, 'q2 → p');
  assert.equal(n2.node.relay('r', p2.id, signal(3)), true, 'q2 → p2');
  const heardQ2 = { type: 'NEW_PEER_IN_ROOM', roomId: 'r', peer: q2 };
  assert.deepEqual((await n1.inbox.waitCount(p.id, told.p + 2)).slice(told.p), [
    heardQ2,
    { type: 'SIGNAL', n: 2 },
  ]);
  assert.deepEqual((await n1.inbox.waitCount(p2.id, told.p2 + 2)).slice(told.p2), [
    heardQ2,
    { type: 'SIGNAL', n: 3 },
  ]);
});

test('reregister after a false death: a peer skipped while its join was in flight is announced again once that join failed', async (t) => {
  const { n1, n2, client, p, p2, q } = await reapedRoom(t);
  await n2.enter('full', newPeer('x'));
  // p tries to switch to 'full' (one place, taken): its record names 'full', its script is held.
  const hold = holdJoin(n1, p.id, 'script');
  const joining = n1.rooms.joinRoom('full', p, 1);
  await hold.reached;
  assert.equal(await reregister(n1.node, 'reaped', log), 1); // p2 only: p's join is in flight
  hold.release();
  assert.equal((await joining).ok, false); // p stays in 'r'
  assert.equal(n1.node.takeDirty(), true);

  // The next heartbeat's repair (a plain one) writes p back under a new seq and announces it.
  await reregister(n1.node, 'reconnect', log);
  const back = await n2.inbox.waitCount(q.id, 4); // p and p2 left, p2 came back, then p
  assert.deepEqual(ids('NEW_PEER_IN_ROOM', back.slice(2)), [p2.id, p.id]);
  assert.equal(n2.node.relay('r', p.id, signal(1)), true, 'q → p');
  const stored = parseMember(p.id, (await client.hget(n1.node.keys.room('r'), p.id)) as string);
  assert.equal(n2.node.mirrors.get('r')?.member(p.id)?.seq, stored.seq);
  assert.equal(n1.node.peers.get(p.id)?.seq, stored.seq);
});

test('after a false death, a leave before the write-back is told to the leaver’s node’s members of the room', async (t) => {
  const { n1, n2, p, p2, q, told } = await reapedRoom(t);
  // p leaves before n1 noticed: Redis no longer lists it, the reaper told q already.
  await n1.rooms.leaveRoom('r', p);
  assert.deepEqual((await n1.inbox.waitCount(p2.id, told.p2 + 1)).slice(told.p2), [
    { type: 'PEER_LEFT_ROOM', roomId: 'r', peer: p },
  ]);
  assert.equal(n1.node.mirrors.get('r')?.member(p.id), undefined);

  // The write-back brings p2 only; q heard p leave once (from the reaper).
  assert.equal(await reregister(n1.node, 'reaped', log), 2);
  const heard = await n2.inbox.waitCount(q.id, 3);
  assert.deepEqual(ids('PEER_LEFT_ROOM', heard).sort(), [p.id, p2.id].sort());
  assert.deepEqual(ids('NEW_PEER_IN_ROOM', heard.slice(2)), [p2.id]);
});

test('a join that throws after it started (a corrupt stored member) ends: re-registrations no longer skip the peer as joining', async (t) => {
  const {
    nodes: [n1],
    client,
  } = await openNodes(t, redis.url, 'n1');
  const p = newPeer('p');
  assert.ok(await n1.usernames.claim('p', p));
  await client.hset(n1.node.keys.room('bad'), 'x', 'not json');
  await assert.rejects(n1.rooms.joinRoom('bad', p, 50), SyntaxError);
  assert.equal(n1.node.peers.get(p.id)?.joining, undefined);
  assert.equal(n1.node.takeDirty(), true, 'the membership Redis lists is repaired');
});
