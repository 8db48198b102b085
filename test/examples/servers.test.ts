/**
 * The server examples (plain node:http, Express, Fastify, a Next.js custom server) run as users
 * run them: each serves its own page and signalroom's health route, carries identify → join →
 * relay for real WebSocket clients, and exits cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { peersInRoom } from '../helpers/test-client.js';
import { ROOT, startExampleServer, stopsCleanly, type ExampleServer } from './support/example-process.js';

/** The app's page, signalroom's readiness route and a relayed offer between two clients. */
async function servesAppAndSignaling(t: TestContext, server: ExampleServer, page: RegExp): Promise<void> {
  assert.match(await (await fetch(server.httpUrl)).text(), page);
  assert.deepEqual(await (await fetch(`${server.httpUrl}/readyz`)).json(), { status: 'ready' });
  const [alice, bob] = await peersInRoom(t, server.wsUrl, 'example-room', 2);
  alice!.send({ type: 'SDP_OFFER', toPeerId: bob!.peerId, sdp: { type: 'offer', sdp: 'v=0' } });
  assert.equal((await bob!.next('SDP_OFFER')).fromPeerId, alice!.peerId);
  alice!.terminate();
  bob!.terminate();
}

for (const [name, page] of [
  ['node-http', /my node:http app/],
  ['express', /my express app/],
  ['fastify', /my fastify app/],
] as const) {
  test(`examples/${name}: the app, signalroom's routes and signaling on one server`, async (t) => {
    const server = await startExampleServer(t, `examples/${name}/server.mjs`);
    await servesAppAndSignaling(t, server, page);
    await stopsCleanly(server);
  });
}

test('examples/nextjs: a built Next.js app and signaling on one http.Server', async (t) => {
  const dir = join(ROOT, 'examples/nextjs');
  t.after(() => rmSync(join(dir, '.next'), { recursive: true, force: true }));
  const built = spawnSync(process.execPath, [join(ROOT, 'node_modules/next/dist/bin/next'), 'build', dir], {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    encoding: 'utf8',
  });
  assert.equal(built.status, 0, built.stdout + built.stderr);
  const server = await startExampleServer(t, 'examples/nextjs/server.mjs', { NODE_ENV: 'production' });
  await servesAppAndSignaling(t, server, /<h1>Next\.js with signalroom<\/h1>/);
  await stopsCleanly(server);
});
