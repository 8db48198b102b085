// Slow and idle HTTP connections: every TCP connection counts against the per-IP and node limits
// (not only WebSocket upgrades), and request headers and bodies have deadlines (408).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { attachSignaling } from '../../src/index.js';
import { startServer } from '../helpers/test-server.js';
import { tryUpgrade } from './helpers/upgrade.js';
import { eventually } from './helpers/eventually.js';

/** A TCP connection from `localAddress` that has sent `opening` and then nothing; destroyed after the test. */
async function openSocket(t: TestContext, port: number, localAddress: string, opening = ''): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => undefined);
  t.after(() => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  if (opening) socket.write(opening);
  return socket;
}

/** Write `opening`, then one byte of `drip` every 100 ms until the server closes; what it answered. */
function dripUntilClosed(port: number, opening: string, drip: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(opening));
    let answer = '';
    let sent = 0;
    const timer = setInterval(() => {
      if (!socket.destroyed) socket.write(drip[sent++ % drip.length] as string);
    }, 100);
    const safety = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`the server kept the slow request open for 15 s (answered ${JSON.stringify(answer)})`),
      );
    }, 15_000);
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(safety);
      resolve(answer);
    });
  });
}

test('defaults: headers within 10 s, whole requests within 30 s', async () => {
  const { defineConfig } = await import('../../src/config.js');
  const config = defineConfig();
  assert.equal(config.httpHeadersTimeoutMs, 10_000);
  assert.equal(config.httpRequestTimeoutMs, 30_000);
});

test('idle HTTP connections count against the per-IP limit; another IP is still served', async (t) => {
  const { wsUrl, port } = await startServer(t, { maxConnectionsPerIp: 3 });
  const held = [];
  for (let i = 0; i < 3; i++) held.push(await openSocket(t, port, '127.0.0.2', 'GET / HTTP/1.1\r\n'));
  assert.equal((await tryUpgrade(wsUrl, {}, { localAddress: '127.0.0.2' })).status, 429);
  const page = await new Promise<number>((resolve, reject) => {
    http
      .get({ port, host: '127.0.0.1', localAddress: '127.0.0.2', path: '/healthz' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
  assert.equal(page, 429, 'a plain HTTP request from the same IP is refused too');
  assert.equal((await tryUpgrade(wsUrl, {}, { localAddress: '127.0.0.3' })).status, 101);
  held[0]?.destroy();
  await eventually(
    async () => assert.equal((await tryUpgrade(wsUrl, {}, { localAddress: '127.0.0.2' })).status, 101),
    'a closed socket frees its slot',
  );
});

test('idle HTTP connections count against the node limit: 503', async (t) => {
  const { wsUrl, port } = await startServer(t, { maxConnections: 3 });
  for (let i = 0; i < 3; i++) await openSocket(t, port, `127.0.0.${4 + i}`);
  assert.equal((await tryUpgrade(wsUrl, {}, { localAddress: '127.0.0.8' })).status, 503);
});

test('a request body sent a byte at a time is cut off with 408 at --http-request-timeout-ms', async (t) => {
  const { port } = await startServer(t, { httpHeadersTimeoutMs: 1000, httpRequestTimeoutMs: 1500 });
  const opening =
    'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n';
  const answer = await dripUntilClosed(port, opening, 'x');
  assert.match(answer, /^HTTP\/1\.1 408/);
});

test('request headers sent a byte at a time are cut off with 408 at --http-headers-timeout-ms', async (t) => {
  const { port } = await startServer(t, { httpHeadersTimeoutMs: 1000, httpRequestTimeoutMs: 5000 });
  const answer = await dripUntilClosed(port, 'GET /ws HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n');
  assert.match(answer, /^HTTP\/1\.1 408/);
});

test('headers timeout above the request timeout is refused at start-up', async () => {
  const { defineConfig } = await import('../../src/config.js');
  const { checkCombinations } = await import('../../src/module-options.js');
  assert.throws(
    () => checkCombinations(defineConfig({ httpHeadersTimeoutMs: 40_000, httpRequestTimeoutMs: 30_000 })),
    /--http-headers-timeout-ms/,
  );
});

test('embedded (attachSignaling): the app server’s connections count too, and its routes still work', async (t) => {
  const server = http.createServer((_req, res) => res.end('my app'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const signaling = await attachSignaling(server, { logLevel: 'silent', maxConnectionsPerIp: 2 });
  t.after(async () => {
    await signaling.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  for (let i = 0; i < 2; i++) await openSocket(t, port, '127.0.0.9');
  assert.equal(
    (await tryUpgrade(`ws://127.0.0.1:${port}/ws`, {}, { localAddress: '127.0.0.9' })).status,
    429,
  );
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'my app');
  assert.equal((await tryUpgrade(`ws://127.0.0.1:${port}/ws`)).status, 101);
});
