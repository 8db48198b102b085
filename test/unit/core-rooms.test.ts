// The signaling core without sockets: join order, pending steps, cleanup, relay checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coreRig } from '../helpers/fake-connection.js';

test('ROOM_MEMBERS reaches the joiner before NEW_PEER_IN_ROOM reaches anyone', async () => {
  const rig = await coreRig();
  await rig.peer('a', 'r');
  await rig.peer('b', 'r');
  const c = await rig.peer('c');
  rig.journal.length = 0;
  c.send({ type: 'JOIN_ROOM', roomId: 'r' });
  await c.conn.next('ROOM_MEMBERS');
  const order = rig.journal.map((e) => `${e.who}:${e.frame?.type}`);
  assert.equal(order[0], 'c:ROOM_MEMBERS');
  assert.deepEqual(order.slice(1).sort(), ['a:NEW_PEER_IN_ROOM', 'b:NEW_PEER_IN_ROOM']);
});

test('a connection closed while its JOIN_ROOM is pending: the room hears of it joining and leaving, once each', async () => {
  const rig = await coreRig();
  const a = await rig.peer('a', 'r');
  const b = await rig.peer('b');
  const gate = rig.backend.hold('joinRoom');
  b.send({ type: 'JOIN_ROOM', roomId: 'r' });
  await gate.reached;
  b.handle.onClose(1006);
  gate.open();
  await rig.core.settled();
  const heard = a.conn.frames.filter((f) => f.type !== 'ROOM_MEMBERS' && f.type !== 'AUTH_SUCCESS');
  // Either nothing, or a matched pair; never a PEER_LEFT_ROOM for a peer a was not told of.
  assert.deepEqual(
    heard.map((f) => `${f.type}:${(f.peer as { id: string }).id}`),
    [`NEW_PEER_IN_ROOM:${b.id}`, `PEER_LEFT_ROOM:${b.id}`],
  );
  // Only a is left: one username, one room, holding only a.
  assert.equal(rig.backend.size().usernames, 1);
  assert.deepEqual(await rig.backend.roomMembers('r'), [{ id: a.id, username: 'a' }]);
});

test('a connection closed while switching rooms leaves both rooms and each hears it once', async () => {
  const rig = await coreRig();
  const oldMate = await rig.peer('old-mate', 'old');
  const newMate = await rig.peer('new-mate', 'new');
  const mover = await rig.peer('mover', 'old');
  await oldMate.conn.next('NEW_PEER_IN_ROOM');
  const gate = rig.backend.hold('leaveRoom');
  mover.send({ type: 'JOIN_ROOM', roomId: 'new' });
  await gate.reached;
  mover.handle.onClose(1001);
  gate.open();
  await rig.core.settled();
  const left = (c: typeof oldMate) => c.conn.frames.filter((f) => f.type === 'PEER_LEFT_ROOM');
  assert.equal(left(oldMate).length, 1);
  const newHeard = newMate.conn.frames.filter(
    (f) => f.type === 'NEW_PEER_IN_ROOM' || f.type === 'PEER_LEFT_ROOM',
  );
  assert.ok(
    newHeard.length === 0 || newHeard.map((f) => f.type).join() === 'NEW_PEER_IN_ROOM,PEER_LEFT_ROOM',
    JSON.stringify(newHeard),
  );
  assert.deepEqual(await rig.backend.roomMembers('old'), [{ id: oldMate.id, username: 'old-mate' }]);
  assert.deepEqual(await rig.backend.roomMembers('new'), [{ id: newMate.id, username: 'new-mate' }]);
  assert.equal(rig.backend.size().usernames, 2);
});

test('a relay sent while a JOIN_ROOM is pending is handled after the join, in the new room', async () => {
  const rig = await coreRig();
  const host = await rig.peer('host', 'r');
  const guest = await rig.peer('guest');
  const gate = rig.backend.hold('joinRoom');
  guest.send({ type: 'JOIN_ROOM', roomId: 'r' });
  guest.send({ type: 'SDP_OFFER', toPeerId: host.id, sdp: { type: 'offer', sdp: 'v=0' } });
  await gate.reached;
  assert.deepEqual(guest.conn.unread(), []);
  gate.open();
  assert.equal((await guest.conn.next()).type, 'ROOM_MEMBERS');
  const offer = await host.conn.next('SDP_OFFER');
  assert.equal(offer.fromPeerId, guest.id);
  assert.deepEqual(guest.conn.unread(), [], 'no error for the relay');
});

