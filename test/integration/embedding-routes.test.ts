// Every option of attachSignaling works or is refused; the HTTP routes as a Fastify plugin and as
// a (req, res, next) handler, mounted on the app's own server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import WebSocket from 'ws';
import { requestIceServers, iceServersUrlFor } from '../../client/ice-servers.js';
import { SignalingClient } from '../../client/signaling-client.js';
import {
  attachSignaling,
  ConfigError,
  signalroomRequestHandler,
  signalroomRoutes,
  type Config,
} from '../../src/index.js';
import { closeHttpServer, embeddedApp } from '../helpers/embedded-app.js';
import { freePort } from '../helpers/redis-server.js';
import { identifiedClient } from '../helpers/test-client.js';

const TURN: Partial<Config> = {
  turnUrls: ['turn:turn.example.com:3478?transport=udp'],
  turnSecret: ['embedded-turn-secret'],
};
const ADMIN = 'admin-token-0123456789';
const METRICS = 'metrics-token-0123456789';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

test('embedded with TURN, the SDK renews its credentials at /api/ice-servers on the app’s own server', async (t) => {
  const { port, httpUrl } = await embeddedApp(t, { ...TURN, turnTtl: 600 });
  const client = new SignalingClient({ url: `ws://127.0.0.1:${port}/ws`, WebSocket });
  t.after(() => client.close());
  await client.connect();
  const me = await client.identify('alice');
  assert.ok(me.iceServers?.[0]?.username?.endsWith(`:${me.peerId}`));

  // Exactly the request the SDK's renewal makes: default URL, the session's bearer.
  const url = iceServersUrlFor(client.url);
  assert.equal(url, `${httpUrl}/api/ice-servers`);
  const renewed = await requestIceServers(url as string, { token: client.apiToken });
  assert.equal(renewed?.ttlSeconds, 600);
  assert.ok(renewed?.iceServers[0]?.username?.endsWith(`:${me.peerId}`));
  // Without the session's token: refused, not answered by the app.
  assert.equal((await fetch(url as string)).status, 401);
  assert.equal(await (await fetch(`${httpUrl}/api/other`)).text(), 'my app: GET /api/other');
});

test('embedded with adminToken and metricsToken: the admin API and /metrics answer, guarded', async (t) => {
  const { port, httpUrl } = await embeddedApp(t, { adminToken: ADMIN, metricsToken: METRICS });
  await identifiedClient(t, `ws://127.0.0.1:${port}/ws`, 'bob');

  const stats = await fetch(`${httpUrl}/api/stats`, { headers: bearer(ADMIN) });
  assert.equal(stats.status, 200);
  assert.equal(((await stats.json()) as { peers: number }).peers, 1);
  assert.equal((await fetch(`${httpUrl}/api/stats`)).status, 401);
  const metrics = await fetch(`${httpUrl}/metrics`, { headers: bearer(METRICS) });
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /signalroom_connections/);
  assert.equal((await fetch(`${httpUrl}/metrics`)).status, 401);

  // Everything else is the app's, request bodies included; health is never taken from it.
  const posted = await fetch(`${httpUrl}/api/orders`, { method: 'POST', body: '{"n":1}' });
  assert.equal(await posted.text(), 'my app: POST /api/orders {"n":1}');
  assert.equal(await (await fetch(`${httpUrl}/healthz`)).text(), 'my app: GET /healthz');
});

test('without those options attachSignaling answers no HTTP request; after close() the app gets its paths back', async (t) => {
  const plain = await embeddedApp(t);
  for (const path of ['/api/ice-servers', '/api/stats', '/metrics', '/healthz'])
    assert.equal(await (await fetch(`${plain.httpUrl}${path}`)).text(), `my app: GET ${path}`);

  const withAdmin = await embeddedApp(t, { adminToken: ADMIN });
  assert.equal((await fetch(`${withAdmin.httpUrl}/api/stats`)).status, 401);
  await withAdmin.signaling.close();
  assert.equal(await (await fetch(`${withAdmin.httpUrl}/api/stats`)).text(), 'my app: GET /api/stats');
});

