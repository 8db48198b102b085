import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { IceServerIssuer, turnPassword } from '../../src/auth/turn.js';
import { defineConfig } from '../../src/config.js';
import { checkCombinations } from '../../src/module-options.js';
import { startServer } from '../helpers/test-server.js';
import { TestClient, identifiedClient } from '../helpers/test-client.js';

const TURN = {
  stunUrls: ['stun:turn.example.com:3478'],
  turnUrls: ['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349'],
  turnSecret: ['current-secret', 'previous-secret'],
};

test('turnPassword is base64 HMAC-SHA1 of the username (the vector coturn checks)', () => {
  // Computed independently of the module under test.
  const expected = createHmac('sha1', 'north').update('1700000000:peer').digest('base64');
  assert.equal(turnPassword('1700000000:peer', 'north'), expected);
  assert.equal(turnPassword('1700000000:peer', 'north').length, 28);
});

test('IceServerIssuer: expiry = now + ttl, username <expiry>:<peerId>, the first secret signs', () => {
  const issuer = new IceServerIssuer(
    { stunUrls: TURN.stunUrls, turnUrls: TURN.turnUrls, secrets: TURN.turnSecret, ttlSeconds: 600 },
    () => 1_700_000_000_500,
  );
  const servers = issuer.issue('peer-1');
  assert.deepEqual(servers, [
    { urls: TURN.stunUrls },
    {
      urls: TURN.turnUrls,
      username: '1700000600:peer-1',
      credential: turnPassword('1700000600:peer-1', 'current-secret'),
    },
  ]);
  const none = new IceServerIssuer({ stunUrls: [], turnUrls: [], secrets: [], ttlSeconds: 600 });
  assert.equal(none.enabled, false);
  assert.equal(none.issue('p'), undefined);
});

test('TURN options: ttl defaults to 6 h; urls and secret only together; short tokens refused', () => {
  assert.equal(defineConfig().turnTtl, 21_600);
  assert.throws(() => checkCombinations(defineConfig({ turnUrls: TURN.turnUrls })), /--turn-secret/);
  assert.throws(() => checkCombinations(defineConfig({ turnSecret: ['s'] })), /--turn-urls/);
  assert.throws(() => checkCombinations(defineConfig({ adminToken: 'short' })), /--admin-token/);
  assert.throws(() => checkCombinations(defineConfig({ metricsToken: 'short' })), /--metrics-token/);
  checkCombinations(defineConfig({ turnUrls: TURN.turnUrls, turnSecret: TURN.turnSecret }));
});

test('AUTH_SUCCESS carries iceServers with credentials for the peer, only when configured', async (t) => {
  const { wsUrl } = await startServer(t, { ...TURN, turnTtl: 3600 });
  const before = Math.floor(Date.now() / 1000);
  const client = await TestClient.connect(t, wsUrl);
  const ok = await client.identify('alice');
  const after = Math.floor(Date.now() / 1000);
  const [stun, turn] = ok.iceServers as { urls: string[]; username?: string; credential?: string }[];
  assert.deepEqual(stun, { urls: TURN.stunUrls });
  assert.ok(turn);
  const [expiry, peerId] = (turn.username as string).split(':');
  assert.equal(peerId, ok.peerId);
  assert.ok(Number(expiry) >= before + 3600 && Number(expiry) <= after + 3600, 'expiry = now + ttl');
  assert.equal(turn.credential, turnPassword(turn.username as string, 'current-secret'));

  const plain = await startServer(t);
  const other = await identifiedClient(t, plain.wsUrl, 'bob');
  assert.equal(other.received.find((m) => m.type === 'AUTH_SUCCESS')?.iceServers, undefined);
});

test('GET /api/ice-servers: fresh credentials for the bearer of an identified connection', async (t) => {
  const { httpUrl, wsUrl } = await startServer(t, TURN);
  const token = 'client-token-for-alice';
  const client = await TestClient.connect(t, wsUrl);
  const ok = await client.identify('alice', { token });
  const res = await fetch(`${httpUrl}/api/ice-servers`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const body = (await res.json()) as {
    iceServers: { username?: string; credential?: string }[];
    ttlSeconds: number;
  };
  assert.equal(body.ttlSeconds, 21_600);
  const username = body.iceServers[1]?.username ?? '';
  assert.ok(username.endsWith(`:${ok.peerId}`));
  assert.equal(body.iceServers[1]?.credential, turnPassword(username, 'current-secret'));

  for (const headers of [{}, { authorization: 'Bearer not-a-live-token' }] as Record<string, string>[]) {
    const refused = await fetch(`${httpUrl}/api/ice-servers`, { headers });
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { error: string }).error, 'UNAUTHORIZED');
  }
  // Once the connection is gone its token no longer works.
  await client.close();
  for (let i = 0; i < 100; i++) {
    const res2 = await fetch(`${httpUrl}/api/ice-servers`, { headers: { authorization: `Bearer ${token}` } });
    if (res2.status === 401) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail('the token of a closed connection still worked');
});

test('GET /api/ice-servers accepts the ?token= of the upgrade URL as well', async (t) => {
  const { httpUrl, wsUrl } = await startServer(t, TURN);
  const client = await TestClient.connect(t, `${wsUrl}?token=url-token-123`);
  await client.identify('carol');
  const res = await fetch(`${httpUrl}/api/ice-servers`, {
    headers: { authorization: 'Bearer url-token-123' },
  });
  assert.equal(res.status, 200);
});
