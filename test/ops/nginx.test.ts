import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/test-server.js';
import { TestClient } from '../helpers/test-client.js';
import {
  haveBrowser,
  launchBrowser,
  pagesInRoom,
  sendChat,
  startDemoServer,
  waitForChannel,
  waitForChat,
} from '../e2e/support/browser.js';
import { startNginx } from './helpers/nginx.js';

/** Connect through nginx from a given loopback address (each one a different "client IP"). */
function from(localAddress: string, headers: Record<string, string> = {}) {
  return { localAddress, headers };
}

test('signaling works through nginx: upgrade, identify, join, relay; the redirect block redirects', async (t) => {
  const { port } = await startServer(t, { trustProxy: ['127.0.0.1'] });
  const nginx = await startNginx(t, port);
  const wsUrl = `ws://127.0.0.1:${nginx.port}/ws`;
  const alice = await TestClient.connect(t, wsUrl);
  await alice.identify('alice');
  await alice.join('r1');
  const bob = await TestClient.connect(t, wsUrl);
  await bob.identify('bob');
  await bob.join('r1');
  await alice.next('NEW_PEER_IN_ROOM');
  alice.send({ type: 'SDP_OFFER', toPeerId: bob.peerId, sdp: { type: 'offer', sdp: 'v=0' } });
  const offer = await bob.next('SDP_OFFER');
  assert.equal(offer.fromPeerId, alice.peerId);

  const health = await fetch(`${nginx.url}/healthz`);
  assert.equal(health.status, 200);
  assert.equal((await fetch(`${nginx.url}/metrics`)).status, 404, 'metrics stay behind the proxy');
  const redirect = await fetch(`http://127.0.0.1:${nginx.redirectPort}/?room=x`, { redirect: 'manual' });
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.get('location'), 'https://127.0.0.1/?room=x');
});

test('with --trust-proxy the per-IP limit counts the client behind nginx, and a forged header does not help', async (t) => {
  const { port } = await startServer(t, { trustProxy: ['127.0.0.1'], maxConnectionsPerIp: 1 });
  const nginx = await startNginx(t, port);
  const wsUrl = `ws://127.0.0.1:${nginx.port}/ws`;
  await TestClient.connect(t, wsUrl, from('127.0.0.5'));
  await TestClient.connect(t, wsUrl, from('127.0.0.6'));
  await assert.rejects(
    TestClient.connect(t, wsUrl, from('127.0.0.5')),
    /HTTP 429/,
    'a second one of 127.0.0.5',
  );
  // nginx appends the real address; the server takes the rightmost untrusted one, not the claim.
  await assert.rejects(
    TestClient.connect(t, wsUrl, from('127.0.0.6', { 'X-Forwarded-For': '203.0.113.9' })),
    /HTTP 429/,
    'a forged X-Forwarded-For does not make 127.0.0.6 someone else',
  );
  const other = await TestClient.connect(t, wsUrl, from('127.0.0.7'));
  await other.identify('another-client');
});

test('without --trust-proxy every client behind nginx is nginx: one shared per-IP limit', async (t) => {
  const { port } = await startServer(t, { maxConnectionsPerIp: 1 });
  const nginx = await startNginx(t, port);
  const wsUrl = `ws://127.0.0.1:${nginx.port}/ws`;
  await TestClient.connect(t, wsUrl, from('127.0.0.5'));
  await assert.rejects(TestClient.connect(t, wsUrl, from('127.0.0.6')), /HTTP 429/);
});

test('the demo works through nginx: two Chromium pages chat over a data channel', async (t) => {
  if (!haveBrowser(t)) return;
  const { port } = await startDemoServer(t, { trustProxy: ['127.0.0.1'] });
  const nginx = await startNginx(t, port);
  const browser = await launchBrowser(t);
  const [alice, bob] = await pagesInRoom(browser, nginx.url, 'via-nginx', ['alice', 'bob']);
  assert.ok(alice && bob);
  await waitForChannel(alice, 'bob');
  await waitForChannel(bob, 'alice');
  await sendChat(alice, 'hello through the proxy');
  await waitForChat(bob, 'alice', 'hello through the proxy');
});
