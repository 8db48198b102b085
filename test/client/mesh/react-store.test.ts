/**
 * The React hooks' store (no React needed) over a real server and the in-process RTCPeerConnection
 * stand-in: `useDataChannel` gets its messages through `onChannelMessage`, which listens on each
 * channel from the moment the mesh makes it.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import WebSocket from 'ws';
import { PeerMesh } from '../../../client/peer-mesh.js';
import { SignalroomStore } from '../../../client/react/signalroom-store.js';
import { NEVER_RECONNECT } from '../../../client/reconnect-policy.js';
import { SignalingClient } from '../../../client/signaling-client.js';
import { startServer } from '../../helpers/test-server.js';
import { FakeRTCPeerConnection } from './fake-webrtc.js';

/** A client, its mesh (a `chat` channel) and a store following them, not yet in a room. */
async function storePeer(t: TestContext, url: string, name: string) {
  const client = new SignalingClient({ url, WebSocket, reconnect: NEVER_RECONNECT });
  const mesh = new PeerMesh(client, {
    dataChannels: [{ label: 'chat' }],
    RTCPeerConnection: FakeRTCPeerConnection,
  });
  const store = new SignalroomStore(client, mesh);
  t.after(() => {
    store.close();
    mesh.close();
    client.close();
  });
  await client.connect();
  await client.identify(name);
  return { client, mesh, store };
}

test('a message sent the moment a channel opens reaches a store subscriber, with the peer as the hooks show it', async (t) => {
  const { wsUrl } = await startServer(t);
  const alice = await storePeer(t, wsUrl, 'alice');
  const bob = await storePeer(t, wsUrl, 'bob');
  const got: string[] = [];
  const other: string[] = [];
  const done = new Promise<void>((resolve) => {
    bob.store.onChannelMessage('chat', ({ peer, data }) => {
      got.push(`${peer.username} (${peer.channels.size} channel): ${String(data)}`);
      resolve();
    });
  });
  const stop = bob.store.onChannelMessage('other', ({ data }) => other.push(String(data)));
  // Alice writes in the channel's own open event: before any render could have run on Bob's side.
  alice.mesh.on('channel', ({ channel }) => {
    channel.addEventListener('open', () => channel.send('first'));
  });
  await alice.client.join('store-room');
  await bob.client.join('store-room');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    done,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no message; got ${JSON.stringify(got)}`)), 10_000);
    }),
  ]);
  clearTimeout(timer);
  assert.deepEqual(got, ['alice (1 channel): first']);
  assert.deepEqual(other, [], 'a subscriber of another label hears nothing');
  stop();
});
