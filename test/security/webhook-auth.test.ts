import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServer } from '../helpers/test-server.js';
import { TestClient } from '../helpers/test-client.js';
import { expectRefused, identifyOutcome } from './helpers/auth.js';

/** A real local auth endpoint whose answer depends on the username it is asked about. */
async function authEndpoint(
  t: TestContext,
): Promise<{ url: string; requests: Array<Record<string, unknown>> }> {
  const requests: Array<Record<string, unknown>> = [];
  const hanging: ServerResponse[] = [];
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      requests.push({ ...body, method: req.method, contentType: req.headers['content-type'] });
      switch (body.username) {
        case 'ok':
          res.writeHead(200).end();
          return;
        case 'rename':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ username: 'Renamed', rooms: ['allowed'] }));
          return;
        case 'slow':
          hanging.push(res);
          return;
        case 'garbage':
          res.writeHead(200).end('this is not json');
          return;
        case 'huge':
          res.writeHead(200).end(JSON.stringify({ username: 'x', pad: 'p'.repeat(200_000) }));
          return;
        case 'redirect':
          res.writeHead(302, { location: '/elsewhere' }).end();
          return;
        case 'wrong-types':
          res.writeHead(200).end(JSON.stringify({ username: 42 }));
          return;
        default:
          res.writeHead(403).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth`, requests };
}

test('--auth webhook: 200 with an empty body accepts the claimed name; only known fields are sent', async (t) => {
  const endpoint = await authEndpoint(t);
  const { wsUrl } = await startServer(t, { auth: 'webhook', authUrl: endpoint.url });
  const plain = await TestClient.connect(t, wsUrl);
  assert.equal((await plain.identify('ok')).username, 'ok');
  assert.deepEqual(endpoint.requests.at(-1), {
    username: 'ok',
    ip: '127.0.0.1',
    method: 'POST',
    contentType: 'application/json',
  });
});

test('--auth webhook: the request carries username, ip, origin and token; the answer renames and limits rooms', async (t) => {
  const endpoint = await authEndpoint(t);
  const { wsUrl, port } = await startServer(t, { auth: 'webhook', authUrl: endpoint.url });
  const origin = `http://127.0.0.1:${port}`;
  const client = await TestClient.connect(t, `${wsUrl}?token=url-token`, { origin });
  const answer = await client.identify('rename');
  assert.equal(answer.username, 'Renamed');
  assert.deepEqual(endpoint.requests.at(-1), {
    username: 'rename',
    ip: '127.0.0.1',
    origin,
    token: 'url-token',
    method: 'POST',
    contentType: 'application/json',
  });
  client.send({ type: 'JOIN_ROOM', roomId: 'elsewhere' });
  assert.equal((await client.next('ERROR')).code, 'FORBIDDEN_ROOM');
  await client.join('allowed');

  const withBodyToken = await identifyOutcome(t, wsUrl, { username: 'ok', token: 'body-token' });
  assert.equal(withBodyToken.answer.type, 'AUTH_SUCCESS');
  assert.equal(endpoint.requests.at(-1)?.token, 'body-token');
});

test('--auth webhook: refusal, timeout, bad answers and redirects all mean UNAUTHORIZED, never a hang', async (t) => {
  const endpoint = await authEndpoint(t);
  const { wsUrl } = await startServer(t, {
    auth: 'webhook',
    authUrl: endpoint.url,
    authTimeoutMs: 300,
    authFailuresPerMinute: 100,
  });
  for (const username of ['denied', 'slow', 'garbage', 'huge', 'redirect', 'wrong-types']) {
    const answer = await expectRefused(t, wsUrl, { username }, 'UNAUTHORIZED');
    if (username === 'slow') assert.match(answer.message as string, /did not answer in time/);
  }
  // The server is unharmed and the webhook still consulted.
  assert.equal((await identifyOutcome(t, wsUrl, { username: 'ok' })).answer.type, 'AUTH_SUCCESS');
});

test('--auth webhook: an unreachable endpoint means UNAUTHORIZED', async (t) => {
  const gone = createHttpServer();
  await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(gone.address() as AddressInfo).port}/auth`;
  await new Promise((resolve) => gone.close(resolve));
  const { wsUrl } = await startServer(t, { auth: 'webhook', authUrl: url });
  const answer = await expectRefused(t, wsUrl, { username: 'anyone' }, 'UNAUTHORIZED');
  assert.match(answer.message as string, /unreachable/);
});
