/**
 * Room changes have a budget of their own: each JOIN_ROOM or LEAVE_ROOM is announced to a whole
 * room, so within the message rate a sender could make every member read a frame per message it
 * sends. Past the room-change burst, changes are refused with RATE_LIMITED (ref = the type) and
 * announced to no one; an ordinary user (a join, a few room switches, a rejoin) is never refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/test-server.js';
import { identifiedClient, peersInRoom, type TestClient } from '../helpers/test-client.js';
import { defineConfig } from '../../src/config.js';
import { takeRoomChangeToken, type RoomChangeState } from '../../src/core/rate-limit.js';

const fresh = (): RoomChangeState => ({ roomTokens: 0, roomTokensAt: 0 });
const isEvent = (type: string) => type === 'NEW_PEER_IN_ROOM' || type === 'PEER_LEFT_ROOM';

test('defaults: 2 room changes per second, burst 10', () => {
  const config = defineConfig();
  assert.equal(config.maxRoomChangesPerSecond, 2);
  assert.equal(config.roomChangeBurst, 10);
});

test('room-change bucket: a burst of 10 passes, then one change per 500 ms', () => {
  const limits = { perSecond: 2, burst: 10 };
  const s = fresh();
  const t0 = 1_000_000;
  for (let i = 0; i < 10; i++) assert.equal(takeRoomChangeToken(s, t0, limits), true, `change ${i}`);
  assert.equal(takeRoomChangeToken(s, t0, limits), false);
  assert.equal(takeRoomChangeToken(s, t0 + 499, limits), false);
  assert.equal(takeRoomChangeToken(s, t0 + 500, limits), true);
  // Keeping to the rate is never refused.
  for (let i = 2; i < 100; i++) assert.equal(takeRoomChangeToken(s, t0 + 500 * i, limits), true);
});

test('a JOIN/LEAVE flood is refused with RATE_LIMITED past the burst; the room hears only the changes let through', async (t) => {
  const { wsUrl } = await startServer(t, { maxRoomChangesPerSecond: 1, roomChangeBurst: 10 });
  const listeners = await peersInRoom(t, wsUrl, 'crowd', 20);
  const flooder = await identifiedClient(t, wsUrl, 'flooder');
  const started = Date.now();
  // 180 changes: within the message burst (200), so only the room-change budget can hold them back.
  for (let i = 0; i < 90; i++) {
    flooder.send({ type: 'JOIN_ROOM', roomId: 'crowd' });
    flooder.send({ type: 'LEAVE_ROOM' });
  }
  await flooder.sync();
  const elapsedS = (Date.now() - started) / 1000;
  const refusals = flooder.received.filter((m) => m.type === 'ERROR');
  assert.ok(refusals.length > 0, 'the flood was refused');
  for (const r of refusals) {
    assert.equal(r.code, 'RATE_LIMITED');
    assert.ok(r.ref === 'JOIN_ROOM' || r.ref === 'LEAVE_ROOM', `ref ${String(r.ref)}`);
  }
  const accepted = 180 - refusals.length;
  // The burst, plus what refilled while the flood was processed (an upper bound, not a timing check).
  assert.ok(accepted <= 10 + Math.ceil(elapsedS * 1) + 1, `${accepted} changes let through`);

  for (const l of listeners) await l.sync();
  const frames = listeners.reduce((n, l) => n + l.received.filter((m) => isEvent(m.type)).length, 0);
  const perListener = (l: TestClient) =>
    l.received.filter((m) => isEvent(m.type) && (m.peer as { id: string }).id === flooder.peerId).length;
  t.diagnostic(
    `180 room changes sent: ${accepted} let through, ${refusals.length} refused; ${listeners.length} members read ${listeners.reduce((n, l) => n + perListener(l), 0)} events of the flooder`,
  );
  assert.ok(frames <= listeners.length * (listeners.length + accepted), `${frames} room events`);
  for (const l of listeners)
    assert.equal(perListener(l), accepted, 'every member saw each change let through');
});

test('an ordinary user is never refused: a join, room switches, a leave and a rejoin, and a reconnect', async (t) => {
  const { wsUrl } = await startServer(t);
  const user = await identifiedClient(t, wsUrl, 'ordinary');
  for (const room of ['lobby', 'room-a', 'room-b', 'room-c', 'lobby']) await user.join(room);
  user.send({ type: 'LEAVE_ROOM' });
  await user.join('lobby');
  await user.sync();
  assert.deepEqual(
    user.received.filter((m) => m.type === 'ERROR'),
    [],
  );
  // A new connection (a reload, or a reconnect that could not resume) has a budget of its own.
  await user.close();
  const again = await identifiedClient(t, wsUrl, 'ordinary');
  await again.join('lobby');
});
