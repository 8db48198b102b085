/**
 * examples/node-peers: a WebRTC peer in Node (the SDK with werift) joins a room; a second Node
 * peer, here in the test, opens a data channel to it through a real server and gets its echo.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RTCPeerConnection } from 'werift';
import WebSocket from 'ws';
import { PeerMesh, type PeerMeshEvents } from '../../client/peer-mesh.js';
import { SignalingClient } from '../../client/signaling-client.js';
import { startServer } from '../helpers/test-server.js';
import { nextEvent } from '../client/events.js';
import { runExample, stopsCleanly, waitForOutput } from './support/example-process.js';

test('examples/node-peers: a Node peer on werift echoes what another Node peer sends on a data channel', async (t) => {
  const { wsUrl } = await startServer(t);
  const bot = runExample(t, 'examples/node-peers/echo-bot.mjs', { SIGNALROOM_URL: wsUrl, ROOM: 'echo' });
  await waitForOutput(bot, /echo-bot is in room echo/);

  const client = new SignalingClient({ url: wsUrl, WebSocket });
  const mesh = new PeerMesh(client, { RTCPeerConnection, dataChannels: [{ label: 'chat' }] });
  t.after(() => {
    mesh.close();
    client.close();
  });
  const opened = nextEvent<PeerMeshEvents, 'channel'>(mesh, 'channel');
  await client.connect();
  await client.identify('node-peer');
  assert.deepEqual(
    (await client.join('echo')).map((m) => m.username),
    ['echo-bot'],
  );
  const { channel } = await opened;
  const echoed = new Promise<string>((done) => {
    channel.onmessage = (event) => done(String(event.data));
  });
  if (channel.readyState === 'open') channel.send('ping');
  else channel.onopen = () => channel.send('ping');
  assert.equal(await echoed, 'echo: ping');
  await waitForOutput(bot, /channel 'chat' from node-peer/);
  await stopsCleanly(bot);
});
