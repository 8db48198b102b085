/**
 * Switching rooms is atomic: a JOIN_ROOM for another room that is refused leaves the peer in the
 * room it was in, its members told nothing, and it can still signal them. The integration suite
 * runs again on Redis (test/backend/integration-on-redis.test.ts), so this holds on both backends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Authenticator } from '../../src/core/authenticator.js';
import { startServer } from '../helpers/test-server.js';
import { identifiedClient, peersInRoom, type TestClient } from '../helpers/test-client.js';

/** A peer `mover` in room `home` with one other member `stay`, and a full room `full` of one. */
async function scene(t: Parameters<typeof startServer>[0], authenticate?: Authenticator) {
  const { wsUrl, server } = await startServer(t, { maxPeersPerRoom: 2 }, { authenticate });
  const [stay, mover] = (await peersInRoom(t, wsUrl, 'home', 2)) as [TestClient, TestClient];
  const full = await peersInRoom(t, wsUrl, 'full', 2, 'occupant');
  return { wsUrl, server, stay, mover, full };
}

/** `mover` is still in `home`: it signals `stay`, and a JOIN of `home` answers the same member. */
async function stillHome(mover: TestClient, stay: TestClient): Promise<void> {
  mover.send({ type: 'SDP_OFFER', toPeerId: stay.peerId, sdp: { type: 'offer', sdp: 'still here' } });
  const offer = await stay.next('SDP_OFFER');
  assert.equal(offer.fromPeerId, mover.peerId);
  const members = await mover.join('home');
  assert.deepEqual(
    (members.members as { id: string }[]).map((m) => m.id),
    [stay.peerId],
  );
  await stay.sync();
  assert.deepEqual(
    stay.unread().filter((m) => m.type === 'PEER_LEFT_ROOM' || m.type === 'NEW_PEER_IN_ROOM'),
    [],
    'the home room heard nothing',
  );
}

test('a switch to a full room (ROOM_FULL) leaves the peer in its room', async (t) => {
  const { mover, stay, full } = await scene(t);
  mover.send({ type: 'JOIN_ROOM', roomId: 'full' });
  const refusal = await mover.next('ERROR');
  assert.equal(refusal.code, 'ROOM_FULL');
  await stillHome(mover, stay);
  for (const occupant of full) {
    await occupant.sync();
    assert.equal(occupant.unread().filter((m) => m.type === 'NEW_PEER_IN_ROOM').length, 0);
  }
});

test('a switch to a forbidden room (FORBIDDEN_ROOM) leaves the peer in its room', async (t) => {
  const onlyHome: Authenticator = async (request) => ({
    username: request.username,
    rooms: request.username.startsWith('occupant') ? null : ['home'],
  });
  const { mover, stay } = await scene(t, onlyHome);
  mover.send({ type: 'JOIN_ROOM', roomId: 'elsewhere' });
  const refusal = await mover.next('ERROR');
  assert.equal(refusal.code, 'FORBIDDEN_ROOM');
  await stillHome(mover, stay);
});

test('a switch that succeeds: the new room hears the join, the old one the leave', async (t) => {
  const { wsUrl } = await startServer(t);
  const [stay, mover] = (await peersInRoom(t, wsUrl, 'home', 2)) as [TestClient, TestClient];
  const there = await identifiedClient(t, wsUrl, 'there');
  await there.join('away');
  const members = await mover.join('away');
  assert.deepEqual(
    (members.members as { id: string }[]).map((m) => m.id),
    [there.peerId],
  );
  assert.equal(((await stay.next('PEER_LEFT_ROOM')).peer as { id: string }).id, mover.peerId);
  assert.equal(((await there.next('NEW_PEER_IN_ROOM')).peer as { id: string }).id, mover.peerId);
});
