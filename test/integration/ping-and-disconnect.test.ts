// Application PING/PONG, and what a disconnect leaves behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/test-server.js';
import { TestClient, identifiedClient, peersInRoom } from '../helpers/test-client.js';

test('PING is answered PONG with the same id (number, string or none), before and after IDENTIFY', async (t) => {
  const { wsUrl } = await startServer(t);
  const client = await TestClient.connect(t, wsUrl);
  client.send({ type: 'PING', id: 7 });
  assert.deepEqual(await client.next(), { type: 'PONG', id: 7 });
  client.send({ type: 'PING' });
  assert.deepEqual(await client.next(), { type: 'PONG' });
  await client.identify('pinger');
  client.send({ type: 'PING', id: 'abc' });
  assert.deepEqual(await client.next(), { type: 'PONG', id: 'abc' });
});

test('a clean close frees the username and tells the room once', async (t) => {
  const { wsUrl } = await startServer(t);
  const [stayer, leaver] = await peersInRoom(t, wsUrl, 'r', 2);
  await leaver!.close(1000);
  assert.deepEqual(await stayer!.next('PEER_LEFT_ROOM'), {
    type: 'PEER_LEFT_ROOM',
    roomId: 'r',
    peer: { id: leaver!.peerId, username: leaver!.username },
  });
  const again = await identifiedClient(t, wsUrl, leaver!.username);
  assert.notEqual(again.peerId, leaver!.peerId);
  await stayer!.sync();
  assert.equal(stayer!.received.filter((m) => m.type === 'PEER_LEFT_ROOM').length, 1);
});

test('a tab closing (1001) ends the session at once even with resume on', async (t) => {
  const { wsUrl } = await startServer(t);
  const [stayer, leaver] = await peersInRoom(t, wsUrl, 'r', 2);
  await leaver!.close(1001);
  assert.equal(((await stayer!.next('PEER_LEFT_ROOM')).peer as { id: string }).id, leaver!.peerId);
  await identifiedClient(t, wsUrl, leaver!.username);
});

test('a connection dropped without a close frame is cleaned up like a clean disconnect (resume off)', async (t) => {
  const { wsUrl } = await startServer(t, { resumeGraceMs: 0 });
  const [stayer, dropped] = await peersInRoom(t, wsUrl, 'r', 2);
  dropped!.terminate();
  assert.equal(((await stayer!.next('PEER_LEFT_ROOM')).peer as { id: string }).id, dropped!.peerId);
  await identifiedClient(t, wsUrl, dropped!.username);
});

test('a relay to a peer that just left is answered UNKNOWN_PEER', async (t) => {
  const { wsUrl } = await startServer(t);
  const [stayer, leaver] = await peersInRoom(t, wsUrl, 'r', 2);
  await leaver!.close();
  await stayer!.next('PEER_LEFT_ROOM');
  stayer!.send({ type: 'SDP_OFFER', toPeerId: leaver!.peerId, sdp: { type: 'offer', sdp: 'v=0' } });
  assert.equal((await stayer!.next('ERROR')).code, 'UNKNOWN_PEER');
});
