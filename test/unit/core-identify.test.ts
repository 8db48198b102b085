// The signaling core without sockets: identification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignalError } from '../../src/core/signal-error.js';
import { BackendUnavailableError } from '../../src/backend/backend.js';
import { coreRig } from '../helpers/fake-connection.js';

test('IDENTIFY is answered AUTH_SUCCESS with the stored name and a UUID v4', async () => {
  const rig = await coreRig();
  const { conn, send } = rig.connect('a');
  send({ type: 'IDENTIFY', username: ' Zoë ' });
  const auth = await conn.next();
  assert.equal(auth.type, 'AUTH_SUCCESS');
  assert.equal(auth.status, 'success');
  assert.equal(auth.username, 'Zoë');
  assert.match(
    auth.peerId as string,
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
  assert.deepEqual(Object.keys(auth).sort(), ['peerId', 'status', 'type', 'username']);
  assert.equal(rig.core.stats().connections, 1);
  assert.equal(rig.core.stats().peers, 1);
});

test('a refused IDENTIFY gets AUTH_ERROR then a 1008 close, and claims nothing', async () => {
  const rig = await coreRig();
  await rig.peer('taken');
  const { conn, send } = rig.connect('b');
  send({ type: 'IDENTIFY', username: 'TAKEN' });
  assert.deepEqual(await conn.next(), {
    type: 'AUTH_ERROR',
    status: 'error',
    code: 'USERNAME_TAKEN',
    message: 'Username already taken',
  });
  assert.equal((await conn.closed()).code, 1008);
  assert.equal(rig.backend.size().usernames, 1);
});

test('the identify timeout closes a silent connection with 4001', async () => {
  const rig = await coreRig({ identifyTimeoutMs: 20 });
  const { conn } = rig.connect('silent');
  assert.deepEqual(await conn.closed(), { code: 4001, reason: 'Identify timeout' });
});

test('frames sent while IDENTIFY is pending wait and are answered in order after AUTH_SUCCESS', async () => {
  const rig = await coreRig();
  const gate = rig.backend.hold('claimUsername');
  const { conn, handle, send } = rig.connect('eager');
  send({ type: 'IDENTIFY', username: 'eager' });
  send({ type: 'JOIN_ROOM', roomId: 'r' });
  send({ type: 'PING', id: 1 });
  handle.onBinary();
  send('{oops');
  send({ type: 'IDENTIFY', username: 'again' });
  await gate.reached;
  assert.deepEqual(conn.frames, [], 'nothing answered while IDENTIFY is pending');
  gate.open();
  assert.equal((await conn.next()).type, 'AUTH_SUCCESS');
  assert.equal((await conn.next()).type, 'ROOM_MEMBERS');
  assert.deepEqual(await conn.next(), { type: 'PONG', id: 1 });
  assert.equal((await conn.next()).code, 'BINARY_NOT_SUPPORTED');
  assert.equal((await conn.next()).code, 'BAD_JSON');
  assert.equal((await conn.next()).code, 'ALREADY_IDENTIFIED');
});

test('a connection closed while its IDENTIFY is pending frees the username and is never announced', async () => {
  const rig = await coreRig();
  const gate = rig.backend.hold('claimUsername');
  const { conn, handle, send } = rig.connect('ghost');
  send({ type: 'IDENTIFY', username: 'ghost' });
  send({ type: 'JOIN_ROOM', roomId: 'r' });
  await gate.reached;
  handle.onClose(1006);
  gate.open();
  await rig.core.settled();
  assert.equal(rig.backend.size().usernames, 0);
  assert.equal(rig.backend.size().rooms, 0);
  assert.equal(rig.core.stats().connections, 0);
  assert.equal(rig.core.stats().peers, 0);
  assert.deepEqual(conn.frames, []);
  // The name is free.
  await rig.peer('Ghost');
});

test('a second IDENTIFY queued behind a refused one is not tried', async () => {
  let attempts = 0;
  const rig = await coreRig({
    authenticate: async () => {
      attempts++;
      throw new SignalError('UNAUTHORIZED', 'Bad token');
    },
  });
  const { conn, send } = rig.connect('x');
  send({ type: 'IDENTIFY', username: 'x', token: 'bad' });
  send({ type: 'IDENTIFY', username: 'x', token: 'also-bad' });
  assert.deepEqual(await conn.next(), {
    type: 'AUTH_ERROR',
    status: 'error',
    code: 'UNAUTHORIZED',
    message: 'Bad token',
  });
  assert.equal((await conn.closed()).code, 1008);
  await rig.core.closeAll('GOING_AWAY');
  assert.equal(attempts, 1);
  assert.equal(conn.frames.length, 1);
});

test('IDENTIFY while the backend is down is refused with AUTH_ERROR UNAVAILABLE and a close', async () => {
  const rig = await coreRig();
  rig.backend.claimUsername = async () => {
    throw new BackendUnavailableError('redis down');
  };
  const { conn, send } = rig.connect('x');
  send({ type: 'IDENTIFY', username: 'x' });
  const refusal = await conn.next();
  assert.equal(refusal.type, 'AUTH_ERROR');
  assert.equal(refusal.code, 'UNAVAILABLE');
  assert.equal((await conn.closed()).code, 1008);
});

test('an authenticator may rename the peer: the identity’s username is the one used', async () => {
  const rig = await coreRig({ authenticate: async () => ({ username: 'from-token' }) });
  const { conn, send } = rig.connect('x');
  send({ type: 'IDENTIFY', username: 'claimed', token: 't' });
  assert.equal((await conn.next()).username, 'from-token');
});

test('too many frames queued behind a pending step close the connection with 1008', async () => {
  const rig = await coreRig({ maxPendingFrames: 10 });
  const gate = rig.backend.hold('claimUsername');
  const { conn, send } = rig.connect('flood');
  send({ type: 'IDENTIFY', username: 'flood' });
  for (let i = 0; i < 11; i++) send({ type: 'PING', id: i });
  assert.equal((await conn.closed()).code, 1008);
  gate.open();
  await rig.core.closeAll('GOING_AWAY');
  assert.equal(rig.backend.size().usernames, 0);
});
