import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { startServer } from '../helpers/test-server.js';
import { TestClient } from '../helpers/test-client.js';
import { tryUpgrade } from './helpers/upgrade.js';
import { eventually } from './helpers/eventually.js';
import { TrustedProxies, clientAddress } from '../../src/transport/client-address.js';
import { ConnectionAdmission } from '../../src/transport/admission.js';
import { defineConfig } from '../../src/config.js';

test('defaults: 10,000 connections per node, 2,000 per IP, attempts per IP 200 at once then 50 a second', () => {
  const config = defineConfig();
  assert.equal(config.maxConnections, 10_000);
  assert.equal(config.maxConnectionsPerIp, 2000);
  assert.equal(config.maxConnectionAttemptsPerIp, 50);
  assert.equal(config.connectionAttemptBurst, 200);
  assert.deepEqual(config.trustProxy, []);
});

test('concurrent connections per IP: the one over the limit gets 429, a closed one frees its slot', async (t) => {
  const { wsUrl, server } = await startServer(t, { maxConnectionsPerIp: 3 });
  const clients = [];
  for (let i = 0; i < 3; i++) clients.push(await TestClient.connect(t, wsUrl));
  assert.equal((await tryUpgrade(wsUrl)).status, 429);
  await (clients[0] as TestClient).close();
  await eventually(async () => assert.equal((await tryUpgrade(wsUrl)).status, 101), 'slot freed');
  await eventually(() => assert.equal(server.core.stats().connections, 2), 'probe connection cleaned up');
});

test('total connections per node: the one over the limit gets 503', async (t) => {
  const { wsUrl } = await startServer(t, { maxConnections: 2 });
  await TestClient.connect(t, wsUrl);
  await TestClient.connect(t, wsUrl);
  assert.equal((await tryUpgrade(wsUrl)).status, 503);
  await assert.rejects(TestClient.connect(t, wsUrl), /HTTP 503/);
});

test('connection attempts per IP: a burst beyond the limit gets 429', async (t) => {
  const { wsUrl } = await startServer(t, { maxConnectionAttemptsPerIp: 5, connectionAttemptBurst: 5 });
  const outcomes = await Promise.all(Array.from({ length: 30 }, () => tryUpgrade(wsUrl)));
  const refused = outcomes.filter((o) => o.status === 429).length;
  const accepted = outcomes.filter((o) => o.status === 101).length;
  console.log(`# 30 parallel upgrades, limit 5/s: ${accepted} accepted, ${refused} refused with 429`);
  assert.ok(refused >= 1, 'some attempts refused');
  assert.ok(accepted >= 5, 'the first five accepted');
  assert.equal(accepted + refused, 30);
});

test('an upgrade with 2,000 headers is refused with 431, the server unharmed', async (t) => {
  const { wsUrl } = await startServer(t);
  const headers: Record<string, string> = {};
  for (let i = 0; i < 2000; i++) headers[`x-h${i}`] = 'v';
  assert.equal((await tryUpgrade(wsUrl, headers)).status, 431);
  const client = await TestClient.connect(t, wsUrl);
  await client.identify('still-served');
});

test('--trust-proxy: per-IP limits count the X-Forwarded-For client of a trusted proxy', async (t) => {
  const { wsUrl } = await startServer(t, { maxConnectionsPerIp: 2, trustProxy: ['127.0.0.1'] });
  const from = (ip: string) => ({ headers: { 'X-Forwarded-For': ip } });
  await TestClient.connect(t, wsUrl, from('203.0.113.1'));
  await TestClient.connect(t, wsUrl, from('198.51.100.7, 203.0.113.1'));
  assert.equal((await tryUpgrade(wsUrl, { 'X-Forwarded-For': '203.0.113.1' })).status, 429);
  // The leftmost entries are the client's own words: they do not change who it is.
  assert.equal((await tryUpgrade(wsUrl, { 'X-Forwarded-For': '10.9.9.9, 203.0.113.1' })).status, 429);
  assert.equal((await tryUpgrade(wsUrl, { 'X-Forwarded-For': '203.0.113.2' })).status, 101);
});

test('without --trust-proxy X-Forwarded-For is ignored: everyone from 127.0.0.1 shares one limit', async (t) => {
  const { wsUrl } = await startServer(t, { maxConnectionsPerIp: 2 });
  await TestClient.connect(t, wsUrl, { headers: { 'X-Forwarded-For': '203.0.113.1' } });
  await TestClient.connect(t, wsUrl, { headers: { 'X-Forwarded-For': '203.0.113.2' } });
  assert.equal((await tryUpgrade(wsUrl, { 'X-Forwarded-For': '203.0.113.3' })).status, 429);
});

