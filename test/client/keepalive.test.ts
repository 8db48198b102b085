/** The keepalive PING notices a connection that went silent (no close, no FIN) and the client resumes. */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import WebSocket from 'ws';
import { ExponentialBackoffPolicy } from '../../client/reconnect-policy.js';
import { SignalingClient } from '../../client/signaling-client.js';
import { startServer } from '../helpers/test-server.js';
import { nextEvent } from './events.js';

/** A TCP proxy to `port` whose open connections can be frozen: bytes stop flowing both ways, nothing closes. */
async function freezableProxy(
  t: TestContext,
  port: number,
): Promise<{ port: number; freeze(): void; destroy(): void }> {
  const pairs: Array<[Socket, Socket]> = [];
  const server = createServer((client) => {
    const upstream = new (client.constructor as typeof Socket)();
    upstream.connect(port, '127.0.0.1');
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    pairs.push([client, upstream]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const destroy = () => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    server.close();
  };
  t.after(destroy);
  return {
    port: (server.address() as { port: number }).port,
    freeze() {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    destroy,
  };
}

test('a silent connection is detected by the keepalive and the session resumes', async (t) => {
  const running = await startServer(t);
  const proxy = await freezableProxy(t, running.port);
  const alice = new SignalingClient({
    url: `ws://127.0.0.1:${proxy.port}/ws`,
    WebSocket,
    keepaliveIntervalMs: 100,
    reconnect: new ExponentialBackoffPolicy({ initialDelayMs: 20, maxDelayMs: 100 }),
  });
  t.after(() => alice.close());
  await alice.connect();
  const { peerId } = await alice.identify('alice');
  await alice.join('quiet');

  const states = nextEvent(alice, 'state', (s) => s.state === 'reconnecting');
  const back = nextEvent(alice, 'reconnected');
  proxy.freeze();
  await states;
  // The server still thinks the old connection is alive; the resume token takes it over.
  assert.equal((await back).outcome, 'resumed');
  assert.equal(alice.peerId, peerId);
  assert.equal(alice.state, 'connected');
  // The server's close handshake on the frozen connection would wait its full timeout otherwise.
  alice.close();
  proxy.destroy();
});
