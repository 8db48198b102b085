// Rooms: join order, creation and removal, switching, leaving, and the room id rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBackend } from '../../src/backend/memory.js';
import { startServer } from '../helpers/test-server.js';
import { identifiedClient, peersInRoom } from '../helpers/test-client.js';

test('the joiner gets ROOM_MEMBERS with everyone else, then the others get NEW_PEER_IN_ROOM', async (t) => {
  const { wsUrl } = await startServer(t);
  const alice = await identifiedClient(t, wsUrl, 'alice');
  const bob = await identifiedClient(t, wsUrl, 'bob');
  assert.deepEqual(await alice.join('cool-room'), { type: 'ROOM_MEMBERS', roomId: 'cool-room', members: [] });

  bob.send({ type: 'JOIN_ROOM', roomId: 'cool-room' });
  assert.deepEqual(await bob.next(), {
    type: 'ROOM_MEMBERS',
    roomId: 'cool-room',
    members: [{ id: alice.peerId, username: 'alice' }],
  });
  assert.deepEqual(await alice.next(), {
    type: 'NEW_PEER_IN_ROOM',
    roomId: 'cool-room',
    peer: { id: bob.peerId, username: 'bob' },
  });
});

test('a peer told of a newcomer can offer at once and the newcomer already knows the sender', async (t) => {
  const { wsUrl } = await startServer(t);
  const [alice] = await peersInRoom(t, wsUrl, 'r', 1);
  const bob = await identifiedClient(t, wsUrl, 'bob');
  bob.send({ type: 'JOIN_ROOM', roomId: 'r' });
  const announced = await alice!.next('NEW_PEER_IN_ROOM');
  const newcomer = (announced.peer as { id: string }).id;
  alice!.send({ type: 'SDP_OFFER', toPeerId: newcomer, sdp: { type: 'offer', sdp: 'v=0' } });
  // Bob's first message is the member list naming alice; only then her offer.
  const first = await bob.next();
  assert.equal(first.type, 'ROOM_MEMBERS');
  assert.deepEqual(first.members, [{ id: alice!.peerId, username: alice!.username }]);
  assert.equal((await bob.next()).type, 'SDP_OFFER');
});

test('a room is created by the first join and removed when its last member leaves', async (t) => {
  const backend = new MemoryBackend();
  const { wsUrl } = await startServer(t, {}, { backend });
  assert.equal(backend.size().rooms, 0);
  const [a, b] = await peersInRoom(t, wsUrl, 'ephemeral', 2);
  assert.equal(backend.size().rooms, 1);
  a!.send({ type: 'LEAVE_ROOM' });
  await b!.next('PEER_LEFT_ROOM');
  assert.equal(backend.size().rooms, 1, 'one member is left');
  b!.send({ type: 'LEAVE_ROOM', roomId: 'ephemeral' });
  await b!.sync();
  assert.equal(backend.size().rooms, 0);
  // Joining again starts an empty room.
  assert.deepEqual((await a!.join('ephemeral')).members, []);
});

test('joining another room leaves the current one: PEER_LEFT_ROOM to the old room, NEW_PEER to the new', async (t) => {
  const backend = new MemoryBackend();
  const { wsUrl } = await startServer(t, {}, { backend });
  const [stayer, mover, witness] = await peersInRoom(t, wsUrl, 'old', 3);
  const [host] = await peersInRoom(t, wsUrl, 'new', 1, 'host');
  const members = await mover!.join('new');
  assert.deepEqual(members.members, [{ id: host!.peerId, username: host!.username }]);
  assert.deepEqual(await stayer!.next('PEER_LEFT_ROOM'), {
    type: 'PEER_LEFT_ROOM',
    roomId: 'old',
    peer: { id: mover!.peerId, username: mover!.username },
  });
  assert.deepEqual((await host!.next('NEW_PEER_IN_ROOM')).peer, {
    id: mover!.peerId,
    username: mover!.username,
  });
  // The mover can no longer reach the old room, and the stayer no longer reaches the mover.
  mover!.send({ type: 'SDP_OFFER', toPeerId: stayer!.peerId, sdp: { type: 'offer', sdp: 'v=0' } });
  assert.equal((await mover!.next('ERROR')).code, 'UNKNOWN_PEER');
  assert.equal(backend.size().rooms, 2);
  // The mover hears nothing more about the old room.
  await witness!.next('PEER_LEFT_ROOM');
  await stayer!.close();
  assert.equal(((await witness!.next('PEER_LEFT_ROOM')).peer as { id: string }).id, stayer!.peerId);
  await mover!.sync();
  assert.ok(!mover!.received.some((m) => m.type === 'PEER_LEFT_ROOM'), 'mover was told about its old room');
});

