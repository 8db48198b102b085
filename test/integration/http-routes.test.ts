// HTTP routes around the WebSocket: a plain GET of the WebSocket path, and a web app served from memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { buildHttpApp } from '../../src/http/http-app.js';
import { identifiedClient } from '../helpers/test-client.js';
import { startServer } from '../helpers/test-server.js';

test('a plain GET of /ws answers 426 Upgrade Required; the WebSocket itself still works there', async (t) => {
  const { httpUrl, wsUrl } = await startServer(t);
  const response = await fetch(`${httpUrl}/ws`);
  assert.equal(response.status, 426);
  assert.equal(response.headers.get('upgrade'), 'websocket');
  const body = (await response.json()) as { error: string; message: string };
  assert.equal(body.error, 'UPGRADE_REQUIRED');
  assert.match(body.message, /ws:\/\//);
  await identifiedClient(t, wsUrl, 'alice');
});

test('the 426 follows --ws-path; the old path is an ordinary 404', async (t) => {
  const { httpUrl } = await startServer(t, { wsPath: '/signal' });
  assert.equal((await fetch(`${httpUrl}/signal`)).status, 426);
  assert.equal((await fetch(`${httpUrl}/ws`)).status, 404);
});

test('a web app held in memory is served at / with types and ETags', async (t) => {
  const app = await buildHttpApp({
    logger: pino({ level: 'silent' }),
    health: { isReady: () => true },
    timeouts: { headersMs: 10_000, requestMs: 30_000 },
    webApp: {
      files: new Map([
        ['index.html', Buffer.from('<!doctype html><title>x</title>')],
        ['app.js', Buffer.from('console.log(1)')],
      ]),
    },
  });
  t.after(() => app.close());
  const index = await app.inject({ url: '/' });
  assert.equal(index.statusCode, 200);
  assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(index.body, '<!doctype html><title>x</title>');
  const script = await app.inject({ url: '/app.js' });
  assert.equal(script.headers['content-type'], 'text/javascript; charset=utf-8');
  const etag = String(script.headers.etag);
  const again = await app.inject({ url: '/app.js', headers: { 'if-none-match': etag } });
  assert.equal(again.statusCode, 304);
  assert.equal((await app.inject({ url: '/missing.js' })).statusCode, 404);
});