test('X-Forwarded-Proto https from a trusted proxy makes the own origin https', async (t) => {
  const { wsUrl, port } = await startServer(t, { trustProxy: ['127.0.0.0/8'] });
  const origin = `https://127.0.0.1:${port}`;
  assert.equal((await tryUpgrade(wsUrl, { Origin: origin })).status, 403);
  assert.equal((await tryUpgrade(wsUrl, { Origin: origin, 'X-Forwarded-Proto': 'https' })).status, 101);
});

/** A request as node:http hands it over, reduced to what clientAddress reads. */
function request(remoteAddress: string, headers: Record<string, string> = {}): IncomingMessage {
  return { socket: { remoteAddress }, headers } as unknown as IncomingMessage;
}

test('clientAddress: right-to-left through trusted hops only', () => {
  const proxies = new TrustedProxies(['10.0.0.0/8', '::1']);
  const none = new TrustedProxies([]);
  assert.equal(
    clientAddress(request('203.0.113.5', { 'x-forwarded-for': '1.1.1.1' }), proxies).ip,
    '203.0.113.5',
  );
  assert.equal(clientAddress(request('10.0.0.2', { 'x-forwarded-for': '1.1.1.1' }), proxies).ip, '1.1.1.1');
  assert.equal(
    clientAddress(request('10.0.0.2', { 'x-forwarded-for': '6.6.6.6, 1.1.1.1, 10.0.0.3' }), proxies).ip,
    '1.1.1.1',
  );
  assert.equal(clientAddress(request('10.0.0.2', { 'x-forwarded-for': 'garbage' }), proxies).ip, '10.0.0.2');
  assert.equal(clientAddress(request('10.0.0.2'), proxies).ip, '10.0.0.2');
  assert.equal(
    clientAddress(request('::ffff:10.0.0.2', { 'x-forwarded-for': '2.2.2.2' }), proxies).ip,
    '2.2.2.2',
  );
  assert.equal(
    clientAddress(request('::1', { 'x-forwarded-for': '2001:db8::1' }), proxies).ip,
    '2001:db8::1',
  );
  assert.equal(
    clientAddress(request('::ffff:10.0.0.2', { 'x-forwarded-for': '2.2.2.2' }), none).ip,
    '10.0.0.2',
  );
  assert.equal(
    clientAddress(request('10.0.0.2', { 'x-forwarded-proto': 'https' }), proxies).forwardedHttps,
    true,
  );
  assert.equal(
    clientAddress(request('8.8.8.8', { 'x-forwarded-proto': 'https' }), proxies).forwardedHttps,
    false,
  );
  assert.throws(() => new TrustedProxies(['10.0.0.0/8/1']), /--trust-proxy/);
  assert.throws(() => new TrustedProxies(['proxy.local']), /--trust-proxy/);
});

test('ConnectionAdmission: per-IP entries are dropped once idle, so the table does not grow', () => {
  let now = 0;
  const admission = new ConnectionAdmission(
    { maxConnections: 10, maxConnectionsPerIp: 1, maxAttemptsPerIpPerSecond: 2, attemptBurst: 2 },
    () => now,
  );
  assert.equal(admission.admitSocket('a'), null);
  assert.equal(admission.admitSocket('a')?.reason, 'ip-connections');
  assert.equal(admission.attempt('a'), null);
  assert.equal(admission.attempt('a'), null);
  assert.equal(admission.attempt('a')?.reason, 'ip-attempts');
  assert.equal(admission.admitSocket(null), null, "a trusted proxy's connection takes a node slot only");
  assert.equal(admission.openConnections(), 2);
  now = 1000;
  admission.releaseSocket('a');
  admission.releaseSocket(null);
  assert.equal(admission.trackedIps(), 0);
  assert.equal(admission.openConnections(), 0);
  admission.releaseSocket('a');
  assert.equal(admission.openConnections(), 0, 'a double release changes nothing');
});

test('ConnectionAdmission: attempts are a token bucket, a burst at once and then a steady rate', () => {
  let now = 1_000_000;
  const admission = new ConnectionAdmission(
    { maxConnections: 10_000, maxConnectionsPerIp: 10_000, maxAttemptsPerIpPerSecond: 50, attemptBurst: 200 },
    () => now,
  );
  for (let i = 0; i < 200; i++) assert.equal(admission.attempt('school'), null, `attempt ${i}`);
  assert.equal(admission.attempt('school')?.reason, 'ip-attempts');
  assert.equal(admission.attempt('elsewhere'), null, 'another IP has a bucket of its own');
  now += 20;
  assert.equal(admission.attempt('school'), null, 'one more every 20 ms');
  assert.equal(admission.attempt('school')?.reason, 'ip-attempts');
  now += 4000;
  assert.equal(admission.trackedIps(), 2);
  for (let i = 0; i < 200; i++) assert.equal(admission.attempt('school'), null, 'full again after 4 s');
});