test('LEAVE_ROOM tells those left behind, and nobody else, once', async (t) => {
  const { wsUrl } = await startServer(t);
  const [a, b, c] = await peersInRoom(t, wsUrl, 'trio', 3);
  const [outsider] = await peersInRoom(t, wsUrl, 'elsewhere', 1, 'out');
  c!.send({ type: 'LEAVE_ROOM' });
  for (const member of [a!, b!]) {
    assert.deepEqual(await member.next('PEER_LEFT_ROOM'), {
      type: 'PEER_LEFT_ROOM',
      roomId: 'trio',
      peer: { id: c!.peerId, username: c!.username },
    });
  }
  await Promise.all([a!.sync(), b!.sync(), c!.sync(), outsider!.sync()]);
  for (const client of [a!, b!])
    assert.equal(client.received.filter((m) => m.type === 'PEER_LEFT_ROOM').length, 1);
  assert.ok(!outsider!.received.some((m) => m.type === 'PEER_LEFT_ROOM'));
  // LEAVE_ROOM is not answered on success.
  assert.deepEqual(
    c!.received.filter((m) => m.type !== 'PONG' && m.type !== 'ROOM_MEMBERS' && m.type !== 'AUTH_SUCCESS'),
    [],
  );
});

test('LEAVE_ROOM from a peer in no room, or naming another room, is answered NOT_IN_ROOM', async (t) => {
  const { wsUrl } = await startServer(t);
  const loner = await identifiedClient(t, wsUrl, 'loner');
  loner.send({ type: 'LEAVE_ROOM' });
  assert.deepEqual(await loner.next('ERROR'), {
    type: 'ERROR',
    code: 'NOT_IN_ROOM',
    message: 'You are not in a room',
    ref: 'LEAVE_ROOM',
  });
  const [member, witness] = await peersInRoom(t, wsUrl, 'here', 2);
  member!.send({ type: 'LEAVE_ROOM', roomId: 'not-here' });
  const refusal = await member!.next('ERROR');
  assert.equal(refusal.code, 'NOT_IN_ROOM');
  // Still in "here": the witness can reach it.
  witness!.send({ type: 'SDP_OFFER', toPeerId: member!.peerId, sdp: { type: 'offer', sdp: 'v=0' } });
  assert.equal((await member!.next('SDP_OFFER')).fromPeerId, witness!.peerId);
});

for (const [label, roomId] of [
  ['empty', ''],
  ['129 characters long', 'r'.repeat(129)],
  ['holding a control character', 'room\u0007'],
  ['holding a newline', 'two\nlines'],
] as const) {
  test(`a room id that is ${label} is answered INVALID_ROOM and the connection is kept`, async (t) => {
    const { wsUrl } = await startServer(t);
    const client = await identifiedClient(t, wsUrl, 'joiner');
    client.send({ type: 'JOIN_ROOM', roomId });
    const refusal = await client.next('ERROR');
    assert.equal(refusal.code, 'INVALID_ROOM');
    assert.equal(refusal.ref, 'JOIN_ROOM');
    await client.join('valid');
  });
}

test('a room id of 128 characters, or with spaces and non-Latin letters, is accepted as sent', async (t) => {
  const { wsUrl } = await startServer(t);
  const client = await identifiedClient(t, wsUrl, 'joiner');
  await client.join('r'.repeat(128));
  await client.join('Salle de réunion 会議室 🎉');
});

test('room ids are case-sensitive: "Room" and "room" are different rooms', async (t) => {
  const { wsUrl } = await startServer(t);
  const [upper] = await peersInRoom(t, wsUrl, 'Room', 1, 'u');
  const lower = await identifiedClient(t, wsUrl, 'lower');
  assert.deepEqual((await lower.join('room')).members, []);
  await upper!.sync();
  assert.ok(!upper!.received.some((m) => m.type === 'NEW_PEER_IN_ROOM'));
});

test('joining the room you are in answers the members again and tells nobody', async (t) => {
  const { wsUrl } = await startServer(t);
  const [a, b] = await peersInRoom(t, wsUrl, 'same', 2);
  const again = await b!.join('same');
  assert.deepEqual(again.members, [{ id: a!.peerId, username: a!.username }]);
  await a!.sync();
  assert.equal(a!.received.filter((m) => m.type === 'NEW_PEER_IN_ROOM').length, 1);
});

test('a full room answers ROOM_FULL and lets nobody in', async (t) => {
  const { wsUrl } = await startServer(t, { maxPeersPerRoom: 2 });
  const [a, b] = await peersInRoom(t, wsUrl, 'small', 2);
  const third = await identifiedClient(t, wsUrl, 'third');
  third.send({ type: 'JOIN_ROOM', roomId: 'small' });
  const refusal = await third.next('ERROR');
  assert.equal(refusal.code, 'ROOM_FULL');
  assert.equal(refusal.ref, 'JOIN_ROOM');
  await Promise.all([a!.sync(), b!.sync()]);
  assert.ok(
    !a!.received.some((m) => m.type === 'NEW_PEER_IN_ROOM' && (m.peer as { id: string }).id === third.peerId),
  );
  // Once someone leaves there is space.
  await b!.close();
  await a!.next('PEER_LEFT_ROOM');
  await third.join('small');
});