test('relay checks: fromPeerId is the sender, other rooms and oneself are UNKNOWN_PEER, no room is NOT_IN_ROOM', async () => {
  const rig = await coreRig();
  const a = await rig.peer('a', 'r1');
  const b = await rig.peer('b', 'r1');
  const c = await rig.peer('c', 'r2');
  const d = await rig.peer('d');
  const offer = (to: string, extra = {}) => ({
    type: 'SDP_OFFER',
    toPeerId: to,
    sdp: { type: 'offer', sdp: 'x' },
    ...extra,
  });

  a.send(offer(b.id, { fromPeerId: c.id }));
  assert.deepEqual(await b.conn.next('SDP_OFFER'), {
    type: 'SDP_OFFER',
    fromPeerId: a.id,
    toPeerId: b.id,
    sdp: { type: 'offer', sdp: 'x' },
  });
  a.send(offer(c.id));
  assert.deepEqual(await a.conn.next('ERROR'), {
    type: 'ERROR',
    code: 'UNKNOWN_PEER',
    message: `No peer '${c.id}' in your room`,
    ref: 'SDP_OFFER',
  });
  assert.ok(!c.conn.frames.some((f) => f.type === 'SDP_OFFER'));
  a.send(offer(a.id));
  assert.equal((await a.conn.next('ERROR')).code, 'UNKNOWN_PEER');
  d.send(offer(a.id));
  assert.equal((await d.conn.next('ERROR')).code, 'NOT_IN_ROOM');
  a.send(offer('x'.repeat(64)));
  const clipped = await a.conn.next('ERROR');
  assert.equal(clipped.code, 'UNKNOWN_PEER');
});

test('a backend failure in JOIN_ROOM is answered INTERNAL (or UNAVAILABLE) and the session carries on', async () => {
  const rig = await coreRig();
  const a = await rig.peer('a');
  const original = rig.backend.joinRoom.bind(rig.backend);
  rig.backend.joinRoom = async () => {
    throw new Error('bug in a backend');
  };
  a.send({ type: 'JOIN_ROOM', roomId: 'r' });
  assert.deepEqual(await a.conn.next('ERROR'), {
    type: 'ERROR',
    code: 'INTERNAL',
    message: 'Internal server error',
    ref: 'JOIN_ROOM',
  });
  rig.backend.joinRoom = original;
  a.send({ type: 'JOIN_ROOM', roomId: 'r' });
  assert.equal((await a.conn.next()).type, 'ROOM_MEMBERS');
  assert.equal(a.conn.closedWith, null);
});

test('disconnect releases the username and the room, and tells the room once', async () => {
  const rig = await coreRig();
  const a = await rig.peer('a', 'r');
  const b = await rig.peer('b', 'r');
  b.handle.onClose(1000);
  b.handle.onClose(1000); // a transport reporting twice changes nothing
  await rig.core.settled();
  assert.equal(a.conn.frames.filter((f) => f.type === 'PEER_LEFT_ROOM').length, 1);
  assert.equal(rig.backend.size().usernames, 1);
  assert.deepEqual(await rig.backend.roomMembers('r'), [{ id: a.id, username: 'a' }]);
});

test('closeAll closes every connection with the given code and frees everything', async () => {
  const rig = await coreRig();
  const peers = [await rig.peer('a', 'r'), await rig.peer('b', 'r'), await rig.peer('c')];
  const unidentified = rig.connect('d');
  await rig.core.closeAll('GOING_AWAY');
  for (const p of [...peers, unidentified]) assert.equal(p.conn.closedWith?.code, 1001);
  assert.equal(rig.backend.size().usernames, 0);
  assert.equal(rig.backend.size().rooms, 0);
  assert.equal(rig.core.stats().connections, 0);
  assert.equal(rig.core.stats().peers, 0);
});
