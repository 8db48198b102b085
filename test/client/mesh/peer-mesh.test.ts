/**
 * PeerMesh against a real server, with an in-process RTCPeerConnection stand-in (fake-webrtc.ts):
 * after a rejoin a kept connection goes to a new peer id only when the connection itself confirms
 * the id; a peer that merely has the same username gets a fresh connection.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import WebSocket from 'ws';
import type { PeerLink } from '../../../client/peer-link.js';
import { PeerMesh, type PeerMeshOptions } from '../../../client/peer-mesh.js';
import { ExponentialBackoffPolicy, NEVER_RECONNECT } from '../../../client/reconnect-policy.js';
import { SignalingClient } from '../../../client/signaling-client.js';
import { startServer } from '../../helpers/test-server.js';
import { nextEvent, record } from '../events.js';
import { FakeRTCPeerConnection, type FakeDataChannel } from './fake-webrtc.js';

interface MeshPeer {
  client: SignalingClient;
  mesh: PeerMesh;
  /** Chat messages received, as `from-username: text`. */
  chat: string[];
}

/** A client and its mesh (fake WebRTC, a `chat` channel), identified and in `room`. */
async function meshPeer(
  t: TestContext,
  url: string,
  name: string,
  room: string,
  options: { reconnect?: boolean; mesh?: PeerMeshOptions } = {},
): Promise<MeshPeer> {
  const client = new SignalingClient({
    url,
    WebSocket,
    reconnect:
      options.reconnect === false
        ? NEVER_RECONNECT
        : new ExponentialBackoffPolicy({ initialDelayMs: 20, maxDelayMs: 200 }),
  });
  const mesh = new PeerMesh(client, {
    dataChannels: [{ label: 'chat' }],
    RTCPeerConnection: FakeRTCPeerConnection,
    ...options.mesh,
  });
  const chat: string[] = [];
  mesh.on('channel', ({ peer, channel }) => {
    channel.onmessage = (event) => chat.push(`${peer.username}: ${String(event.data)}`);
  });
  t.after(() => {
    mesh.close();
    client.close();
  });
  await client.connect();
  await client.identify(name);
  await client.join(room);
  return { client, mesh, chat };
}

/** The chat channel of `link` once it is open. */
async function openChat(link: PeerLink): Promise<FakeDataChannel> {
  const pc = link.pc as unknown as { channels: FakeDataChannel[] };
  for (let i = 0; i < 500; i++) {
    const chat = pc.channels.find((c) => c.label === 'chat' && c.readyState === 'open');
    if (chat) return chat;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no open chat channel to ${link.peer.username}`);
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** Alice and Bob in `room` with a connected link and an open chat channel each way. */
async function connectedPair(
  t: TestContext,
  url: string,
  room: string,
  options: { alice?: { reconnect?: boolean }; bob?: { mesh?: PeerMeshOptions } } = {},
) {
  const a = await meshPeer(t, url, 'alice', room, options.alice);
  const b = await meshPeer(t, url, 'bob', room, options.bob);
  await until(() => a.mesh.peers().length === 1 && b.mesh.peers().length === 1, 'both have a link');
  const [aToB, bToA] = [a.mesh.peers()[0] as PeerLink, b.mesh.peers()[0] as PeerLink];
  await openChat(aToB);
  await openChat(bToA);
  return { a, b, aToB, bToA };
}

test('after a server restart the kept connection carries on: each side confirmed the other’s new id over it', async (t) => {
  const { wsUrl, server } = await startServer(t);
  const { a, b, aToB, bToA } = await connectedPair(t, wsUrl, 'restart');
  const oldAlice = a.client.peerId;
  const oldBob = b.client.peerId;
  const added = [...record(a.mesh, 'peer-added'), ...record(b.mesh, 'peer-added')];
  const aRekeyed = nextEvent(a.mesh, 'peer-rekeyed');
  const bRekeyed = nextEvent(b.mesh, 'peer-rekeyed');

  // Every session ends; both clients identify again (new peer ids) and rejoin.
  await server.core.closeAll('RESTARTING');
  const [fromA, fromB] = [await aRekeyed, await bRekeyed];
  assert.equal(fromA.previousId, oldBob);
  assert.equal(fromA.peer.id, b.client.peerId);
  assert.notEqual(fromA.peer.id, oldBob);
  assert.equal(fromB.previousId, oldAlice);
  assert.equal(fromB.peer.id, a.client.peerId);
  assert.equal(a.mesh.get(fromA.peer.id), aToB, 'the same connection, under the new id');
  assert.equal(b.mesh.get(fromB.peer.id), bToA);
  assert.deepEqual(added, [], 'no fresh connection');

  (await openChat(aToB)).send('still here');
  await until(() => b.chat.includes('alice: still here'), 'the chat message arrives');
});

test('an impostor taking the username of a peer that did not come back gets a fresh connection, never the kept one', async (t) => {
  const { wsUrl, server } = await startServer(t);
  // The real alice will not come back after the restart; her side of the connection stays up.
  const { a, b, bToA } = await connectedPair(t, wsUrl, 'stolen', {
    alice: { reconnect: false },
    bob: { mesh: { keptLinkConfirmMs: 300 } },
  });
  const oldAlice = a.client.peerId;
  const rekeyed = record(b.mesh, 'peer-rekeyed');
  const removed = nextEvent(b.mesh, 'peer-removed');
  const bobBack = nextEvent(b.client, 'reconnected');
  await server.core.closeAll('RESTARTING');
  await bobBack;

  const mallory = await meshPeer(t, wsUrl, 'alice', 'stolen');
  const added = await nextEvent(b.mesh, 'peer-added');
  assert.equal(added.peer.id, mallory.client.peerId);
  assert.notEqual(added.link, bToA, 'a fresh connection');
  assert.equal((await removed).peer.id, oldAlice, 'the kept connection is closed');
  assert.equal(bToA.pc.connectionState, 'closed');
  assert.deepEqual(rekeyed, []);

  // The impostor talks to Bob over its own connection, and nothing of the kept one reaches it.
  const toMallory = mallory.mesh.peers()[0] as PeerLink;
  (await openChat(toMallory)).send('hello bob');
  await until(() => b.chat.includes('alice: hello bob'), 'the impostor reaches bob over a new connection');
  assert.equal(mallory.chat.length, 0);
  assert.notEqual((mallory.mesh.peers()[0]?.pc as unknown as { remote: unknown }).remote, null);
  assert.ok(
    (bToA.pc as unknown as { channels: FakeDataChannel[] }).channels.every((c) => c.readyState === 'closed'),
  );
});
