/**
 * CORS of `GET /api/ice-servers` (real HTTP requests): a page on an origin in `--allowed-origins`
 * may renew its TURN credentials from another origin, preflight included; the origin is echoed,
 * never `*`, with `Vary: Origin`, the Authorization header allowed and no credentialed CORS; an
 * origin not allowed gets no CORS header at all (its preflight 403).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startServer } from '../helpers/test-server.js';
import { TestClient } from '../helpers/test-client.js';

const TURN = { turnUrls: ['turn:turn.example.com:3478'], turnSecret: ['cors-test-secret'] };

/** A raw HTTP request (fetch may not send every header a browser sends, such as Origin). */
function send(
  url: string,
  method: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function preflight(url: string, origin: string, method = 'GET') {
  return send(url, 'OPTIONS', {
    origin,
    'access-control-request-method': method,
    'access-control-request-headers': 'authorization',
  });
}

function varies(value: string | string[] | undefined): string[] {
  return String(value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase());
}

test('CORS on /api/ice-servers: allowed origins get their origin echoed, preflight included; others get nothing', async (t) => {
  const { httpUrl, wsUrl } = await startServer(t, {
    ...TURN,
    allowedOrigins: ['https://app.example.com', 'https://*.pages.example.org'],
  });
  const url = `${httpUrl}/api/ice-servers`;
  const client = await TestClient.connect(t, wsUrl);
  await client.identify('alice', { token: 'alice-auth-token' });
  const bearer = { authorization: 'Bearer alice-auth-token' };

  for (const origin of ['https://app.example.com', 'https://a.b.pages.example.org']) {
    const pre = await preflight(url, origin);
    assert.equal(pre.status, 204, `preflight from ${origin}`);
    assert.equal(pre.headers['access-control-allow-origin'], origin, 'the origin echoed, not *');
    assert.equal(pre.headers['access-control-allow-methods'], 'GET');
    assert.deepEqual(varies(pre.headers['access-control-allow-headers']), ['authorization']);
    assert.ok(Number(pre.headers['access-control-max-age']) > 0);
    assert.ok(varies(pre.headers.vary).includes('origin'));
    assert.equal(pre.headers['access-control-allow-credentials'], undefined, 'no credentialed CORS');

    const ok = await send(url, 'GET', { ...bearer, origin });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['access-control-allow-origin'], origin);
    assert.ok(varies(ok.headers.vary).includes('origin'));
    assert.equal(ok.headers['access-control-allow-credentials'], undefined);
    assert.ok((JSON.parse(ok.body) as { iceServers: unknown[] }).iceServers.length > 0);

    // A refusal is readable by the page too, so it can tell a dead session from a network error.
    const refused = await send(url, 'GET', { authorization: 'Bearer wrong', origin });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers['access-control-allow-origin'], origin);
  }

  for (const origin of [
    'https://evil.example.net',
    'http://app.example.com',
    'https://pages.example.org',
    'null',
  ]) {
    const pre = await preflight(url, origin);
    assert.equal(pre.status, 403, `preflight from ${origin} refused`);
    assert.equal(JSON.parse(pre.body).error, 'ORIGIN_NOT_ALLOWED');
    assert.equal(pre.headers['access-control-allow-origin'], undefined);
    assert.equal(pre.headers['access-control-allow-headers'], undefined);
    const got = await send(url, 'GET', { ...bearer, origin });
    assert.equal(got.status, 200, 'the request itself is answered (a browser hides it from the page)');
    assert.equal(got.headers['access-control-allow-origin'], undefined, `no CORS for ${origin}`);
    assert.ok(varies(got.headers.vary).includes('origin'), 'a cache keeps the answers apart');
  }

  const post = await preflight(url, 'https://app.example.com', 'POST');
  assert.equal(post.status, 405);
  assert.equal(post.headers['access-control-allow-origin'], undefined);
  // No Origin (same-origin or not a browser): answered as before, no CORS headers.
  const plain = await send(url, 'GET', bearer);
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['access-control-allow-origin'], undefined);
});

test('CORS with --allowed-origins *: any origin is echoed, never the * wildcard, never with credentials', async (t) => {
  const { httpUrl } = await startServer(t, { ...TURN, allowedOrigins: ['*'] });
  const url = `${httpUrl}/api/ice-servers`;
  const pre = await preflight(url, 'https://anything.example');
  assert.equal(pre.status, 204);
  assert.equal(pre.headers['access-control-allow-origin'], 'https://anything.example');
  assert.equal(pre.headers['access-control-allow-credentials'], undefined);
  const got = await send(url, 'GET', { origin: 'https://anything.example', authorization: 'Bearer x' });
  assert.equal(got.status, 401);
  assert.equal(got.headers['access-control-allow-origin'], 'https://anything.example');
});

test('CORS without --allowed-origins: no CORS header, preflight refused', async (t) => {
  const { httpUrl } = await startServer(t, TURN);
  const pre = await preflight(`${httpUrl}/api/ice-servers`, 'https://app.example.com');
  assert.equal(pre.status, 403);
  assert.equal(pre.headers['access-control-allow-origin'], undefined);
});
