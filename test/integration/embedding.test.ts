// The embedding API: signaling on an existing node:http server, and the whole app from createServer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import { createServer } from '../../src/index.js';
import { embeddedApp } from '../helpers/embedded-app.js';
import { startServer } from '../helpers/test-server.js';
import { TestClient, identifiedClient, peersInRoom } from '../helpers/test-client.js';

test('attachSignaling adds signaling to an existing node:http server, next to its own routes', async (t) => {
  const { signaling, port } = await embeddedApp(t, { wsPath: '/signal' });
  const wsUrl = `ws://127.0.0.1:${port}/signal`;

  const [alice, bob] = await peersInRoom(t, wsUrl, 'embedded', 2);
  alice!.send({ type: 'SDP_OFFER', toPeerId: bob!.peerId, sdp: { type: 'offer', sdp: 'v=0' } });
  assert.equal((await bob!.next('SDP_OFFER')).fromPeerId, alice!.peerId);

  // The app's own routes are untouched.
  const res = await fetch(`http://127.0.0.1:${port}/hello`);
  assert.equal(await res.text(), 'my app: GET /hello');
  assert.equal(signaling.isReady(), true);
});

test('attachSignaling leaves other upgrade paths to the app’s own WebSocket server', async (t) => {
  const own = new WebSocketServer({ noServer: true });
  const { port } = await embeddedApp(t, {}, (server) =>
    server.on('upgrade', (req, socket, head) => {
      if (req.url === '/app-ws') own.handleUpgrade(req, socket, head, (ws) => ws.send('{"type":"APP"}'));
    }),
  );
  const appClient = await TestClient.connect(t, `ws://127.0.0.1:${port}/app-ws`);
  assert.equal((await appClient.next()).type, 'APP');
  await identifiedClient(t, `ws://127.0.0.1:${port}/ws`, 'both-live');
  appClient.terminate();
  for (const ws of own.clients) ws.terminate();
  own.close();
});

test('closing attached signaling closes its clients with 1001 and leaves the http server running', async (t) => {
  const { signaling, port } = await embeddedApp(t);
  const client = await identifiedClient(t, `ws://127.0.0.1:${port}/ws`, 'goodbye');
  await signaling.close();
  assert.equal((await client.closed).code, 1001);
  assert.equal(signaling.isReady(), false);
  const res = await fetch(`http://127.0.0.1:${port}/still-here`);
  assert.equal(res.status, 200);
});

test('createServer builds the whole app: demo page, health routes and WebSocket', async (t) => {
  const server = await createServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' });
  t.after(() => server.close());
  const { url, port } = await server.listen();
  assert.equal(url, `http://127.0.0.1:${port}`);

  const page = await fetch(`${url}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  await identifiedClient(t, `ws://127.0.0.1:${port}/ws`, 'created');
});

test('/healthz answers while alive; /readyz answers 200 while serving and 503 once closing', async (t) => {
  const { server, httpUrl } = await startServer(t);
  const health = await fetch(`${httpUrl}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });
  const ready = await fetch(`${httpUrl}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready' });
  // Readiness follows the signaling side: once it is closed the node takes no new clients.
  assert.equal(server.isReady(), true);
  await server.core.stop();
  const notReady = await fetch(`${httpUrl}/readyz`);
  assert.equal(notReady.status, 503);
  assert.equal(((await notReady.json()) as { status: string }).status, 'unavailable');
});

test('a WebSocket upgrade on another path of the full app is refused', async (t) => {
  const { httpUrl } = await startServer(t);
  await assert.rejects(TestClient.connect(t, `${httpUrl.replace('http', 'ws')}/not-ws`), /HTTP 404/);
});
