// IPv6 clients count per /64 (--ipv6-prefix-length): per-IP connections, attempt rate and the
// failed-identify throttle. Loopback has only ::1, so the clients are named by a trusted proxy's
// X-Forwarded-For, as test/security/connection-limits.test.ts does for IPv4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/test-server.js';
import { TestClient } from '../helpers/test-client.js';
import { tryUpgrade } from './helpers/upgrade.js';
import { defineConfig } from '../../src/config.js';
import { eventually } from './helpers/eventually.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const from = (ip: string) => ({ 'X-Forwarded-For': ip });

test('defaults: IPv6 clients count per /64', () => {
  assert.equal(defineConfig().ipv6PrefixLength, 64);
});

test('connections per IP count every address of one IPv6 /64 as one client', async (t) => {
  const { wsUrl } = await startServer(t, { maxConnectionsPerIp: 3, trustProxy: ['127.0.0.1'] });
  for (let i = 1; i <= 3; i++) await TestClient.connect(t, wsUrl, { headers: from(`2001:db8:1:2::${i}`) });
  // A fourth address of the same /64, however it is written, is the same client.
  assert.equal((await tryUpgrade(wsUrl, from('2001:db8:1:2:ffff:1:2:3'))).status, 429);
  assert.equal((await tryUpgrade(wsUrl, from('2001:0db8:0001:0002::99'))).status, 429);
  // The next /64 is another client.
  assert.equal((await tryUpgrade(wsUrl, from('2001:db8:1:3::1'))).status, 101);
});

test('an IPv4-mapped IPv6 address counts as its IPv4 address', async (t) => {
  const { wsUrl } = await startServer(t, { maxConnectionsPerIp: 1, trustProxy: ['127.0.0.1'] });
  await TestClient.connect(t, wsUrl, { headers: from('203.0.113.9') });
  assert.equal((await tryUpgrade(wsUrl, from('::ffff:203.0.113.9'))).status, 429);
  assert.equal((await tryUpgrade(wsUrl, from('::ffff:cb00:7109'))).status, 429);
});

test('--ipv6-prefix-length 128 counts each IPv6 address alone', async (t) => {
  const { wsUrl } = await startServer(t, {
    maxConnectionsPerIp: 1,
    trustProxy: ['127.0.0.1'],
    ipv6PrefixLength: 128,
  });
  await TestClient.connect(t, wsUrl, { headers: from('2001:db8:1:2::1') });
  assert.equal((await tryUpgrade(wsUrl, from('2001:db8:1:2::1'))).status, 429);
  assert.equal((await tryUpgrade(wsUrl, from('2001:db8:1:2::2'))).status, 101);
});

test('connection attempts per second count one /64 together', async (t) => {
  const { wsUrl } = await startServer(t, {
    maxConnectionAttemptsPerIp: 3,
    connectionAttemptBurst: 3,
    trustProxy: ['127.0.0.1'],
  });
  const outcomes = await Promise.all(
    Array.from({ length: 12 }, (_, i) => tryUpgrade(wsUrl, from(`2001:db8:9:9::${i + 1}`))),
  );
  const accepted = outcomes.filter((o) => o.status === 101).length;
  // The burst of 3, and at most a few more refilled at 3 a second while the 12 ran.
  assert.ok(accepted <= 6, `${accepted} of 12 accepted`);
  assert.ok(outcomes.some((o) => o.status === 429));
});

test('the failed-identify throttle counts one /64 together', async (t) => {
  const { wsUrl } = await startServer(t, {
    auth: 'jwt',
    jwtSecret: SECRET,
    authFailuresPerMinute: 3,
    trustProxy: ['127.0.0.1'],
  });
  const identify = async (ip: string) => {
    const client = await TestClient.connect(t, wsUrl, { headers: from(ip) });
    client.send({ type: 'IDENTIFY', username: 'guess', token: 'not-a-jwt' });
    return (await client.next('AUTH_ERROR')).code;
  };
  for (let i = 1; i <= 3; i++) assert.equal(await identify(`2001:db8:5:5::${i}`), 'UNAUTHORIZED');
  assert.equal(await identify('2001:db8:5:5:abcd::1'), 'RATE_LIMITED');
  assert.equal(await identify('2001:db8:5:6::1'), 'UNAUTHORIZED');
});

test('held peers per IP count one IPv6 /64 together', async (t) => {
  const { wsUrl, server } = await startServer(t, { resumeMaxHeldPerIp: 2, trustProxy: ['127.0.0.1'] });
  for (let i = 1; i <= 3; i++) {
    const client = await TestClient.connect(t, wsUrl, { headers: from(`2001:db8:5:5::${i}`) });
    await client.identify(`held-${i}`);
    client.terminate();
    await eventually(() => assert.equal(server.core.stats().connections, 0), 'the drop is seen');
  }
  // Three addresses of one /64 dropped: the cap of 2 held peers per client ended the oldest.
  await eventually(() => assert.equal(server.core.stats().held, 2), 'two held');
});
