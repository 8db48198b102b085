import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startServer } from '../helpers/test-server.js';
import { TestClient } from '../helpers/test-client.js';
import { tryUpgrade } from './helpers/upgrade.js';

test('origin check at the handshake: own origin, listed and wildcard origins pass; the rest get 403', async (t) => {
  const { wsUrl, port } = await startServer(t, {
    allowedOrigins: ['https://app.example.com', 'https://*.example.net'],
  });
  const own = `http://127.0.0.1:${port}`;
  const cases: Array<[string | undefined, number, string]> = [
    [undefined, 101, 'no Origin (a non-browser client)'],
    [own, 101, 'own origin'],
    ['null', 403, 'null'],
    [`http://127.0.0.1:${port + 1}`, 403, 'own host, other port'],
    [`https://127.0.0.1:${port}`, 403, 'own host and port, other scheme'],
    [`http://localhost:${port}`, 403, 'another name for the same host'],
    ['https://app.example.com', 101, 'listed'],
    ['https://app.example.com:443', 101, 'listed, explicit default port'],
    ['http://app.example.com', 403, 'listed host, other scheme'],
    ['https://app.example.com.evil.com', 403, 'example.com.evil.com'],
    ['https://a.example.net', 101, 'wildcard subdomain'],
    ['https://a.b.example.net', 101, 'wildcard, deeper subdomain'],
    ['https://example.net', 403, 'wildcard never matches the apex'],
    ['https://evilexample.net', 403, 'wildcard suffix without a dot'],
    ['https://example.net.evil.com', 403, 'wildcard domain as a prefix'],
    ['http://evil.com', 403, 'a foreign site'],
  ];
  for (const [origin, expected, why] of cases) {
    const { status } = await tryUpgrade(wsUrl, origin === undefined ? {} : { Origin: origin });
    assert.equal(status, expected, `${why}: Origin ${origin ?? '(none)'}`);
  }
  // The server is unharmed: a real client still gets through and is served.
  const client = await TestClient.connect(t, wsUrl, { origin: 'https://a.example.net' });
  await client.identify('after-origin-checks');
});

test('--require-origin refuses clients without an Origin header', async (t) => {
  const { wsUrl, port } = await startServer(t, { requireOrigin: true });
  assert.equal((await tryUpgrade(wsUrl)).status, 403);
  assert.equal((await tryUpgrade(wsUrl, { Origin: `http://127.0.0.1:${port}` })).status, 101);
  await assert.rejects(TestClient.connect(t, wsUrl), /HTTP 403/);
});

test('--allowed-origins * accepts any origin, even null, and is logged as a warning at start', async (t) => {
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as { level: number; msg: string });
      done();
    },
  });
  const logger = pino({ level: 'warn' }, sink);
  const { wsUrl } = await startServer(t, { allowedOrigins: ['*'] }, { logger });
  assert.ok(
    lines.some((l) => l.level === 40 && l.msg.includes('--allowed-origins contains *')),
    JSON.stringify(lines),
  );
  assert.equal((await tryUpgrade(wsUrl, { Origin: 'http://evil.com' })).status, 101);
  assert.equal((await tryUpgrade(wsUrl, { Origin: 'null' })).status, 101);
});

test('an unusable --allowed-origins entry stops start-up', async () => {
  const { createServer } = await import('../../src/server.js');
  await assert.rejects(
    createServer({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      allowedOrigins: ['https://a.*.example.com'],
    }),
    /allowed-origins/,
  );
});