test('embedded with metricsPort, /metrics listens on its own port until close()', async (t) => {
  const metricsPort = await freePort();
  const { signaling } = await embeddedApp(t, { metricsPort, host: '127.0.0.1', metricsToken: METRICS });
  const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: bearer(METRICS) });
  assert.equal(scrape.status, 200);
  await signaling.close();
  await assert.rejects(fetch(`http://127.0.0.1:${metricsPort}/metrics`));
});

test('when metricsPort cannot listen, attachSignaling rejects and leaves the app’s server as it was', async (t) => {
  const taken = http.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => closeHttpServer(taken));
  const metricsPort = (taken.address() as AddressInfo).port;
  const server = http.createServer((req, res) => res.end(`mine: ${req.url}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => closeHttpServer(server));
  await assert.rejects(
    attachSignaling(server, { logLevel: 'silent', metricsPort, host: '127.0.0.1', adminToken: ADMIN }),
    /EADDRINUSE/,
  );
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  assert.equal(await (await fetch(`${base}/api/stats`)).text(), 'mine: /api/stats');
});

test('options that cannot apply to an embedded server are refused, naming the option and what to do', async () => {
  const server = http.createServer();
  const refusals: Array<[Partial<Config>, RegExp]> = [
    [{ port: 3000 }, /'port'.*server\.listen/],
    [{ staticDir: '/srv/www' }, /'staticDir'.*createServer/],
    [{ tlsCert: 'cert.pem', tlsKey: 'key.pem' }, /'tlsCert'.*https\.createServer/],
    [{ drainTimeoutMs: 100 }, /'drainTimeoutMs'/],
    [{ host: '127.0.0.1' }, /'host'.*metricsPort/],
  ];
  for (const [options, message] of refusals) {
    await assert.rejects(attachSignaling(server, { logLevel: 'silent', ...options }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, message);
      return true;
    });
  }
  // Defaults, as a full config from loadConfig carries them, are fine.
  const signaling = await attachSignaling(server, { logLevel: 'silent', port: 8080, drainTimeoutMs: 10_000 });
  await signaling.close();
});

test('signalroomRequestHandler serves health, readiness and metrics in a node:http app; the rest goes to next()', async (t) => {
  let routes: ReturnType<typeof signalroomRequestHandler> | null = null;
  const server = http.createServer((req, res) =>
    routes?.(req, res, () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`my app: ${req.url}`);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const signaling = await attachSignaling(server, { logLevel: 'silent', ...TURN });
  routes = signalroomRequestHandler(signaling);
  t.after(async () => {
    await signaling.close();
    await closeHttpServer(server);
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: 'ok' });
  assert.deepEqual(await (await fetch(`${base}/readyz`)).json(), { status: 'ready' });
  assert.match(await (await fetch(`${base}/metrics`)).text(), /signalroom_connections/);
  assert.equal(await (await fetch(`${base}/elsewhere`)).text(), 'my app: /elsewhere');

  // Without next, what matches no route is answered 404 by the handler itself.
  const alone = signalroomRequestHandler(signaling, { routes: ['health'] });
  const standalone = http.createServer((req, res) => alone(req, res));
  await new Promise<void>((resolve) => standalone.listen(0, '127.0.0.1', resolve));
  t.after(() => closeHttpServer(standalone));
  const aloneBase = `http://127.0.0.1:${(standalone.address() as AddressInfo).port}`;
  assert.equal((await fetch(`${aloneBase}/healthz`)).status, 200);
  assert.equal((await fetch(`${aloneBase}/metrics`)).status, 404);
});

test('signalroomRoutes mounts the routes on a Fastify app, under a prefix if given', async (t) => {
  const app = Fastify();
  app.get('/mine', async () => 'my route');
  const signaling = await attachSignaling(app.server, { logLevel: 'silent', adminToken: ADMIN });
  await app.register(signalroomRoutes, { signaling, prefix: '/signal' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(async () => {
    await signaling.close();
    await app.close();
  });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  assert.equal((await fetch(`${base}/signal/readyz`)).status, 200);
  assert.equal((await fetch(`${base}/signal/api/stats`, { headers: bearer(ADMIN) })).status, 200);
  assert.equal(await (await fetch(`${base}/mine`)).text(), 'my route');
  await identifiedClient(t, `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws`, 'carol');
});
