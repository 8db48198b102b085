/**
 * The one place signalroom reaches past ws's public API, pinned: write coalescing
 * (src/transport/write-batch.ts) corks the TCP socket ws keeps as its private `_socket`, and the
 * connections (src/transport/ws-connection.ts) are instances of a WebSocket subclass that ws
 * creates for them (its documented `WebSocket` server option), found by listeners shared by every
 * socket through `this`. If a ws upgrade renames `_socket` or stops writing through it, batching
 * would silently stop (every frame its own write): these tests fail instead. Room events are framed
 * once and written to that socket directly (writeFramed), between frames ws writes itself: the
 * order must hold and ws's client must read them as the text frames ws would have sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { batchWrites, writeFramed } from '../../src/transport/write-batch.js';
import { ServerWebSocket } from '../../src/transport/ws-connection.js';

/** A ws server whose connections are ServerWebSockets, and one client connected to it. */
async function connectedPair(t: { after(fn: () => unknown): void }): Promise<{
  server: ServerWebSocket;
  client: WebSocket;
  tcp: Socket;
}> {
  const http: Server = createServer();
  const wss = new WebSocketServer({ server: http, WebSocket: ServerWebSocket });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const connected = once(wss, 'connection') as Promise<[ServerWebSocket, { socket: Socket }]>;
  const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
  const [server, request] = await connected;
  await once(client, 'open');
  t.after(() => {
    client.terminate();
    wss.close();
    http.close();
  });
  return { server, client, tcp: request.socket };
}

test('ws internals: connections are instances of the WebSocket class given to the server', async (t) => {
  const { server } = await connectedPair(t);
  assert.ok(server instanceof ServerWebSocket, 'ws made the connection from our subclass');
  assert.equal(server.connection, null, 'with our field, ready for the transport to fill');
});

test('ws internals: `_socket` is the TCP socket of the connection, and ws writes through it', async (t) => {
  const { server, client, tcp } = await connectedPair(t);
  const socket = (server as unknown as { _socket?: Socket })._socket;
  assert.equal(socket, tcp, 'ws keeps the upgraded TCP socket as _socket');
  // Corked by batchWrites, two frames stay in that socket's buffer until the end of the tick:
  // proof that ws writes through _socket (else the cork would not hold them back).
  const received: string[] = [];
  client.on('message', (data) => received.push(String(data)));
  batchWrites(server, false);
  assert.equal(tcp.writableCorked, 1, 'batchWrites corked the socket');
  server.send('one');
  server.send('two');
  assert.ok(tcp.writableLength > 0, 'the frames wait in the corked socket');
  await new Promise((resolve) => process.nextTick(resolve));
  assert.equal(tcp.writableCorked, 0, 'uncorked at the end of the tick');
  while (received.length < 2) await once(client, 'message');
  assert.deepEqual(received, ['one', 'two']);
});

test('ws internals: listeners run with `this` as the socket that emitted the event', async (t) => {
  const { server, client } = await connectedPair(t);
  const seen: unknown[] = [];
  server.on('message', function (this: WebSocket) {
    seen.push(this);
  });
  client.send('x');
  await once(server, 'message');
  assert.deepEqual(seen, [server]);
});

test('ws internals: frames written to `_socket` by writeFramed keep their order among ws.send frames', async (t) => {
  const { server, client } = await connectedPair(t);
  const received: { text: string; isBinary: boolean }[] = [];
  client.on('message', (data, isBinary) => received.push({ text: String(data), isBinary }));
  // Every header length of RFC 6455: 7-bit, 16-bit and 64-bit payload lengths.
  const texts = ['é-short', 'm'.repeat(126), 'x'.repeat(65_535), 'l'.repeat(70_000)];
  // Corked, so the bytes wait in the socket: ws's bufferedAmount (its slow-consumer guard) sees them.
  batchWrites(server, false);
  const queued = server.bufferedAmount;
  server.send('first');
  assert.equal(server.bufferedAmount - queued, 2 + 'first'.length, 'ws.send: header and payload');
  writeFramed(server, Buffer.from('counted'));
  assert.equal(server.bufferedAmount - queued, 2 + 5 + 2 + 7, 'writeFramed bytes are counted too');
  for (const text of texts) {
    const bytes = Buffer.from(text, 'utf8');
    writeFramed(server, bytes);
    writeFramed(server, bytes); // the same payload again: the bytes framed once are reused
  }
  server.send('last');
  const want = ['first', 'counted', ...texts.flatMap((text) => [text, text]), 'last'];
  while (received.length < want.length) await once(client, 'message');
  assert.deepEqual(
    received.map((r) => r.text),
    want,
  );
  assert.ok(
    received.every((r) => !r.isBinary),
    'all arrive as text frames',
  );
});
