// Many peers joining one room at the same moment must all end with the same, complete view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/test-server.js';
import { identifiedClient, type Received, type TestClient } from '../helpers/test-client.js';

const PEERS = 50;

/** What `client` learnt of the room: ROOM_MEMBERS first, then NEW_PEER_IN_ROOM events. */
async function viewOf(client: TestClient, roomId: string, others: number): Promise<string[]> {
  const first = await client.next();
  assert.equal(first.type, 'ROOM_MEMBERS', `${client.username}: first message after JOIN_ROOM`);
  assert.equal(first.roomId, roomId);
  const view = (first.members as { id: string }[]).map((m) => m.id);
  while (view.length < others) {
    const event: Received = await client.next();
    assert.equal(event.type, 'NEW_PEER_IN_ROOM', `${client.username}: unexpected ${JSON.stringify(event)}`);
    assert.equal(event.roomId, roomId);
    view.push((event.peer as { id: string }).id);
  }
  return view;
}

test(`${PEERS} clients joining one room at once each end up seeing exactly the ${PEERS - 1} others`, async (t) => {
  const { wsUrl } = await startServer(t, { maxPeersPerRoom: PEERS });
  const clients = await Promise.all(
    Array.from({ length: PEERS }, (_, i) => identifiedClient(t, wsUrl, `crowd-${i}`)),
  );
  for (const c of clients) c.send({ type: 'JOIN_ROOM', roomId: 'crowded' });

  const views = await Promise.all(clients.map((c) => viewOf(c, 'crowded', PEERS - 1)));
  const everyone = new Set(clients.map((c) => c.peerId));
  clients.forEach((client, i) => {
    const view = views[i] as string[];
    assert.equal(new Set(view).size, view.length, `${client.username} was told of someone twice`);
    assert.ok(!view.includes(client.peerId), `${client.username} was told of itself`);
    assert.deepEqual(new Set(view), new Set([...everyone].filter((id) => id !== client.peerId)));
  });

  // Nothing more arrives: no late duplicate announcements.
  await Promise.all(clients.map((c) => c.sync()));
  for (const c of clients) {
    const memberLists = c.received.filter((m) => m.type === 'ROOM_MEMBERS');
    const announced = c.received.filter((m) => m.type === 'NEW_PEER_IN_ROOM').length;
    assert.equal(memberLists.length, 1, `${c.username} got ROOM_MEMBERS more than once`);
    assert.equal((memberLists[0]?.members as unknown[]).length + announced, PEERS - 1, c.username);
  }

  // And the room is usable: the last peer offers to the first.
  const [first, last] = [clients[0] as TestClient, clients[PEERS - 1] as TestClient];
  last.send({ type: 'SDP_OFFER', toPeerId: first.peerId, sdp: { type: 'offer', sdp: 'v=0' } });
  assert.equal((await first.next('SDP_OFFER')).fromPeerId, last.peerId);
});

test(`${PEERS} clients leaving one room at once: the last one standing is told of each exactly once`, async (t) => {
  // Resume off, so the half that drops without a close frame is gone at once rather than held.
  const { wsUrl } = await startServer(t, { maxPeersPerRoom: PEERS, resumeGraceMs: 0 });
  const clients = await Promise.all(
    Array.from({ length: PEERS }, (_, i) => identifiedClient(t, wsUrl, `leaver-${i}`)),
  );
  for (const c of clients) c.send({ type: 'JOIN_ROOM', roomId: 'draining' });
  await Promise.all(clients.map((c) => viewOf(c, 'draining', PEERS - 1)));

  const [stayer, ...leavers] = clients as [TestClient, ...TestClient[]];
  leavers.forEach((c, i) => (i % 2 === 0 ? c.send({ type: 'LEAVE_ROOM' }) : c.terminate()));
  const left = new Set<string>();
  while (left.size < leavers.length) {
    const event = await stayer.next('PEER_LEFT_ROOM');
    const id = (event.peer as { id: string }).id;
    assert.ok(!left.has(id), 'told twice that one peer left');
    left.add(id);
  }
  assert.deepEqual(left, new Set(leavers.map((c) => c.peerId)));
});
